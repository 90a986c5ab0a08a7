"""Logins a server routes elsewhere ([MS-TDS] ENVCHANGE type 20): Azure SQL's Redirect
connection policy and read-only routing, through both drivers. A route the drivers
follow is invisible to azsql-mcp; a route to a port a firewall blocks, the classic
failure, must say what to do in `check` and in the tool error."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import build_server
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from tds_test_server import ThreadedTdsServer, find_msodbc_driver
from tds_test_server.protocol.login import Route

OPEN_PORTS = "open outbound TCP 11000-11999 to the database or set the server's connection policy"


@pytest.fixture(params=["msodbc", "freetds"])
def driver(request: pytest.FixtureRequest) -> str:
    if request.param == "msodbc" and find_msodbc_driver() is None:
        pytest.skip("Microsoft ODBC Driver 18 (package mssql-python-odbc) is not installed")
    return str(request.param)


@pytest.fixture(scope="module")
def node() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True, tls=True) as server:
        yield server


def source(server: ThreadedTdsServer, driver: str, **values: Any) -> dict[str, Any]:
    return {
        "server": f"{server.host},{server.port}",
        "database": server.default_database,
        "username": server.user,
        "password": server.password,
        "encrypt": "no",
        "connection_timeout_s": 2,
        **({"driver": "FreeTDS"} if driver == "freetds" else {}),
    } | values


async def check(values: dict[str, Any]) -> str:
    out = io.StringIO()
    await run_check(settings_from_mapping({"sources": {"main": values}}), None, out)
    return out.getvalue()


async def call(values: dict[str, Any], tool: str, arguments: dict[str, Any]) -> Any:
    config = {"sources": {"main": values}, "audit": {"enabled": False}}
    async with Client(build_server(config)) as client:
        return await client.call_tool(tool, arguments, raise_on_error=False)


async def test_a_followed_route_is_invisible(node: ThreadedTdsServer, driver: str) -> None:
    node.record.clear()
    with ThreadedTdsServer(route=f"127.0.0.1:{node.port}") as gateway:  # no sample: the node's
        text = await check(source(gateway, driver))
        assert "all checks passed" in text, text
        result = await call(
            source(gateway, driver),
            "read_data",
            {"query": "SELECT TOP 1 Name FROM SalesLT.Product"},
        )
        assert not result.is_error, result.content
        assert all(login.routed_to for login in gateway.record.logins)
    assert all(login.accepted for login in node.record.logins)


async def test_a_route_to_a_blocked_port_says_which_ports_to_open(driver: str) -> None:
    """The gateway's port answers, the node's does not: Driver 18 times out, FreeTDS fails
    at once with 20009; either way `check` and the tool error name ports 11000-11999 and
    the Proxy policy (the route itself no driver reports)."""
    with ThreadedTdsServer(route="127.0.0.1:1") as gateway:
        text = await check(source(gateway, driver))
        assert "ok    pre-login" in text and "FAIL  login" in text, text
        assert OPEN_PORTS in text.split("FAIL  login", 1)[1]
        result = await call(source(gateway, driver), "read_data", {"query": "SELECT 1"})
    said = str(result.content[0].text)
    assert result.is_error and "database unavailable" in said
    assert "What to do: " in said and OPEN_PORTS in said, said


async def test_a_freetds_login_timeout_over_tls_names_the_freetds_versions(
    node: ThreadedTdsServer,
) -> None:
    """FreeTDS 1.3.16 and 1.3.17 time out following any route over TLS; `check` names
    them whenever a FreeTDS login over TLS times out (here the node is slow to answer,
    which any FreeTDS version meets)."""
    with (
        node.faulted("delay:4@login"),
        ThreadedTdsServer(tls=True, route=f"127.0.0.1:{node.port}") as gateway,
    ):
        tls = {"encrypt": "yes", "trust_server_certificate": True, "connection_timeout_s": 1}
        freetds = await check(source(gateway, "freetds", **tls))
        plain = await check(source(gateway, "freetds"))
    assert "FreeTDS 1.3.16 and 1.3.17 (Debian 12's tdsodbc) cannot follow" in freetds, freetds
    assert OPEN_PORTS in freetds
    assert "FreeTDS 1.3.16" not in plain and OPEN_PORTS in plain


async def test_read_only_intent_reads_on_the_secondary(
    node: ThreadedTdsServer, driver: str
) -> None:
    node.record.clear()
    route = Route("127.0.0.1", node.port, read_only=True)
    with ThreadedTdsServer(route=route) as primary:
        values = source(primary, driver, application_intent="read_only")
        result = await call(
            values, "read_data", {"query": "SELECT TOP 1 Name FROM SalesLT.Product"}
        )
        assert not result.is_error, result.content
        assert all(login.routed_to for login in primary.record.logins)
    assert node.record.logins and all(login.read_only_intent for login in node.record.logins)


async def test_a_write_on_the_secondary_says_why_it_is_read_only(
    node: ThreadedTdsServer, driver: str
) -> None:
    """A readable secondary refuses writes with 3906 (the test server has no read-only
    database: a fault sends the number); the tool error names application_intent."""
    with (
        node.faulted("error:3906@query~INSERT"),
        ThreadedTdsServer(route=Route("127.0.0.1", node.port, read_only=True)) as primary,
    ):
        values = source(primary, driver, application_intent="read_only")
        config = {
            "sources": {"main": values},
            "security": {"read_only": False},
            "audit": {"enabled": False},
        }
        async with Client(build_server(config)) as client:
            result = await client.call_tool(
                "insert_data",
                {
                    "sql": "INSERT INTO SalesLT.ProductCategory (Name) VALUES (@n)",
                    "params": {"n": "routed"},
                },
                raise_on_error=False,
            )
    said = str(result.content[0].text)
    assert result.is_error and "error 3906" in said
    assert "logs in with application_intent = 'read_only'" in said
    assert "a source with application_intent = 'read_write'" in said
