"""Telling connected clients that what they can list changed (a config reload that adds,
removes or hides tools, prompts or resources).

Two protocol eras, two channels:

- Before 2026-07-28 a connection keeps a standing server-to-client channel (stdio, an
  HTTP session's GET stream). FastMCP keeps no list of connections, and the MCP SDK
  builds a new ServerSession for every request: this middleware keeps one session per
  connection as requests pass, drops it when the connection closes (the connection's
  exit stack), and sends `notifications/{tools,prompts,resources}/list_changed` on it.
- From 2026-07-28 there is no such channel: a client opts in with a
  `subscriptions/listen` request whose response stream carries the events (SEP-2575).
  The SDK's `ListenHandler` serves it over an in-process bus on which the changes are
  published; serving it also makes the server advertise `listChanged` for that era.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    PromptsListChanged,
    ResourcesListChanged,
    ServerEvent,
    ToolsListChanged,
)
from mcp_types import SubscriptionsListenRequestParams, SubscriptionsListenResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

if TYPE_CHECKING:
    from fastmcp import FastMCP

log = logging.getLogger(__name__)

ListKind = Literal["tools", "prompts", "resources"]
LISTEN_METHOD = "subscriptions/listen"
# Open listen streams per server process; one more is refused with an MCP error.
MAX_LISTEN_STREAMS = 512

_EVENTS: dict[ListKind, ServerEvent] = {
    "tools": ToolsListChanged(),
    "prompts": PromptsListChanged(),
    "resources": ResourcesListChanged(),
}


class ConnectedSessions(Middleware):
    def __init__(self) -> None:
        self.sessions: dict[int, Any] = {}  # id(connection) -> a ServerSession of it
        self.bus = InMemorySubscriptionBus()
        self.listen = ListenHandler(self.bus, max_subscriptions=MAX_LISTEN_STREAMS)
        self._tasks: set[asyncio.Task[None]] = set()

    def serve_listen(self, mcp: FastMCP) -> None:
        """Serve `subscriptions/listen` on `mcp`.

        FastMCP 4.2 does not serve it (PrefectHQ/fastmcp#4920), and its extension API
        refuses to bind a method the MCP spec defines (`MethodBinding` raises), so the
        handler goes on its low-level server through the SDK's `add_request_handler`,
        as the SDK's own `MCPServer` registers it. The SDK answers the method only on
        2026-07-28 requests (older ones get "method not found")."""
        mcp._mcp_server.add_request_handler(
            LISTEN_METHOD, SubscriptionsListenRequestParams, self._listen
        )

    async def _listen(
        self, ctx: Any, params: SubscriptionsListenRequestParams
    ) -> SubscriptionsListenResult:
        """A listen stream, less any resource URIs asked for: resources are read live
        from the database and `resources/updated` is never sent (advertised.py), so the
        acknowledgement leaves them out rather than honour them in name only."""
        asked = params.notifications
        if asked.resource_subscriptions:
            unsubscribed = asked.model_copy(update={"resource_subscriptions": None})
            params = params.model_copy(update={"notifications": unsubscribed})
        return await self.listen(ctx, params)

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        fastmcp_context = context.fastmcp_context
        request = fastmcp_context.request_context if fastmcp_context is not None else None
        if request is not None:
            self._note(request.session)
        return await call_next(context)

    def _note(self, session: Any) -> None:
        if session.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return  # its client listens through subscriptions/listen, if at all
        # The SDK's ServerSession has no public accessor for its connection (FastMCP
        # reads `_connection` the same way).
        connection = getattr(session, "_connection", None)
        key = id(connection)
        if connection is None or key in self.sessions:
            return
        if not getattr(connection, "has_standalone_channel", False):
            return  # stateless HTTP: nowhere to send it
        self.sessions[key] = session
        connection.exit_stack.callback(self.sessions.pop, key, None)

    def lists_changed(self, kinds: Iterable[ListKind]) -> None:
        """Tell every connected client which lists changed, in the background."""
        wanted = set(kinds)
        changed = [kind for kind in _EVENTS if kind in wanted]
        if not changed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no server running (a reload applied in a test or the CLI)
            return
        task = loop.create_task(self._notify(changed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def end_streams(self) -> None:
        """End every listen stream gracefully (shutdown): each client gets the final
        result, so it knows the server closed it rather than the stream dropping."""
        self.listen.close()

    async def _notify(self, kinds: list[ListKind]) -> None:
        for kind in kinds:
            await self.bus.publish(_EVENTS[kind])
        for session in list(self.sessions.values()):
            for kind in kinds:
                try:
                    await _send_list_changed(session, kind)
                except Exception as exc:  # a client that went away misses nothing it needs
                    log.debug("%s/list_changed not delivered: %s", kind, exc)


async def _send_list_changed(session: Any, kind: ListKind) -> None:
    if kind == "tools":
        await session.send_tool_list_changed()
    elif kind == "prompts":
        await session.send_prompt_list_changed()
    else:
        await session.send_resource_list_changed()
