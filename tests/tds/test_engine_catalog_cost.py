"""The catalog views' cost as the catalog grows: SQLite's work, counted in steps of its
virtual machine (deterministic, unlike time on a shared machine)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from engine_helpers import rows

from tds_test_server.engine import catalog
from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.principals import Principal
from tds_test_server.results import ColumnType, SessionInfo
from tds_test_server.sqlerror import TdsError

TABLES = 120


@pytest.fixture(scope="module")
def session() -> Iterator[EngineSession]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=70, user="sa", database="costdb"))
        rows(s, "CREATE SCHEMA a")
        for i in range(TABLES):
            rows(s, f"CREATE TABLE a.t{i:03d} (id int NOT NULL PRIMARY KEY)")
        yield s
        s.close()


def _steps(s: EngineSession, sql: str) -> int:
    """Hundreds of SQLite VM steps the statement takes (translated and warmed first)."""
    rows(s, sql)
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    s.conn.set_progress_handler(tick, 100)
    try:
        rows(s, sql)
    finally:
        s.conn.set_progress_handler(None, 0)
    return count[0]


def test_history_join_of_every_table_is_not_quadratic(session: EngineSession) -> None:
    # azsql-mcp's table list joins sys.tables on history_table_id for each table: a
    # lookup a table, not a look at every table for each (1.5 s of CPU at 2,000 tables).
    listed = "SELECT o.name FROM sys.objects AS o {} WHERE o.type = 'U'"
    alone = _steps(session, listed.format(""))
    joined = _steps(
        session,
        listed.format("LEFT JOIN sys.tables AS cur ON cur.history_table_id = o.object_id"),
    )
    assert len(rows(session, listed.format(""))) == TABLES
    assert joined < 10 * alone, (alone, joined)  # 4x with the join; 53x when quadratic


def test_create_table_builds_only_its_own_columns(
    session: EngineSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every DDL reloads the catalog; building every table's columns anew at each made
    # creating N tables O(N^2) (2,000 tables took minutes on the test server).
    built = [0]
    normalize = catalog.normalize

    def counted(t: ColumnType) -> ColumnType:
        built[0] += 1
        return normalize(t)

    monkeypatch.setattr(catalog, "normalize", counted)
    rows(session, "CREATE TABLE a.extra (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL)")
    try:
        assert built[0] <= 2, built[0]  # the new table's two columns; 122 when rebuilt
        assert [c.name for c in session.catalog.table("a", "t000").columns] == ["id"]
    finally:
        rows(session, "DROP TABLE a.extra")


def test_object_name_on_every_row_is_not_quadratic_for_a_reader(session: EngineSession) -> None:
    # OBJECT_NAME answers NULL for what the user cannot see; asking the whole visibility
    # view at each call made azsql-mcp's foreign keys of 600 tables take 5 s as a reader.
    reader = session.engine.session(
        SessionInfo(spid=71, user="reader", database="costdb", principal=Principal("r", "pw"))
    )
    try:
        listed = "SELECT {} FROM sys.objects AS o WHERE o.type = 'U'"
        alone = _steps(reader, listed.format("o.name"))
        named = _steps(reader, listed.format("OBJECT_NAME(o.object_id)"))
        assert len(rows(reader, listed.format("o.name"))) == TABLES
        assert named < 3 * alone, (alone, named)
    finally:
        reader.close()


def test_primary_keys_of_every_table_are_not_quadratic(session: EngineSession) -> None:
    # azsql-mcp's ALL_PRIMARY_KEYS joins sys.key_constraints, sys.index_columns and
    # sys.columns on parent_object_id: computed as coalesce(parent_object_id, 0), it left
    # SQLite no index but one on (type, unique_index_id), which matched each key column
    # with every table's key (8.1M steps on 600 tables).
    listed = "SELECT c.name FROM sys.columns AS c"
    keys = (
        "SELECT kc.parent_object_id, col.name, ic.key_ordinal FROM sys.key_constraints AS kc"
        " JOIN sys.index_columns AS ic"
        " ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id"
        " JOIN sys.columns AS col ON col.object_id = ic.object_id"
        " AND col.column_id = ic.column_id"
        " WHERE kc.type = 'PK' ORDER BY kc.parent_object_id, ic.key_ordinal"
    )
    alone = _steps(session, listed)
    joined = _steps(session, keys)
    assert len(rows(session, keys)) == TABLES
    assert joined < 10 * alone, (alone, joined)  # 4x; 42x when quadratic


def _ddl_steps(s: EngineSession, sql: str) -> int:
    """Hundreds of SQLite VM steps a DDL statement takes, its catalog reload included."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    s.conn.set_progress_handler(tick, 100)
    try:
        rows(s, sql)
    finally:
        s.conn.set_progress_handler(None, 0)
    return count[0]


def test_create_table_reads_only_what_it_changed(session: EngineSession) -> None:
    # Every DDL reloads the catalog; reading every object's and column's row at each
    # made creating N tables O(N^2) (1,000 tables: 32 s of CPU). A table of 1,000
    # columns already there adds nothing to creating another.
    create = "CREATE TABLE a.small{} (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL)"
    wide = ", ".join(f"c{i} int NULL" for i in range(1, 1000))
    try:
        before = _ddl_steps(session, create.format(1))
        rows(session, f"CREATE TABLE a.wide (id int NOT NULL PRIMARY KEY, {wide})")
        after = _ddl_steps(session, create.format(2))
        assert after < before + 50, (before, after)
        assert len(session.catalog.table("a", "wide").columns) == 1000
        assert [c.name for c in session.catalog.table("a", "small2").columns] == ["id", "v"]
    finally:
        for name in ("small1", "wide", "small2"):
            rows(session, f"DROP TABLE IF EXISTS a.{name}")


def test_a_reload_after_a_rollback_reads_the_table_again(session: EngineSession) -> None:
    # The reload reads the objects whose stamp changed; a rollback brings back the old
    # stamp, and the table the failed or rolled-back DDL changed is read again.
    with pytest.raises(TdsError):  # the column is added, then the second key fails
        rows(session, "ALTER TABLE a.t000 ADD extra int NULL, CONSTRAINT pk2 PRIMARY KEY (id)")
    assert [c.name for c in session.catalog.table("a", "t000").columns] == ["id"]
    rows(session, "BEGIN TRANSACTION; ALTER TABLE a.t001 ADD extra int NULL")
    assert [c.name for c in session.catalog.table("a", "t001").columns] == ["id", "extra"]
    rows(session, "ROLLBACK")
    assert [c.name for c in session.catalog.table("a", "t001").columns] == ["id"]
    rows(session, "BEGIN TRANSACTION; DROP TABLE a.t002; ROLLBACK")
    assert session.catalog.table("a", "t002") is not None


def test_creating_a_table_costs_the_same_in_a_larger_catalog() -> None:
    # Each DDL reloads the catalog and looks up the table's constraints: the reload's
    # look at every object (index leads, history tables) and lookups of a table's
    # constraints or keys that read every object's row made each CREATE TABLE cost
    # as much as the catalog's size (62,000 steps on 600 tables, now 17,000: SQLite's
    # own CREATE TABLE and the reload's look at the stamps, catalog_stamps.py, remain).
    create = (
        "CREATE TABLE a.t{0:03d} (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL,"
        " p int NULL REFERENCES a.t000 (id))"
    )
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=72, user="sa", database="growdb"))
        rows(s, "CREATE SCHEMA a")
        rows(s, "CREATE TABLE a.t000 (id int NOT NULL PRIMARY KEY)")
        costs = []
        for start, end in ((1, 30), (31, 150)):
            for i in range(start, end):
                rows(s, create.format(i))
            costs.append(_ddl_steps(s, create.format(end)))
        s.close()
    # 120 more tables: +29 hundred steps (the stamps, SQLite's own), +120 before
    assert costs[1] < costs[0] + 60, costs


def test_names_and_ids_are_looked_up_without_walking_the_catalog(
    session: EngineSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OBJECT_ID of a name no table has (a constraint's; every CREATE asks it of the name
    # it makes) and COL_NAME's table by id walked every object or table at each call.
    walks = [0]

    class Walked(dict[Any, Any]):
        def values(self) -> Any:
            walks[0] += 1
            return super().values()

    key = rows(session, "SELECT name FROM sys.key_constraints WHERE name LIKE 'PK__t005%'")
    asked = (
        f"SELECT OBJECT_ID('a.{key[0][0]}'), OBJECT_ID('a.none'), COL_NAME(OBJECT_ID('a.t005'), 1),"
        " OBJECT_NAME(OBJECT_ID('sys.objects'))"
    )
    rows(session, asked)  # translated (and typed) first: what is counted is each call's
    monkeypatch.setattr(session.catalog, "objects", Walked(session.catalog.objects))
    monkeypatch.setattr(session.catalog, "tables", Walked(session.catalog.tables))
    found = rows(session, asked)
    assert found[0][1:] == (None, "id", "objects") and found[0][0] is not None
    assert walks[0] == 0


def test_has_perms_by_name_any_on_every_row_is_not_quadratic(session: EngineSession) -> None:
    # HAS_PERMS_BY_NAME(object, 'OBJECT', 'ANY') answers what the catalog shows; asking
    # the whole visibility view at each call cost the catalog's size a row.
    reader = session.engine.session(
        SessionInfo(spid=73, user="reader", database="costdb", principal=Principal("r", "pw"))
    )
    try:
        listed = "SELECT {} FROM sys.objects AS o WHERE o.type = 'U'"
        perms = listed.format("HAS_PERMS_BY_NAME('a.' + o.name, 'OBJECT', 'ANY')")
        alone = _steps(reader, listed.format("o.name"))
        asked = _steps(reader, perms)
        assert rows(reader, perms) == [(1,)] * TABLES
        assert asked < 3 * alone, (alone, asked)  # 1.1x; 97x when asked at each call
    finally:
        reader.close()
