"""Every tool, resource and prompt against the test server acting as SQL Server 2016 with
a database kept at compatibility level 110 (a database migrated from SQL Server 2012),
through both drivers, as the privileged login and the db_datareader login: nothing the
server sends needs a later version or level, and what the agent writes that does is
answered with why and what to write instead (catalog/versions.py)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS, READER, READER_USER, TEST_USER
from tds_test_server import ThreadedTdsServer
from tds_test_server.editions import SQL_SERVER_2016

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True,
        user=TEST_USER,
        password=tds_password,
        logins=[f"{READER_USER}:{tds_password}"],
        edition=SQL_SERVER_2016.at_level(110),
    ) as server:
        yield server


async def call(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content)


async def test_every_catalog_tool_and_resource_works(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    tables = (await call(mcp_client, "list_tables", schema="SalesLT")).structured_content
    assert any(t["name"] == "Customer" for t in tables["tables"])
    described = await call(mcp_client, "describe_table", table="SalesLT.SalesOrderDetail")
    assert described.structured_content["foreign_keys"]
    rows = await call(
        mcp_client, "read_data", query="SELECT TOP (2) CustomerID FROM SalesLT.Customer"
    )
    assert len(rows.structured_content["rows"]) == 2
    health = (await call(mcp_client, "health_check")).structured_content
    assert health["connected"] and health["permissions"] is not None
    state = health["state_access"]
    assert state["permission"] == "VIEW SERVER STATE"  # not 2022's PERFORMANCE STATE
    if azsql_principal != READER:
        plan = await call(
            mcp_client, "explain_query", query="SELECT CustomerID FROM SalesLT.Customer"
        )
        assert plan.structured_content["plan"]["operators"]
        await call(mcp_client, "list_long_running_queries")
    for uri in ("database://schema", "database://tables", "database://schema/diagram"):
        (content,) = await mcp_client.read_resource(uri)
        assert "SalesLT" in content.text  # type: ignore[union-attr]
    (content,) = await mcp_client.read_resource("database://status")
    status = json.loads(content.text)  # type: ignore[union-attr]
    assert status["connected"] and status["database"]["compatibility_level"] == 110


async def test_database_info_says_what_the_version_and_level_lack(mcp_client: Client[Any]) -> None:
    result = await call(mcp_client, "database_info")
    info = result.structured_content
    assert info["product_version"] == "13.0.1601.5"
    assert info["compatibility_level"] == 110
    text = text_of(result)
    assert text.startswith(
        "This is SQL Server 2016 (13.x), database at compatibility level 110: do not use"
        " STRING_SPLIT, OPENJSON (need compatibility level 130); STRING_AGG, TRIM,"
    ), text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT value FROM STRING_SPLIT(N'a,b', N',')",
            "Invalid object name 'STRING_SPLIT'. STRING_SPLIT needs compatibility level 130;"
            " this is SQL Server 2016 (13.x), database at compatibility level 110. Write a"
            " recursive CTE over CHARINDEX",
        ),
        (
            "SELECT STRING_AGG(FirstName, N',') FROM SalesLT.Customer",
            "'STRING_AGG' is not a recognized built-in function name. STRING_AGG needs SQL"
            " Server 2017 and later; this is SQL Server 2016 (13.x), database at compatibility"
            " level 110. Write STUFF((SELECT N',' + x",
        ),
    ],
)
async def test_a_built_in_the_database_lacks_says_why(
    mcp_client: Client[Any], query: str, expected: str
) -> None:
    result = await mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
    assert result.is_error
    text = text_of(result)
    assert expected in text, text
    assert "list_tables" not in text, text  # not a table the login cannot see
    if "STRING_SPLIT" in query:
        assert "ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = 130;" in text, text


async def test_sql_query_builder_names_what_to_avoid(mcp_client: Client[Any]) -> None:
    prompt = await mcp_client.get_prompt("sql_query_builder", {"table": "SalesLT.Customer"})
    text = "\n".join(m.content.text for m in prompt.messages)  # type: ignore[union-attr]
    assert "do not use STRING_SPLIT, OPENJSON (need compatibility level 130)" in text, text
    assert "STRING_AGG, TRIM, CONCAT_WS, TRANSLATE (need SQL Server 2017 and later)" in text


async def test_check_names_the_version_and_view_server_state(
    tds_server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    if azsql_driver != DRIVERS[0]:
        pytest.skip("check picks its driver itself")
    user = READER_USER if azsql_principal == READER else TEST_USER
    source = {
        "server": f"tcp:{tds_server.host},{tds_server.port}",
        "database": "AdventureWorksLT",
        "username": user,
        "password": tds_password,
        "encrypt": "no",
        "connection_timeout_s": 5,
    }
    out = io.StringIO()
    settings = settings_from_mapping({"sources": {"main": source}})
    await run_check(settings, None, out, auth_providers={"sql": SqlLogin})
    text = out.getvalue()
    assert "(SQL Server 13.0.1601.5)" in text, text
    assert "PERFORMANCE STATE" not in text, text  # SQL Server 2016 has no such permission
    if azsql_principal == READER:
        assert "VIEW SERVER STATE: no (" in text and "GRANT VIEW SERVER STATE TO" in text, text
    else:
        assert "VIEW SERVER STATE: yes" in text, text


async def test_data_migration_guide_names_what_to_avoid(mcp_client: Client[Any]) -> None:
    prompt = await mcp_client.get_prompt("data_migration_guide", {"source_system": "MySQL"})
    text = "\n".join(m.content.text for m in prompt.messages)  # type: ignore[union-attr]
    assert "into this SQL Server database." in text, text
    assert "Target: SQL Server 13.0.1601.5 (Enterprise), database AdventureWorksLT," in text
    assert "\nThis is SQL Server 2016 (13.x), database at compatibility level 110:" in text
    assert "STRING_AGG, TRIM, CONCAT_WS, TRANSLATE (need SQL Server 2017 and later)" in text


async def test_the_write_tools_work(make_azsql_server: Any, azsql_principal: str) -> None:
    if azsql_principal == READER:
        pytest.skip("db_datareader: no writes")
    app = make_azsql_server(config={"security": {"read_only": False}})
    insert = "INSERT INTO SalesLT.ProductDescription (Description) VALUES (@d)"
    update = "UPDATE SalesLT.ProductDescription SET Description = @e WHERE Description = @d"
    async with Client(app) as client:
        written = await call(client, "insert_data", sql=insert, params={"d": "v2016"})
        assert written.structured_content["rows_affected"] == 1
        changed = await call(client, "update_data", sql=update, params={"d": "v2016", "e": "w"})
        assert changed.structured_content["rows_affected"] == 1
        batch = await call(
            client,
            "execute_batch",
            statements=["DELETE FROM SalesLT.ProductDescription WHERE Description = @e"],
            params={"e": "w"},
        )
        assert batch.structured_content["rows_affected"] == [1]


async def test_a_declared_procedure_tool_works(
    make_azsql_server: Any, azsql_principal: str
) -> None:
    if azsql_principal == READER:
        pytest.skip("db_datareader: no EXECUTE")
    orders = {
        "procedure": "SalesLT.uspCustomerOrders",
        "description": "Orders of one customer",
        "parameters": {"CustomerID": {"type": "integer", "minimum": 1}},
    }
    app = make_azsql_server(config={"tools": {"customer_orders": orders}})
    async with Client(app) as client:
        done = await call(client, "customer_orders", CustomerID=17)
        assert done.structured_content["return_value"] == 0
        assert "OrderCount" in done.structured_content["outputs"]
