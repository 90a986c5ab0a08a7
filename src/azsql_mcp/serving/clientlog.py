"""MCP log notifications to the client of a tool call: what the database layer noticed
during it (`db/notices.py`: retries, a result cut by a cap, the source going down or
coming back).

They ride the call's own response stream, which is where the 2026-07-28 protocol puts
them and which works in stateless HTTP too; FastMCP drops those below the level the
client asked for (`logging/setLevel`, or the request's own opt-in). An event with no
call in progress (the background probe finding the source back) reaches only the
server log: there is no stream to carry it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import warnings

from fastmcp.server.context import Context

from azsql_mcp.api import render_advice
from azsql_mcp.db.notices import NOTICE_SINK, Level, Sink
from azsql_mcp.serving.injection import may_call

LOGGER_NAME = "azsql_mcp"
FLUSH_S = 1.0  # at most this long at the end of a call for notices still being sent

log = logging.getLogger(__name__)
_SENDING: set[asyncio.Task[None]] = set()  # the event loop holds tasks only weakly

# Sent on purpose, to the clients that still ask for it: no warning on every notification.
warnings.filterwarnings("ignore", message="The logging capability is deprecated")


class ClientNotices:
    """`async with ClientNotices(ctx)`: the call's notices sent as log notifications,
    all before the call's result. A class rather than an `asynccontextmanager`: every
    tool call enters one, and a generator costs more to enter and leave."""

    def __init__(self, ctx: Context | None):
        self.ctx = ctx
        self._pending: set[asyncio.Task[None]] = set()
        self._token: contextvars.Token[Sink | None] | None = None

    async def __aenter__(self) -> None:
        if self.ctx is not None:
            self._token = NOTICE_SINK.set(self._notify)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._token is None:
            return
        NOTICE_SINK.reset(self._token)
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=FLUSH_S)

    def _notify(self, level: Level, message: str) -> None:
        assert self.ctx is not None  # the sink is set only with a context
        task = asyncio.get_running_loop().create_task(_send(self.ctx, level, message))
        for tasks in (self._pending, _SENDING):  # _SENDING: a strong reference past the call
            tasks.add(task)
            task.add_done_callback(tasks.discard)


async def _send(ctx: Context, level: Level, message: str) -> None:
    try:
        # a text the call's client reads: its advice (a plugin's AuthError in an outage's
        # reason) as that client may follow it, as the call's own texts are rendered
        message = await render_advice(message, may_call)
        await ctx.log(message, level=level, logger_name=LOGGER_NAME)
    except Exception:  # the client went away: the call itself will notice
        log.debug("log notification not sent", exc_info=True)
