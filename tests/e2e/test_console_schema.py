"""The console's schema page against the test server: tables are grouped by the schema
the catalog names, which may itself hold a dot; a HIDDEN column is marked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import clean_env, http_server, source_env

from azsql_mcp.catalog import HIDDEN_LEGEND
from azsql_mcp.testing.pytest_plugin import READER, READER_USER, sample_tds_server


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[Any]:
    setup = [
        "CREATE SCHEMA [a.b]",
        "CREATE TABLE [a.b].c (id int PRIMARY KEY)",
        "CREATE TABLE [a.b].Price (PriceID int NOT NULL PRIMARY KEY,"
        " ValidFrom datetime2 GENERATED ALWAYS AS ROW START HIDDEN NOT NULL,"
        " ValidTo datetime2 GENERATED ALWAYS AS ROW END HIDDEN NOT NULL,"
        " PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo))",
        f"ALTER ROLE db_datareader DROP MEMBER [{READER_USER}]",
        f"GRANT SELECT ON SalesLT.Product TO [{READER_USER}]",
    ]
    with sample_tds_server(tds_password, setup) as server:
        yield server


def schema_page(tds_server: Any, tds_password: str, tmp_path: Path, principal: str) -> str:
    env = clean_env(source_env(tds_server, tds_password, principal=principal))
    with http_server(env, str(tmp_path)) as base:
        deadline = time.monotonic() + 30
        while httpx.get(base + "/health", timeout=10).status_code != 200:  # the source opens
            assert time.monotonic() < deadline, "the source never became ready"
            time.sleep(0.1)
        return httpx.get(base + "/console/schema", timeout=30).text


def test_a_dotted_schema_gets_its_own_heading(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    page = schema_page(tds_server, tds_password, tmp_path, "privileged")
    assert "<h2>Schema a.b</h2>" in page
    assert "<h2>Schema a</h2>" not in page and "<h2>Schema SalesLT</h2>" in page
    # not in SELECT *: marked in the table and the diagram, as describe_table marks it
    assert 'ValidFrom <span class="muted">(hidden)</span>' in page
    assert "ValidFrom (hidden)" in page and f"{HIDDEN_LEGEND}." in page


def test_the_page_says_it_shows_what_the_login_can_see(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """Out of db_datareader, granted one table: the page shows it, and says the others
    may be hidden from this login, with the role that reads them all."""
    page = schema_page(tds_server, tds_password, tmp_path, READER)
    assert "<h2>Schema SalesLT</h2>" in page and "<h2>Schema a.b</h2>" not in page
    assert "Shown: the tables that this login can see (it holds no SELECT on the database" in page
    assert f"ALTER ROLE db_datareader ADD MEMBER [{READER_USER}];" in page
