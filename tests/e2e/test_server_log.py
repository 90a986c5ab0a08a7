"""What a stateless HTTP server writes to its log while it serves calls: no line per
request from the libraries under it (the MCP SDK ended each with "Terminating session:
None" at INFO), at the default level; at DEBUG they are back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from servers import clean_env, http_process, source_env, wait_ready
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
