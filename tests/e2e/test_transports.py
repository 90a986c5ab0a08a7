"""Both transports answer the official MCP SDK client; /health and /metrics; exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from servers import (
    CLI,
    INITIALIZE,
    clean_env,
    http_server,
    read_answers,
    source_env,
    stdio_serve,
    stdio_server_that_read,
    wait_ready,
)

from azsql_mcp.testing.ports import reserved_port
from azsql_mcp.testing.pytest_plugin import PRINCIPALS, READER


async def use(session: ClientSession) -> Any:
    await session.initialize()
    tools = await session.list_tools()
    assert {"list_tables", "read_data"} <= {t.name for t in tools.tools}
    query = "SELECT TOP 3 CustomerID, LastName FROM SalesLT.Customer ORDER BY CustomerID"
    result = await session.call_tool("read_data", {"query": query})
    assert not result.is_error, result.content
    return result


@pytest.mark.parametrize("principal", PRINCIPALS)
async def test_stdio_answers_the_sdk_client(
    tds_server: Any, tds_password: str, tmp_path: Path, principal: str
):
    env = clean_env(source_env(tds_server, tds_password, principal=principal))
    params = StdioServerParameters(
        command=sys.executable, args=["-c", CLI, "serve"], env=env, cwd=str(tmp_path)
    )
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            result = await use(session)
            explained = await session.call_tool(
                "explain_query", {"query": "SELECT LastName FROM SalesLT.Customer"}
            )
    assert "3 row(s)" in result.content[0].text
    if principal == READER:  # the recommended user: a clear message, not a crash
        assert explained.is_error
        assert "GRANT SHOWPLAN TO [azsql_reader];" in explained.content[0].text
    else:
        assert not explained.is_error, explained.content
    # The start banner, then logs and the audit line went to stderr, every line a JSON
    # object (stderr is no terminal: the JSON log format), the banner's facts as fields.
    logged = [json.loads(line) for line in (tmp_path / "stderr.txt").read_text().splitlines()]
    assert logged[0]["message"].startswith("azsql-mcp ") and logged[0]["transport"] == "stdio"
    assert logged[0]["sources"][0]["name"] == "main"
    assert (
        "--config"
        not in logged[0]["client_config"]["claude_desktop"]["mcpServers"]["azsql"]["args"]
    )
    assert any(entry.get("tool") == "read_data" for entry in logged)


def test_stdio_writes_nothing_but_protocol(tmp_path: Path) -> None:
    env = clean_env({"AZSQL_MCP_LOGGING__LEVEL": "DEBUG"})
    proc = stdio_serve(env, tmp_path, subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    answers = []
    for messages in (
        [INITIALIZE],
        [
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        ],
    ):
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        proc.stdin.flush()
        answers.extend(read_answers(proc))
    out, _ = proc.communicate("", timeout=30)
    assert [a.get("id") for a in answers] == [1, 2]
    assert answers[0]["result"]["serverInfo"]["name"] == "azsql-mcp"
    assert out == ""  # nothing else, not even at shutdown


@pytest.mark.parametrize("principal", PRINCIPALS)
async def test_http_answers_the_sdk_client_with_health_and_metrics(
    tds_server: Any, tds_password: str, tmp_path: Path, principal: str
) -> None:
    env = clean_env(source_env(tds_server, tds_password, principal=principal))
    with http_server(env, str(tmp_path)) as base:
        health = wait_ready(base)
        async with (
            streamable_http_client(base + "/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            await use(session)
            running = await session.call_tool("list_long_running_queries", {"min_seconds": 0})
        metrics = httpx.get(base + "/metrics").text
        rebinding = httpx.post(
            base + "/mcp", json=INITIALIZE, headers={"Host": "evil.example", "Accept": "*/*"}
        )
    # The reader cannot see other sessions: it is told which GRANT, never "none running".
    assert running.is_error is (principal == READER), running.content
    if principal == READER:
        assert "GRANT VIEW SERVER PERFORMANCE STATE TO [azsql_reader];" in running.content[0].text
    assert health["status"] == "ok"
    assert health["sources"]["main"]["ready"] is True
    assert health["plugins"]["loaded"] >= 4 and health["plugins"]["failed"] == 0
    assert {"version", "uptime_s"} <= set(health)
    assert (
        'azsql_mcp_tool_calls_total{outcome="ok",plugin="builtin_tools",tool="read_data"} 1.0'
        in metrics
    )
    assert 'azsql_mcp_tool_latency_seconds_bucket{le="30.0",plugin="builtin_tools"' in metrics
    assert 'azsql_mcp_pool_connections{source="main",state="idle"}' in metrics
    assert rebinding.status_code in (400, 403, 421)


def test_health_is_503_while_a_source_is_down(tmp_path: Path) -> None:
    env = clean_env(
        {
            "AZSQL_MCP_SOURCES__DOWN__SERVER": "127.0.0.1,1",
            "AZSQL_MCP_SOURCES__DOWN__USERNAME": "u",
            "AZSQL_MCP_SOURCES__DOWN__PASSWORD": "p",
            "AZSQL_MCP_SOURCES__DOWN__CONNECTION_TIMEOUT_S": "1",
        }
    )
    with http_server(env, str(tmp_path), "--stateless") as base:
        response = httpx.get(base + "/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["sources"]["down"]["ready"] is False and body["sources"]["down"]["reason"]


def test_health_shows_why_a_source_is_down_only_to_an_admin(tmp_path: Path) -> None:
    """The database's error text names its server and login: /health is unauthenticated,
    so only a caller who may open the console (here: a token with sql.admin) reads it."""
    tokens = [
        {"token": "reader-token", "subject": "reader", "scopes": ["sql.read"]},
        {"token": "admin-token", "subject": "admin", "scopes": ["sql.read", "sql.admin"]},
    ]
    env = clean_env(
        {
            "AZSQL_MCP_SOURCES__DOWN__SERVER": "127.0.0.1,1",
            "AZSQL_MCP_SOURCES__DOWN__USERNAME": "login-name-7",
            "AZSQL_MCP_SOURCES__DOWN__PASSWORD": "p",
            "AZSQL_MCP_SOURCES__DOWN__CONNECTION_TIMEOUT_S": "1",
            "AZSQL_MCP_SERVER__AUTH__MODE": "static_tokens",
            "AZSQL_MCP_SERVER__AUTH__STATIC_TOKENS": json.dumps(tokens),
        }
    )

    def reason(base: str, token: str | None) -> str:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(base + "/health", headers=headers)
        assert response.status_code == 503
        return str(response.json()["sources"]["down"]["reason"])

    with http_server(env, str(tmp_path), "--stateless") as base:
        deadline = time.monotonic() + 30
        while (admin := reason(base, "admin-token")).startswith("starting"):
            assert time.monotonic() < deadline, admin
            time.sleep(0.2)
        others = [reason(base, None), reason(base, "reader-token"), reason(base, "wrong")]
    assert "cannot reach 127.0.0.1:1" in admin
    assert "What to do: check the port in `server`" in admin and "azsql-mcp check" in admin
    for other in others:
        assert other.startswith("unavailable") and "sql.admin" in other
        assert "127.0.0.1" not in other and "login-name-7" not in other


BROKEN_DIST = {
    "fake_broken.py": "raise ImportError('needs a missing library')\n",
    "fake_broken-0.3.dist-info/METADATA": "Name: fake-broken\nVersion: 0.3\n",
    "fake_broken-0.3.dist-info/entry_points.txt": "[azsql_mcp]\nbroken = fake_broken\n",
}


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for name, text in BROKEN_DIST.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return site


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_broken_plugin_reported_and_strict_mode_exits_2(broken_site: Path, tmp_path: Path):
    env = clean_env({"PYTHONPATH": str(broken_site)})
    listing = run_cli("plugins", "--json", env=env, cwd=tmp_path)
    broken = next(p for p in json.loads(listing.stdout)["plugins"] if p["name"] == "broken")
    assert (broken["status"], broken["distribution"], broken["version"]) == (
        "failed",
        "fake-broken",
        "0.3",
    )
    assert "needs a missing library" in broken["reason"]
    lenient = run_cli("tools", env=env, cwd=tmp_path)
    assert lenient.returncode == 0 and "list_tables" in lenient.stdout
    strict = run_cli("serve", env=env | {"AZSQL_MCP_PLUGINS__STRICT": "true"}, cwd=tmp_path)
    assert strict.returncode == 2
    assert "plugin 'broken' (fake-broken 0.3) failed to load" in strict.stderr
    assert strict.stdout == ""


def test_invalid_config_exits_2_listing_every_problem(tmp_path: Path) -> None:
    (tmp_path / "azsql-mcp.toml").write_text('[server]\nport = "x"\n[limits]\nmax_rows = -1\n')
    result = run_cli("serve", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert "server.port" in result.stderr and "limits.max_rows" in result.stderr


def test_config_command_redacts_secrets(tmp_path: Path) -> None:
    env = clean_env(
        {
            "AZURE_SQL_SERVER": "s.database.windows.net",
            "AZURE_SQL_USERNAME": "u",
            "AZURE_SQL_PASSWORD": "hunter2",
        }
    )
    result = run_cli("config", env=env, cwd=tmp_path)
    assert result.returncode == 0
    shown = json.loads(result.stdout)
    assert shown["sources"]["default"]["password"] == "***"
    assert "hunter2" not in result.stdout


async def test_demo_serves_the_sample_database(tmp_path: Path) -> None:
    with http_server(clean_env(), str(tmp_path), "--demo") as base:
        health = wait_ready(base)
        async with (
            streamable_http_client(base + "/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            await use(session)
    assert list(health["sources"]) == ["demo"]


CHATTY_DIST = {
    "fake_chatty.py": (
        "from azsql_mcp import hookimpl\n"
        "print('chatty: imported')\n"
        "@hookimpl\n"
        "def register_tools(register, config):\n"
        "    print('chatty: registering')\n"
    ),
    "fake_chatty-0.1.dist-info/METADATA": "Name: fake-chatty\nVersion: 0.1\n",
    "fake_chatty-0.1.dist-info/entry_points.txt": "[azsql_mcp]\nchatty = fake_chatty\n",
}


def test_a_plugin_printing_as_it_loads_does_not_break_stdio(tmp_path: Path) -> None:
    """Over stdio, stdout carries the protocol alone: what a plugin prints while it loads
    (before the MCP SDK diverts stray output itself) goes to stderr."""
    site = tmp_path / "site"
    for name, text in CHATTY_DIST.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    env = clean_env({"PYTHONPATH": path})
    answer = subprocess.run(
        [sys.executable, "-c", CLI, "serve"],
        input=json.dumps(INITIALIZE) + "\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    first = answer.stdout.splitlines()[0]
    assert json.loads(first)["id"] == INITIALIZE["id"] and "result" in json.loads(first)
    assert "chatty" not in answer.stdout
    assert "chatty: imported" in answer.stderr


def test_serve_starts_with_stdout_closed(tmp_path: Path) -> None:
    """A daemon may start the server with fd 1 closed: HTTP serves all the same."""
    with reserved_port() as port:
        argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        live = f"http://127.0.0.1:{port}/health/live"
        proc = subprocess.Popen(
            argv,
            env=clean_env(),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: os.close(1),  # in the child only: it starts without fd 1
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                try:
                    if httpx.get(live, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_sigterm_over_stdio_stops_as_the_end_of_stdin_does(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """SIGTERM with stdin still open (`docker stop`, a supervisor): the server says so,
    closes its pools (its driver process ends) and exits 0, though the MCP SDK's read of
    stdin never returns."""
    proc = stdio_server_that_read(clean_env(source_env(tds_server, tds_password)), tmp_path)
    children = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert children  # the driver process
    proc.terminate()
    try:
        proc.wait(timeout=30)
    finally:
        _, stderr = proc.communicate(timeout=30)  # closes stdin, if the server still runs
    assert proc.returncode == 0, stderr[-2000:]
    assert "SIGTERM: stopping" in stderr and "stdin still open" in stderr
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children):
        assert time.monotonic() < deadline, "the driver process outlived the server"
        time.sleep(0.1)


def _error_code(response: httpx.Response) -> int:
    text = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
    return int(json.loads(text)["error"]["code"])


def test_unreadable_params_are_invalid_params(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """tools/call without a name, prompts/get and resources/read without theirs: JSON-RPC's
    invalid params (-32602), not an internal error from the tool-call middleware."""
    env = clean_env(source_env(tds_server, tds_password))
    accept = {"Accept": "application/json, text/event-stream"}
    with http_server(env, str(tmp_path)) as base:
        url = base + "/mcp"
        opened = httpx.post(url, json=INITIALIZE, headers=accept)
        headers = accept | {
            "Mcp-Session-Id": opened.headers["mcp-session-id"],
            "MCP-Protocol-Version": INITIALIZE["params"]["protocolVersion"],
        }
        httpx.post(
            url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers
        )
        codes = {}
        for method, params in (
            ("tools/call", {"arguments": {}}),
            ("prompts/get", {"name": ["x"]}),
            ("resources/read", {"uri": 5}),
        ):
            request = {"jsonrpc": "2.0", "id": 2, "method": method, "params": params}
            codes[method] = _error_code(httpx.post(url, json=request, headers=headers))
    assert codes == dict.fromkeys(codes, -32602)
