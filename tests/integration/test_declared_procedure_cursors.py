"""A procedure tool whose procedure loops over a cursor (`DECLARE c CURSOR ... WHILE
@@FETCH_STATUS = 0`, as older stored procedures do) returns what it gathered, through an
MCP client on the TDS test server with both ODBC drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

GATHER = """CREATE PROCEDURE dbo.uspLargeCategories @MinProducts int
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @name nvarchar(50), @products int;
    DECLARE @gathered TABLE (Name nvarchar(50), Products int);
    DECLARE categories CURSOR LOCAL FAST_FORWARD FOR
        SELECT c.Name, COUNT(*) FROM SalesLT.Product AS p
        JOIN SalesLT.ProductCategory AS c ON c.ProductCategoryID = p.ProductCategoryID
        GROUP BY c.Name;
    OPEN categories;
    FETCH NEXT FROM categories INTO @name, @products;
    WHILE @@FETCH_STATUS = 0
    BEGIN
        IF @products >= @MinProducts
            INSERT INTO @gathered (Name, Products) VALUES (@name, @products);
        FETCH NEXT FROM categories INTO @name, @products;
    END
    CLOSE categories;
    DEALLOCATE categories;
    SELECT Name, Products FROM @gathered ORDER BY Products DESC, Name;
END"""
TOOLS = {
    "large_categories": {
        "procedure": "dbo.uspLargeCategories",
        "description": "Categories with at least MinProducts products",
    }
}
SAME = (
    "SELECT c.Name, COUNT(*) AS Products FROM SalesLT.Product AS p"
    " JOIN SalesLT.ProductCategory AS c ON c.ProductCategoryID = p.ProductCategoryID"
    " GROUP BY c.Name HAVING COUNT(*) >= 15 ORDER BY Products DESC, c.Name"
)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, [GATHER]) as server:
        yield server


@pytest.fixture
async def client(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    async with Client(make_app(azsql_config, TOOLS).mcp) as connected:
        await reach_source(connected)
        await listed_until(
            connected, lambda t: "MinProducts" in t["large_categories"].input_schema["properties"]
        )
        yield connected


async def test_a_procedure_tool_returns_what_its_cursor_loop_gathered(
    client: Client[Any],
) -> None:
    result = await client.call_tool("large_categories", {"MinProducts": 15})
    rows = result.structured_content["result_sets"][0]["rows"]
    expected = await client.call_tool("read_data", {"query": SAME})
    assert rows and rows == expected.structured_content["rows"]
    # each call declares its LOCAL cursor again
    again = await client.call_tool("large_categories", {"MinProducts": 15})
    assert again.structured_content["result_sets"][0]["rows"] == rows
