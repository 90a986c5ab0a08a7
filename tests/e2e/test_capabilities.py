"""What a real `azsql-mcp` process advertises is what it keeps, over each transport and
protocol revision: `listChanged` only where it can send the notification, and never
`resources.subscribe`, nor a listen stream's resource URIs (it sends no
`notifications/resources/updated`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mcp.types as mt
import pytest
from fastmcp import Client
from fastmcp.client.logging import LogMessage
from fastmcp.client.transports import StdioTransport
from mcp.client.subscriptions import listen
from servers import CLI, clean_env, http_process, source_env


def lists_changed(capabilities: mt.ServerCapabilities | None) -> tuple[bool, bool, bool]:
    assert capabilities is not None
    assert capabilities.tools and capabilities.prompts and capabilities.resources
    assert not capabilities.resources.subscribe
    return (
        bool(capabilities.tools.list_changed),
        bool(capabilities.prompts.list_changed),
        bool(capabilities.resources.list_changed),
    )


async def advertised(target: Callable[[], Any]) -> dict[str, tuple[bool, bool, bool]]:
    """The `listChanged` flags told to a 2025-11-25 client and to a 2026-07-28 one, each
    connecting to a `target()` of its own (a stdio server serves one client)."""
    flags = {}
    for mode in ("legacy", "auto"):
        async with Client(target(), mode=mode) as client:
            flags[client.session.protocol_version] = lists_changed(client.server_capabilities)
            if mode == "auto":  # a listen stream honours no resource URI either
                uris = ["database://status"]
                async with listen(client.session, resource_subscriptions=uris) as events:
                    assert events.honored.resource_subscriptions is None
    return flags


BOTH = {"2025-11-25": (True,) * 3, "2026-07-28": (True,) * 3}


async def test_stdio(tds_server: Any, tds_password: str, tmp_path: Path) -> None:
    def transport() -> StdioTransport:
        return StdioTransport(
            sys.executable,
            ["-c", CLI, "serve"],
            env=clean_env(source_env(tds_server, tds_password)),
            cwd=str(tmp_path),
            keep_alive=False,
            log_file=tmp_path / "stderr.txt",
        )

    assert await advertised(transport) == BOTH


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), BOTH),
        # a 2025-11-25 client of a stateless server has no channel for notifications;
        # a 2026-07-28 one opens `subscriptions/listen`, which works there too
        (("--stateless",), {"2025-11-25": (False,) * 3, "2026-07-28": (True,) * 3}),
    ],
)
async def test_http(
    tds_server: Any, tds_password: str, tmp_path: Path, args: tuple[str, ...], expected: Any
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    with http_process(env, str(tmp_path), *args) as (_, base):
        assert await advertised(lambda: base + "/mcp") == expected
        if args:
            await set_level_is_forgotten(base + "/mcp")


async def set_level_is_forgotten(url: str) -> None:
    """Stateless, a 2025-11-25 client's `logging/setLevel` is accepted and lasts as long
    as its POST: the next call's info notification still comes (client-features.md)."""
    got: list[LogMessage] = []

    async def on_log(message: LogMessage) -> None:
        got.append(message)

    async with Client(url, mode="legacy", log_handler=on_log) as client:
        await client.set_logging_level("warning")
        query = "SELECT CustomerID FROM SalesLT.Customer ORDER BY CustomerID"
        await client.call_tool("read_data", {"query": query, "max_rows": 5})
    assert [m.level for m in got if "result cut" in str(m.data.get("msg"))] == ["info"]
