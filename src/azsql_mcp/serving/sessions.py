"""The sessions of connected clients, so that a config reload that changes the tool list
can tell each of them (`notifications/tools/list_changed`).

FastMCP keeps no list of connections, and the MCP SDK builds a new ServerSession for
every request: this middleware keeps one session per connection as requests pass and
drops it when the connection closes (the connection's exit stack). Only connections with
a standing server-to-client channel get the notification: 2026-07-28 connections have
none, and their clients list tools again when they need to."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext

log = logging.getLogger(__name__)


class ConnectedSessions(Middleware):
    def __init__(self) -> None:
        self.sessions: dict[int, Any] = {}  # id(connection) -> a ServerSession of it
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        fastmcp_context = context.fastmcp_context
        request = fastmcp_context.request_context if fastmcp_context is not None else None
        if request is not None:
            self._note(request.session)
        return await call_next(context)

    def _note(self, session: Any) -> None:
        # The SDK's ServerSession has no public accessor for its connection.
        connection = getattr(session, "_connection", None)
        key = id(connection)
        if connection is None or key in self.sessions:
            return
        if not getattr(connection, "has_standalone_channel", False):
            return
        self.sessions[key] = session
        connection.exit_stack.callback(self.sessions.pop, key, None)

    def tools_changed(self) -> None:
        """Send tools/list_changed to every connected client, in the background."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no server running (a reload applied in a test or the CLI)
            return
        task = loop.create_task(self._notify())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self) -> None:
        for session in list(self.sessions.values()):
            try:
                await session.send_tool_list_changed()
            except Exception as exc:  # a client that went away misses nothing it needs
                log.debug("tools/list_changed not delivered: %s", exc)
