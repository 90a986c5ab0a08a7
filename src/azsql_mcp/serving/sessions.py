"""The sessions of connected clients, so that a config reload that changes the tool list
can tell each of them (`notifications/tools/list_changed`).

FastMCP keeps no list of sessions; this middleware notes each one as its requests pass
and forgets it when the session object is gone."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext

log = logging.getLogger(__name__)


class ConnectedSessions(Middleware):
    def __init__(self) -> None:
        self.sessions: weakref.WeakSet[Any] = weakref.WeakSet()
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        fastmcp_context = context.fastmcp_context
        request = fastmcp_context.request_context if fastmcp_context is not None else None
        if request is not None:
            self.sessions.add(request.session)
        return await call_next(context)

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
        for session in list(self.sessions):
            try:
                await session.send_tool_list_changed()
            except Exception as exc:  # a client that went away misses nothing it needs
                log.debug("tools/list_changed not delivered: %s", exc)
