"""The tools, the status resource and `azsql-mcp check` against the test server acting as
Azure SQL Database (--edition azure-sql-database), as the privileged login, the
db_datareader login and a reader granted VIEW DATABASE STATE, through both drivers."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from long_running import while_another_session_waits
from test_tools_dmv_access import DMV_QUERIES, refusal

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    TEST_USER,
)
from tds_test_server import ThreadedTdsServer

WATCHER = "azsql_watcher"  # db_datareader and VIEW DATABASE STATE

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
        logins=[f"{READER_USER}:{tds_password}", f"{WATCHER}:{tds_password}:VIEW_DATABASE_STATE"],
        edition="azure-sql-database",
    ) as server:
        yield server


async def call(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result.structured_content


async def test_database_info_names_azure_sql_database(mcp_client: Client[Any]) -> None:
    result = await mcp_client.call_tool("database_info", {}, raise_on_error=False)
    assert "service_objective: S2" in result.content[0].text  # type: ignore[union-attr]
    info = await call(mcp_client, "database_info")
    assert info["engine_edition"] == 5
    assert info["engine"] == "Azure SQL Database"
    assert info["edition"] == "SQL Azure"
    assert info["product_version"] == "12.0.2000.8"
    assert info["service_objective"] == "S2"
    assert info["database_name"] == "AdventureWorksLT"


async def test_status_resource(mcp_client: Client[Any]) -> None:
    (content,) = await mcp_client.read_resource("database://status")
    status = json.loads(content.text)  # type: ignore[union-attr]
    assert status["connected"] and status["error"] is None
    assert status["database"]["engine"] == "Azure SQL Database"
    assert status["database"]["service_objective"] == "S2"


async def test_health_check_advises_view_database_state(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    health = await call(mcp_client, "health_check")
    state = health["state_access"]
    assert state["permission"] == "VIEW DATABASE STATE"
    if azsql_principal == READER:
        assert not state["sees_all_sessions"]
        assert state["grant"] == f"GRANT VIEW DATABASE STATE TO [{READER_USER}];"
        assert any("no VIEW DATABASE STATE" in n for n in health["notes"])
        assert not any("SERVER" in n for n in health["notes"]), health["notes"]
    else:
        assert state["sees_all_sessions"]


async def test_troubleshooting_prompt_names_no_server_permission(
    mcp_client: Client[Any],
) -> None:
    prompt = await mcp_client.get_prompt("database_troubleshooting", {"symptom": "slow"})
    text = "\n".join(m.content.text for m in prompt.messages)  # type: ignore[union-attr]
    assert "VIEW DATABASE STATE" in text
    assert "VIEW SERVER STATE" not in text  # it cannot be granted on Azure SQL Database


async def test_catalog_and_reads_work(mcp_client: Client[Any]) -> None:
    tables = await call(mcp_client, "list_tables", schema="SalesLT")
    assert any(t["name"] == "Customer" for t in tables["tables"])
    described = await call(mcp_client, "describe_table", table="SalesLT.Customer")
    assert any(c["name"] == "CustomerID" for c in described["columns"])
    rows = await call(
        mcp_client, "read_data", query="SELECT TOP (2) CustomerID FROM SalesLT.Customer"
    )
    assert len(rows["rows"]) == 2


async def test_explain_query(mcp_client: Client[Any], azsql_principal: str) -> None:
    query = "SELECT CustomerID FROM SalesLT.Customer"
    result = await mcp_client.call_tool("explain_query", {"query": query}, raise_on_error=False)
    if azsql_principal == READER:
        assert result.is_error
        assert f"GRANT SHOWPLAN TO [{READER_USER}];" in result.content[0].text  # type: ignore[union-attr]
    else:
        assert not result.is_error, result.content
        assert result.structured_content["plan"]["operators"]


async def test_another_database_cannot_be_read(
    make_azsql_server: Any, azsql_principal: str
) -> None:
    """Azure SQL Database refuses names of other databases (40515) even where the source
    allows them: the error says so, and what to do instead."""
    server = make_azsql_server(config={"security": {"allowed_databases": ["Sales2"]}})
    async with Client(server) as client:
        result = await client.call_tool(
            "read_data", {"query": "SELECT TOP (1) * FROM Sales2.dbo.Orders"}, raise_on_error=False
        )
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Reference to database and/or server name in 'Sales2.dbo.Orders'" in text, text
    assert "Azure SQL Database" in text and "configure a source for it" in text, text


async def test_list_long_running_queries(
    mcp_client: Client[Any], azsql_principal: str, tds_server: ThreadedTdsServer, tds_password: str
) -> None:
    result = await while_another_session_waits(mcp_client, tds_server, tds_password)
    if azsql_principal == READER:
        assert result.is_error
        text = result.content[0].text
        assert text.startswith("The server refused to list running queries:"), text
        assert "needs VIEW DATABASE STATE, which the login lacks" in text
        assert f"GRANT VIEW DATABASE STATE TO [{READER_USER}];" in text
    else:
        assert not result.is_error, result.content
        texts = [q["statement_text"] for q in result.structured_content["queries"]]
        assert any("WAITFOR" in t for t in texts), texts


async def test_view_database_state_is_enough(
    make_azsql_server: Any, azsql_principal: str, tds_server: ThreadedTdsServer, tds_password: str
) -> None:
    if azsql_principal == READER:
        pytest.skip("one login: the watcher")
    server = make_azsql_server(config={"sources": {"main": {"username": WATCHER}}})
    async with Client(server) as client:
        result = await while_another_session_waits(client, tds_server, tds_password)
    assert not result.is_error, result.content
    texts = [q["statement_text"] for q in result.structured_content["queries"]]
    assert any("WAITFOR" in t for t in texts), texts


async def test_check_names_the_engine_and_its_permission(
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
    assert "(Azure SQL Database 12.0.2000.8)" in text, text
    if azsql_principal == READER:
        assert "VIEW DATABASE STATE: no (" in text and "GRANT VIEW DATABASE STATE TO" in text
    else:
        assert "VIEW DATABASE STATE: yes" in text


@pytest.mark.parametrize("login", ["reader", "watcher"])
async def test_a_refused_request_dmv_names_what_this_engine_needs(
    make_azsql_server: Any, azsql_principal: str, tds_server: ThreadedTdsServer, login: str
) -> None:
    """Error 300 on the request DMVs, as Azure SQL Database's Basic, S0 and S1 give even
    with VIEW DATABASE STATE: the message names the permission this engine needs and the
    user it goes to, or, when the login holds it, the role those objectives need."""
    if azsql_principal != READER:
        pytest.skip("about the least-privileged logins")
    user = {"reader": READER_USER, "watcher": WATCHER}[login]
    server = make_azsql_server(config={"sources": {"main": {"username": user}}})
    with tds_server.faulted("error:300@query~dm_exec_requests"):
        async with Client(server) as client:
            result = await client.call_tool(
                "list_long_running_queries", {"min_seconds": 0}, raise_on_error=False
            )
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.startswith("The server refused to list running queries: Injected fault"), text
    if login == "reader":
        assert "needs VIEW DATABASE STATE, which the login lacks" in text
        assert f"GRANT VIEW DATABASE STATE TO [{READER_USER}];" in text
    else:
        assert "holds VIEW DATABASE STATE, which is not enough here" in text
        assert "##MS_ServerStateReader##" in text


@pytest.mark.parametrize("dmv", DMV_QUERIES)
async def test_read_data_of_a_refused_dmv_grants_view_database_state(
    mcp_client: Client[Any], azsql_principal: str, dmv: str
) -> None:
    """Errors 300 and 297 on a DMV, server- or database-scoped: the GRANT is VIEW DATABASE
    STATE to the database user, never a server-level permission."""
    text = await refusal(mcp_client, azsql_principal, DMV_QUERIES[dmv])
    if text is None:
        return
    assert "no server-level permission" in text, text
    assert f"GRANT VIEW DATABASE STATE TO [{READER_USER}];" in text, text
    assert "SERVER STATE" not in text and "PERFORMANCE" not in text, text


async def test_read_data_of_a_dmv_refused_despite_view_database_state_names_the_role(
    make_azsql_server: Any, azsql_principal: str, tds_server: ThreadedTdsServer
) -> None:
    """Basic, S0 and S1 refuse the server-scoped DMVs even with VIEW DATABASE STATE:
    read_data names the role those objectives need, not a GRANT the login holds."""
    if azsql_principal != READER:
        pytest.skip("one login: the watcher")
    server = make_azsql_server(config={"sources": {"main": {"username": WATCHER}}})
    with tds_server.faulted("error:300@query~dm_exec_sql_text"):
        async with Client(server) as client:
            result = await client.call_tool(
                "read_data",
                {"query": "SELECT text FROM sys.dm_exec_sql_text(0x01)"},
                raise_on_error=False,
            )
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "holds VIEW DATABASE STATE, which is not enough here" in text, text
    assert "##MS_ServerStateReader##" in text and "GRANT" not in text, text
