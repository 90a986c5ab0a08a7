"""Table-valued functions met by describe_table, the table resource and list_tables, as
both logins through both drivers: the sample's dbo.ufnGetCustomerInformation, one made
here with two parameters, and one the reader is denied SELECT on, which SQL Server's
catalog hides from it ("Metadata visibility configuration": a login sees an object it
holds a permission on; "GRANT Object Permissions" lists SELECT for table-valued
functions, and db_datareader holds SELECT on the database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    sample_tds_server,
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
    assert "No table or view named 'dbo.SecretFn'" in text, text
    with pytest.raises(Exception, match=r"no table or view dbo\.SecretFn"):
        await mcp_client.read_resource("database://tables/dbo/SecretFn")
