"""The built-in instructions: the line on dates, for sources whose session language is
not us_english ("datetime (Transact-SQL)": a dmy language reads '2024-02-01' as 2
January), and the tools and sources each caller is told of (over HTTP, static tokens)."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

from azsql_mcp import hookimpl
from azsql_mcp.core.app import App
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.http import http_app
from azsql_mcp.serving.instructions import server_instructions
from azsql_mcp.serving.reload import apply

TOOLS = ("list_tables", "describe_table", "read_data")


def _instructions(languages: dict[str, str], *, sources: bool = True) -> str:
    settings = settings_from_mapping(
        {"sources": {name: {"server": "h", "language": lang} for name, lang in languages.items()}}
    )
    return server_instructions(settings, TOOLS, sources=sources) or ""


def test_only_sources_of_another_language_are_named() -> None:
    text = _instructions({"sales": "us_english", "uk": "British", "de": "Deutsch"})
    assert "write 'yyyymmdd' or 'yyyy-mm-ddThh:mm:ss', as uk, de may read" in text
    assert "yyyymmdd" not in _instructions({"sales": "us_english", "other": "English"})


def test_a_caller_not_told_of_the_sources_is_not_told_their_languages() -> None:
    assert "yyyymmdd" not in _instructions({"uk": "British"}, sources=False)


# --- which tools a caller is told of: those tools/call would run for it -----------------

UNREACHABLE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


async def audit_orders() -> str:
    """Audit the orders (takes no source)."""
    return "audited"


def failing_at_startup() -> types.ModuleType:
    """A plugin with a tool of its own scope whose startup hook fails: its tool is
    withdrawn (not offered), though the token's scopes would open it."""
    module = types.ModuleType("audit_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(audit_orders, scopes=["audit.run"])

    @hookimpl
    def startup(app: Any) -> None:
        raise RuntimeError("the audit service is down")

    module.register_tools = register_tools  # type: ignore[attr-defined]
    module.startup = startup  # type: ignore[attr-defined]
    return module


def config(**plugins: Any) -> dict[str, Any]:
    tokens = [
        {"token": "all", "subject": "ann", "scopes": ["sql.read", "sql.write"]},
        {"token": "audit", "subject": "bob", "scopes": ["audit.run"]},
    ]
    return {
        "sources": {"main": {**UNREACHABLE, "security": {"read_only": False}}},
        "server": {
            "transport": "http",
            "stateless_http": True,
            "console": "off",
            "auth": {"mode": "static_tokens", "static_tokens": tokens},
        },
        "plugins": plugins,
        "audit": {"enabled": False},
    }


@contextmanager
def serving(app: App) -> Iterator[Callable[[str], str]]:
    """The HTTP app with its lifespan run; yields the instructions a token is given."""
    with TestClient(http_app(app), base_url="http://127.0.0.1:8000") as web:

        def instructions(token: str) -> str:
            headers = {"Authorization": f"Bearer {token}"} | STREAM
            answer = web.post("/mcp", json=INITIALIZE, headers=headers)
            body = next((ln[5:] for ln in answer.text.splitlines() if ln.startswith("data:")), None)
            text: str = json.loads(body or answer.text)["result"]["instructions"]
            return text

        yield instructions


STREAM = {"Accept": "application/json, text/event-stream"}


def test_tools_a_reload_switched_off_are_not_named() -> None:
    """`disabled_tools` takes effect on a reload without a restart: the instructions no
    longer name read_data nor insert_data (they named what the start left on)."""
    app = build_app(settings_from_mapping(config()))
    with serving(app) as instructions:
        assert "read_data" in instructions("all") and "insert_data" in instructions("all")
        off = config(builtin_tools={"disabled_tools": ["read_data", "insert_data"]})
        assert apply(app, settings_from_mapping(off)) == "applied"
        text = instructions("all")
    assert "Workflow: list_tables -> describe_table (one SELECT per call)." in text
    assert "Where a column is: list_tables with column_pattern, e.g. '%email%'." in text
    assert "read_data" not in text
    assert "Writes (update_data, execute_batch) are allowed on: main." in text


def test_a_withdrawn_tool_does_not_tell_its_caller_of_the_sources() -> None:
    """A token whose one scope opens a tool its plugin's failed startup withdrew may
    call nothing that takes a source: it is not told of them."""
    settings = settings_from_mapping(config())
    app = build_app(settings, extra_plugins={"audit_tools": failing_at_startup()})
    with serving(app) as instructions:
        text = instructions("audit")
        assert "Source: main." in instructions("all")
    assert "main" not in text and "read_data" not in text
