"""Declared tools in a real `azsql-mcp` process: scopes per tool and claim-bound
parameters over HTTP with static tokens, and `azsql-mcp config` refusing bad tables."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from servers import (
    CLI,
    INITIALIZE,
    clean_env,
    http_server,
    killed_at_exit,
    read_answers,
    send,
    source_env,
    stdio_serve,
    stop,
    wait_ready,
)
from test_http_auth import session

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

SRC = Path(__file__).parents[2] / "src"

CONFIG = """
[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token = "alice-token"
subject = "alice"
scopes = ["sql.read", "orders.read"]
claims = { customer = "17", tenant = "10" }

[[server.auth.static_tokens]]
token = "bob-token"
subject = "bob"
scopes = ["sql.read"]
claims = { customer = "319", tenant = "20" }

[[server.auth.static_tokens]]
token = "nobody-token"
subject = "nobody"
scopes = ["sql.read"]

[tools.my_orders]
description = "The caller's own orders"
scopes = ["orders.read"]
statement = "SELECT SalesOrderID, CustomerID FROM SalesLT.SalesOrderHeader WHERE CustomerID = @me"

[tools.my_orders.parameters.me]
type = "integer"
from_claim = "customer"

[tools.orders_of]
description = "Orders of one customer"
statement = "SELECT SalesOrderID FROM SalesLT.SalesOrderHeader WHERE CustomerID = @customer"

[tools.orders_of.parameters.customer]
type = "integer"
"""


# Row-level security keyed on SESSION_CONTEXT(N'tenant'), as docs/security.md shows it.
RLS = [
    "CREATE SCHEMA Sec",
    "CREATE TABLE Sec.Orders (OrderID int PRIMARY KEY, TenantID int NOT NULL, Total money)",
    "INSERT INTO Sec.Orders VALUES (1, 10, 5.00), (2, 10, 7.50), (3, 20, 1.25), (4, 30, 9.00)",
    """CREATE FUNCTION Sec.fn_tenant(@TenantID AS int)
    RETURNS TABLE
WITH SCHEMABINDING
AS
    RETURN SELECT 1 AS fn_securitypredicate_result
    WHERE @TenantID = CAST(SESSION_CONTEXT(N'tenant') AS int)""",
    "CREATE SECURITY POLICY Sec.TenantFilter"
    " ADD FILTER PREDICATE Sec.fn_tenant(TenantID) ON Sec.Orders WITH (STATE = ON)",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database of this module's own, with a row-level security policy."""
    with sample_tds_server(tds_password, RLS) as server:
        yield server


def plugin_site(root: Path) -> str:
    """PYTHONPATH for the child: this checkout's code, and the builtin_declared entry point
    while the shared environment was installed before it existed."""
    paths = [str(SRC)]
    if not any(ep.name == "builtin_declared" for ep in entry_points(group="azsql_mcp")):
        info = root / "site" / "azsql_mcp_declared_dev-0.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: azsql-mcp-declared-dev\n")
        (info / "entry_points.txt").write_text(
            "[azsql_mcp]\nbuiltin_declared = azsql_mcp.plugins.builtin_declared\n"
        )
        paths.append(str(root / "site"))
    return os.pathsep.join(paths)


@pytest.fixture(scope="module")
def declared_server(
    tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("declared")
    (cwd / "azsql-mcp.toml").write_text(CONFIG)
    env = clean_env(source_env(tds_server, tds_password)) | {
        "PYTHONPATH": plugin_site(cwd),
        # one connection, so every caller reuses the one the previous caller had
        "AZSQL_MCP_SOURCES__MAIN__POOL_SIZE": "1",
        "AZSQL_MCP_SOURCES__MAIN__SESSION_CONTEXT": '{"tenant": "tenant"}',
    }
    with http_server(env, str(cwd), "--stateless") as base:
        wait_ready(base)
        yield base


async def test_a_scope_opens_a_declared_tool(declared_server: str) -> None:
    async with session(declared_server, "alice-token") as alice:
        names = {t.name for t in (await alice.list_tools()).tools}
        assert {"my_orders", "orders_of"} <= names
    async with session(declared_server, "bob-token") as bob:
        names = {t.name for t in (await bob.list_tools()).tools}
        assert "orders_of" in names and "my_orders" not in names
        refused = await bob.call_tool("my_orders", {})
        assert refused.is_error


async def test_a_claim_bound_parameter_comes_from_the_token(declared_server: str) -> None:
    async with session(declared_server, "alice-token") as alice:
        tool = {t.name: t for t in (await alice.list_tools()).tools}["my_orders"]
        assert "me" not in tool.input_schema.get("properties", {})
        result = await alice.call_tool("my_orders", {})
        assert not result.is_error, result.content
        rows = result.structured_content["rows"]
        assert rows and {row[1] for row in rows} == {17}
        smuggled = await alice.call_tool("my_orders", {"me": 319})
        assert smuggled.is_error  # not in the schema: the client cannot set it


async def test_session_context_filters_read_data_per_caller(declared_server: str) -> None:
    query = {"query": "SELECT OrderID FROM Sec.Orders ORDER BY OrderID"}
    seen = {}
    for token in ("alice-token", "bob-token", "nobody-token", "alice-token"):
        async with session(declared_server, token) as client:
            result = await client.call_tool("read_data", query)
            assert not result.is_error, result.content
            seen.setdefault(token, []).append([r[0] for r in result.structured_content["rows"]])
    assert seen["alice-token"] == [[1, 2], [1, 2]]
    assert seen["bob-token"] == [[3]]
    assert seen["nobody-token"] == [[]]  # no claim: the key is NULL, the policy shows nothing
    async with session(declared_server, "bob-token") as bob:
        forged = {
            "query": "SELECT OrderID FROM Sec.Orders; EXEC sp_set_session_context N'tenant', N'10'"
        }
        assert (await bob.call_tool("read_data", forged)).is_error


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env({"PYTHONPATH": plugin_site(cwd)})
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


BAD = """
[sources.main]
server = "127.0.0.1,1"

[tools.read_data]
description = "clashes with a built-in"
statement = "SELECT 1"

[tools.typo]
description = "x"
statement = "SELECT @a"
parameters = { a = { type = "float" } }

[tools.far]
description = "x"
statement = "SELECT @n"
parameters = { n = { type = "integer", default = 500, maximum = 100 } }
"""


PROCEDURE_TOOL = """
[tools.products]
description = "Products of one category"
procedure = "SalesLT.uspProductsByCategory"
"""


def test_the_first_list_over_stdio_has_the_catalog_parameters(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """Over stdio the source opens only once `initialize` is answered, and a client lists
    tools at once (and may keep that list): the list waits for the procedure's catalog."""
    (tmp_path / "azsql-mcp.toml").write_text(PROCEDURE_TOOL)
    env = clean_env(source_env(tds_server, tds_password)) | {"PYTHONPATH": plugin_site(tmp_path)}
    with killed_at_exit(stdio_serve(env, tmp_path)) as proc:
        assert proc.stdout is not None
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        send(proc, INITIALIZE, {"jsonrpc": "2.0", "method": "notifications/initialized"}, listing)
        answer: dict[str, Any] = {}
        while answer.get("id") != 2:  # the initialize answer, maybe list_changed
            answer = read_answers(proc)[0]
        listed = answer["result"]["tools"]
        products = next(t for t in listed if t["name"] == "products")
        assert {"Category", "MaxListPrice"} <= set(products["inputSchema"]["properties"])
        stop(proc, timeout=10)


async def test_a_2026_07_28_client_over_stdio_has_them_too(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """Such a client sends no `notifications/initialized`: its first list opens the sources."""
    (tmp_path / "azsql-mcp.toml").write_text(PROCEDURE_TOOL)
    env = clean_env(source_env(tds_server, tds_password)) | {"PYTHONPATH": plugin_site(tmp_path)}
    argv = ["-c", CLI, "serve"]
    transport = StdioTransport(sys.executable, argv, env=env, cwd=str(tmp_path), keep_alive=False)
    async with Client(transport, mode="auto") as client:
        assert client.session.protocol_version == "2026-07-28"
        products = {t.name: t for t in await client.list_tools()}["products"]
        assert {"Category", "MaxListPrice"} <= set(products.input_schema["properties"])


def test_config_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "azsql-mcp.toml").write_text(BAD)
    for command in ("config", "serve"):
        done = run_cli(tmp_path, command)
        assert done.returncode == 2, done.stderr
        assert "tools.read_data:" in done.stderr
        assert "tools.typo.parameters.a.type:" in done.stderr
        assert "tools.far.parameters.n: default 500 is above maximum 100" in done.stderr


GOOD = """
[sources.main]
server = "127.0.0.1,1"
username = "u"
password = "p"

[tools.orders_of]
description = "Orders of one customer"
statement = "SELECT SalesOrderID FROM SalesLT.SalesOrderHeader WHERE CustomerID = @customer"
parameters = { customer = { type = "integer" } }
"""


def test_tools_marks_declared_tools(tmp_path: Path) -> None:
    (tmp_path / "azsql-mcp.toml").write_text(GOOD)
    done = run_cli(tmp_path, "tools")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("orders_of"))
    assert "[builtin_declared, declared in config]" in line
