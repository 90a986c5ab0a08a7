"""A procedure tool whose procedure gathers its rows in a table variable (`DECLARE @t
TABLE`, the commonest T-SQL in stored procedures) returns them, through an MCP client on
the TDS test server with both ODBC drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

SIZES = """CREATE PROCEDURE dbo.uspCategorySizes @MinProducts int
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @sizes TABLE (CategoryID int PRIMARY KEY, Products int NOT NULL);
    INSERT INTO @sizes (CategoryID, Products)
        SELECT ProductCategoryID, COUNT(*) FROM SalesLT.Product GROUP BY ProductCategoryID;
    DELETE FROM @sizes WHERE Products < @MinProducts;
    SELECT c.Name, s.Products
    FROM @sizes AS s JOIN SalesLT.ProductCategory AS c ON c.ProductCategoryID = s.CategoryID
    ORDER BY s.Products DESC, c.Name;
END"""
TOOLS = {
    "category_sizes": {
        "procedure": "dbo.uspCategorySizes",
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
    with sample_tds_server(tds_password, [SIZES]) as server:
        yield server


@pytest.fixture
async def client(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    async with Client(make_app(azsql_config, TOOLS).mcp) as connected:
        await reach_source(connected)
        await listed_until(
            connected, lambda t: "MinProducts" in t["category_sizes"].input_schema["properties"]
        )
        yield connected


async def test_a_procedure_tool_returns_the_rows_of_its_table_variable(
    client: Client[Any],
) -> None:
    result = await client.call_tool("category_sizes", {"MinProducts": 15})
    rows = result.structured_content["result_sets"][0]["rows"]
    expected = await client.call_tool("read_data", {"query": SAME})
    assert rows and rows == expected.structured_content["rows"]
    # each call has a table variable of its own
    again = await client.call_tool("category_sizes", {"MinProducts": 15})
    assert again.structured_content["result_sets"][0]["rows"] == rows
