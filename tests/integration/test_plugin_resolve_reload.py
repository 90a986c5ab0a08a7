"""A plugin tool withdrawn by its `resolve` (problems) is resolved again by every config
reload, also one that finds the file unchanged: once its source holds what it lacked
(a GRANT, say), it is listed again and connected clients are told, without a restart."""

from __future__ import annotations

import asyncio
import copy
import types
from typing import Any

import mcp.types as mt
from fastmcp import Client
from fastmcp.client.messages import MessageHandler

from azsql_mcp import Database, ResolvedTool, ToolContext, hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.reload import apply

TIMEOUT_S = 30


async def audited(ctx: ToolContext) -> str:
    """Reads the audit table (as registered)."""
    return "ran"


class ListChanges(MessageHandler):
    def __init__(self) -> None:
        self.seen = asyncio.Event()

    async def on_tool_list_changed(self, message: mt.ToolListChangedNotification) -> None:
        self.seen.set()


def plugin(granted: asyncio.Event, resolutions: list[bool]) -> types.ModuleType:
    module = types.ModuleType("needs_grant")

    async def resolve(db: Database) -> ResolvedTool:
        resolutions.append(granted.is_set())
        if not granted.is_set():
            return ResolvedTool(problems=["audited: this login cannot see dbo.Audit"])
        return ResolvedTool(description="Reads the audit table.")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(audited, resolve=resolve)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


async def test_a_reload_resolves_a_withdrawn_plugin_tool_again(
    azsql_config: dict[str, Any],
) -> None:
    granted, resolutions = asyncio.Event(), []
    module = plugin(granted, resolutions)
    config = copy.deepcopy(azsql_config)
    app = build_app(settings_from_mapping(config), extra_plugins={"needs_grant": module})
    changes = ListChanges()

    async def resolved(count: int) -> None:
        while len(resolutions) < count:
            await asyncio.sleep(0.05)

    async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
        await asyncio.wait_for(resolved(1), TIMEOUT_S)  # the first list waits for it
        assert "audited" not in {t.name for t in await client.list_tools()}
        assert apply(app, settings_from_mapping(copy.deepcopy(config))) == "unchanged"
        await asyncio.wait_for(resolved(2), TIMEOUT_S)
        assert "audited" not in {t.name for t in await client.list_tools()}  # still lacking
        granted.set()
        changes.seen.clear()
        assert apply(app, settings_from_mapping(copy.deepcopy(config))) == "unchanged"
        await asyncio.wait_for(changes.seen.wait(), TIMEOUT_S)
        tools = {t.name: t for t in await client.list_tools()}
        assert tools["audited"].description == "Reads the audit table."
        assert (await client.call_tool("audited", {})).structured_content == {"result": "ran"}
    assert resolutions == [False, False, True]
