"""`azsql_mcp_source_up{source}` on /metrics follows /health: 1 for a ready source, 0 for
one that cannot be reached, one series per source in one process and with workers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import clean_env, http_server, source_env

from azsql_mcp.testing.ports import reserved_port


def source_up(text: str) -> dict[str, float]:
    return {
        line.split('"')[1]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("azsql_mcp_source_up{")
    }


@pytest.fixture
def dead_source() -> Iterator[dict[str, str]]:
    """Source `dead`, on a port where nothing listens (kept so for the test)."""
    prefix = "AZSQL_MCP_SOURCES__DEAD__"
    with reserved_port() as port:
        yield {
            prefix + "SERVER": f"127.0.0.1,{port}",
            prefix + "USERNAME": "sa",
            prefix + "PASSWORD": "x",
            prefix + "ENCRYPT": "no",
        }


@pytest.mark.parametrize("workers", [[], ["--stateless", "--workers", "2"]])
def test_source_up_follows_health(
    workers: list[str],
    tds_server: Any,
    tds_password: str,
    tmp_path: Path,
    dead_source: dict[str, str],
) -> None:
    env = clean_env(source_env(tds_server, tds_password) | dead_source)
    with http_server(env, str(tmp_path), *workers) as base:
        deadline = time.monotonic() + 60
        while True:
            text = httpx.get(base + "/metrics", timeout=10).text
            # /health answers for the worker that took the connection, and a worker that
            # has not yet set its gauge does not count in the lowest: ask until both agree
            response = httpx.get(base + "/health", timeout=10)
            health = response.json()
            ready = {name: s["ready"] for name, s in health["sources"].items()}
            if source_up(text) == {"main": 1.0, "dead": 0.0} and ready == {  # no pid label
                "main": True,
                "dead": False,
            }:
                break
            assert time.monotonic() < deadline, (source_up(text), ready)
            time.sleep(0.2)
        # a required source down (the default) takes the replica out of rotation
        assert (response.status_code, health["status"]) == (503, "not_ready")


def test_a_source_not_required_that_is_down_leaves_health_200(
    tds_server: Any, tds_password: str, tmp_path: Path, dead_source: dict[str, str]
) -> None:
    """One database down takes the replica out of rotation only if it is required: with
    `required = false` /health says "degraded" and stays 200 while another source works
    (a required one down makes it 503: test_source_up_follows_health)."""
    env = source_env(tds_server, tds_password) | dead_source
    env["AZSQL_MCP_SOURCES__DEAD__REQUIRED"] = "false"
    with http_server(clean_env(env), str(tmp_path)) as base:
        deadline = time.monotonic() + 60
        while True:
            response = httpx.get(base + "/health", timeout=10)
            sources = response.json()["sources"]
            if sources["main"]["ready"] and not sources["dead"]["reason"].startswith("starting"):
                break
            assert time.monotonic() < deadline, sources
            time.sleep(0.2)
        assert (response.status_code, response.json()["status"]) == (200, "degraded")
        assert sources["dead"]["ready"] is False and sources["dead"]["required"] is False
        assert sources["main"]["required"] is True
