"""Every secret an operator gives the server, each a distinctive canary, configured each
way the server reads them (config file, environment variable, `*_env`, `*_file`), then
the server driven through failures over stdio and HTTP at DEBUG level: no canary in
anything it writes or answers (stdout, stderr, the audit log, /health, /metrics, the
console, the commands' output), in its driver process's command line, or in a file it
creates readable by others."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import (
    CLI,
    INITIALIZE,
    clean_env,
    http_process,
    read_lines,
    send,
    stdio_serve,
    tool_call,
)

from azsql_mcp.diagnostics.demo import DEMO_DATABASE
from azsql_mcp.testing.pytest_plugin import TEST_USER


def canary(what: str) -> str:
    return f"S3cr3t-canary-{what}-{secrets.token_urlsafe(24)}"


@pytest.fixture
def setup(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """(the canaries, the environment) for a config in `tmp_path` that names them all."""
    found = {
        name: canary(name)
        for name in ("wrong_password", "file_password", "client_secret", "token", "env_token")
    }
    (tmp_path / "pw.txt").write_text(found["file_password"] + "\n")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # a proxy that is down: no request leaves this host
    found["proxy"] = canary("proxy")
    proxy = f"http://user:{found['proxy']}@127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    address = f"{tds_server.host},{tds_server.port}"
    (tmp_path / "azsql-mcp.toml").write_text(
        f"""
[sources.main]
server = "{address}"
database = "{DEMO_DATABASE}"
username = "{TEST_USER}"
password_env = "MAIN_PW"
encrypt = "no"

[sources.inline]
server = "{address}"
database = "{DEMO_DATABASE}"
username = "{TEST_USER}"
password = "{found["wrong_password"]}"
encrypt = "no"
required = false

[sources.filed]
server = "{address}"
database = "{DEMO_DATABASE}"
username = "{TEST_USER}"
password_file = "{tmp_path / "pw.txt"}"
encrypt = "no"
required = false

[sources.sp]
server = "{address}"
auth = "service_principal"
tenant_id = "11111111-1111-1111-1111-111111111111"
client_id = "22222222-2222-2222-2222-222222222222"
client_secret_env = "SP_SECRET"
encrypt = "no"
required = false
retry_budget_s = 0
connection_timeout_s = 5

[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token = "{found["token"]}"
subject = "operator"
scopes = ["sql.read", "sql.admin"]

[[server.auth.static_tokens]]
token_env = "CLIENT_TOKEN"
subject = "agent"
scopes = ["sql.read"]

[logging]
level = "DEBUG"
access_log = true

[audit]
path = "audit.jsonl"
"""
    )
    env = clean_env(
        {
            "MAIN_PW": tds_password,
            "SP_SECRET": found["client_secret"],
            "CLIENT_TOKEN": found["env_token"],
            "HTTPS_PROXY": proxy,
            "AZSQL_MCP_LOGGING__FORMAT": "text",
        }
    )
    for name in ("NO_PROXY", "no_proxy", "AZURE_AUTHORITY_HOST"):
        env.pop(name, None)
    found["password"] = tds_password
    yield found, env


CALLS = [
    ("read_data", {"query": "SELECT 1 AS one"}),
    ("read_data", {"query": "SELECT 1 AS one", "source": "inline"}),
    ("read_data", {"query": "SELECT 1 AS one", "source": "filed"}),
    ("list_tables", {"source": "sp"}),
    ("read_data", {"query": "SELECT nothing FROM nowhere"}),
]


def driver_command_lines(pid: int) -> list[str]:
    """The command lines of `pid`'s children (its driver and guard processes), as any
    user of the host reads them in /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [Path(f"/proc/{c}/cmdline").read_text() for c in children]


def assert_clean(found: dict[str, str], *outputs: str) -> None:
    text = "\n".join(outputs)
    leaked = [name for name, value in found.items() if value in text]
    assert not leaked, f"secrets in the output: {leaked}"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_no_secret_over_stdio_or_in_any_command(
    setup: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    found, env = setup
    err = tmp_path / "stderr.txt"
    with err.open("w") as stderr:
        proc = stdio_serve(env, tmp_path, stderr=stderr)
        try:
            assert proc.stdout is not None
            initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
            send(proc, INITIALIZE, initialized)
            send(proc, *(tool_call(i, name, **args) for i, (name, args) in enumerate(CALLS, 2)))
            answers = read_lines(proc, len(CALLS) + 1)
            ids = {json.loads(a)["id"] for a in answers}
            assert ids == set(range(1, len(CALLS) + 2))
            assert "Login failed" in "".join(answers)  # the failures were met
            command_lines = driver_command_lines(proc.pid)
            assert command_lines  # the driver process ran
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=30)
    outputs = [err.read_text(), *answers, *command_lines, (tmp_path / "audit.jsonl").read_text()]
    for command in (["config"], ["check"], ["serve", "--help"]):
        ran = subprocess.run(
            [sys.executable, "-c", CLI, *command],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs += [ran.stdout, ran.stderr]
    assert "FAIL  login: Login failed" in "".join(outputs)  # check met the wrong password
    assert_clean(found, *outputs)
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o077 == 0


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
async def test_no_secret_over_http(
    setup: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    found, env = setup
    env["AZSQL_MCP_LOGGING__FORMAT"] = "json"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    answers: list[str] = []
    headers = {"Accept": "application/json, text/event-stream"}
    good = {**headers, "Authorization": f"Bearer {found['token']}"}
    with (
        out.open("w") as stdout,
        err.open("w") as stderr,
        http_process(env, str(tmp_path), stdout=stdout, stderr=stderr) as (proc, base),
    ):
        for token in (found["wrong_password"], "short", found["client_secret"]):
            bad = {**headers, "Authorization": f"Bearer {token}"}
            assert httpx.post(base + "/mcp", json=INITIALIZE, headers=bad).status_code == 401
        query = f"{base}/mcp?access_token={found['env_token']}"
        assert httpx.post(query, json=INITIALIZE, headers=headers).status_code == 401
        opened = httpx.post(base + "/mcp", json=INITIALIZE, headers=good, timeout=30)
        session = {**good, "mcp-session-id": opened.headers["mcp-session-id"]}
        session["mcp-protocol-version"] = "2025-06-18"
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        httpx.post(base + "/mcp", json=initialized, headers=session)
        for i, (name, args) in enumerate(CALLS, 2):
            reply = httpx.post(
                base + "/mcp", json=tool_call(i, name, **args), headers=session, timeout=60
            )
            answers.append(reply.text)
        assert "Login failed" in "".join(answers)
        for path in ("/health", "/metrics", "/", "/console/tools", "/console/activity"):
            for sent in (good, {}):
                answers.append(httpx.get(base + path, headers=sent, timeout=30).text)
        form = {"query": "SELECT 1 AS one", "source": "inline"}
        answers.append(httpx.post(base + "/console/query", data=form, headers=good).text)
        command_lines = driver_command_lines(proc.pid)
        assert command_lines
    audit = (tmp_path / "audit.jsonl").read_text()
    assert_clean(found, err.read_text(), out.read_text(), audit, *answers, *command_lines)
    assert len(err.read_text().splitlines()) > 20  # DEBUG really was on
    assert os.stat(tmp_path / "audit.jsonl").st_mode & 0o077 == 0
