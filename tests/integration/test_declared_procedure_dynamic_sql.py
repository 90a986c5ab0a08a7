"""A procedure tool whose procedure builds its query from the optional filters it was
given and runs it with `EXEC (@sql)` (the usual search procedure) returns its rows,
through an MCP client on the TDS test server with both ODBC drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

SEARCH = """CREATE PROCEDURE dbo.uspProductSearch @NamePart nvarchar(50) = NULL,
    @MinPrice int = NULL
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @sql nvarchar(1000) = N'SELECT ProductID, Name, ListPrice FROM SalesLT.Product'
        + N' WHERE 1 = 1';
    SET @sql = @sql
        + COALESCE(N' AND Name LIKE N''%' + REPLACE(@NamePart, N'''', N'''''') + N'%''', N'')
        + COALESCE(N' AND ListPrice >= ' + CAST(@MinPrice AS nvarchar(12)), N'')
        + N' ORDER BY ProductID';
    EXEC (@sql);
END"""
TOOLS = {
    "product_search": {
        "procedure": "dbo.uspProductSearch",
        "description": "Products whose name holds NamePart, from MinPrice up",
    }
}
SAME = (
    "SELECT ProductID, Name, ListPrice FROM SalesLT.Product"
    " WHERE Name LIKE N'%Elite%' AND ListPrice >= 1000 ORDER BY ProductID"
)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, [SEARCH]) as server:
        yield server


@pytest.fixture
async def client(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    async with Client(make_app(azsql_config, TOOLS).mcp) as connected:
        await reach_source(connected)
        await listed_until(
            connected, lambda t: "NamePart" in t["product_search"].input_schema["properties"]
        )
        yield connected


async def test_a_procedure_tool_returns_the_rows_of_its_dynamic_sql(
    client: Client[Any],
) -> None:
    result = await client.call_tool("product_search", {"NamePart": "Elite", "MinPrice": 1000})
    rows = result.structured_content["result_sets"][0]["rows"]
    expected = await client.call_tool("read_data", {"query": SAME})
    assert rows and rows == expected.structured_content["rows"]
    # a filter left out is left out of the statement; a quote in the value stays text
    every = await client.call_tool("product_search", {})
    assert len(every.structured_content["result_sets"][0]["rows"]) > len(rows)
    quoted = await client.call_tool("product_search", {"NamePart": "it's"})
    assert quoted.structured_content["result_sets"][0]["rows"] == []
