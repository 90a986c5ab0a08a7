"""A plugin tool that reports its own progress (`ctx.report_progress`) while the core's
once-a-second heartbeat runs: one progress token, so the values the client gets must
still increase with each notification (MCP "Progress": the value MUST increase, even if
the total is unknown)."""

from __future__ import annotations

import asyncio
import itertools
import types
from typing import Any

from fastmcp import Client

from azsql_mcp import ToolContext, hookimpl


async def steps(ctx: ToolContext) -> str:
    """Works in four steps after a slow start."""
    await asyncio.sleep(2.3)  # the heartbeat has sent 1 and 2 (seconds)
    for step in range(1, 5):
        await ctx.report_progress(step, 4, f"step {step} of 4")
    return "done"


def plugin() -> types.ModuleType:
    module = types.ModuleType("stepping")

    @hookimpl
    def register_tools(register: Any) -> None:
        register(steps)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


async def test_a_tools_own_progress_keeps_increasing(make_azsql_server) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with Client(make_azsql_server(plugins={"stepping": plugin()})) as client:
        result = await client.call_tool("steps", {}, progress_handler=on_progress)
    assert result.structured_content == {"result": "done"}
    values = [progress for progress, _, _ in seen]
    assert all(a < b for a, b in itertools.pairwise(values)), seen
    assert [m for _, _, m in seen][-4:] == [f"step {n} of 4" for n in range(1, 5)]
    last, total, _ = seen[-1]
    assert last == total  # the tool's last step is the whole
