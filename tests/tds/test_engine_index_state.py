"""sys.indexes.is_disabled (ALTER INDEX ... DISABLE / REBUILD) and has_filter /
filter_definition, straight against the engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.engine.errors import UNSUPPORTED
from tds_test_server.results import SessionInfo, TdsError

SCHEMA = """
CREATE TABLE dbo.Part (PartID int NOT NULL CONSTRAINT PK_Part PRIMARY KEY,
  Name nvarchar(50) NOT NULL CONSTRAINT AK_Part_Name UNIQUE, Colour varchar(10) NULL,
  Size int NULL)
CREATE INDEX IX_Part_Colour ON dbo.Part (Colour) INCLUDE (Size)
CREATE INDEX IX_Part_Size ON dbo.Part (Size DESC)
CREATE INDEX IX_Part_Big ON dbo.Part (Name) WHERE Size > 2
INSERT INTO dbo.Part VALUES (1, N'bolt', 'red', 3), (2, N'nut', 'blue', 1)
"""

DISABLED = (
    "SELECT i.name, i.is_disabled FROM sys.indexes AS i"
    " WHERE i.object_id = OBJECT_ID('dbo.Part') AND i.index_id > 0 ORDER BY i.index_id"
)


@pytest.fixture
def session() -> Iterator[EngineSession]:
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="partsdb"))
        run(s, SCHEMA)
        yield s
        s.close()


def error(s: EngineSession, sql: str) -> TdsError:
    with pytest.raises(TdsError) as info:
        run(s, sql)
    return info.value


def test_disable_and_rebuild_show_in_sys_indexes(session: EngineSession) -> None:
    assert all(not disabled for _, disabled in rows(session, DISABLED))
    run(session, "ALTER INDEX IX_Part_Colour ON dbo.Part DISABLE")
    assert dict(rows(session, DISABLED)) == {
        "PK_Part": False,
        "AK_Part_Name": False,
        "IX_Part_Colour": True,
        "IX_Part_Size": False,
        "IX_Part_Big": False,
    }
    # The index keeps its columns in sys.index_columns; the table stays readable.
    columns = rows(
        session,
        "SELECT COL_NAME(ic.object_id, ic.column_id), ic.key_ordinal, ic.is_included_column"
        " FROM sys.index_columns AS ic JOIN sys.indexes AS i ON i.object_id = ic.object_id"
        " AND i.index_id = ic.index_id WHERE i.name = 'IX_Part_Colour'"
        " ORDER BY ic.index_column_id",
    )
    assert columns == [("Colour", 1, False), ("Size", 0, True)]
    assert rows(session, "SELECT count(*) FROM dbo.Part WHERE Colour = 'red'") == [(1,)]
    run(session, "ALTER INDEX IX_Part_Colour ON [dbo].[Part] REBUILD")
    assert all(not disabled for _, disabled in rows(session, DISABLED))


def test_all_rebuild_enables_every_index(session: EngineSession) -> None:
    run(session, "ALTER INDEX IX_Part_Colour ON dbo.Part DISABLE")
    run(session, "ALTER INDEX IX_Part_Size ON dbo.Part DISABLE")
    run(session, "ALTER INDEX ALL ON dbo.Part REBUILD")
    assert all(not disabled for _, disabled in rows(session, DISABLED))


def test_what_is_not_modelled_is_refused(session: EngineSession) -> None:
    # Disabling a clustered index makes the table unreadable and a unique one disables
    # constraints and foreign keys: the test server models neither.
    for sql in (
        "ALTER INDEX PK_Part ON dbo.Part DISABLE",
        "ALTER INDEX AK_Part_Name ON dbo.Part DISABLE",
        "ALTER INDEX ALL ON dbo.Part DISABLE",
        "ALTER INDEX IX_Part_Size ON dbo.Part REORGANIZE",
        "ALTER INDEX IX_Part_Size ON dbo.Part REBUILD WITH (ONLINE = ON)",
    ):
        assert error(session, sql).number == UNSUPPORTED, sql
    assert all(not disabled for _, disabled in rows(session, DISABLED))


def test_missing_index_or_table(session: EngineSession) -> None:
    assert error(session, "ALTER INDEX IX_Nope ON dbo.Part DISABLE").number == 1088
    assert error(session, "ALTER INDEX IX_Part_Size ON dbo.Nope DISABLE").number == 208


def test_a_filtered_index_has_its_filter_in_sys_indexes(session: EngineSession) -> None:
    found = rows(
        session,
        "SELECT name, has_filter, filter_definition FROM sys.indexes"
        " WHERE object_id = OBJECT_ID('dbo.Part') AND index_id > 0 ORDER BY index_id",
    )
    filters = {name: (has_filter, definition) for name, has_filter, definition in found}
    assert filters["IX_Part_Big"] == (True, "(Size > 2)")
    assert filters["IX_Part_Size"] == (False, None)
