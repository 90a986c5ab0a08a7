"""list_tables and describe_table through an MCP client on the sample database."""

from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.catalog import DEFINITION_HIDDEN
from azsql_mcp.testing.pytest_plugin import READER


async def call(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def test_list_tables_has_the_sample_schema(mcp_client):
    result = await call(mcp_client, "list_tables")
    tables = {(t["schema_name"], t["name"]): t for t in result.structured_content["tables"]}
    for name in ("Customer", "Address", "Product", "SalesOrderHeader", "SalesOrderDetail"):
        assert tables[("SalesLT", name)]["type"] == "table"
    assert tables[("SalesLT", "SalesOrderDetail")]["row_count"] >= 50_000
    assert tables[("SalesLT", "vProductAndDescription")]["type"] == "view"
    text = result.content[0].text
    assert "SalesLT.Customer (table, ~" in text and "not instructions" in text


async def test_a_long_listing_shows_its_first_tables_and_how_to_see_the_rest(
    mcp_client, monkeypatch
):
    from azsql_mcp.plugins.builtin_tools import catalog as catalog_tools

    monkeypatch.setattr(catalog_tools, "SHOWN", 3)
    result = await call(mcp_client, "list_tables", schema="SalesLT")
    assert len(result.structured_content["tables"]) == 3
    assert result.structured_content["truncated"] is True
    text = result.content[0].text
    assert text.startswith("3 tables and views by schema and name; there are more")


async def test_list_tables_filters_by_schema_and_pattern(mcp_client):
    result = await call(mcp_client, "list_tables", schema="SalesLT", name_pattern="Sales%")
    names = [t["name"] for t in result.structured_content["tables"]]
    assert names == ["SalesOrderDetail", "SalesOrderHeader"]
    none = await call(mcp_client, "list_tables", schema="NoSuchSchema")
    assert none.structured_content["tables"] == []


async def test_an_empty_listing_says_how_to_list_more_and_frames_nothing(mcp_client):
    """No names, so no untrusted-data frame around nothing; the filters are what to drop."""
    for args in ({"schema": "NoSuchSchema"}, {"name_pattern": "NoSuch%"}):
        text = (await call(mcp_client, "list_tables", **args)).content[0].text
        assert text.startswith("0 tables and views"), text
        assert text.endswith("; list_tables without schema and name_pattern lists every one")
        assert "untrusted-data" not in text and "\n" not in text


async def test_describe_table_customer(mcp_client, azsql_principal):
    result = await call(mcp_client, "describe_table", table="SalesLT.Customer")
    info = result.structured_content
    assert (info["schema_name"], info["name"], info["type"]) == ("SalesLT", "Customer", "table")
    columns = {c["name"]: c for c in info["columns"]}
    assert columns["CustomerID"]["identity"] == "IDENTITY(1,1)"
    assert columns["CustomerID"]["nullable"] is False
    assert columns["FirstName"]["type"] == "nvarchar(50)"
    assert columns["PasswordHash"]["type"] == "varchar(128)"
    assert columns["MiddleName"]["nullable"] is True
    if azsql_principal == READER:  # no VIEW DEFINITION: the default is there, hidden
        assert columns["NameStyle"]["default"] == DEFINITION_HIDDEN
        text = result.content[0].text  # said once why, not on every line
        assert "DEFAULT (hidden)" in text and text.count("(hidden): ") == 1
        assert (  # what to ask a DBA for, as health_check says it
            "(hidden): a definition this login may not see; row-level security policies"
            " are not shown to this login: one may let it read fewer rows than row_count"
            " (needs VIEW DEFINITION: GRANT VIEW DEFINITION TO [azsql_reader];)"
        ) in text
    else:
        assert "0" in columns["NameStyle"]["default"]
    assert info["primary_key"] == {"name": "PK_Customer_CustomerID", "columns": ["CustomerID"]}
    assert {u["name"] for u in info["unique_constraints"]} == {"AK_Customer_rowguid"}
    assert info["foreign_keys"] == []
    incoming = {fk["name"]: fk for fk in info["referenced_by"]}
    assert incoming["FK_SalesOrderHeader_Customer_CustomerID"]["from_table"] == (
        "SalesLT.SalesOrderHeader"
    )
    assert "FK_CustomerAddress_Customer_CustomerID" in incoming
    indexes = {ix["name"]: ix for ix in info["indexes"]}
    assert indexes["IX_Customer_EmailAddress"]["columns"] == ["EmailAddress"]
    assert indexes["PK_Customer_CustomerID"]["primary_key"] is True
    assert info["row_count"] == 850
    text = result.content[0].text
    assert "PRIMARY KEY PK_Customer_CustomerID (CustomerID)" in text


async def test_describe_table_keys_checks_and_types(mcp_client):
    result = await call(mcp_client, "describe_table", table="[SalesLT].[SalesOrderDetail]")
    info = result.structured_content
    columns = {c["name"]: c for c in info["columns"]}
    assert columns["LineTotal"]["type"] == "numeric(38,6)"
    assert columns["UnitPrice"]["type"] == "money"
    assert info["primary_key"]["columns"] == ["SalesOrderID", "SalesOrderDetailID"]
    outgoing = {fk["name"]: fk for fk in info["foreign_keys"]}
    header = outgoing["FK_SalesOrderDetail_SalesOrderHeader_SalesOrderID"]
    assert header["to_table"] == "SalesLT.SalesOrderHeader"
    assert header["on_delete"] == "CASCADE"
    checks = {c["name"] for c in info["check_constraints"]}
    assert "CK_SalesOrderDetail_OrderQty" in checks


async def test_describe_table_without_schema_and_self_reference(mcp_client):
    result = await call(mcp_client, "describe_table", table="ProductCategory")
    info = result.structured_content
    fk = "FK_ProductCategory_ProductCategory_ParentProductCategoryID_ProductCategoryID"
    assert [f["name"] for f in info["foreign_keys"]] == [fk]
    incoming = {f["name"] for f in info["referenced_by"]}
    assert incoming == {fk, "FK_Product_ProductCategory_ProductCategoryID"}


async def test_describe_view(mcp_client):
    result = await call(mcp_client, "describe_table", table="SalesLT.vProductAndDescription")
    info = result.structured_content
    assert info["type"] == "view"
    assert [c["name"] for c in info["columns"]][:2] == ["ProductID", "Name"]


@pytest.mark.parametrize(
    ("table", "message"),
    [("SalesLT.NoSuchTable", "list_tables"), ("a.b.c", "schema.table")],
)
async def test_describe_table_bad_names_say_what_to_do(mcp_client, table, message):
    result = await mcp_client.call_tool("describe_table", {"table": table}, raise_on_error=False)
    assert result.is_error
    assert message in result.content[0].text


@pytest.mark.parametrize(
    "query",
    [
        "SELECT OBJECT_NAME(object_id) AS name, definition FROM sys.sql_modules",
        "SELECT OBJECT_DEFINITION(OBJECT_ID('SalesLT.vGetAllCategories')) AS d",
    ],
)
async def test_read_data_says_null_definitions_may_be_hidden_ones(
    mcp_client, azsql_principal, query
):
    """Without VIEW DEFINITION SQL Server gives a module's definition as NULL, not an
    error: a NULL must not read as "this view has no definition"."""
    result = await mcp_client.call_tool("read_data", {"query": query})
    text = result.content[0].text
    note = "Note: a NULL definition here may be one this login may not see"
    if azsql_principal == READER:
        assert text.startswith(note), text
        assert "(GRANT VIEW DEFINITION TO [azsql_reader];)" in text.splitlines()[0]
        assert None in result.structured_content["rows"][0]
    else:
        assert note not in text and None not in result.structured_content["rows"][0]
