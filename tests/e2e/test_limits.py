"""`[server.limits]` over real HTTP: 429 with Retry-After, 413, and an MCP error past
the concurrent-call limit; each counted in /metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from servers import clean_env, http_server, slow_plugin_site
from test_http_auth import INITIALIZE, MCP_HEADERS, metric, session

TOKENS = """
[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token = "limits-token"
subject = "limited"
scopes = ["sql.read"]

[[server.auth.static_tokens]]
token = "other-token"
subject = "other"
scopes = ["sql.read"]
"""
CONFIG = (
    TOKENS
    + """
[server.limits]
rate_per_minute = 60
rate_burst = 3
max_concurrent_calls = 1
queue_timeout_s = 0
max_body_bytes = 4096
"""
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("limits")
    (cwd / "azsql-mcp.toml").write_text(CONFIG)
    env = clean_env({"PYTHONPATH": str(slow_plugin_site(cwd))})
    with http_server(env, str(cwd), "--stateless") as base:
        yield base


def post(base: str, token: str, body: bytes | None = None) -> httpx.Response:
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
    if body is None:
        return httpx.post(base + "/mcp", json=INITIALIZE, headers=headers)
    headers["Content-Type"] = "application/json"
    return httpx.post(base + "/mcp", content=body, headers=headers)


def test_rate_limit_answers_429_with_retry_after_per_client(server: str) -> None:
    before = metric(
        httpx.get(server + "/metrics").text, "azsql_mcp_limited_requests_total", limit="rate"
    )
    answers = [post(server, "limits-token") for _ in range(6)]
    statuses = [a.status_code for a in answers]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    limited = next(a for a in answers if a.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert "rate limit" in limited.json()["error"]
    # Another client has its own budget; probes are never limited.
    assert post(server, "other-token").status_code == 200
    assert all(httpx.get(server + "/health/live").status_code == 200 for _ in range(5))
    after = metric(
        httpx.get(server + "/metrics").text, "azsql_mcp_limited_requests_total", limit="rate"
    )
    assert after >= before + 1


def test_large_body_answers_413(server: str) -> None:
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "pad": "' + b"x" * 8000 + b'"}'
    answer = post(server, "other-token", body)
    assert answer.status_code == 413
    assert "max_body_bytes" in answer.json()["error"]
    text = httpx.get(server + "/metrics").text
    assert metric(text, "azsql_mcp_limited_requests_total", limit="body") >= 1


async def test_concurrent_calls_past_the_limit_get_an_mcp_error(tmp_path: Path) -> None:
    config = CONFIG.replace("rate_per_minute = 60", "rate_per_minute = 0")
    (tmp_path / "azsql-mcp.toml").write_text(config)
    env = clean_env({"PYTHONPATH": str(slow_plugin_site(tmp_path))})
    with http_server(env, str(tmp_path), "--stateless") as base:
        async with session(base, "limits-token") as first, session(base, "other-token") as second:
            slow = asyncio.create_task(first.call_tool("nap", {"seconds": 1.5}))
            await asyncio.sleep(0.5)
            with pytest.raises(MCPError, match="server busy") as busy:
                await second.call_tool("nap", {"seconds": 0})
            # prompts and resource reads may query the database too: the same limit
            with pytest.raises(MCPError, match="server busy"):
                await second.get_prompt("database_troubleshooting", {"symptom": "slow"})
            with pytest.raises(MCPError, match="server busy"):
                await second.read_resource("database://status")
            done = await slow
        text = httpx.get(base + "/metrics").text
    assert not done.is_error
    assert busy.value.error.code == -32000
    assert metric(text, "azsql_mcp_limited_requests_total", limit="concurrency") == 3
    limited = {"tool": "nap", "plugin": "slow", "outcome": "limited"}
    assert metric(text, "azsql_mcp_tool_calls_total", **limited) == 1


@pytest.mark.parametrize(
    ("trusted", "forwarded", "limited"),
    [
        # from an untrusted peer the header is ignored: a client cannot pick its bucket
        (None, "203.0.113.{n}", True),
        # from a listed proxy each forwarded address is its own client
        ("127.0.0.1", "203.0.113.{n}", False),
        # a proxy that appends (Azure Container Apps' ingress, nginx's
        # $proxy_add_x_forwarded_for) leaves what the client sent before its own entry:
        # the server takes the last address no listed proxy added, the client's...
        ("127.0.0.1", "203.0.113.{n}, 198.51.100.7", True),
        # ...while "*" takes the first, the client's pick
        ("*", "203.0.113.{n}, 198.51.100.7", False),
    ],
)
def test_forwarded_for_keys_the_rate_limit_as_the_trusted_proxies_say(
    tmp_path: Path, trusted: str | None, forwarded: str, limited: bool
) -> None:
    config = "[server.limits]\nrate_per_minute = 60\nrate_burst = 3\n"
    if trusted is not None:
        config = f'[server]\ntrusted_proxies = ["{trusted}"]\n' + config
    (tmp_path / "azsql-mcp.toml").write_text(config)
    with http_server(clean_env({}), str(tmp_path), "--stateless") as base:
        statuses = [
            httpx.post(
                base + "/mcp",
                json=INITIALIZE,
                headers={**MCP_HEADERS, "X-Forwarded-For": forwarded.format(n=n)},
            ).status_code
            for n in range(6)
        ]
    assert (429 in statuses) is limited, statuses


LISTEN_CONFIG = TOKENS + "[server.limits]\nmax_listen_streams_per_client = 2\n"


@asynccontextmanager
async def listening(
    http: httpx.AsyncClient, base: str, token: str, session_id: str | None = None
) -> AsyncIterator[int]:
    """A 2026-07-28 subscriptions/listen stream, held open until the block ends; yields
    the status, after the acknowledgement when the stream was opened."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "subscriptions/listen",
        "params": {"notifications": {"toolsListChanged": True}, "_meta": meta},
    }
    headers = {
        "Accept": "application/json, text/event-stream",
        "Authorization": f"Bearer {token}",
        "Mcp-Protocol-Version": "2026-07-28",
        "Mcp-Method": "subscriptions/listen",
    }
    if session_id is not None:
        headers["Mcp-Session-Id"] = session_id
    async with http.stream("POST", base + "/mcp", json=body, headers=headers) as answer:
        if answer.status_code == 200:
            lines = answer.aiter_lines()
            while "subscriptions/acknowledged" not in await anext(lines):
                pass
        else:
            await answer.aread()
            assert "max_listen_streams_per_client" in answer.json()["error"]
        yield answer.status_code


async def test_one_client_cannot_hold_every_listen_stream(tmp_path: Path) -> None:
    (tmp_path / "azsql-mcp.toml").write_text(LISTEN_CONFIG)
    with http_server(clean_env({}), str(tmp_path)) as base:
        async with httpx.AsyncClient(timeout=20) as http, AsyncExitStack() as held:
            opened = [await held.enter_async_context(listening(http, base, "limits-token"))]
            opened.append(await held.enter_async_context(listening(http, base, "limits-token")))
            async with listening(http, base, "limits-token") as third:
                assert third == 429
            # a session ID does not make it a request of a session: still limited
            async with listening(http, base, "limits-token", session_id="x") as fourth:
                assert fourth == 429
            async with listening(http, base, "other-token") as others:
                assert others == 200  # the limit is per client
            assert opened == [200, 200]
            await held.aclose()  # the client closes its streams: it may open new ones
            # once the server has seen them closed, which may take a moment
            refused = 0
            for _ in range(50):
                async with listening(http, base, "limits-token") as again:
                    pass
                if again == 200:
                    break
                refused += 1
                await asyncio.sleep(0.1)
            assert again == 200
        text = httpx.get(base + "/metrics").text
    assert metric(text, "azsql_mcp_limited_requests_total", limit="listen") == 2 + refused


SESSION_CONFIG = (
    TOKENS + "[server]\nsession_idle_timeout_s = 2\n[server.limits]\nmax_sessions_per_client = 2\n"
)


def end_session(base: str, token: str, session_id: str) -> int:
    headers = {
        **MCP_HEADERS,
        "Authorization": f"Bearer {token}",
        "Mcp-Session-Id": session_id,
        "Mcp-Protocol-Version": INITIALIZE["params"]["protocolVersion"],
    }
    return httpx.delete(base + "/mcp", headers=headers, timeout=10).status_code


def unknown_method(base: str, token: str, session_id: str) -> int:
    headers = {
        **MCP_HEADERS,
        "Authorization": f"Bearer {token}",
        "Mcp-Session-Id": session_id,
        "Mcp-Protocol-Version": "2026-07-28",
        "Mcp-Method": "no/such",
    }
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {"jsonrpc": "2.0", "id": 9, "method": "no/such", "params": {"_meta": meta}}
    return httpx.post(base + "/mcp", json=body, headers=headers, timeout=10).status_code


def test_one_client_cannot_hold_every_session(tmp_path: Path) -> None:
    (tmp_path / "azsql-mcp.toml").write_text(SESSION_CONFIG)
    with http_server(clean_env({}), str(tmp_path)) as base:
        first, second = post(base, "limits-token"), post(base, "limits-token")
        assert (first.status_code, second.status_code) == (200, 200)
        third = post(base, "limits-token")
        assert third.status_code == 429
        assert "max_sessions_per_client" in third.json()["error"]
        # a 404 for another reason (a 2026-07-28 request naming the session) ends nothing
        assert unknown_method(base, "limits-token", first.headers["mcp-session-id"]) == 404
        assert post(base, "limits-token").status_code == 429
        assert post(base, "other-token").status_code == 200  # the limit is per client
        # the client ends a session: it may open another, once the server has seen it end
        assert end_session(base, "limits-token", first.headers["mcp-session-id"]) == 200
        refused = 0
        while (status := post(base, "limits-token").status_code) == 429 and refused < 20:
            refused += 1
            time.sleep(0.05)
        assert status == 200
        assert post(base, "limits-token").status_code == 429
        # sessions with no request for session_idle_timeout_s end, and stop counting
        time.sleep(2.5)
        assert post(base, "limits-token").status_code == 200
        text = httpx.get(base + "/metrics").text
    assert metric(text, "azsql_mcp_limited_requests_total", limit="sessions") == 3 + refused
