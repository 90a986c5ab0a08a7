"""list_tables' column_pattern: the tables, views and table functions with a column named
LIKE it, each with those columns, through an MCP client on the sample database (as both
logins, through both ODBC drivers)."""

from typing import Any

from fastmcp import Client

from azsql_mcp.catalog import sql
from azsql_mcp.plugins.builtin_tools import catalog as catalog_tools

FRAME = "not instructions"


async def call(client: Client[Any], **args: Any) -> Any:
    result = await client.call_tool("list_tables", args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


def listed(result: Any) -> dict[str, dict[str, Any]]:
    return {f"{t['schema_name']}.{t['name']}": t for t in result.structured_content["tables"]}


async def test_column_pattern_finds_the_tables_and_views_with_such_a_column(mcp_client):
    result = await call(mcp_client, column_pattern="%ProductCategoryID")
    tables = listed(result)
    assert list(tables) == [
        "SalesLT.Product",
        "SalesLT.ProductCategory",
        "SalesLT.vGetAllCategories",
    ]
    assert tables["SalesLT.Product"]["columns"] == ["ProductCategoryID"]
    assert tables["SalesLT.ProductCategory"]["columns"] == [
        "ProductCategoryID",
        "ParentProductCategoryID",
    ]
    assert tables["SalesLT.vGetAllCategories"]["type"] == "view"
    assert all(t["more_columns"] == 0 for t in tables.values())
    text = result.content[0].text
    assert text.startswith('3 tables and views with columns LIKE "%ProductCategoryID"\n')
    assert "\nSalesLT.vGetAllCategories (view; columns ProductCategoryID)\n" in text
    emails = await call(mcp_client, column_pattern="EmailAddress", schema="SalesLT")
    assert "\nSalesLT.Customer (table, ~850 rows; columns EmailAddress)\n" in (
        emails.content[0].text
    )
    assert list(listed(emails)) == ["SalesLT.Customer"]


async def test_without_column_pattern_no_table_has_columns(mcp_client):
    """As base_object and parameters: the keys are left out of a listing without it."""
    result = await call(mcp_client, schema="SalesLT")
    assert all(
        "columns" not in t and "more_columns" not in t for t in result.structured_content["tables"]
    )
    assert "; columns" not in result.content[0].text


async def test_a_table_function_is_found_by_a_column_it_returns(mcp_client):
    """sys.columns holds a table-valued function's result columns; with name_pattern too."""
    result = await call(mcp_client, schema="dbo", name_pattern="ufn%", column_pattern="%Name")
    (function,) = result.structured_content["tables"]
    assert (function["name"], function["type"]) == ("ufnGetCustomerInformation", "table function")
    assert function["columns"] == ["FirstName", "LastName"]
    assert function["parameters"] == [{"name": "@CustomerID", "type": "int"}]
    assert (
        "\ndbo.ufnGetCustomerInformation (table function: @CustomerID int;"
        " columns FirstName, LastName)\n"
    ) in result.content[0].text


async def test_many_matches_name_the_first_by_column_id_and_count_the_rest(mcp_client):
    result = await call(mcp_client, schema="SalesLT", name_pattern="Customer", column_pattern="%")
    (customer,) = result.structured_content["tables"]
    shown = ["CustomerID", "NameStyle", "Title", "FirstName", "MiddleName"]
    assert (customer["columns"], customer["more_columns"]) == (shown, 10)
    assert f"(table, ~850 rows; columns {', '.join(shown)} and 10 more)" in result.content[0].text


async def test_a_column_pattern_matching_nothing_says_what_to_try(mcp_client):
    """LIKE without a wildcard matches a whole name only: the hint says so, and which
    filters to drop."""
    result = await call(mcp_client, column_pattern="email")
    assert result.structured_content["tables"] == []
    assert result.content[0].text == (
        '0 tables and views with columns LIKE "email"; LIKE matches whole names, "%email%"'
        " those that hold it; list_tables without schema, name_pattern and column_pattern"
        " lists every one"
    )
    wild = await call(mcp_client, column_pattern="%NoSuchColumn%")
    assert wild.content[0].text == (
        '0 tables and views with columns LIKE "%NoSuchColumn%"; list_tables without'
        " schema, name_pattern and column_pattern lists every one"
    )


async def test_a_pattern_longer_than_sql_server_takes_is_refused(mcp_client):
    """LIKE (Transact-SQL): a pattern is at most 8,000 bytes, 4,000 nvarchar characters."""
    for argument in ("column_pattern", "name_pattern"):
        result = await mcp_client.call_tool(
            "list_tables", {argument: "%" * 4001}, raise_on_error=False
        )
        assert result.is_error
        assert result.content[0].text.startswith(
            f"{argument} is a LIKE pattern of at most 4,000 characters"
        )
    assert not (await mcp_client.call_tool("list_tables", {"column_pattern": "%" * 4000})).is_error
    described = await mcp_client.call_tool(
        "describe_table", {"table": "SalesLT.Customer", "columns": "%" * 4001}, raise_on_error=False
    )
    assert described.is_error
    assert described.content[0].text.startswith("columns is a LIKE pattern of at most 4,000")


async def test_pages_of_a_column_search_follow_the_cursor(mcp_client, monkeypatch):
    """Every match once, in order, across pages of 3; the "more" sentence names
    column_pattern among the filters to keep."""
    args = {"schema": "SalesLT", "column_pattern": "%ModifiedDate"}
    whole = listed(await call(mcp_client, **args))
    assert len(whole) > 6
    monkeypatch.setattr(catalog_tools, "SHOWN", 3)
    first = await call(mcp_client, **args)
    cursor = first.structured_content["next_cursor"]
    assert first.content[0].text.startswith(
        '3 tables and views with columns LIKE "%ModifiedDate" by schema and name; there'
        " are more: narrow with schema, name_pattern or column_pattern, or call again with"
        f' the same ones and cursor="{cursor}"'
    )
    seen = listed(first)
    while cursor:
        page = await call(mcp_client, cursor=cursor, **args)
        seen |= listed(page)
        cursor = page.structured_content["next_cursor"]
    assert seen == whole
    assert list(seen) == list(whole)
    assert all(t["columns"] == ["ModifiedDate"] for t in seen.values())


async def test_the_matching_columns_cost_a_statement_only_with_column_pattern(
    mcp_client, statements_read
):
    await call(mcp_client, schema="SalesLT")
    assert sql.LIST_MATCHING_COLUMNS not in statements_read
    await call(mcp_client, schema="SalesLT", column_pattern="%Date")
    assert statements_read.count(sql.LIST_MATCHING_COLUMNS) == 1
