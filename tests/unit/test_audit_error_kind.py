"""The audit line's `error_kind`: an unavailable source, a timeout, a busy pool, an
argument error and the rest are told apart, where `outcome` says "error" for them all
and `error_number` is null."""

from __future__ import annotations

import asyncio
import json
import types
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from azsql_mcp import (
    DatabaseError,
    DatabaseUnavailable,
    QueryRefused,
    QueryTimeout,
    SourceBusy,
    ToolContext,
    hookimpl,
)
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping

UNREACHABLE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}


async def down() -> str:
    raise DatabaseUnavailable("database unavailable: cannot reach 127.0.0.1,1")


async def slow() -> str:
    raise QueryTimeout("the query did not finish within query_timeout_s = 1 s")


async def slow_reworded() -> str:
    # as built-in tools say what SQL Server's error means for the caller
    try:
        raise QueryTimeout("the query did not finish within query_timeout_s = 1 s")
    except QueryTimeout as exc:
        raise exc.reworded(f"{exc} It was altered meanwhile.") from exc


async def busy() -> str:
    # as built-in tools do: the database error wrapped in the tool's own
    try:
        raise SourceBusy("source 'a' is busy; retry in 1 s")
    except SourceBusy as exc:
        raise ToolError("busy, retry") from exc


async def missing_table() -> str:
    raise DatabaseError("Invalid object name 'nope'.", 208)


async def refuse() -> str:
    raise QueryRefused("EXEC is not allowed.", "one SELECT")


async def own_error() -> str:
    raise ToolError("no table named 'x'")


async def own_wrapped_error() -> str:
    try:
        raise ValueError("no table named 'x'")  # as the catalog helpers' CatalogError
    except ValueError as exc:
        raise ToolError(str(exc)) from exc


async def crash() -> str:
    raise RuntimeError("secret internals")


async def broken_resource() -> str:
    raise RuntimeError("secret internals")


async def takes(n: int, ctx: ToolContext) -> int:
    return n


def plugin() -> types.ModuleType:
    module = types.ModuleType("inline_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        for fn in (
            down,
            slow,
            slow_reworded,
            busy,
            missing_table,
            refuse,
            own_error,
            own_wrapped_error,
        ):
            register(fn)
        register(crash)
        register(takes)

    @hookimpl
    def register_resources(register: Any, config: Any) -> None:
        register(broken_resource, "demo://broken")

    module.register_tools = register_tools  # type: ignore[attr-defined]
    module.register_resources = register_resources  # type: ignore[attr-defined]
    return module


async def test_each_failure_has_its_kind(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    settings = settings_from_mapping(
        {
            "plugins": {"enabled": ["builtin_auth"]},
            "sources": {"a": UNREACHABLE, "b": UNREACHABLE},
            "audit": {"path": str(audit)},
        }
    )
    app = build_app(settings, extra_plugins={"inline": plugin()})
    calls: list[tuple[str, dict[str, Any]]] = [
        ("down", {}),
        ("slow", {}),
        ("slow_reworded", {}),
        ("busy", {}),
        ("missing_table", {}),
        ("refuse", {}),
        ("own_error", {}),
        ("own_wrapped_error", {}),
        ("crash", {}),
        ("takes", {"n": "many"}),
        ("takes", {"n": 1, "source": "nope"}),
        ("made_up", {}),
        ("takes", {"n": 1, "source": "a"}),
    ]
    async with Client(app.mcp) as client:
        for name, arguments in calls:
            await client.call_tool(name, arguments, raise_on_error=False)
        for uri in ("demo://broken", "demo://made-up"):
            with pytest.raises(Exception, match=uri):
                await client.read_resource(uri)
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    resources = lines[len(calls) :]
    assert [(e["resource"], e["error_kind"]) for e in resources] == [
        ("demo://broken", "internal"),
        ("(unknown)", "not_found"),
    ]
    assert [
        (e["tool"], e["outcome"], e["error_number"], e["error_kind"]) for e in lines[: len(calls)]
    ] == [
        ("down", "error", None, "unavailable"),
        ("slow", "error", None, "timeout"),
        ("slow_reworded", "error", None, "timeout"),
        ("busy", "error", None, "busy"),
        ("missing_table", "error", 208, "database"),
        ("refuse", "refused", None, "refused"),
        ("own_error", "error", None, "tool"),
        ("own_wrapped_error", "error", None, "tool"),  # FastMCP passed it on, unmasked
        ("crash", "error", None, "internal"),
        ("takes", "error", None, "invalid_arguments"),
        ("takes", "error", None, "invalid_arguments"),  # a source that is not configured
        ("made_up", "error", None, "not_found"),
        ("takes", "ok", None, None),
    ]


async def test_a_call_past_max_concurrent_calls_is_limited(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    release = asyncio.Event()

    async def hold() -> str:
        await release.wait()
        return "done"

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(hold)

    module = types.ModuleType("holding")
    module.register_tools = register_tools  # type: ignore[attr-defined]
    limits = {"max_concurrent_calls": 1, "queue_timeout_s": 0.1}
    settings = settings_from_mapping(
        {
            "plugins": {"enabled": ["builtin_auth"]},
            "server": {"limits": limits},
            "audit": {"path": str(audit)},
        }
    )
    app = build_app(settings, extra_plugins={"holding": module})
    async with Client(app.mcp) as client:
        first = asyncio.create_task(client.call_tool("hold", {}))
        await asyncio.sleep(0.05)
        with pytest.raises(Exception, match="server busy"):
            await client.call_tool("hold", {})
        release.set()
        await first
    kinds = [
        (e["outcome"], e["error_kind"]) for e in map(json.loads, audit.read_text().splitlines())
    ]
    assert kinds == [("limited", "limited"), ("ok", None)]
