"""Procedure tools whose procedures are written as stored procedures usually are: rows
gathered in a table variable (`DECLARE @t TABLE`), a cursor loop (`WHILE @@FETCH_STATUS
= 0`, with IF inside), a query built from optional filters and run with `EXEC (@sql)`.
Each returns what the same question asked through read_data returns, through an MCP
client on the TDS test server with both ODBC drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import resolved_client

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
    "category_sizes": {
        "procedure": "dbo.uspCategorySizes",
        "description": "Categories with at least MinProducts products",
    },
    "large_categories": {
        "procedure": "dbo.uspLargeCategories",
        "description": "Categories with at least MinProducts products",
    },
    "product_search": {
        "procedure": "dbo.uspProductSearch",
        "description": "Products whose name holds NamePart, from MinPrice up",
    },
}
LARGE_CATEGORIES = (
    "SELECT c.Name, COUNT(*) AS Products FROM SalesLT.Product AS p"
    " JOIN SalesLT.ProductCategory AS c ON c.ProductCategoryID = p.ProductCategoryID"
    " GROUP BY c.Name HAVING COUNT(*) >= 15 ORDER BY Products DESC, c.Name"
)
ELITE_FROM_1000 = (
    "SELECT ProductID, Name, ListPrice FROM SalesLT.Product"
    " WHERE Name LIKE N'%Elite%' AND ListPrice >= 1000 ORDER BY ProductID"
)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, [SIZES, GATHER, SEARCH]) as server:
        yield server


@pytest.fixture
async def client(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    async with resolved_client(
        azsql_config,
        TOOLS,
        lambda t: all(
            arg in t[tool].input_schema["properties"]
            for tool, arg in [
                ("category_sizes", "MinProducts"),
                ("large_categories", "MinProducts"),
                ("product_search", "NamePart"),
            ]
        ),
    ) as connected:
        yield connected


async def _rows(client: Client[Any], tool: str, args: dict[str, Any]) -> list[Any]:
    result = await client.call_tool(tool, args)
    rows: list[Any] = result.structured_content["result_sets"][0]["rows"]
    return rows


@pytest.mark.parametrize("tool", ["category_sizes", "large_categories"])
async def test_a_table_variable_and_a_cursor_loop_return_what_they_gathered(
    client: Client[Any], tool: str
) -> None:
    rows = await _rows(client, tool, {"MinProducts": 15})
    expected = await client.call_tool("read_data", {"query": LARGE_CATEGORIES})
    assert rows and rows == expected.structured_content["rows"]
    # each call has a table variable and a LOCAL cursor of its own
    assert await _rows(client, tool, {"MinProducts": 15}) == rows


async def test_a_procedure_tool_returns_the_rows_of_its_dynamic_sql(
    client: Client[Any],
) -> None:
    rows = await _rows(client, "product_search", {"NamePart": "Elite", "MinPrice": 1000})
    expected = await client.call_tool("read_data", {"query": ELITE_FROM_1000})
    assert rows and rows == expected.structured_content["rows"]
    # a filter left out is left out of the statement; a quote in the value stays text
    assert len(await _rows(client, "product_search", {})) > len(rows)
    assert await _rows(client, "product_search", {"NamePart": "it's"}) == []
