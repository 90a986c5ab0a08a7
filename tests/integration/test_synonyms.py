"""The product's paths through synonyms and sys.sql_expression_dependencies, as both
logins through both drivers, on a sample database given a local synonym, synonyms for
another database's and a linked server's table, and a procedure that names another
database: `check` lists the synonyms that reach outside (whole as the administrator,
what the reader can see otherwise) and no procedure among the views and functions;
read_data reads through the local synonym; a write through it is refused as
docs/security.md says; describe_table names a synonym's base."""

from __future__ import annotations

import copy
import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS, READER, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

SETUP = [
    "CREATE SYNONYM dbo.Products FOR SalesLT.Product",
    "CREATE SYNONYM dbo.RemoteOrders FOR Srv.Sales.dbo.Orders",
    "CREATE SYNONYM dbo.OtherOrders FOR OtherDb.dbo.Orders",
    "CREATE SYNONYM dbo.SameDb FOR AdventureWorksLT.SalesLT.Customer",
    "CREATE PROCEDURE dbo.CopyOrders AS SELECT * FROM OtherDb.dbo.Orders",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def check(config: dict[str, Any]) -> str:
    out = io.StringIO()
    code = await run_check(settings_from_mapping(copy.deepcopy(config)), None, out)
    assert code == 0, out.getvalue()
    return out.getvalue()


async def test_check_lists_the_synonyms_that_reach_outside(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    text = await check(azsql_config)
    line = next(x for x in text.splitlines() if "synonyms for an object of another" in x)
    assert line.startswith("warn  reach outside: 2 synonyms for an object of another database")
    assert "dbo.OtherOrders -> [OtherDb].[dbo].[Orders]" in line
    assert "dbo.RemoteOrders -> [Srv].[Sales].[dbo].[Orders]" in line
    assert "dbo.Products" not in line and "dbo.SameDb" not in line  # this database's
    # a db_datareader sees the synonyms (SELECT on the database) but not the whole list
    assert ("of those this login can see" in line) == (azsql_principal == READER)


async def test_check_lists_no_procedure_as_a_view_or_function(
    azsql_config: dict[str, Any],
) -> None:
    """A procedure is no object a read goes through (EXEC is refused; a declared tool
    runs the one its operator chose): the administrator's list of views and functions
    that name another database leaves dbo.CopyOrders out (the reader, without VIEW
    DEFINITION, sees no dependency at all)."""
    text = await check(azsql_config)
    assert "views and functions that name another" not in text
    assert "dbo.CopyOrders" not in text


@pytest.fixture
async def writer(make_azsql_server: Any, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    if azsql_principal == READER:
        pytest.skip("the reader may not write")
    async with Client(make_azsql_server(config={"security": {"read_only": False}})) as client:
        yield client


async def test_read_data_reads_through_a_local_synonym(mcp_client: Client[Any]) -> None:
    sql = "SELECT TOP 2 ProductID, Name FROM dbo.Products ORDER BY ProductID"
    result = await mcp_client.call_tool("read_data", {"query": sql})
    assert result.structured_content is not None
    assert [row[0] for row in result.structured_content["rows"]] == [1, 2]


async def test_read_data_through_a_synonym_to_a_linked_server_gets_sql_server_s_error(
    mcp_client: Client[Any],
) -> None:
    result = await mcp_client.call_tool(
        "read_data", {"query": "SELECT * FROM dbo.RemoteOrders"}, raise_on_error=False
    )
    assert result.is_error
    assert "Could not find server 'Srv' in sys.servers" in result.content[0].text


@pytest.mark.parametrize(
    ("tool", "sql"),
    [
        ("insert_data", "INSERT INTO dbo.Products (Name) VALUES (N'x')"),
        ("update_data", "UPDATE dbo.Products SET Name = N'x' WHERE ProductID = 1"),
    ],
)
async def test_a_write_through_a_synonym_is_refused(
    writer: Client[Any], tool: str, sql: str
) -> None:
    result = await writer.call_tool(tool, {"sql": sql}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "through the synonym itself" in text and "Nothing was run" in text, text


async def test_describe_table_of_a_synonym_names_its_base(mcp_client: Client[Any]) -> None:
    """A synonym is no table or view, and list_tables does not list it: describe_table
    names its base instead of sending the agent to a list without it."""
    result = await mcp_client.call_tool(
        "describe_table", {"table": "dbo.Products"}, raise_on_error=False
    )
    assert result.is_error
    assert result.content[0].text == (
        "dbo.Products is a synonym for SalesLT.Product (a synonym has no columns of its"
        " own): call describe_table with 'SalesLT.Product' instead; reads of the synonym"
        " read it."
    )
    result = await mcp_client.call_tool(
        "describe_table", {"table": "OtherOrders"}, raise_on_error=False
    )
    assert result.content[0].text.startswith(
        "dbo.OtherOrders is a synonym for OtherDb.dbo.Orders, an object of another database"
        " or server: this source's catalog does not describe it."
    )


async def test_an_is_not_null_filter_through_a_synonym_counts_as_always_true(
    writer: Client[Any],
) -> None:
    """sys.columns lists no column of a synonym: the write filter cannot tell whether
    `Color IS NOT NULL` filters, and says why (db/database.py)."""
    sql = "UPDATE dbo.Products SET Name = N'x' WHERE Color IS NOT NULL"
    result = await writer.call_tool("update_data", {"sql": sql}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "cannot look up the columns of [dbo].[Products] (a table of another" in text, text
    assert "a synonym" in text, text
