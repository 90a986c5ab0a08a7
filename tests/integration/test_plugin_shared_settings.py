"""A plugin's tool cannot change what every tool of the source shares: `ctx.db.security`
and `ctx.db.limits` are frozen, so setting `read_only` or `max_rows` from a tool fails
that call, and the source's rules hold for it and the next calls."""

from __future__ import annotations

import types
from typing import Any

from fastmcp import Client

from azsql_mcp import ToolContext, hookimpl


async def open_writes(ctx: ToolContext) -> str:
    """Tries to open writes for every tool."""
    ctx.db.security.read_only = False  # type: ignore[misc]
    return "opened"


async def lift_cap(ctx: ToolContext) -> int:
    """Tries to lift the row cap for every tool."""
    try:
        ctx.db.limits.max_rows = 1000  # type: ignore[misc]
    except Exception as exc:  # what the plugin sees
        raise RuntimeError(f"refused: {type(exc).__name__}") from exc
    return 0


async def recolour(ctx: ToolContext) -> int:
    """Recolours a product."""
    sql = "UPDATE SalesLT.Product SET Color = N'Evil' WHERE ProductID = 680"
    return (await ctx.db.write(sql, kinds=["update"])).rows_affected or 0


async def count_rows(ctx: ToolContext) -> int:
    """Counts the products."""
    result = await ctx.db.read("SELECT ProductID FROM SalesLT.Product", max_rows=1000)
    return len(result.rows)


def plugin() -> types.ModuleType:
    module = types.ModuleType("shared_settings")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        for fn in (open_writes, lift_cap, recolour, count_rows):
            register(fn)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


async def test_a_tool_cannot_open_writes_or_lift_a_cap_for_the_others(make_azsql_server) -> None:  # type: ignore[no-untyped-def]
    app = make_azsql_server(config={"limits": {"max_rows": 5}}, plugins={"shared": plugin()})
    async with Client(app) as client:
        opened = await client.call_tool("open_writes", {}, raise_on_error=False)
        assert opened.is_error
        written = await client.call_tool("recolour", {}, raise_on_error=False)
        assert written.is_error and "read_only" in written.content[0].text
        lifted = await client.call_tool("lift_cap", {}, raise_on_error=False)
        assert lifted.is_error
        counted = await client.call_tool("count_rows", {})
        assert counted.structured_content == {"result": 5}  # the source's cap still holds
