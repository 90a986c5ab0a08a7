"""The tools, resources and prompts as a user outside db_datareader, granted SELECT on
some tables and columns only: the reader is dropped from db_datareader and granted
SELECT on SalesLT.Product (but for one denied column) and on three columns of
SalesLT.Customer, through both ODBC drivers; the privileged login sees and reads all.

From "Metadata visibility configuration", the catalog shows the reader those two tables
only, each with all of its columns; HAS_PERMS_BY_NAME(..., 'COLUMN') ("HAS_PERMS_BY_NAME
(Transact-SQL)", example H) says which columns it may read, and a read of any other is
error 230.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import DatabaseError, Limits, Security, SourceSettings, catalog
from azsql_mcp.catalog import NO_SELECT, NO_SELECT_MARK, NO_SELECT_STAR
from azsql_mcp.db import guardworker
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.embedding import build_server
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

CUSTOMER = "SalesLT.Customer"
READABLE = ["CustomerID", "FirstName", "LastName"]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(
        tds_password,
        [
            f"ALTER ROLE db_datareader DROP MEMBER [{READER_USER}]",
            f"GRANT SELECT ON SalesLT.Product TO [{READER_USER}]",
            f"DENY SELECT ON SalesLT.Product (StandardCost) TO [{READER_USER}]",
            f"GRANT SELECT ON {CUSTOMER} ({', '.join(READABLE)}) TO [{READER_USER}]",
        ],
    ) as server:
        yield server


async def test_list_tables_lists_the_granted_tables_only(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    result = await mcp_client.call_tool("list_tables", {})
    assert result.structured_content is not None
    names = {f"{t['schema_name']}.{t['name']}" for t in result.structured_content["tables"]}
    if azsql_principal == READER:
        assert names == {CUSTOMER, "SalesLT.Product"}
    else:
        assert {CUSTOMER, "SalesLT.Product", "SalesLT.SalesOrderHeader"} <= names


async def test_list_tables_says_the_list_is_what_the_login_can_see(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """An empty or short list is not "no such tables": the catalog hides the rest."""
    result = await mcp_client.call_tool("list_tables", {"schema": "dbo"})
    first = result.content[0].text.splitlines()[0]
    if azsql_principal == READER:
        assert first.startswith("0 tables and views that this login can see (it holds no SELECT")
        assert f"ALTER ROLE db_datareader ADD MEMBER [{READER_USER}];" in first
    else:  # dbo holds the sample's table function, which the reader is not granted
        assert first == "1 tables, views and table functions"


async def test_a_column_search_finds_only_the_tables_the_login_can_see(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """sys.columns shows the columns of the tables the user holds a permission on, all of
    them (Customer's ModifiedDate too, which the reader may not SELECT): another table
    with the column is not listed to the reader, and the listing says why."""
    result = await mcp_client.call_tool("list_tables", {"column_pattern": "ModifiedDate"})
    listing = result.structured_content
    assert listing is not None
    names = [f"{t['schema_name']}.{t['name']}" for t in listing["tables"]]
    first = result.content[0].text.splitlines()[0]
    if azsql_principal == READER:
        assert names == [CUSTOMER, "SalesLT.Product"]
        assert listing["only_visible"].startswith("it holds no SELECT on the database:")
        assert first.startswith(
            '2 tables and views with columns LIKE "ModifiedDate" that this login can see'
            " (it holds no SELECT on the database:"
        )
    else:
        assert {CUSTOMER, "SalesLT.Product", "SalesLT.SalesOrderHeader"} <= set(names)
        assert listing["only_visible"] is None
    assert all(t["columns"] == ["ModifiedDate"] for t in listing["tables"])


async def test_the_table_lists_say_in_their_data_that_they_are_partial(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """database://tables is JSON with no text around it, and list_tables' structured
    result is what a client program reads: both carry why the list may be partial."""
    result = await mcp_client.call_tool("list_tables", {})
    (resource,) = await mcp_client.read_resource("database://tables")
    for listing in (result.structured_content, json.loads(resource.text)):  # type: ignore[union-attr]
        assert listing is not None
        if azsql_principal == READER:
            assert listing["only_visible"].startswith("it holds no SELECT on the database:")
            assert (
                f"ALTER ROLE db_datareader ADD MEMBER [{READER_USER}];" in listing["only_visible"]
            )
        else:
            assert listing["only_visible"] is None


async def test_the_diagrams_say_they_draw_what_the_login_can_see(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    for uri in ("database://schema/diagram", "database://schema/diagram/SalesLT"):
        (diagram,) = await mcp_client.read_resource(uri)
        header = diagram.text.splitlines()[0]  # type: ignore[union-attr]
        seen = "table(s) that this login can see (it holds no SELECT on the database:"
        assert (seen in header) == (azsql_principal == READER), header


async def test_the_schema_and_the_migration_guide_count_what_the_login_can_see(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """A migration planned on "Existing tables and views (2)" would take the database for
    nearly empty: both say whose count it is."""
    (content,) = await mcp_client.read_resource("database://schema")
    guide = await mcp_client.get_prompt("data_migration_guide", {"source_system": "Oracle"})
    header = content.text.splitlines()[0]  # type: ignore[union-attr]
    existing = next(
        line
        for line in guide.messages[0].content.text.splitlines()  # type: ignore[union-attr]
        if line.startswith("Existing tables")  # "tables, views and table functions" too
    )
    seen = "that this login can see (it holds no SELECT on the database:"
    if azsql_principal == READER:
        assert header.startswith(f"2 tables and views {seen}"), header
        assert existing.startswith(f"Existing tables and views (2) {seen}"), existing
    else:
        assert seen not in header and seen not in existing


async def test_a_login_that_sees_no_table_gets_no_diagram_of_schema_none(
    tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    """Out of db_datareader with no grant: the whole-database diagram has no table, and
    says so as a missing table, not as a schema named None."""
    if azsql_principal != READER:
        pytest.skip("about a login that sees no table")
    setup = [f"ALTER ROLE db_datareader DROP MEMBER [{READER_USER}]"]
    with sample_tds_server(tds_password, setup) as server:
        main = source_config(server, tds_password, principal=READER, driver=azsql_driver)
        async with Client(build_server({"sources": {"main": main}})) as client:
            with pytest.raises(Exception) as caught:
                await client.read_resource("database://schema/diagram")
    message = str(caught.value)
    assert "None" not in message
    assert ": no tables that this login can see (SQL Server's catalog hides" in message


async def test_an_ungranted_table_is_described_like_a_missing_one(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    ungranted = await mcp_client.call_tool(
        "describe_table", {"table": "SalesLT.SalesOrderHeader"}, raise_on_error=False
    )
    missing = await mcp_client.call_tool(
        "describe_table", {"table": "SalesLT.NoSuchTable"}, raise_on_error=False
    )
    assert missing.is_error
    assert ungranted.is_error == (azsql_principal == READER)
    if azsql_principal == READER:
        text = ungranted.content[0].text.replace("SalesOrderHeader", "NoSuchTable")
        assert text == missing.content[0].text
        # neither says the table is not in the database: it may be hidden from this login
        assert "that this login can see (SQL Server's catalog hides the tables" in text
    else:
        assert "'SalesLT.NoSuchTable' in this database." in missing.content[0].text


async def test_describe_table_marks_the_columns_the_user_may_not_read(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    result = await mcp_client.call_tool("describe_table", {"table": CUSTOMER})
    info = result.structured_content
    assert info is not None
    assert len(info["columns"]) == 15  # every column is visible with its table
    selectable = [c["name"] for c in info["columns"] if c.get("selectable", True)]
    text = result.content[0].text
    if azsql_principal == READER:
        assert selectable == READABLE
        assert "  NameStyle bit NOT NULL DEFAULT" in text and NO_SELECT in text
        assert NO_SELECT_STAR in text
    else:
        assert len(selectable) == 15
        assert NO_SELECT not in text and NO_SELECT_STAR not in text
    product = await mcp_client.call_tool("describe_table", {"table": "SalesLT.Product"})
    assert product.structured_content is not None
    denied = [
        c["name"] for c in product.structured_content["columns"] if not c.get("selectable", True)
    ]
    assert denied == (["StandardCost"] if azsql_principal == READER else [])


async def test_read_data_of_a_column_it_may_not_read_names_those_it_may(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    star = f"SELECT TOP (2) * FROM {CUSTOMER} ORDER BY CustomerID"
    result = await mcp_client.call_tool("read_data", {"query": star}, raise_on_error=False)
    assert result.is_error == (azsql_principal == READER)
    if azsql_principal == READER:
        text = result.content[0].text
        assert (
            "The SELECT permission was denied on the column 'NameStyle' of the object"
            " 'Customer', database 'AdventureWorksLT', schema 'SalesLT'." in text
        )
        assert f"Name only the columns it may read: {', '.join(READABLE)}." in text
        assert (
            f"GRANT SELECT ON OBJECT::[SalesLT].[Customer] ([NameStyle]) TO [{READER_USER}];"
            in text
        )
    named = f"SELECT TOP (2) {', '.join(READABLE)} FROM {CUSTOMER} ORDER BY CustomerID"
    rows = await mcp_client.call_tool("read_data", {"query": named})
    assert rows.structured_content is not None
    assert [c["name"] for c in rows.structured_content["columns"]] == READABLE


async def test_the_audit_line_of_a_refused_read_counts_no_rows(
    make_azsql_server: Any, azsql_principal: str, tmp_path: Path
) -> None:
    if azsql_principal != READER:
        pytest.skip("the privileged login may read every column")
    audit = tmp_path / "audit.jsonl"
    server = make_azsql_server(config={"audit": {"enabled": True, "path": str(audit)}})
    async with Client(server) as client:
        star = f"SELECT TOP (2) * FROM {CUSTOMER} ORDER BY CustomerID"
        await client.call_tool("read_data", {"query": star}, raise_on_error=False)
    line = json.loads(audit.read_text().splitlines()[-1])
    # the hint's catalog reads (the user's name, the readable columns) are not the call's
    assert (line["outcome"], line["error_number"], line["rows"]) == ("error", 230, None)


async def test_the_audit_line_of_a_read_counts_the_rows_of_its_statement_alone(
    make_azsql_server: Any, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    server = make_azsql_server(config={"audit": {"enabled": True, "path": str(audit)}})
    async with Client(server) as client:
        dmv = "SELECT session_id FROM sys.dm_exec_sessions WHERE session_id = @@SPID"
        done = await client.call_tool("read_data", {"query": dmv})
    assert done.structured_content is not None
    line = json.loads(audit.read_text().splitlines()[-1])
    # the reader's note on what the view shows it reads the permission: not the call's rows
    assert line["fingerprint"] == await guardworker.fingerprint(dmv)
    assert line["rows"] == len(done.structured_content["rows"]) == 1


async def test_read_data_of_an_ungranted_table_says_what_to_grant(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    query = "SELECT TOP (1) SalesOrderID FROM SalesLT.SalesOrderHeader"
    result = await mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
    assert result.is_error == (azsql_principal == READER)
    if azsql_principal == READER:
        text = result.content[0].text
        assert "The SELECT permission was denied on the object 'SalesOrderHeader'" in text
        assert "list_tables shows the tables it holds a permission on" in text
        assert f"GRANT SELECT ON OBJECT::[SalesLT].[SalesOrderHeader] TO [{READER_USER}];" in text


async def test_schema_resources_show_the_granted_tables(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    (schema,) = await mcp_client.read_resource("database://schema")
    tables = [line.split(":")[0] for line in schema.text.splitlines() if line.startswith("Sales")]
    if azsql_principal == READER:
        assert tables == [CUSTOMER, "SalesLT.Product"]
    (detail,) = await mcp_client.read_resource("database://tables/SalesLT/Customer")
    columns = json.loads(detail.text)["columns"]
    readable = [c["name"] for c in columns if c.get("selectable", True)]
    assert readable == (READABLE if azsql_principal == READER else [c["name"] for c in columns])
    (diagram,) = await mcp_client.read_resource("database://schema/diagram/SalesLT/Customer")
    assert '"SalesLT.Customer" {' in diagram.text


async def test_health_check_says_select_is_granted_table_by_table(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    result = await mcp_client.call_tool("health_check", {})
    text = result.content[0].text
    assert ("no SELECT on the database" in text) == (azsql_principal == READER)
    if azsql_principal == READER:
        assert f"ALTER ROLE db_datareader ADD MEMBER [{READER_USER}]" in text


async def test_sql_query_builder_shows_the_columns_it_may_not_read(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    result = await mcp_client.get_prompt(
        "sql_query_builder", {"table": CUSTOMER, "operation": "SELECT"}
    )
    text = "\n".join(m.content.text for m in result.messages)
    assert (NO_SELECT_STAR in text) == (azsql_principal == READER)


def _columns_of(schema_text: str, table: str) -> dict[str, str]:
    """database://schema's columns of one table, by name: the rest of each entry."""
    line = next(x for x in schema_text.splitlines() if x.startswith(f"{table}: "))
    listed = line.removeprefix(f"{table}: ").split("; FK ")[0]
    return {c.split(" ")[0]: c for c in listed.split(", ")}


async def test_the_schema_marks_the_columns_describe_table_marks(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    (schema,) = await mcp_client.read_resource("database://schema")
    for table in (CUSTOMER, "SalesLT.Product"):
        result = await mcp_client.call_tool("describe_table", {"table": table})
        assert result.structured_content is not None
        described = {
            c["name"]: c.get("selectable", True) for c in result.structured_content["columns"]
        }
        listed = _columns_of(schema.text, table)
        assert list(listed) == list(described)
        marked = {n: not c.endswith(f" ({NO_SELECT_MARK})") for n, c in listed.items()}
        assert marked == described
    customer = _columns_of(schema.text, CUSTOMER)
    if azsql_principal == READER:
        assert customer["NameStyle"] == f"NameStyle bit! ({NO_SELECT_MARK})"
        assert customer["CustomerID"] == "CustomerID int! PK"
        assert _columns_of(schema.text, "SalesLT.Product")["StandardCost"].endswith(
            f"! ({NO_SELECT_MARK})"
        )
        assert NO_SELECT_STAR in schema.text
    else:
        assert NO_SELECT_MARK not in schema.text and NO_SELECT_STAR not in schema.text


async def test_the_diagrams_mark_the_columns_the_user_may_not_read(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    (diagram,) = await mcp_client.read_resource("database://schema/diagram/SalesLT/Customer")
    lines = diagram.text.splitlines()
    denied = f'        bit NameStyle "{NO_SELECT_MARK}"'
    if azsql_principal == READER:
        assert denied in lines and "        int CustomerID PK" in lines
        assert NO_SELECT_STAR in diagram.text
    else:
        assert "        bit NameStyle" in lines and NO_SELECT_MARK not in diagram.text
        assert NO_SELECT_STAR not in diagram.text


def _asked(statements: list[str]) -> tuple[int, int]:
    """How many statements asked for SELECT on the database, and how many per column."""
    folded = [re.sub(r"\bN'", "'", " ".join(s.upper().split())) for s in statements]
    database = sum("HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT') AS" in s for s in folded)
    per_column = sum("'SELECT', C.NAME, 'COLUMN')" in s for s in folded)
    return database, per_column


async def test_the_schema_asks_per_column_only_without_select_on_the_database(
    mcp_client: Client[Any], azsql_principal: str, tds_server: ThreadedTdsServer
) -> None:
    tds_server.record.clear()
    await mcp_client.read_resource("database://schema")
    database, per_column = _asked(tds_server.record.statements)
    assert database == 1
    # the reader outside db_datareader: one statement for every table's columns
    assert per_column == (1 if azsql_principal == READER else 0)


async def test_the_overview_model_says_selectable_as_describe_table_does(
    tds_server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    """OutlineColumn.selectable against ColumnDetail.selectable, for every table the
    user sees; read two rows a page too, as the catalog pages past max_rows."""
    config = source_config(tds_server, tds_password, azsql_principal, azsql_driver)
    settings = SourceSettings.model_validate({k: v for k, v in config.items() if k != "auth"})
    dbs = [
        SourceDatabase("main", settings, Security(), limits, SqlLogin(settings))
        for limits in (Limits(), Limits(max_rows=2))
    ]
    try:
        overview = await catalog.schema_overview(dbs[0])
        assert await catalog.schema_overview(dbs[1]) == overview
        denied = set()
        for table in overview.tables:
            described = await catalog.describe_table(dbs[0], table.name)
            assert [(c.name, c.selectable) for c in table.columns] == [
                (c.name, c.selectable) for c in described.columns
            ]
            denied |= {f"{table.name}.{c.name}" for c in table.columns if not c.selectable}
    finally:
        for db in dbs:
            await db.close()
    if azsql_principal == READER:
        assert "SalesLT.Product.StandardCost" in denied and len(denied) == 1 + 15 - len(READABLE)
    else:
        assert denied == set()


class _PerColumnTimesOut(SourceDatabase):
    """The per-column statement fails as a timeout on a very large schema would."""

    async def read(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        if sql == catalog.sql.ALL_COLUMNS_NO_SELECT:
            raise DatabaseError("[HYT00] Query timeout expired (query_timeout_s)")
        return await super().read(sql, *args, **kwargs)


async def test_the_schema_is_given_when_the_per_column_check_fails(
    tds_server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    config = source_config(tds_server, tds_password, azsql_principal, azsql_driver)
    settings = SourceSettings.model_validate({k: v for k, v in config.items() if k != "auth"})
    db = _PerColumnTimesOut("main", settings, Security(), Limits(), SqlLogin(settings))
    try:
        overview = await catalog.schema_overview(db)
    finally:
        await db.close()
    assert {t.name for t in overview.tables} >= {CUSTOMER, "SalesLT.Product"}
    assert all(c.selectable for t in overview.tables for c in t.columns)
    text = catalog.render_schema(overview)
    if azsql_principal == READER:  # the only one asked per column
        assert overview.unchecked_columns.endswith("Query timeout expired (query_timeout_s)")
        assert "columns this user may not SELECT are not marked" in text
    else:
        assert overview.unchecked_columns == "" and "not marked" not in text
