"""`azsql_mcp_source_up{source}` on /metrics follows /health: 1 for a ready source, 0 for
one that cannot be reached, one series per source in one process and with workers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import clean_env, free_port, http_server, source_env


def source_up(text: str) -> dict[str, float]:
    return {
        line.split('"')[1]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("azsql_mcp_source_up{")
    }


@pytest.mark.parametrize("workers", [[], ["--stateless", "--workers", "2"]])
def test_source_up_follows_health(
    workers: list[str], tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    dead = {
        "AZSQL_MCP_SOURCES__DEAD__SERVER": f"127.0.0.1,{free_port()}",  # nothing listens
        "AZSQL_MCP_SOURCES__DEAD__USERNAME": "sa",
        "AZSQL_MCP_SOURCES__DEAD__PASSWORD": "x",
        "AZSQL_MCP_SOURCES__DEAD__ENCRYPT": "no",
    }
    env = clean_env(source_env(tds_server, tds_password) | dead)
    with http_server(env, str(tmp_path), *workers) as base:
        deadline = time.monotonic() + 60
        while True:
            text = httpx.get(base + "/metrics", timeout=10).text
            # /health answers for the worker that took the connection, and a worker that
            # has not yet set its gauge does not count in the lowest: ask until both agree
            health = httpx.get(base + "/health", timeout=10).json()
            ready = {name: s["ready"] for name, s in health["sources"].items()}
            if source_up(text) == {"main": 1.0, "dead": 0.0} and ready == {  # no pid label
                "main": True,
                "dead": False,
            }:
                break
            assert time.monotonic() < deadline, (source_up(text), ready)
            time.sleep(0.2)
