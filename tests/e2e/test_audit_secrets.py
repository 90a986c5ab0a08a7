"""A full HTTP session at DEBUG level: no password or token in any output, and no
argument value in the audit log."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
from servers import clean_env, http_process, source_env, wait_ready
from test_http_auth import INITIALIZE, MCP_HEADERS, session

CONFIG = """
[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token_env = "CLIENT_TOKEN"
subject = "auditor"
scopes = ["sql.read", "sql.admin"]

[logging]
level = "DEBUG"

[audit]
path = "audit.jsonl"
"""


async def test_no_secret_in_any_output(tds_server: Any, tds_password: str, tmp_path: Path) -> None:
    client_token = "tok-" + secrets.token_urlsafe(24)
    wrong_token = "wrong-" + secrets.token_urlsafe(24)
    marker = "Marker" + secrets.token_hex(6)
    (tmp_path / "azsql-mcp.toml").write_text(CONFIG)
    env = clean_env(source_env(tds_server, tds_password)) | {"CLIENT_TOKEN": client_token}
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with (
        out.open("w") as stdout,
        err.open("w") as stderr,
        http_process(env, str(tmp_path), stderr=stderr, stdout=stdout) as (proc, base),
    ):
        wait_ready(base)
        headers = {**MCP_HEADERS, "Authorization": f"Bearer {wrong_token}"}
        assert httpx.post(base + "/mcp", json=INITIALIZE, headers=headers).status_code == 401
        async with session(base, client_token) as client:
            await client.call_tool("list_tables", {})
            query = f"SELECT CustomerID FROM SalesLT.Customer WHERE LastName = '{marker}'"
            await client.call_tool("read_data", {"query": query})
            await client.call_tool("describe_table", {"table": f"SalesLT.{marker}"})
            await client.call_tool("explain_query", {"query": query})
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    audit = (tmp_path / "audit.jsonl").read_text()
    everything = "\n".join([err.read_text(), out.read_text(), audit])
    for secret in (tds_password, client_token, wrong_token):
        assert secret not in everything
    assert marker not in audit
    lines = [json.loads(line) for line in audit.splitlines()]
    assert [e["tool"] for e in lines] == [
        "list_tables",
        "read_data",
        "describe_table",
        "explain_query",
    ]
    assert {e["client"] for e in lines} == {"auditor"}
    # DEBUG really was on: the run logged plenty.
    assert len(err.read_text().splitlines()) > 20
