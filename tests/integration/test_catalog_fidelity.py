"""describe_table and the schema overview on catalog shapes the sample database lacks:
same-named foreign keys in two schemas, defaults, check constraints, computed columns and
a disabled index, through the TDS test server with Microsoft's ODBC Driver 18 and FreeTDS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pyodbc
import pytest

from azsql_mcp import Limits, Security, SourceSettings, catalog
from azsql_mcp.catalog import sql as catalog_sql
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import SqlLogin
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE SCHEMA A",
    "CREATE SCHEMA B",
    "CREATE TABLE dbo.Parent (ParentID int NOT NULL CONSTRAINT PK_Parent PRIMARY KEY,"
    " Name nvarchar(20) NULL)",
    # Constraint names are unique per schema only: both schemas have FK_Child_Parent.
    "CREATE TABLE A.Child (ChildID int NOT NULL PRIMARY KEY, ParentID int NOT NULL,"
    " CONSTRAINT FK_Child_Parent FOREIGN KEY (ParentID) REFERENCES dbo.Parent (ParentID))",
    "CREATE TABLE B.Child (ChildID int NOT NULL PRIMARY KEY, ParentRef int NULL,"
    " CONSTRAINT FK_Child_Parent FOREIGN KEY (ParentRef) REFERENCES dbo.Parent (ParentID))",
    "CREATE TABLE dbo.Line (LineID int NOT NULL CONSTRAINT PK_Line PRIMARY KEY,"
    " Qty int NOT NULL CONSTRAINT DF_Line_Qty DEFAULT 1 CONSTRAINT CK_Line_Qty CHECK (Qty > 0),"
    " Price decimal(10,2) NOT NULL, Total AS (Qty * Price), Doubled AS (Qty * 2) PERSISTED)",
    "CREATE INDEX IX_Line_Qty ON dbo.Line (Qty DESC, LineID) INCLUDE (Price)",
    "CREATE INDEX IX_Line_Price ON dbo.Line (Price)",
    "ALTER INDEX IX_Line_Price ON dbo.Line DISABLE",
    "CREATE INDEX IX_Line_Big ON dbo.Line (LineID) WHERE Qty > 10",
    # an ERP's codes compared byte by byte in a database of the default collation
    "CREATE TABLE dbo.Codes (Code varchar(10) COLLATE Latin1_General_BIN2 NOT NULL PRIMARY KEY,"
    " Name nvarchar(40) COLLATE Cyrillic_General_CI_AS NULL,"
    " Note nvarchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, Qty int NULL)",
]


READER = "catalog_reader"  # db_datareader only: the user docs/security.md recommends
VIEWER = "catalog_viewer"  # db_datareader and VIEW DEFINITION
PASSWORD = "Reader-pw-1"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    logins = [f"{READER}:{PASSWORD}", f"{VIEWER}:{PASSWORD}:VIEW_DEFINITION"]
    with ThreadedTdsServer(sample=False, logins=logins) as srv:
        cnxn = pyodbc.connect(srv.odbc_connection_string("msodbc"), autocommit=True)
        for statement in SETUP:
            cnxn.execute(statement)
        cnxn.close()
        yield srv


def make_db(
    server: ThreadedTdsServer, driver: str | None, limits: Limits, login: str | None = None
) -> SourceDatabase:
    settings = SourceSettings(
        server=f"{server.host},{server.port}",
        database=server.default_database,
        username=login or server.user,
        password=PASSWORD if login else server.password,
        encrypt="no",
        driver=driver,
        retry_budget_s=0,
    )
    return SourceDatabase("main", settings, Security(), limits, SqlLogin(settings))


@pytest.fixture(params=[None, "FreeTDS"], ids=["msodbc", "freetds"])
async def db(
    request: pytest.FixtureRequest, server: ThreadedTdsServer
) -> AsyncIterator[SourceDatabase]:
    database = make_db(server, request.param, Limits())
    yield database
    await database.close()


@pytest.fixture(params=[None, "FreeTDS"], ids=["msodbc", "freetds"])
async def reader(
    request: pytest.FixtureRequest, server: ThreadedTdsServer
) -> AsyncIterator[SourceDatabase]:
    database = make_db(server, request.param, Limits(), login=READER)
    yield database
    await database.close()


async def test_same_named_foreign_keys_of_two_schemas_stay_apart(db: SourceDatabase) -> None:
    parent = await catalog.describe_table(db, "dbo.Parent")
    incoming = sorted((fk.from_table, fk.from_columns, fk.name) for fk in parent.referenced_by)
    assert incoming == [
        ("A.Child", ["ParentID"], "FK_Child_Parent"),
        ("B.Child", ["ParentRef"], "FK_Child_Parent"),
    ]
    child = await catalog.describe_table(db, "B.Child")
    assert [(fk.from_columns, fk.to_columns) for fk in child.foreign_keys] == [
        (["ParentRef"], ["ParentID"])
    ]


async def test_schema_overview_keeps_same_named_keys_with_their_tables(db: SourceDatabase) -> None:
    overview = await catalog.schema_overview(db)
    tables = {t.name: t for t in overview.tables}
    assert tables["A.Child"].references == ["ParentID -> dbo.Parent(ParentID)"]
    assert tables["B.Child"].references == ["ParentRef -> dbo.Parent(ParentID)"]
    assert tables["dbo.Line"].primary_key == ["LineID"]
    text = catalog.render_schema(overview)
    assert "B.Child: ChildID int! PK, ParentRef int; FK ParentRef -> dbo.Parent(ParentID)" in text


async def test_one_schemas_overview_reads_that_schema_with_its_keys_out(
    db: SourceDatabase,
) -> None:
    """What database://schema/diagram/{schema} reads: one schema of a large database
    without the rest of it; its keys to other schemas' tables are kept."""
    whole = await catalog.schema_overview(db)
    one = await catalog.schema_overview(db, "a")  # as the default collation compares
    assert [t.name for t in one.tables] == ["A.Child"]
    assert one.tables == [t for t in whole.tables if t.schema_name == "A"]
    assert one.tables[0].references == ["ParentID -> dbo.Parent(ParentID)"]


async def test_defaults_checks_and_computed_columns(db: SourceDatabase) -> None:
    info = await catalog.describe_table(db, "dbo.Line")
    columns = {c.name: c for c in info.columns}
    assert columns["Qty"].default is not None and "1" in columns["Qty"].default
    assert not columns["Qty"].is_computed and columns["Price"].default is None
    assert columns["Total"].is_computed and columns["Total"].computed is not None
    assert columns["Doubled"].is_computed
    assert columns["Doubled"].computed is not None
    assert columns["Doubled"].computed.endswith(" PERSISTED")
    assert [(c.name, c.disabled) for c in info.check_constraints] == [("CK_Line_Qty", False)]
    assert catalog.DEFINITION_HIDDEN not in info.check_constraints[0].definition
    indexes = {ix.name: ix for ix in info.indexes}
    qty = indexes["IX_Line_Qty"]
    assert (qty.columns, qty.included, qty.partition_columns) == (
        ["Qty DESC", "LineID"],
        ["Price"],
        [],
    )
    assert not qty.disabled and indexes["PK_Line"].columns == ["LineID"]
    assert indexes["IX_Line_Price"].disabled
    assert indexes["IX_Line_Big"].filter == "(Qty > 10)" and indexes["IX_Line_Qty"].filter is None
    assert "INDEX IX_Line_Price NONCLUSTERED (Price) (disabled)" in catalog.render_description(info)


async def test_a_column_of_another_collation_than_the_databases_says_so(
    db: SourceDatabase,
) -> None:
    # its values compare by it: 'abc' does not find 'ABC' in a _BIN2 column
    info = await catalog.describe_table(db, "dbo.Codes")
    assert _collations(info) == CODES_COLLATIONS
    text = catalog.render_description(info)
    assert "  Code varchar(10) COLLATE Latin1_General_BIN2 NOT NULL" in text
    assert "  Note nvarchar(20) NULL" in text


async def test_a_reader_sees_the_collations_too(reader: SourceDatabase) -> None:
    info = await catalog.describe_table(reader, "dbo.Codes")
    assert _collations(info) == CODES_COLLATIONS


CODES_COLLATIONS = {
    "Code": "Latin1_General_BIN2",
    "Name": "Cyrillic_General_CI_AS",
    "Note": None,  # the database's own
    "Qty": None,
}


def _collations(info: catalog.TableDescription) -> dict[str, str | None]:
    return {c.name: c.collation for c in info.columns}


async def test_catalog_reads_paged_two_rows_at_a_time_lose_nothing(
    db: SourceDatabase, server: ThreadedTdsServer
) -> None:
    # Catalog reads page at max_rows, re-running the query with an offset: every
    # ORDER BY ends on a unique key, so pages neither skip nor repeat rows.
    paged = make_db(server, None, Limits(max_rows=2))
    try:
        assert await catalog.schema_overview(paged) == await catalog.schema_overview(db)
        for table in ("dbo.Parent", "dbo.Line"):
            assert await catalog.describe_table(paged, table) == await catalog.describe_table(
                db, table
            )
    finally:
        await paged.close()


class ReadsSeen:
    """A source that runs every read and keeps the statement and offset of each."""

    def __init__(self, db: SourceDatabase) -> None:
        self.db, self.reads = db, list[tuple[str, int]]()
        self.security, self.limits, self.source = db.security, db.limits, db.source

    async def read(self, sql: str, params: Any = None, **kw: Any) -> Any:
        self.reads.append((sql, kw.get("offset", 0)))
        return await self.db.read(sql, params, **kw)


BIG_READS = {
    catalog_sql.ALL_COLUMNS,
    catalog_sql.ALL_PRIMARY_KEYS,
    catalog_sql.ALL_FOREIGN_KEYS,
    catalog_sql.COLUMNS,
}


async def test_the_schema_and_a_tables_columns_are_read_without_skipping_rows(
    server: ThreadedTdsServer,
) -> None:
    """A page that starts at an offset has the server send every row before it again:
    reading N rows in pages of max_rows cost N * N / max_rows / 2 rows (20,000 columns in
    pages of 100: two million). The big reads (every column, key and foreign key of the
    schema; a table's columns) ask for the rows after the last page's instead."""
    paged = make_db(server, None, Limits(max_rows=2))
    try:
        seen = ReadsSeen(paged)
        overview = await catalog.schema_overview(seen)  # type: ignore[arg-type]
        line = await catalog.describe_table(seen, "dbo.Line")  # type: ignore[arg-type]
    finally:
        await paged.close()
    assert len(line.columns) == 5 and len(overview.tables) == 5
    big = [offset for sql, offset in seen.reads if sql in BIG_READS]
    assert len(big) > 10 and set(big) == {0}, seen.reads


async def test_a_reader_without_view_definition_is_told_what_is_hidden(
    reader: SourceDatabase,
) -> None:
    # sys.check_constraints / sys.default_constraints / sys.computed_columns.definition
    # are NULL for this user; sys.columns.is_computed and default_object_id are not.
    info = await catalog.describe_table(reader, "dbo.Line")
    hidden = catalog.DEFINITION_HIDDEN
    columns = {c.name: c for c in info.columns}
    assert columns["Qty"].default == hidden and not columns["Qty"].is_computed
    assert columns["Price"].default is None and not columns["Price"].is_computed
    assert columns["Total"].is_computed and columns["Total"].computed == hidden
    assert columns["Doubled"].is_computed and columns["Doubled"].computed == hidden
    assert [(c.name, c.definition) for c in info.check_constraints] == [("CK_Line_Qty", hidden)]
    text = catalog.render_description(info)
    assert "Qty int NOT NULL DEFAULT (hidden)" in text
    assert "Doubled int NULL COMPUTED (hidden)" in text
    assert "CHECK CK_Line_Qty (hidden)" in text
    assert text.endswith(
        "(hidden): a definition this login may not see; row-level security policies are"
        " not shown to this login: one may let it read fewer rows than row_count (needs"
        " VIEW DEFINITION)\n" + text.splitlines()[-1]
    )
    # What needs no VIEW DEFINITION is all there.
    assert info.primary_key is not None and info.primary_key.columns == ["LineID"]
    indexes = {ix.name: ix for ix in info.indexes}
    assert set(indexes) == {"PK_Line", "IX_Line_Qty", "IX_Line_Price", "IX_Line_Big"}
    # sys.indexes.has_filter stays visible; filter_definition is NULL for this user.
    assert indexes["IX_Line_Big"].filter == hidden and indexes["IX_Line_Qty"].filter is None
    assert "INDEX IX_Line_Big NONCLUSTERED (LineID) FILTERED (hidden)" in text
    parent = await catalog.describe_table(reader, "dbo.Parent")
    assert len(parent.referenced_by) == 2


async def test_a_reader_gets_the_same_schema_overview(
    reader: SourceDatabase, server: ThreadedTdsServer
) -> None:
    privileged = make_db(server, None, Limits())
    try:
        assert await catalog.schema_overview(reader) == await catalog.schema_overview(privileged)
    finally:
        await privileged.close()


async def test_view_definition_shows_the_definitions(server: ThreadedTdsServer) -> None:
    viewer = make_db(server, None, Limits(), login=VIEWER)
    try:
        info = await catalog.describe_table(viewer, "dbo.Line")
    finally:
        await viewer.close()
    columns = {c.name: c for c in info.columns}
    assert columns["Qty"].default not in (None, catalog.DEFINITION_HIDDEN)
    assert columns["Total"].computed not in (None, catalog.DEFINITION_HIDDEN)
    assert info.check_constraints[0].definition != catalog.DEFINITION_HIDDEN
    assert {ix.name: ix.filter for ix in info.indexes}["IX_Line_Big"] == "(Qty > 10)"
