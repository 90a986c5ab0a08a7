"""The console's pages as HTML: what the query runner's form starts with."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.http import http_app

SOURCES = {
    "first": {"server": "127.0.0.1", "database": "one", "auth": "managed_identity"},
    "second": {"server": "127.0.0.1", "database": "two", "auth": "managed_identity"},
}


def test_the_runner_starts_on_the_default_source() -> None:
    settings = settings_from_mapping(
        {"server": {"transport": "http", "default_source": "second"}, "sources": SOURCES}
    )
    web = TestClient(http_app(build_app(settings)), base_url="http://127.0.0.1:8000")
    form = web.get("/console/query").text
    # where a client's call without `source` goes, not merely the first in the list
    assert re.findall(r"<option selected>(\w+)</option>", form) == ["second"]


def test_the_schema_page_says_which_source_it_shows() -> None:
    settings = settings_from_mapping({"server": {"transport": "http"}, "sources": SOURCES})
    web = TestClient(http_app(build_app(settings)), base_url="http://127.0.0.1:8000")
    picker = web.get("/console/schema?source=second").text
    assert '<b aria-current="true">second</b>' in picker
    assert '<a href="?source=first">first</a>' in picker
