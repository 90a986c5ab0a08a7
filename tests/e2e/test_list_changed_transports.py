"""A real `azsql-mcp` process tells connected clients when a config reload changes the
tool list: over stdio and streamable HTTP, 2026-07-28 clients through the
`subscriptions/listen` stream they opened, older HTTP sessions on their GET stream.
On SIGTERM the listen streams end gracefully, without holding the shutdown up."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import mcp.types as mt
import pytest
from fastmcp import Client
from fastmcp.client.messages import MessageHandler
from fastmcp.client.transports import StdioTransport
from mcp.client.subscriptions import ServerEvent, Subscription, ToolsListChanged, listen
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from servers import CLI, clean_env, http_process, source_env, wait_ready

# One tool call at a time: an open listen stream must not hold that one slot. JSON
# answers: a listen stream is an SSE stream all the same.
CONFIG = "[server]\njson_response = true\n[server.limits]\nmax_concurrent_calls = 1\n"
TOOL = '[tools.one]\ndescription = "One row"\nstatement = "SELECT 1 AS one"\n'


async def next_event(events: Subscription) -> ServerEvent:
    return await asyncio.wait_for(anext(events), 20)  # the file is polled every 2 s


async def tool_names(client: Client[Any]) -> set[str]:
    return {t.name for t in await client.list_tools()}


async def hear_a_tool_come_and_go(client: Client[Any], config: Path) -> None:
    """`client` listens while the config file gains a declared tool and loses it."""
    assert client.session.protocol_version in MODERN_PROTOCOL_VERSIONS
    capabilities = client.server_capabilities
    assert capabilities is not None and capabilities.tools is not None
    assert capabilities.tools.list_changed
    async with listen(client.session, tools_list_changed=True) as events:
        config.write_text(CONFIG + TOOL)
        assert await next_event(events) == ToolsListChanged()
        assert "one" in await tool_names(client)
        config.write_text(CONFIG)
        assert await next_event(events) == ToolsListChanged()
        assert "one" not in await tool_names(client)


async def test_a_stdio_client_that_listens_hears_of_reloads(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    config = tmp_path / "azsql-mcp.toml"
    config.write_text(CONFIG)
    transport = StdioTransport(
        sys.executable,
        ["-c", CLI, "serve"],
        env=clean_env(source_env(tds_server, tds_password)),
        cwd=str(tmp_path),
        keep_alive=False,
        log_file=tmp_path / "stderr.txt",
    )
    async with Client(transport) as client:
        await hear_a_tool_come_and_go(client, config)


class Notified(MessageHandler):
    def __init__(self) -> None:
        self.tools = asyncio.Event()

    async def on_tool_list_changed(self, message: mt.ToolListChangedNotification) -> None:
        self.tools.set()


async def test_http_clients_of_both_eras_hear_of_reloads(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    config = tmp_path / "azsql-mcp.toml"
    config.write_text(CONFIG)
    env = clean_env(source_env(tds_server, tds_password))
    with http_process(env, str(tmp_path)) as (_, base):
        wait_ready(base)
        notified = Notified()
        async with (
            Client(base + "/mcp", mode="legacy", message_handler=notified) as old,
            Client(base + "/mcp") as new,
        ):
            await old.list_tools()  # the server notes a session as its requests pass
            await hear_a_tool_come_and_go(new, config)
            await asyncio.wait_for(notified.tools.wait(), 20)
            async with listen(new.session, tools_list_changed=True):
                query = {"query": "SELECT 1 AS one"}
                assert not (await new.call_tool("read_data", query)).is_error


async def test_sigterm_ends_listen_streams_gracefully_and_soon(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    with http_process(env, str(tmp_path)) as (proc, base):
        wait_ready(base)
        try:
            async with (
                Client(base + "/mcp") as client,
                listen(client.session, tools_list_changed=True) as events,
            ):
                proc.send_signal(signal.SIGTERM)
                stopped_at = time.monotonic()
                with pytest.raises(StopAsyncIteration):  # the server's final result
                    await asyncio.wait_for(anext(events), 20)
                await asyncio.to_thread(proc.wait, 20)
                took = time.monotonic() - stopped_at
        except* httpx2.TransportError:
            pass  # closing, the client finds the server gone: expected
    assert proc.returncode == 0
    assert took < 15  # well under shutdown_grace_s (30 s)
