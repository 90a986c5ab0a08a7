"""Table-valued functions met by describe_table, the table resource, list_tables and
read_data, as both logins through both drivers: the sample's
dbo.ufnGetCustomerInformation, inline and multi-statement ones (sys.objects types IF and
TF) made here with two parameters, and one of each the reader is denied SELECT on, which
SQL Server's catalog hides from it ("Metadata visibility configuration": a login sees an
object it holds a permission on; "GRANT Object Permissions" lists SELECT for
table-valued functions, and db_datareader holds SELECT on the database)."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import Limits, Security, SourceSettings, catalog
from azsql_mcp.catalog.table_pages import cursor_of
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.serving.console import schema_page
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    FREETDS,
    PRINCIPALS,
    READER,
    READER_USER,
    TEST_SOURCE,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

SETUP = [
    "CREATE FUNCTION dbo.OrdersOf(@CustomerID int, @Status nvarchar(20) = N'open')"
    " RETURNS TABLE AS RETURN SELECT SalesOrderID, TotalDue"
    " FROM SalesLT.SalesOrderHeader WHERE CustomerID = @CustomerID",
    "CREATE FUNCTION dbo.SecretFn() RETURNS TABLE AS RETURN SELECT 1 AS One",
    f"DENY SELECT ON dbo.SecretFn TO [{READER_USER}]",
    # multi-statement ones (sys.objects type TF): a body that fills its return table
    """CREATE FUNCTION dbo.TopOrders(@CustomerID int, @Limit int = 2)
RETURNS @orders TABLE (SalesOrderID int PRIMARY KEY, TotalDue money, Rank int)
AS
BEGIN
    INSERT INTO @orders (SalesOrderID, TotalDue, Rank)
    SELECT TOP (@Limit) SalesOrderID, TotalDue,
        ROW_NUMBER() OVER (ORDER BY TotalDue DESC)
    FROM SalesLT.SalesOrderHeader WHERE CustomerID = @CustomerID ORDER BY TotalDue DESC;
    RETURN;
END""",
    "CREATE FUNCTION dbo.SecretRows() RETURNS @r TABLE (One int) AS BEGIN"
    " INSERT @r VALUES (1); RETURN; END",
    f"DENY SELECT ON dbo.SecretRows TO [{READER_USER}]",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def _call(client: Client[Any], tool: str, args: dict[str, Any]) -> tuple[bool, str, Any]:
    result = await client.call_tool(tool, args, raise_on_error=False)
    return result.is_error, result.content[0].text, result.structured_content  # type: ignore[union-attr]


async def test_describe_table_of_a_table_function_gives_its_parameters_and_columns(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, found = await _call(mcp_client, "describe_table", {"table": "dbo.OrdersOf"})
    assert not failed, text
    assert found["type"] == "table function"
    assert found["parameters"] == [
        {"name": "@CustomerID", "type": "int"},
        {"name": "@Status", "type": "nvarchar(20)"},
    ]
    assert [c["name"] for c in found["columns"]] == ["SalesOrderID", "TotalDue"]
    assert "row_count" in found and found["row_count"] is None
    assert "table function dbo.OrdersOf (2 columns)" in text, text
    assert "PARAMETERS (@CustomerID int, @Status nvarchar(20))" in text, text
    assert "Read it as SELECT * FROM dbo.OrdersOf(@CustomerID, @Status)" in text, text
    # what it tells the agent to write reads the function
    failed, text, read = await _call(
        mcp_client,
        "read_data",
        {
            "query": "SELECT * FROM dbo.OrdersOf(@CustomerID, @Status)",
            "params": {"CustomerID": 29847, "Status": "open"},
        },
    )
    assert not failed, text
    assert [c["name"] for c in read["columns"]] == ["SalesOrderID", "TotalDue"], read


async def test_the_table_resource_describes_the_sample_function(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    contents = await mcp_client.read_resource("database://tables/dbo/ufnGetCustomerInformation")
    found = json.loads(contents[0].text)  # type: ignore[union-attr]
    assert found["type"] == "table function"
    assert found["parameters"] == [{"name": "@CustomerID", "type": "int"}]
    assert [c["name"] for c in found["columns"]] == ["CustomerID", "FirstName", "LastName"]


async def test_a_function_without_select_is_not_described_to_the_reader(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, _ = await _call(mcp_client, "describe_table", {"table": "dbo.SecretFn"})
    if azsql_principal != READER:
        assert not failed, text
        assert "NO PARAMETERS" in text and "Read it as SELECT * FROM dbo.SecretFn()" in text
        return
    assert failed
    assert "No table, view, table function or synonym named 'dbo.SecretFn'" in text, text
    assert "Did you mean" not in text, text
    with pytest.raises(Exception, match=r"no table, view, table function or synonym dbo\.SecretFn"):
        await mcp_client.read_resource("database://tables/dbo/SecretFn")


SAMPLE_LINE = "dbo.ufnGetCustomerInformation (table function: @CustomerID int)"
ORDERS_LINE = "dbo.OrdersOf (table function: @CustomerID int, @Status nvarchar(20))"


async def test_list_tables_lists_table_functions_with_their_parameters(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, found = await _call(mcp_client, "list_tables", {"schema": "dbo"})
    assert not failed, text
    listed = {t["name"]: t for t in found["tables"]}
    assert listed["OrdersOf"]["type"] == "table function"
    assert listed["OrdersOf"]["row_count"] is None
    assert listed["OrdersOf"]["parameters"] == [
        {"name": "@CustomerID", "type": "int"},
        {"name": "@Status", "type": "nvarchar(20)"},
    ]
    assert f"\n{ORDERS_LINE}\n" in text and f"\n{SAMPLE_LINE}\n" in text, text
    assert text.startswith(f"{len(listed)} tables, views and table functions"), text
    names = [t["name"] for t in found["tables"]]
    assert names == sorted(names, key=str.casefold)  # among the tables, by name
    # a function without SELECT is not shown to the reader, as SQL Server hides it
    if azsql_principal == READER:
        assert "SecretFn" not in listed
    else:
        assert listed["SecretFn"]["parameters"] == []
        assert "\ndbo.SecretFn (table function)\n" in text, text
    # only a function has parameters: a table's JSON has no such field
    tables = await _call(mcp_client, "list_tables", {"schema": "SalesLT"})
    assert all("parameters" not in t for t in tables[2]["tables"])
    # the page after a cursor reads the parameters of the functions on it
    after = cursor_of("dbo", "OrdersOf")
    failed, text, found = await _call(mcp_client, "list_tables", {"schema": "dbo", "cursor": after})
    assert not failed, text
    assert "OrdersOf" not in {t["name"] for t in found["tables"]}
    assert f"\n{SAMPLE_LINE}\n" in text, text


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_each_page_holds_the_parameters_of_its_own_functions(
    tds_server: ThreadedTdsServer,
    tds_password: str,
    azsql_driver: str,
    azsql_principal: str,
    limit: int,
) -> None:
    """Pages of `limit` objects, each with one statement for its functions' parameters:
    none leaks from the page before or after."""
    source = source_config(tds_server, tds_password, azsql_principal, azsql_driver)
    settings = SourceSettings(
        server=source["server"],
        database=source["database"],
        username=source["username"],
        password=tds_password,
        encrypt="no",
        driver="FreeTDS" if azsql_driver == FREETDS else None,
        retry_budget_s=0,
    )
    db = SourceDatabase("main", settings, Security(), Limits(), SqlLogin(settings))
    try:
        whole = await catalog.list_tables(db, "dbo")
        paged: list[catalog.TableSummary] = []
        after = None
        while True:
            page = await catalog.list_tables(db, "dbo", after=after, limit=limit)
            paged += page.tables
            if not page.truncated:
                break
            after = (page.tables[-1].schema_name, page.tables[-1].name)
    finally:
        await db.close()
    assert paged == whole.tables
    assert any(t.parameters for t in whole.tables)


async def test_the_schema_resource_shows_table_functions(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """Among the tables, with their parameters and the columns they return."""
    (contents,) = await mcp_client.read_resource("database://schema")
    text = contents.text  # type: ignore[union-attr]
    assert "table functions" in text.splitlines()[0], text
    assert f"\n{ORDERS_LINE}: SalesOrderID int!, TotalDue money" in text, text
    assert f"\n{SAMPLE_LINE}: CustomerID int" in text, text
    assert ("\ndbo.SecretFn (table function): One int" in text) != (azsql_principal == READER)


async def test_the_console_schema_page_lists_table_functions(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    app = build_app(settings_from_mapping(copy.deepcopy(azsql_config)))
    async with Client(app.mcp):
        deadline = time.monotonic() + 30
        while app.databases.get(TEST_SOURCE) is None:  # the source opens
            assert time.monotonic() < deadline, "the source never opened"
            await asyncio.sleep(0.05)
        page = await schema_page.schema(app, None, "dbo")
    taking = "table function (@CustomerID int, @Status nvarchar(20)), 2 columns"
    assert f'<b>dbo.OrdersOf</b> <span class="muted">{taking}</span>' in page, page
    assert ("<b>dbo.SecretFn</b>" in page) != (azsql_principal == READER)


async def test_the_query_builder_describes_a_table_function(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    args = {"table": "dbo.OrdersOf", "operation": "select"}
    result = await mcp_client.get_prompt("sql_query_builder", args)
    text = "\n".join(m.content.text for m in result.messages)  # type: ignore[union-attr]
    assert "Read it as SELECT * FROM dbo.OrdersOf(@CustomerID, @Status)" in text, text


async def test_a_near_name_is_offered_only_when_the_login_can_see_it(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, _ = await _call(mcp_client, "describe_table", {"table": "dbo.SecretFun"})
    assert failed
    if azsql_principal == READER:  # the catalog hides the function from it
        assert "Did you mean" not in text, text
    else:
        assert "Did you mean dbo.SecretFn?" in text, text


async def test_list_tables_and_describe_table_show_a_multi_statement_function(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, found = await _call(mcp_client, "list_tables", {"schema": "dbo"})
    assert not failed, text
    listed = {t["name"]: t for t in found["tables"]}
    assert listed["TopOrders"]["type"] == "table function"
    assert listed["TopOrders"]["parameters"] == [
        {"name": "@CustomerID", "type": "int"},
        {"name": "@Limit", "type": "int"},
    ]
    assert "\ndbo.TopOrders (table function: @CustomerID int, @Limit int)\n" in text, text
    assert ("SecretRows" in listed) is (azsql_principal != READER)
    failed, text, found = await _call(mcp_client, "describe_table", {"table": "dbo.TopOrders"})
    assert not failed, text
    assert found["type"] == "table function"
    assert [(c["name"], c["type"]) for c in found["columns"]] == [
        ("SalesOrderID", "int"),
        ("TotalDue", "money"),
        ("Rank", "int"),
    ]
    assert "Read it as SELECT * FROM dbo.TopOrders(@CustomerID, @Limit)" in text, text


async def test_read_data_runs_a_multi_statement_function(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, read = await _call(
        mcp_client,
        "read_data",
        {
            "query": "SELECT * FROM dbo.TopOrders(@CustomerID, @Limit)",
            "params": {"CustomerID": 3, "Limit": 1},
        },
    )
    assert not failed, text
    assert [c["name"] for c in read["columns"]] == ["SalesOrderID", "TotalDue", "Rank"], read
    assert len(read["rows"]) == 1 and read["rows"][0][2] == 1, read
    failed, text, _ = await _call(
        mcp_client, "read_data", {"query": "SELECT * FROM dbo.SecretRows()"}
    )
    assert failed is (azsql_principal == READER), text
