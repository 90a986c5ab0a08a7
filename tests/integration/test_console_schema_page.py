"""The console's schema page of a database of many tables: the schemas to pick from, then
one schema's tables, in a handful of statements (it read every table's columns: 2,000
tables took 244 statements and two minutes, for a page too long to use)."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastmcp import Client

from azsql_mcp.catalog import diagram as diagram_module
from azsql_mcp.catalog.table_pages import cursor_of
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.console import schema_page
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    READER,
    READER_USER,
    TEST_SOURCE,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

MANY = 120  # tables in one schema, past the page's bound (LISTED_OBJECTS, set to 100)
SETUP = [
    "CREATE SCHEMA Many",
    *(f"CREATE TABLE Many.T{i:03d} (id int NOT NULL)" for i in range(MANY)),
    "CREATE SCHEMA Near",
    "CREATE TABLE Near.Hub (id int NOT NULL PRIMARY KEY)",
    "CREATE TABLE Near.Spoke (id int NOT NULL PRIMARY KEY,"
    " hub int NOT NULL REFERENCES Near.Hub (id))",
    "CREATE TABLE Near.Rim (id int NOT NULL PRIMARY KEY, hub int NULL REFERENCES Near.Hub (id))",
    "CREATE TABLE Near.Apart (id int NOT NULL PRIMARY KEY)",
    "CREATE SCHEMA [a&b]",  # a name a link must escape
    "CREATE TABLE [a&b].c (id int NOT NULL)",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
def small_bounds(monkeypatch: pytest.MonkeyPatch, statements_read: list[str]) -> list[str]:
    """A page of 100 tables and views, a diagram of 3; the statements sent from now on."""
    monkeypatch.setattr(schema_page, "LISTED_OBJECTS", 100)
    monkeypatch.setattr(diagram_module, "DIAGRAM_MAX_TABLES", 3)
    return statements_read


async def page(
    config: dict[str, Any], schema: str | None, sent: list[str], after: str | None = None
) -> str:
    app = build_app(settings_from_mapping(config))
    async with Client(app.mcp):
        deadline = time.monotonic() + 30
        while app.databases.get(TEST_SOURCE) is None:  # the source opens
            assert time.monotonic() < deadline, "the source never opened"
            await asyncio.sleep(0.05)
        sent.clear()
        return await schema_page.schema(app, None, schema, after)


async def test_a_big_databases_page_lists_its_schemas_to_pick(
    azsql_config: dict[str, Any], small_bounds: list[str]
) -> None:
    text = await page(azsql_config, None, small_bounds)
    assert "more than the 100 one page lists: pick a schema to list its tables" in text
    link = f'<a href="?source={TEST_SOURCE}&amp;schema='
    assert f'{link}Many">Many</a></td><td>{MANY}</td><td>0</td>' in text
    assert f'{link}a%26b">a&amp;b</a>' in text
    assert "<h2>Schema Many</h2>" not in text and "Columns of" not in text
    # the diagram: the tables with the most foreign keys, read alone
    assert "The 3 tables with the most foreign keys to and from them, of" in text
    assert text.count('class="entity"') == 3 and "SalesLT.Product" in text
    assert "Many.T000" not in text
    assert len(small_bounds) <= 8, small_bounds


async def test_a_picked_schema_lists_its_tables_only(
    azsql_config: dict[str, Any], small_bounds: list[str]
) -> None:
    text = await page(azsql_config, "Near", small_bounds)
    assert f'<a href="?source={TEST_SOURCE}">All schemas</a>' in text
    assert "<h2>Schema Near</h2>" in text and "<h2>Schema Many</h2>" not in text
    for table in ("Near.Apart", "Near.Hub", "Near.Rim", "Near.Spoke"):
        assert f"<b>{table}</b>" in text and f'aria-label="Columns of {table}"' in text
    assert "The 3 tables with the most foreign keys to and from them, of 4" in text
    assert len(small_bounds) <= 12, small_bounds  # the schema, then its 3 drawn
    assert 'rel="next"' not in text and "Tables and views 1 to" not in text  # one page


async def test_a_schema_of_more_tables_than_a_page_lists_is_paged(
    azsql_config: dict[str, Any], small_bounds: list[str]
) -> None:
    """A schema holding nearly every table (all 2,000 in dbo) was read and listed whole."""
    first = await page(azsql_config, "Many", small_bounds)
    assert first.count('<details class="table">') == 100
    assert "<b>Many.T000</b>" in first and "<b>Many.T099</b>" in first
    assert "<b>Many.T100</b>" not in first
    assert f"The 3 tables with the most foreign keys to and from them, of {MANY}" in first
    assert f"<span>Tables and views 1 to 100 of {MANY}</span>" in first
    assert 'rel="prev"' not in first
    assert len(small_bounds) <= 12, len(small_bounds)
    link = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first)
    assert link, first[-2000:]
    query = parse_qs(html.unescape(link[1]).lstrip("?"))
    assert query["schema"] == ["Many"] and query["source"] == [TEST_SOURCE]
    second = await page(azsql_config, "Many", small_bounds, query["after"][0])
    assert second.count('<details class="table">') == MANY - 100
    assert "<b>Many.T100</b>" in second and "<b>Many.T099</b>" not in second
    assert f"<span>Tables and views 101 to {MANY} of {MANY}</span>" in second
    assert "ER diagram" not in second and 'rel="next"' not in second  # the first page's
    back = f'<a href="?source={TEST_SOURCE}&amp;schema=Many" rel="prev">Previous page</a>'
    assert back in second
    assert len(small_bounds) <= 10, len(small_bounds)
    # a link kept after the schema lost its last tables: none, and the way back
    past = await page(azsql_config, "Many", small_bounds, cursor_of("Many", f"T{MANY:03d}"))
    assert "<span>None after these 120 tables and views</span>" in past and 'rel="prev"' in past


async def test_a_page_link_edited_by_hand_shows_the_first_page(
    azsql_config: dict[str, Any], small_bounds: list[str]
) -> None:
    text = await page(azsql_config, "Near", small_bounds, "not a cursor")
    assert "That page link is not one this page made: the first page." in text
    assert "<b>Near.Apart</b>" in text


async def test_an_unknown_schema_is_said_escaped(
    azsql_config: dict[str, Any], small_bounds: list[str]
) -> None:
    text = await page(azsql_config, "<x>", small_bounds)
    assert "No schema &lt;x&gt; with tables this login can see: pick one below." in text
    assert "<x>" not in text


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_login_that_sees_no_table_is_offered_no_schema_to_pick(
    tds_password: str, statements_read: list[str], driver: str
) -> None:
    """A user outside db_datareader holding no permission on any table: the catalog
    shows it no schema with tables, so the page says so instead of "pick one below"
    over an empty list."""
    setup = [f"ALTER ROLE db_datareader DROP MEMBER [{READER_USER}]"]
    with sample_tds_server(tds_password, setup) as server:
        config = {"sources": {TEST_SOURCE: source_config(server, tds_password, READER, driver)}}
        text = await page(config, "SalesLT", statements_read)
    assert "No schema with tables this login can see." in text
    assert "pick one below" not in text
    assert "ALTER ROLE db_datareader ADD MEMBER" in text  # the note above says what to grant
