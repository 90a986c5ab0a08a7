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


def test_the_runner_shows_what_read_data_says_before_its_rows() -> None:
    """read_data's notes (only the login's own session in a session DMV, definitions
    hidden) were dropped: the page showed "1 row(s)" as if that were every session."""
    from fastmcp.tools import ToolResult
    from mcp_types import TextContent

    from azsql_mcp.serving.console.pages import query_result
    from azsql_mcp.values import ResultColumn, StructuredResult, render_result

    structured = StructuredResult(
        columns=[ResultColumn(name="session_id", sql_type="smallint")],
        rows=[[58]],
        row_count=1,
        truncated=False,
    )
    note = "Note: only this login's own session shows in sys.dm_exec_sessions"

    def page_of(*notes: str) -> str:
        text = "\n".join([*notes, render_result(structured)])
        content = [TextContent(type="text", text=text)]
        return query_result(ToolResult(content=content, structured_content=structured.model_dump()))

    noted = page_of(note)
    assert ">1 row(s)</p><p>Note: only this login&#x27;s own session" in noted
    assert "<td>58</td>" in noted
    plain = page_of()
    assert plain.count("<p") == 1 and "<td>58</td>" in plain
