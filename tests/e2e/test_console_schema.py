"""The console's schema page against the test server: tables are grouped by the schema
the catalog names, which may itself hold a dot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import clean_env, http_server, source_env

from azsql_mcp.testing.pytest_plugin import sample_tds_server


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[Any]:
    with sample_tds_server(
        tds_password, ["CREATE SCHEMA [a.b]", "CREATE TABLE [a.b].c (id int PRIMARY KEY)"]
    ) as server:
        yield server


def test_a_dotted_schema_gets_its_own_heading(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    with http_server(env, str(tmp_path)) as base:
        deadline = time.monotonic() + 30
        while httpx.get(base + "/health", timeout=10).status_code != 200:  # the source opens
            assert time.monotonic() < deadline, "the source never became ready"
            time.sleep(0.1)
        page = httpx.get(base + "/console/schema", timeout=30).text
    assert "<h2>Schema a.b</h2>" in page
    assert "<h2>Schema a</h2>" not in page and "<h2>Schema SalesLT</h2>" in page
