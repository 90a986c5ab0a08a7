"""describe_table, database://schema and the diagram of a table with a foreign key to a
table the login cannot see: the reader is denied SELECT on SalesLT.Customer, which
SalesLT.SalesOrderHeader references. From "Metadata visibility configuration": the key
belongs to SalesOrderHeader and stays visible, the referenced table's name and columns
do not (OBJECT_NAME is NULL). The key is shown, with its own columns and TABLE_HIDDEN
for the table, never dropped, through both ODBC drivers; the privileged login still
sees the whole key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.catalog import TABLE_HIDDEN
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

HEADER = "SalesLT.SalesOrderHeader"
FK = "FK_SalesOrderHeader_Customer_CustomerID"


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(
        tds_password, [f"DENY SELECT ON SalesLT.Customer TO [{READER_USER}]"]
    ) as server:
        yield server


async def test_describe_table_shows_the_key_to_a_hidden_table(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    result = await mcp_client.call_tool("describe_table", {"table": HEADER}, raise_on_error=False)
    assert not result.is_error, result.content
    info = result.structured_content
    assert info is not None
    keys = {fk["name"]: fk for fk in info["foreign_keys"]}
    assert set(keys) == {
        FK,
        "FK_SalesOrderHeader_Address_BillTo_AddressID",
        "FK_SalesOrderHeader_Address_ShipTo_AddressID",
    }
    key = keys[FK]
    assert (key["from_table"], key["from_columns"]) == (HEADER, ["CustomerID"])
    assert (key["on_delete"], key["on_update"]) == ("NO_ACTION", "NO_ACTION")
    text = result.content[0].text
    if azsql_principal == READER:
        assert (key["to_table"], key["to_columns"]) == (TABLE_HIDDEN, [])
        assert f"FK {FK} (CustomerID) -> {TABLE_HIDDEN}" in text
        assert "Customer (" not in text
    else:
        assert (key["to_table"], key["to_columns"]) == ("SalesLT.Customer", ["CustomerID"])
        assert f"FK {FK} (CustomerID) -> SalesLT.Customer (CustomerID)" in text
    # The keys to a visible table are the same for both.
    bill_to = keys["FK_SalesOrderHeader_Address_BillTo_AddressID"]
    assert (bill_to["to_table"], bill_to["to_columns"]) == ("SalesLT.Address", ["AddressID"])


async def test_the_hidden_table_itself_is_not_found(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    result = await mcp_client.call_tool(
        "describe_table", {"table": "SalesLT.Customer"}, raise_on_error=False
    )
    assert result.is_error == (azsql_principal == READER)


async def test_schema_resource_keeps_the_key(mcp_client: Client[Any], azsql_principal: str) -> None:
    (content,) = await mcp_client.read_resource("database://schema")
    header = next(x for x in content.text.splitlines() if x.startswith(f"{HEADER}:"))
    if azsql_principal == READER:
        assert f"CustomerID -> {TABLE_HIDDEN}" in header
        assert not any(x.startswith("SalesLT.Customer:") for x in content.text.splitlines())
    else:
        assert "CustomerID -> SalesLT.Customer(CustomerID)" in header


async def test_diagram_draws_no_line_to_the_hidden_table(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    (content,) = await mcp_client.read_resource(
        "database://schema/diagram/SalesLT/SalesOrderHeader"
    )
    text = content.text
    assert "int CustomerID FK" in text  # the column stays marked as a foreign key
    to_customer = '"SalesLT.SalesOrderHeader" }o--|| "SalesLT.Customer"'
    assert (to_customer in text) == (azsql_principal != READER)
    assert TABLE_HIDDEN not in text
