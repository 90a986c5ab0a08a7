"""The column options and table kinds the catalog reports without enforcing them
(column_features.py, temporal_tables.py, policy_views.py): SPARSE, COLUMN_SET, MASKED,
HIDDEN, GENERATED ALWAYS with PERIOD FOR SYSTEM_TIME, SYSTEM_VERSIONING's history table
and the row-level security views, as sys.columns, sys.masked_columns, sys.tables,
sys.security_policies and sys.security_predicates show them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import SessionInfo

SCHEMA = """
CREATE TABLE dbo.Price (PriceID int NOT NULL PRIMARY KEY, Amount AS (PriceID * 2),
    ValidFrom datetime2 GENERATED ALWAYS AS ROW START HIDDEN NOT NULL,
    ValidTo datetime2 GENERATED ALWAYS AS ROW END HIDDEN NOT NULL,
    PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo))
    WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE = dbo.PriceHistory))
CREATE TABLE dbo.Rate (RateID int NOT NULL PRIMARY KEY,
    ValidFrom datetime2 GENERATED ALWAYS AS ROW START NOT NULL,
    ValidTo datetime2 GENERATED ALWAYS AS ROW END NOT NULL,
    PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo)) WITH (SYSTEM_VERSIONING = ON)
CREATE TABLE dbo.Attr (AttrID int NOT NULL PRIMARY KEY, Color varchar(20) SPARSE NULL,
    AllAttrs xml COLUMN_SET FOR ALL_SPARSE_COLUMNS,
    Email varchar(100) MASKED WITH (FUNCTION = 'partial(1,"XX",0)') NULL)
"""


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=70, user="sa", database="featdb"))
        run(s, SCHEMA)
        s.close()
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[EngineSession]:
    s = engine.session(SessionInfo(spid=51, user="sa", database="featdb"))
    yield s
    s.close()


def test_sys_columns_shows_the_column_options(session: EngineSession) -> None:
    got = rows(
        session,
        "SELECT OBJECT_NAME(object_id) + '.' + name, is_sparse, is_column_set,"
        " generated_always_type, generated_always_type_desc, is_hidden, is_masked"
        " FROM sys.columns WHERE OBJECT_NAME(object_id) IN ('Price', 'Attr')"
        " AND (is_sparse = 1 OR is_column_set = 1 OR generated_always_type <> 0 OR is_masked = 1)"
        " ORDER BY object_id, column_id",
    )
    assert got == [
        ("Price.ValidFrom", False, False, 1, "AS_ROW_START", True, False),
        ("Price.ValidTo", False, False, 2, "AS_ROW_END", True, False),
        ("Attr.Color", True, False, 0, "NOT_APPLICABLE", False, False),
        ("Attr.AllAttrs", False, True, 0, "NOT_APPLICABLE", False, False),
        ("Attr.Email", False, False, 0, "NOT_APPLICABLE", False, True),
    ]


def test_sys_masked_columns_lists_the_masked_ones(session: EngineSession) -> None:
    got = rows(session, "SELECT name, is_masked, masking_function FROM sys.masked_columns")
    assert got == [("Email", True, 'partial(1,"XX",0)')]


def test_system_versioning_creates_and_links_the_history_table(session: EngineSession) -> None:
    got = rows(
        session,
        "SELECT t.name, t.temporal_type, t.temporal_type_desc, OBJECT_NAME(t.history_table_id)"
        " FROM sys.tables AS t ORDER BY t.object_id",
    )
    rate_history = next(r[3] for r in got if r[0] == "Rate")
    assert rate_history.startswith("MSSQL_TemporalHistoryFor_")
    assert got == [
        ("Price", 2, "SYSTEM_VERSIONED_TEMPORAL_TABLE", "PriceHistory"),
        ("PriceHistory", 1, "HISTORY_TABLE", None),
        ("Rate", 2, "SYSTEM_VERSIONED_TEMPORAL_TABLE", rate_history),
        (rate_history, 1, "HISTORY_TABLE", None),
        ("Attr", 0, "NON_TEMPORAL_TABLE", None),
    ]
    # the history table has the columns as created, the computed one as a plain column
    history = rows(
        session,
        "SELECT name, TYPE_NAME(system_type_id), is_nullable, is_computed FROM sys.columns"
        " WHERE object_id = OBJECT_ID('dbo.PriceHistory') ORDER BY column_id",
    )
    assert history == [
        ("PriceID", "int", False, False),
        ("Amount", "int", True, False),
        ("ValidFrom", "datetime2", False, False),
        ("ValidTo", "datetime2", False, False),
    ]


def test_a_rolled_back_create_leaves_no_link(session: EngineSession) -> None:
    rows(
        session,
        "BEGIN TRANSACTION; CREATE TABLE dbo.Gone (GoneID int NOT NULL PRIMARY KEY,"
        " ValidFrom datetime2 GENERATED ALWAYS AS ROW START NOT NULL,"
        " ValidTo datetime2 GENERATED ALWAYS AS ROW END NOT NULL,"
        " PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo))"
        " WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE = dbo.GoneHistory)); ROLLBACK",
    )
    got = rows(session, "SELECT name FROM sys.tables WHERE name LIKE 'Gone%'")
    assert got == []


def test_select_star_leaves_out_hidden_columns(session: EngineSession) -> None:
    """HIDDEN ("CREATE TABLE (Transact-SQL)"): a period column so marked is not in
    `SELECT *` or `t.*`, but a query may name it; Rate's period columns are not hidden."""

    def names(sql: str) -> list[str]:
        columns, _ = run(session, sql)[-1]
        return [c.name for c in columns]

    assert names("SELECT * FROM dbo.Price") == ["PriceID", "Amount"]
    assert names("SELECT p.*, r.* FROM dbo.Price AS p JOIN dbo.Rate AS r ON 1 = 0") == [
        "PriceID",
        "Amount",
        "RateID",
        "ValidFrom",
        "ValidTo",
    ]
    assert names("SELECT *, ValidTo FROM (SELECT * FROM dbo.Price) AS q, dbo.Price") == [
        "PriceID",
        "Amount",
        "PriceID",
        "Amount",
        "ValidTo",
    ]
