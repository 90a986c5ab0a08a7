"""Multi-statement table-valued functions (sys.objects type TF) met by list_tables,
describe_table and read_data, as both logins through both drivers: one made here with
two parameters whose body fills its return table, and one the reader is denied SELECT
on, which SQL Server's catalog hides from it ("Metadata visibility configuration")."""

from __future__ import annotations

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


async def test_list_tables_and_describe_table_show_it_as_a_table_function(
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


async def test_read_data_runs_the_function(mcp_client: Client[Any], azsql_principal: str) -> None:
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
