"""geography and hierarchyid columns of the sample (SalesLT.Address.SpatialLocation,
SalesLT.Employee.OrganizationNode) come back readable: through both ODBC drivers, in
read_data, in describe_table and in the resources."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from driver_databases import DRIVER_IDS, DRIVERS, make_db
from fastmcp import Client

from azsql_mcp.db.database import SourceDatabase
from tds_test_server import ThreadedTdsServer

POINT = re.compile(r"^SRID=4326;POINT \(-?\d+(\.\d+)? -?\d+(\.\d+)?\)$")


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


@pytest.fixture(params=DRIVERS, ids=DRIVER_IDS)
async def db(request: pytest.FixtureRequest, server: ThreadedTdsServer) -> AsyncIterator[Any]:
    database = make_db(server, driver=request.param)
    yield database
    await database.close()


async def test_both_drivers_read_clr_columns_as_text(db: SourceDatabase) -> None:
    places = await db.read(
        "SELECT TOP (3) AddressID, SpatialLocation FROM SalesLT.Address ORDER BY AddressID"
    )
    assert [c.sql_type for c in places.columns] == ["int", "geography"]
    assert all(POINT.match(row[1]) for row in places.rows), places.rows
    nodes = await db.read(
        "SELECT EmployeeID, OrganizationNode FROM SalesLT.Employee"
        " WHERE EmployeeID IN (1, 3, 12) ORDER BY EmployeeID",
        json_values=True,
    )
    assert [c.sql_type for c in nodes.columns] == ["int", "hierarchyid"]
    assert nodes.rows == [[1, "/"], [3, "/1/1/"], [12, "/4/"]]


async def read_data(client: Client[Any], query: str) -> Any:
    result = await client.call_tool("read_data", {"query": query}, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def test_read_data_returns_readable_values(mcp_client: Client[Any]) -> None:
    result = await read_data(
        mcp_client,
        "SELECT e.EmployeeID, e.OrganizationNode, a.SpatialLocation"
        " FROM SalesLT.Employee AS e JOIN SalesLT.Address AS a ON a.AddressID = e.EmployeeID"
        " WHERE e.EmployeeID = 5",
    )
    data = result.structured_content
    assert [c["sql_type"] for c in data["columns"]] == ["int", "hierarchyid", "geography"]
    (row,) = data["rows"]
    assert row[1] == "/1/1/2/" and POINT.match(row[2])
    assert "/1/1/2/" in result.content[0].text and "SRID=4326;POINT" in result.content[0].text


async def test_server_side_text_still_works(mcp_client: Client[Any]) -> None:
    result = await read_data(
        mcp_client,
        "SELECT OrganizationNode.ToString() AS node, OrganizationNode.GetLevel() AS level"
        " FROM SalesLT.Employee WHERE EmployeeID = 4",
    )
    assert result.structured_content["rows"] == [["/1/1/1/", 3]]


async def test_describe_table_names_the_clr_types(mcp_client: Client[Any]) -> None:
    for table, column, type_name in (
        ("SalesLT.Address", "SpatialLocation", "geography"),
        ("SalesLT.Employee", "OrganizationNode", "hierarchyid"),
    ):
        result = await mcp_client.call_tool("describe_table", {"table": table})
        columns = {c["name"]: c for c in result.structured_content["columns"]}
        assert columns[column]["type"] == type_name
        assert "alias_type" not in columns[column]  # None, its default, is left out


async def test_resources_name_the_clr_types(mcp_client: Client[Any]) -> None:
    (content,) = await mcp_client.read_resource("database://tables/SalesLT/Employee")
    columns = {c["name"]: c for c in json.loads(content.text)["columns"]}
    assert columns["OrganizationNode"]["type"] == "hierarchyid"
    (schema,) = await mcp_client.read_resource("database://schema")
    assert "SpatialLocation geography" in schema.text
