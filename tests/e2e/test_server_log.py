"""What a stateless HTTP server writes to its log while it serves calls: no line per
request from the libraries under it (the MCP SDK ended each with "Terminating session:
None" at INFO), at the default level; at DEBUG they are back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import clean_env, http_process, http_server, source_env, wait_ready
from test_http_auth import session

QUERY = {"query": "SELECT TOP 2 Name FROM SalesLT.Product"}


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_calls_add_no_library_lines_below_debug(
    tds_server: Any, tds_password: str, tmp_path: Path, level: str
) -> None:
    env = clean_env(source_env(tds_server, tds_password)) | {
        "AZSQL_MCP_LOGGING__LEVEL": level,
        "AZSQL_MCP_LOGGING__FORMAT": "text",
    }
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(env, str(tmp_path), "--stateless", stderr=stderr) as (
            _,
            base,
        ),
    ):
        wait_ready(base)
        async with session(base, None) as client:
            for _ in range(3):
                assert not (await client.call_tool("read_data", QUERY)).is_error
    text = log.read_text()
    assert "serving MCP at" in text
    assert ("Terminating session" in text) is (level == "DEBUG")


def test_a_log_larger_than_a_pipe_does_not_stop_a_test_server(tmp_path: Path) -> None:
    """http_process writes the server's stderr to a file by default, not to a pipe nobody
    reads: a pipe holds 64 KiB, a line for each audited call filled it after about 200
    calls, and the server then stopped in a log write with its clients waiting."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nsys.stderr.write('x' * 262144 + '\\n')\n")
    env = clean_env({"PYTHONPATH": str(site)})
    with http_server(env, str(tmp_path), "--demo") as base:
        assert httpx.get(base + "/health/live", timeout=10).status_code == 200
