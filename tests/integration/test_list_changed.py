"""A config reload tells connected clients what changed: 2026-07-28 clients through the
`subscriptions/listen` stream they opened, older ones by notifications on their
connection (serving/sessions.py). Real MCP clients, in memory; the stdio and HTTP
transports are covered in tests/e2e/test_list_changed_transports.py."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import mcp.types as mt
from fastmcp import Client
from fastmcp.client.messages import MessageHandler
from mcp.client.subscriptions import (
    PromptsListChanged,
    ServerEvent,
    Subscription,
    ToolsListChanged,
    listen,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from azsql_mcp.core.app import App
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.reload import apply

ONE = {"description": "One row", "statement": "SELECT 1 AS one"}


def reload(app: App, config: dict[str, Any], **extra: Any) -> None:
    assert apply(app, settings_from_mapping(copy.deepcopy(config) | extra)) == "applied"


async def next_event(events: Subscription) -> ServerEvent:
    return await asyncio.wait_for(anext(events), 10)


async def tool_names(client: Client[Any]) -> set[str]:
    return {t.name for t in await client.list_tools()}


async def test_a_listening_client_hears_of_declared_tools_added_and_removed(
    azsql_config: dict[str, Any],
) -> None:
    app = build_app(settings_from_mapping(azsql_config))
    async with Client(app.mcp) as client:  # the client's default: 2026-07-28
        assert client.session.protocol_version in MODERN_PROTOCOL_VERSIONS
        capabilities = client.server_capabilities
        assert capabilities is not None and capabilities.tools is not None
        assert capabilities.tools.list_changed
        async with listen(client.session, tools_list_changed=True) as events:
            reload(app, azsql_config, tools={"one": ONE})
            assert await next_event(events) == ToolsListChanged()
            assert "one" in await tool_names(client)

            reload(app, azsql_config)
            assert await next_event(events) == ToolsListChanged()
            assert "one" not in await tool_names(client)


async def test_a_listener_hears_only_the_lists_that_changed(
    azsql_config: dict[str, Any],
) -> None:
    app = build_app(settings_from_mapping(azsql_config))
    everything = {"tools_list_changed": True, "prompts_list_changed": True}
    async with Client(app.mcp) as client, listen(client.session, **everything) as events:
        no_prompts = {"disabled": ["builtin_prompts"]}
        reload(app, azsql_config, plugins=no_prompts)
        assert await next_event(events) == PromptsListChanged()
        assert await client.list_prompts() == []
        # the next event is about this reload: the one before changed no tools
        reload(app, azsql_config, plugins=no_prompts, tools={"one": ONE})
        assert await next_event(events) == ToolsListChanged()


class Notified(MessageHandler):
    def __init__(self) -> None:
        self.tools = asyncio.Event()
        self.prompts = asyncio.Event()

    async def on_tool_list_changed(self, message: mt.ToolListChangedNotification) -> None:
        self.tools.set()

    async def on_prompt_list_changed(self, message: mt.PromptListChangedNotification) -> None:
        self.prompts.set()


async def test_a_handshake_era_client_is_notified_on_its_connection(
    azsql_config: dict[str, Any],
) -> None:
    app = build_app(settings_from_mapping(azsql_config))
    notified = Notified()
    async with Client(app.mcp, message_handler=notified, mode="legacy") as client:
        assert client.session.protocol_version not in MODERN_PROTOCOL_VERSIONS
        await client.list_tools()  # the server notes a connection as its requests pass
        reload(app, azsql_config, tools={"one": ONE})
        await asyncio.wait_for(notified.tools.wait(), 10)
        assert "one" in await tool_names(client)

        notified.tools.clear()
        reload(app, azsql_config, tools={"one": ONE}, plugins={"disabled": ["builtin_prompts"]})
        await asyncio.wait_for(notified.prompts.wait(), 10)
        assert not notified.tools.is_set()  # sent together: no tool change came with it
