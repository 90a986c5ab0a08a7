"""The console's activity page and overview show each audit line by what it is about."""

from __future__ import annotations

from typing import Any

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.console import pages


def line(**about: str) -> dict[str, Any]:
    return {"time": "t", "client": "local", **about, "outcome": "error"}


def test_tools_prompts_and_resources_are_told_apart() -> None:
    app = build_app(settings_from_mapping({}))
    app.tool_calls.recent.extend(
        [
            line(tool="read_data"),
            line(prompt="sql_query_builder"),
            line(resource="database://tables/{schema}/{table}"),
        ]
    )
    rows = pages.activity_rows(app)
    assert "<code>read_data</code>" in rows
    assert "prompt <code>sql_query_builder</code>" in rows
    assert "resource <code>database://tables/{schema}/{table}</code>" in rows
    assert "prompt <code>sql_query_builder</code>" in pages.overview(app)


def test_a_failed_call_says_why() -> None:
    app = build_app(settings_from_mapping({}))
    app.tool_calls.recent.extend(
        [
            {"tool": "list_tables", "outcome": "ok", "error_kind": None},
            {"tool": "read_data", "outcome": "refused", "error_kind": "refused"},
            {
                "tool": "read_data",
                "outcome": "error",
                "error_kind": "database",
                "error_number": 208,
            },
            {"tool": "describe_table", "outcome": "error", "error_kind": "timeout"},
        ]
    )
    rows = pages.activity_rows(app)
    assert ">error: timeout<" in rows
    assert ">error: database 208<" in rows
    assert ">refused<" in rows and ">ok<" in rows  # the outcome already says it
    overview = pages.overview(app)
    assert "error: timeout" in overview and "error: database 208" in overview
