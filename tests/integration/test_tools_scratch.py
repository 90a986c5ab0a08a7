"""Every kind of tool, resource and prompt on a scratch schema, as both principals.

Marked `sqlserver`: these tests need nothing but `azsql_scratch_schema`, so `make
test-sqlserver` runs them against a real SQL Server or Azure SQL database too. What
they assert holds on any engine: the privileged user (db_owner with the state
permission) gets answers; the reader (db_datareader only) gets the same data, or a
message naming the permission and the GRANT that gives it.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing import sqlserver
from azsql_mcp.testing.pytest_plugin import READER

pytestmark = pytest.mark.sqlserver


@pytest.fixture
def schema(azsql_scratch_schema: str) -> str:
    return azsql_scratch_schema


@pytest.fixture
def reader(azsql_principal: str) -> bool:
    return azsql_principal == READER


async def ok(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def refused(client: Client[Any], tool: str, **args: Any) -> str:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert result.is_error, result.content
    return str(result.content[0].text)


async def test_read_data_and_list_tables(mcp_client, schema):
    result = await ok(mcp_client, "read_data", query=f"SELECT COUNT(*) AS n FROM {schema}.Item")
    assert result.structured_content["rows"] == [[3]]
    listed = await ok(mcp_client, "list_tables", schema=schema)
    names = {t["name"]: t["type"] for t in listed.structured_content["tables"]}
    assert names == {"Parent": "table", "Item": "table", "vItem": "view"}


async def test_describe_table_shows_checks_defaults_and_computed_columns(
    mcp_client, schema, reader
):
    info = (await ok(mcp_client, "describe_table", table=f"{schema}.Item")).structured_content
    columns = {c["name"]: c for c in info["columns"]}
    assert columns["Total"]["computed"], columns["Total"]
    checks = {c["name"]: c for c in info["check_constraints"]}
    assert f"CK_{schema}_Item_Qty" in checks
    assert [f["to_table"] for f in info["foreign_keys"]] == [f"{schema}.Parent"]
    if reader:  # no VIEW DEFINITION: said, not guessed
        assert "VIEW DEFINITION" in columns["Qty"]["default"]
        assert "VIEW DEFINITION" in checks[f"CK_{schema}_Item_Qty"]["definition"]
    else:
        assert "1" in columns["Qty"]["default"]
        assert "Qty" in checks[f"CK_{schema}_Item_Qty"]["definition"]


async def test_explain_query_names_showplan_for_the_reader(mcp_client, schema, reader):
    query = f"SELECT ItemID FROM {schema}.Item WHERE Price > @min"
    if reader:
        text = await refused(mcp_client, "explain_query", query=query)
        assert "SHOWPLAN" in text and "GRANT SHOWPLAN TO [" in text
    else:
        plan = (await ok(mcp_client, "explain_query", query=query)).structured_content["plan"]
        assert plan["operators"]


async def test_list_long_running_queries_never_says_none_when_blind(mcp_client, reader):
    result = await mcp_client.call_tool(
        "list_long_running_queries", {"min_seconds": 0}, raise_on_error=False
    )
    if reader:
        assert result.is_error
        text = result.content[0].text
        # the DMVs show it only its own session, or refuse (sys.dm_exec_sql_text: errors
        # 300 and 297): either way the tool says so, with the GRANT
        said = ("Cannot list running queries", "The server refused to list running queries")
        assert text.startswith(said) and "GRANT VIEW " in text, text
    else:
        assert not result.is_error, result.content
        assert isinstance(result.structured_content["queries"], list)


async def test_health_check_reports_what_the_user_lacks(mcp_client, reader):
    health = (await ok(mcp_client, "health_check")).structured_content
    assert health["connected"] is True
    assert health["permissions"]["can_select"] is True
    assert health["state_access"]["sees_all_sessions"] is not reader
    assert health["permissions"]["showplan"] is not reader
    if reader:
        notes = " ".join(health["notes"])
        assert "GRANT SHOWPLAN" in notes and "list_long_running_queries" in notes


async def test_table_resource_and_query_builder(mcp_client, schema):
    (content,) = await mcp_client.read_resource(f"database://tables/{schema}/Item")
    assert json.loads(content.text)["name"] == "Item"
    prompt = await mcp_client.get_prompt(
        "sql_query_builder", {"table": f"{schema}.Item", "operation": "select"}
    )
    assert "Qty" in prompt.messages[0].content.text


async def test_schema_resource_lists_the_scratch_tables(mcp_client, schema):
    (content,) = await mcp_client.read_resource("database://schema")
    assert f"{schema}.Item:" in content.text


async def test_analyze_performance_prompt(mcp_client, schema, reader):
    prompt = await mcp_client.get_prompt(
        "analyze_performance", {"query": f"SELECT * FROM {schema}.vItem WHERE Total > 5"}
    )
    text = "\n".join(m.content.text for m in prompt.messages)
    if reader:
        assert "GRANT SHOWPLAN TO [" in text
    else:
        assert "Operators" in text


@pytest.fixture
async def writer(make_azsql_server) -> AsyncIterator[Client[Any]]:
    async with Client(make_azsql_server(config={"security": {"read_only": False}})) as client:
        yield client


async def test_writes_or_the_grant_that_allows_them(writer, schema, reader):
    insert = f"INSERT INTO {schema}.Parent (Name) VALUES (@name)"
    if reader:
        text = await refused(writer, "insert_data", sql=insert, params={"name": "x"})
        assert "INSERT permission was denied" in text
        assert "ALTER ROLE db_datawriter ADD MEMBER [" in text
        return
    await ok(writer, "insert_data", sql=insert, params={"name": "scratch write"})
    delete = f"DELETE FROM {schema}.Parent WHERE Name = @name"
    deleted = await ok(writer, "update_data", sql=delete, params={"name": "scratch write"})
    assert deleted.structured_content["rows_affected"] == 1


async def test_a_sysname_parameter_of_a_declared_procedure_is_a_string(
    make_azsql_server, schema, reader
):
    """sysname is an alias type that is not is_user_defined: its base type, nvarchar,
    comes from its system_type_id like any alias's. It used to be dropped as a type
    with no JSON form."""
    if reader and sqlserver.active():
        pytest.skip("the reader has no EXECUTE permission on the scratch procedure")
    tool = {"procedure": f"{schema}.uspParentNamed", "description": "The parent of that name"}
    async with Client(make_azsql_server(config={"tools": {"parent_named": tool}})) as client:
        await ok(client, "read_data", query="SELECT 1 AS one")  # the source is reached

        async def resolved() -> dict[str, Any]:
            while True:
                tools = {t.name: t for t in await client.list_tools()}
                props: dict[str, Any] = tools["parent_named"].input_schema.get("properties", {})
                if props:
                    return props
                await asyncio.sleep(0.05)

        props = await asyncio.wait_for(resolved(), 30)
        assert props["Name"]["type"] == "string" and props["Name"]["maxLength"] == 128
        assert props["Name"]["description"].startswith("nvarchar(128)")
        result = await ok(client, "parent_named", Name="second")
        assert result.structured_content["result_sets"][0]["rows"] == [[2, "second"]]
