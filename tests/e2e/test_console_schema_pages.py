"""The console's schema page of a schema holding more tables than a page lists (all of a
database's tables in dbo, the common case), in Chromium: a page of them, and links to
the next and previous pages (the whole schema was read and listed on one page)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import chromium, chromium_path
from servers import clean_env, http_server, source_env

from azsql_mcp.serving.console.schema_page import LISTED_OBJECTS
from azsql_mcp.testing.pytest_plugin import sample_tds_server

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed: run make install"
)

MANY = LISTED_OBJECTS + 10


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[Any]:
    setup = [
        "CREATE SCHEMA Many",
        *(f"CREATE TABLE Many.T{i:03d} (id int NOT NULL PRIMARY KEY)" for i in range(MANY)),
    ]
    with sample_tds_server(tds_password, setup) as server:
        yield server


def test_a_big_schema_is_paged_with_links_to_the_next_and_previous_pages(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    with http_server(env, str(tmp_path)) as base, chromium(tmp_path / "p") as page:
        deadline = time.monotonic() + 30
        while httpx.get(base + "/health", timeout=10).status_code != 200:  # the source opens
            assert time.monotonic() < deadline, "the source never became ready"
            time.sleep(0.1)
        page.open(base + "/console/schema?schema=Many")
        listed = "document.querySelectorAll('details.table').length"
        assert page.eval(listed) == LISTED_OBJECTS
        text = page.text()
        assert f"Tables and views 1 to {LISTED_OBJECTS} of {MANY}" in text
        assert "ER diagram" in text and "Previous page" not in text
        # the next page: the rest, without the diagram (the first page's)
        page.eval("document.querySelector('a[rel=next]').click(); true")
        page.wait_for("location.search.includes('after=')")
        page.wait_for(f"document.body.innerText.includes('of {MANY}') && {listed} === 10")
        text = page.text()
        assert f"Tables and views {LISTED_OBJECTS + 1} to {MANY} of {MANY}" in text
        assert f"Many.T{MANY - 1:03d}" in text and "Many.T000" not in text
        assert "ER diagram" not in text and "Next page" not in text
        # and back
        page.eval("document.querySelector('a[rel=prev]').click(); true")
        page.wait_for("!location.search.includes('after=')")
        page.wait_for(f"{listed} === {LISTED_OBJECTS}")
        assert f"Tables and views 1 to {LISTED_OBJECTS} of {MANY}" in page.text()
