"""Stopping a stdio server. SIGTERM while a write's COMMIT is on the wire: the server
waits for the write's own end before it closes the sources and exits, so its audit line
says it committed, whether the client closed stdin first or not. A client that dies
mid-call: the server stops as when stdin ends."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pyodbc
import pytest
from servers import clean_env, send, source_env, stdio_server_that_read, tool_call

from azsql_mcp.serving.stdio import CALLS_GRACE_S
from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database for this module only: these tests write."""
    marks = "CREATE TABLE dbo.Marks (ID int IDENTITY(1,1) PRIMARY KEY, Note nvarchar(20))"
    with sample_tds_server(tds_password, [marks]) as server:
        yield server


@pytest.mark.parametrize("stdin_open", [True, False])
def test_sigterm_while_a_write_commits_audits_it_committed(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path, stdin_open: bool
) -> None:
    from azsql_mcp.db.database import SETTLE_MAX_S

    assert CALLS_GRACE_S > SETTLE_MAX_S  # the exit waits out a write's wait for its COMMIT
    audit = tmp_path / "audit.jsonl"
    env = clean_env(source_env(tds_server, tds_password)) | {
        "AZSQL_MCP_SECURITY__READ_ONLY": "false",
        "AZSQL_MCP_AUDIT__PATH": str(audit),
    }
    proc = stdio_server_that_read(env, tmp_path)
    assert proc.stdin is not None
    commits = tds_server.record.commits
    with tds_server.faulted("delay:4@commit:1"):
        send(proc, tool_call(3, "insert_data", sql="INSERT INTO dbo.Marks (Note) VALUES (N'x')"))
        deadline = time.monotonic() + 20
        while tds_server.record.commits == commits:
            assert time.monotonic() < deadline, "the write never reached its COMMIT"
            time.sleep(0.01)
        if not stdin_open:
            proc.stdin.close()
            proc.stdin = None  # for communicate()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-2000:]
    with closing(pyodbc.connect(tds_server.odbc_connection_string(), autocommit=True)) as c:
        assert c.execute("SELECT COUNT(*) FROM dbo.Marks WHERE Note = N'x'").fetchone()[0] >= 1
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(line["tool"], line["outcome"]) for line in lines if "tool" in line][-1] == (
        "insert_data",
        "committed",
    ), stderr[-2000:]


def test_a_client_that_dies_mid_call_stops_the_server_cleanly(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path
) -> None:
    """The client process dies while a read runs: its stdin ends and its end of stdout
    is closed. The read is cancelled and audited, the pools closed, exit code 0, and no
    "unexpected error" (the answer the server could not write is a broken pipe)."""
    audit = tmp_path / "audit.jsonl"
    env = clean_env(source_env(tds_server, tds_password)) | {"AZSQL_MCP_AUDIT__PATH": str(audit)}
    proc = stdio_server_that_read(env, tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    with tds_server.faulted("delay:20@query:1~DYING_CLIENT"):
        send(proc, tool_call(3, "read_data", query="SELECT 1 AS DYING_CLIENT"))
        time.sleep(1)
        proc.stdin.close()
        proc.stdout.close()
        proc.stdin = proc.stdout = None  # for communicate()
        _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 0, stderr[-2000:]
    assert "unexpected error" not in stderr and "Traceback" not in stderr, stderr[-2000:]
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(line["tool"], line["outcome"]) for line in lines][-1] == ("read_data", "cancelled")
