"""A plugin tool's `resolve` that raises SystemExit (argparse on bad options does) fails
that tool's resolution, logged naming the plugin, and the server goes on serving: it
runs in a background task, from which SystemExit would end the event loop."""

from __future__ import annotations

import asyncio
import logging
import types
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import Database, ResolvedTool, ToolContext, hookimpl


async def exits(ctx: ToolContext) -> str:
    """Says it is the tool as registered."""
    return "as registered"


async def resolve_by_exiting(db: Database) -> ResolvedTool:
    raise SystemExit(2)


async def count_rows(ctx: ToolContext) -> int:
    """Counts the products."""
    return len((await ctx.db.read("SELECT ProductID FROM SalesLT.Product")).rows)


def plugin() -> types.ModuleType:
    module = types.ModuleType("exiting_resolve")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(exits, resolve=resolve_by_exiting)
        register(count_rows)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


async def test_a_resolve_that_exits_fails_its_tool_not_the_server(  # type: ignore[no-untyped-def]
    make_azsql_server, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_azsql_server(plugins={"exiting": plugin()})
    with caplog.at_level(logging.ERROR):
        async with Client(app) as client:
            await client.call_tool("count_rows", {})  # reaches the source: resolve runs
            for _ in range(50):
                if any("resolving tool 'exits' failed" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
            [record] = [r for r in caplog.records if "resolving tool" in r.getMessage()]
            assert "plugin 'exiting'" in record.getMessage()
            called = await client.call_tool("exits", {})
            assert called.structured_content == {"result": "as registered"}
            assert (await client.call_tool("count_rows", {})).structured_content is not None
