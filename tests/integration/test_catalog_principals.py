"""describe_table, database://schema, the table resource and sql_query_builder as the
privileged login and as the least-privileged reader (db_datareader, no VIEW DEFINITION),
on SalesLT.SalesOrderDetail: check constraints and defaults whose definitions the reader
cannot see."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.catalog import DEFINITION_HIDDEN
from azsql_mcp.testing.pytest_plugin import PRINCIPALS, READER

pytestmark = pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True)

DETAIL = "SalesLT.SalesOrderDetail"


async def test_describe_table(mcp_client: Client[Any], azsql_principal: str) -> None:
    result = await mcp_client.call_tool("describe_table", {"table": DETAIL}, raise_on_error=False)
    assert not result.is_error, result.content
    info = result.structured_content
    assert info is not None
    checks = {c["name"]: c["definition"] for c in info["check_constraints"]}
    columns = {c["name"]: c for c in info["columns"]}
    discount = columns["UnitPriceDiscount"]["default"]
    if azsql_principal == READER:
        assert checks["CK_SalesOrderDetail_OrderQty"] == DEFINITION_HIDDEN
        assert discount == DEFINITION_HIDDEN
        assert "CHECK CK_SalesOrderDetail_OrderQty (hidden)" in result.content[0].text
    else:
        assert "OrderQty" in checks["CK_SalesOrderDetail_OrderQty"]
        assert discount not in (None, DEFINITION_HIDDEN)
    # What needs no VIEW DEFINITION is the same for both.
    assert info["primary_key"]["columns"] == ["SalesOrderID", "SalesOrderDetailID"]
    # a plain column in the sample: no is_computed, no default (left out at false, null)
    assert "is_computed" not in columns["LineTotal"] and "default" not in columns["ProductID"]


async def test_table_resource(mcp_client: Client[Any], azsql_principal: str) -> None:
    (content,) = await mcp_client.read_resource("database://tables/SalesLT/SalesOrderDetail")
    data = json.loads(content.text)
    hidden = {c["definition"] == DEFINITION_HIDDEN for c in data["check_constraints"]}
    assert hidden == {azsql_principal == READER}


async def test_schema_resource(mcp_client: Client[Any], azsql_principal: str) -> None:
    (content,) = await mcp_client.read_resource("database://schema")
    detail = next(x for x in content.text.splitlines() if x.startswith(f"{DETAIL}:"))
    assert "SalesOrderID -> SalesLT.SalesOrderHeader(SalesOrderID)" in detail


async def test_sql_query_builder(mcp_client: Client[Any], azsql_principal: str) -> None:
    result = await mcp_client.get_prompt(
        "sql_query_builder", {"table": DETAIL, "operation": "INSERT"}
    )
    text = "\n".join(m.content.text for m in result.messages)
    assert "T-SQL INSERT statement for SalesLT.SalesOrderDetail" in text
    assert ("(needs VIEW DEFINITION" in text) == (azsql_principal == READER)
    assert ("GRANT VIEW DEFINITION TO [azsql_reader];" in text) == (azsql_principal == READER)
