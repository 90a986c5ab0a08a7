"""Client authentication and scopes over real HTTP (uvicorn on loopback, the official
MCP client): 401s, JWTs, static tokens, tools by scope, audit and metrics."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from servers import (
    CLI,
    INITIALIZE,
    clean_env,
    http_server,
    source_env,
    wait_ready,
)

from azsql_mcp.testing.ports import reserved_port

MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
QUERY = "SELECT TOP 2 CustomerID FROM SalesLT.Customer ORDER BY CustomerID"
READ_TOOLS = {"list_tables", "describe_table", "read_data"}
WRITE_TOOLS = {"insert_data", "update_data", "execute_batch"}
ADMIN_TOOLS = {"explain_query", "list_long_running_queries"}

STATIC_CONFIG = """
[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token_env = "READER_TOKEN"
subject = "reader"
scopes = ["sql.read"]

[[server.auth.static_tokens]]
token_env = "WRITER_TOKEN"
subject = "writer"
scopes = ["sql.read", "sql.write", "sql.admin"]

[[server.auth.static_tokens]]
token_env = "NOBODY_TOKEN"
subject = "nobody"
scopes = []

[security]
read_only = false

[audit]
path = "audit.jsonl"
"""


@asynccontextmanager
async def session(base: str, token: str | None) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(base + "/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as client,
    ):
        await client.initialize()
        yield client


def post_initialize(base: str, token: str | None = None) -> httpx.Response:
    headers = dict(MCP_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(base + "/mcp", json=INITIALIZE, headers=headers, timeout=10)


def metric(text: str, family: str, /, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if match and match.group(1) == family:
            got = ",".join(sorted((match.group(2) or "").split(","))) if match.group(2) else ""
            if got == wanted:
                return float(match.group(3))
    return 0.0


@pytest.fixture(scope="module")
def static_server(
    tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    cwd = tmp_path_factory.mktemp("static")
    (cwd / "azsql-mcp.toml").write_text(STATIC_CONFIG)
    env = clean_env(source_env(tds_server, tds_password))
    env |= {
        "READER_TOKEN": "reader-secret-1",
        "WRITER_TOKEN": "writer-secret-2",
        "NOBODY_TOKEN": "nobody-secret-3",
    }
    with http_server(env, str(cwd), "--stateless") as base:
        wait_ready(base)
        yield base, cwd


def test_no_token_gets_401_with_www_authenticate(static_server: tuple[str, Path]) -> None:
    base, _ = static_server
    missing = post_initialize(base)
    wrong = post_initialize(base, "not-a-token")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    # Probes and scrapers need no token.
    assert httpx.get(base + "/health/live").status_code == 200
    assert httpx.get(base + "/health").status_code == 200


def test_static_token_in_the_query_is_refused(static_server: tuple[str, Path]) -> None:
    base, _ = static_server
    response = httpx.post(
        base + "/mcp?access_token=reader-secret-1", json=INITIALIZE, headers=MCP_HEADERS
    )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert 'error="invalid_request"' in challenge and "Authorization header" in challenge
    # static_tokens has no authorization server to advertise.
    assert "resource_metadata" not in challenge
    missing = post_initialize(base).json()["error_description"]
    assert "Authorization: Bearer <token>" in missing


async def test_read_scope_sees_and_calls_only_read_tools(static_server: tuple[str, Path]) -> None:
    base, cwd = static_server
    audit = cwd / "audit.jsonl"
    before = len(audit.read_text().splitlines()) if audit.exists() else 0
    async with session(base, "reader-secret-1") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        read = await client.call_tool("read_data", {"query": QUERY})
        write = await client.call_tool(
            "insert_data", {"table": "SalesLT.ProductCategory", "rows": [{"Name": "x"}]}
        )
        admin = await client.call_tool("explain_query", {"query": QUERY})
        made_up = await client.call_tool("no_such_tool", {})
    assert names >= READ_TOOLS
    assert not (WRITE_TOOLS | ADMIN_TOOLS) & names
    assert not read.is_error, read.content
    # a tool the token may not call is answered as one that does not exist
    assert write.content[0].text == "Unknown tool: 'insert_data'"
    assert admin.content[0].text == "Unknown tool: 'explain_query'"
    assert made_up.content[0].text == "Unknown tool: 'no_such_tool'"
    lines = [json.loads(line) for line in audit.read_text().splitlines()[before:]]
    assert [(e["tool"], e["client"], e["error_kind"]) for e in lines] == [
        ("read_data", "reader", None),
        ("insert_data", "reader", "scope"),
        ("explain_query", "reader", "scope"),
        ("no_such_tool", "reader", "not_found"),
    ]
    assert lines[0]["outcome"] == "ok" and lines[0]["fingerprint"]
    # Refused before any tool code ran: no source chosen, no statement seen.
    assert lines[1]["outcome"] == "error" and lines[1]["source"] is None
    assert lines[1]["fingerprint"] is None


async def test_prompts_and_resources_a_token_may_not_use_are_audited_as_scope(
    static_server: tuple[str, Path],
) -> None:
    """The client is told they do not exist; the audit line says the scope was missing."""
    base, cwd = static_server
    audit = cwd / "audit.jsonl"
    before = len(audit.read_text().splitlines()) if audit.exists() else 0
    async with session(base, "nobody-secret-3") as client:
        for get in (
            client.get_prompt("database_troubleshooting", {"symptom": "slow"}),
            client.read_resource("database://tables"),
            client.read_resource("database://main/tables/SalesLT/Customer"),
            client.read_resource("database://no/such/thing"),
        ):
            with pytest.raises(MCPError):
                await get
    lines = [json.loads(line) for line in audit.read_text().splitlines()[before:]]
    assert [(e.get("prompt") or e["resource"], e["client"], e["error_kind"]) for e in lines] == [
        ("database_troubleshooting", "nobody", "scope"),
        ("database://tables", "nobody", "scope"),
        ("database://{source}/tables/{schema}/{table}", "nobody", "scope"),
        ("(unknown)", "nobody", "not_found"),
    ]


DISCOVER = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "server/discover",
    "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        }
    },
}


def instructions(base: str, token: str, *, discover: bool = False) -> str:
    """The instructions of the initialize (or 2026-07-28 discover) answer this token gets."""
    if discover:
        headers = MCP_HEADERS | {
            "Authorization": f"Bearer {token}",
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "server/discover",
        }
        answer = httpx.post(base + "/mcp", json=DISCOVER, headers=headers, timeout=10)
    else:
        answer = post_initialize(base, token)
    body = next((line[5:] for line in answer.text.splitlines() if line.startswith("data:")), None)
    text: str = json.loads(body or answer.text)["result"]["instructions"]
    return text


def test_instructions_name_only_what_the_token_may_use(static_server: tuple[str, Path]) -> None:
    """The built-in instructions are the caller's: a token without sql.read is not told of
    read_data or the sources, one without sql.write not that writes are allowed."""
    base, _ = static_server
    nobody = instructions(base, "nobody-secret-3")
    assert "read_data" not in nobody and "Source" not in nobody and "main" not in nobody
    reader = instructions(base, "reader-secret-1")
    assert "read_data" in reader and "Source: main." in reader
    assert "Writes" not in reader
    writer = instructions(base, "writer-secret-2")
    assert "Writes (insert_data, update_data, execute_batch) are allowed on: main." in writer
    assert instructions(base, "nobody-secret-3", discover=True) == nobody
    assert instructions(base, "writer-secret-2", discover=True) == writer


async def test_write_scope_sees_write_tools(static_server: tuple[str, Path]) -> None:
    base, _ = static_server
    async with session(base, "writer-secret-2") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        plan = await client.call_tool("explain_query", {"query": QUERY})
    assert names >= (READ_TOOLS | WRITE_TOOLS | ADMIN_TOOLS)
    assert not plan.is_error, plan.content


async def test_prompts_need_the_read_scope_and_show_admin_facts_to_admins(
    static_server: tuple[str, Path],
) -> None:
    """Prompts read the catalog, plans and other sessions' SQL to write their text: a
    token without sql.read sees none, and only the callers the admin tools are offered to
    (sql.admin by default) get what those tools give (the estimated plan, the running
    requests). They used to need no scope at all."""
    base, _ = static_server
    async with session(base, "nobody-secret-3") as client:
        assert (await client.list_prompts()).prompts == []
        with pytest.raises(MCPError):
            await client.get_prompt("database_troubleshooting", {"symptom": "slow"})

    def text(result: Any) -> str:
        return "\n".join(m.content.text for m in result.messages)

    async with session(base, "reader-secret-1") as client:
        names = {p.name for p in (await client.list_prompts()).prompts}
        assert {"database_troubleshooting", "analyze_performance"} <= names
        trouble = text(await client.get_prompt("database_troubleshooting", {"symptom": "slow"}))
        plan = text(await client.get_prompt("analyze_performance", {"query": QUERY}))
    assert "Running requests are not shown to this caller" in trouble
    assert "plans are not shown to this caller" in plan
    async with session(base, "writer-secret-2") as client:
        trouble = text(await client.get_prompt("database_troubleshooting", {"symptom": "slow"}))
        plan = text(await client.get_prompt("analyze_performance", {"query": QUERY}))
    assert "callers that may use" not in trouble + plan
    assert "could not be obtained" not in plan


async def test_metrics_families_change_with_calls(static_server: tuple[str, Path]) -> None:
    base, _ = static_server
    before = httpx.get(base + "/metrics").text
    post_initialize(base)
    post_initialize(base, "bogus")
    async with session(base, "reader-secret-1") as client:
        await client.call_tool("read_data", {"query": QUERY})
    after = httpx.get(base + "/metrics").text
    calls = {"tool": "read_data", "plugin": "builtin_tools", "outcome": "ok"}
    assert metric(after, "azsql_mcp_tool_calls_total", **calls) == (
        metric(before, "azsql_mcp_tool_calls_total", **calls) + 1
    )
    latency = {"tool": "read_data", "plugin": "builtin_tools"}
    assert metric(after, "azsql_mcp_tool_latency_seconds_count", **latency) > metric(
        before, "azsql_mcp_tool_latency_seconds_count", **latency
    )
    for reason in ("missing_token", "invalid_token"):
        assert metric(after, "azsql_mcp_auth_failures_total", reason=reason) == (
            metric(before, "azsql_mcp_auth_failures_total", reason=reason) + 1
        )
    assert 'azsql_mcp_pool_connections{source="main",state="idle"}' in after
    for family in (
        "azsql_mcp_db_errors",
        "azsql_mcp_db_retries",
        "azsql_mcp_limited_requests",
        "azsql_mcp_config_reloads",
    ):
        assert f"# TYPE {family}_total counter" in after or f"# TYPE {family} counter" in after


async def test_metrics_count_what_a_token_may_not_use_as_unknown(
    static_server: tuple[str, Path],
) -> None:
    """/metrics needs no token: a series under the real name would tell a caller that the
    tool or prompt it was answered does not exist is there."""
    base, _ = static_server
    tool = {"tool": "explain_query", "plugin": "builtin_tools", "outcome": "error"}
    made_up = {"tool": "(unknown)", "plugin": "", "outcome": "error"}

    def prompts(text: str, name: str, plugin: str) -> float:
        labels = {"kind": "prompt", "plugin": plugin, "outcome": "error"}
        return metric(text, "azsql_mcp_prompt_resource_requests_total", **labels, name=name)

    before = httpx.get(base + "/metrics").text
    async with session(base, "nobody-secret-3") as client:
        await client.call_tool("explain_query", {"query": QUERY})
        with pytest.raises(MCPError):
            await client.get_prompt("analyze_performance", {"query": QUERY})
    after = httpx.get(base + "/metrics").text
    calls = "azsql_mcp_tool_calls_total"
    assert metric(after, calls, **tool) == metric(before, calls, **tool)
    assert metric(after, calls, **made_up) == metric(before, calls, **made_up) + 1
    hidden = ("analyze_performance", "builtin_prompts")
    assert prompts(after, *hidden) == prompts(before, *hidden)
    assert prompts(after, "(unknown)", "") == prompts(before, "(unknown)", "") + 1


def test_console_and_health_count_refused_tokens(static_server: tuple[str, Path]) -> None:
    """The console's 401s are counted as /mcp's are, and so is a token /health refused
    (it withholds its reasons, so a token could be tried there); a probe without one is
    not a refusal."""
    base, _ = static_server

    def failures() -> dict[str, float]:
        text = httpx.get(base + "/metrics").text
        return {
            reason: metric(text, "azsql_mcp_auth_failures_total", reason=reason)
            for reason in ("missing_token", "invalid_token")
        }

    before = failures()
    assert httpx.get(base + "/").status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert httpx.get(base + "/console/tools", headers=bogus).status_code == 401
    assert httpx.get(base + "/health", headers=bogus).status_code == 200
    assert httpx.get(base + "/health").status_code == 200
    assert failures() == {
        "missing_token": before["missing_token"] + 1,
        "invalid_token": before["invalid_token"] + 2,
    }


def test_request_headers_unfinished_after_64_kib_answer_431(
    static_server: tuple[str, Path],
) -> None:
    """uvicorn's httptools parser alone buffers headers of any size, before any
    authentication: serve bounds them (serving/httphead.py)."""
    base, _ = static_server
    assert httpx.get(base + "/health/live", headers={"X-Pad": "a" * 40_000}).status_code == 200
    host, port = base.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(9):
            conn.sendall(b"X-Pad: " + b"a" * 8192 + b"\r\n")
            time.sleep(0.01)
        assert conn.recv(100).startswith(b"HTTP/1.1 431 ")


# --- JWT ------------------------------------------------------------------------------

ISSUER = "https://issuer.test/"
AUDIENCE = "azsql-mcp-test"


@pytest.fixture(scope="module")
def keys() -> RSAKeyPair:
    return RSAKeyPair.generate()


@pytest.fixture(scope="module")
def jwt_server(
    keys: RSAKeyPair, tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("jwt")
    env = clean_env(source_env(tds_server, tds_password))
    env |= {
        "AZSQL_MCP_SERVER__AUTH__MODE": "jwt",
        "AZSQL_MCP_SERVER__AUTH__PUBLIC_KEY": keys.public_key,
        "AZSQL_MCP_SERVER__AUTH__ISSUER": ISSUER,
        "AZSQL_MCP_SERVER__AUTH__AUDIENCE": AUDIENCE,
        "AZSQL_MCP_AUDIT__ENABLED": "false",
    }
    with http_server(env, str(cwd)) as base:
        yield base


def token(keys: RSAKeyPair, **overrides: Any) -> str:
    claims: dict[str, Any] = {
        "subject": "agent-7",
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "scopes": ["sql.read"],
    }
    claims |= overrides
    return keys.create_token(**claims)


def test_expired_or_wrong_audience_jwt_gets_401(keys: RSAKeyPair, jwt_server: str) -> None:
    assert post_initialize(jwt_server, token(keys, expires_in_seconds=-60)).status_code == 401
    assert post_initialize(jwt_server, token(keys, audience="someone-else")).status_code == 401
    assert post_initialize(jwt_server, token(keys, issuer="https://evil.test/")).status_code == 401
    forged = RSAKeyPair.generate().create_token(subject="x", issuer=ISSUER, audience=AUDIENCE)
    assert post_initialize(jwt_server, forged).status_code == 401
    assert post_initialize(jwt_server, token(keys)).status_code == 200


async def test_valid_jwt_lists_by_scope_and_reaches_tools_as_identity(
    keys: RSAKeyPair, jwt_server: str
) -> None:
    async with session(jwt_server, token(keys)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("read_data", {"query": QUERY})
    assert names >= READ_TOOLS and not ADMIN_TOOLS & names
    assert not result.is_error, result.content


# --- the safe default -------------------------------------------------------------------


def test_no_auth_beyond_loopback_is_refused_at_start(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--host", "0.0.0.0"]
    with reserved_port() as port:
        result = subprocess.run(
            [*argv, "--port", str(port)],
            env=clean_env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr and "allow_unauthenticated" in result.stderr
