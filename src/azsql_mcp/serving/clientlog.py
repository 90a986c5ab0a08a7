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
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator

from fastmcp.server.context import Context

from azsql_mcp.db.notices import NOTICE_SINK, Level

LOGGER_NAME = "azsql_mcp"
FLUSH_S = 1.0  # at most this long at the end of a call for notices still being sent

log = logging.getLogger(__name__)
_SENDING: set[asyncio.Task[None]] = set()  # the event loop holds tasks only weakly

# Sent on purpose, to the clients that still ask for it: no warning on every notification.
warnings.filterwarnings("ignore", message="The logging capability is deprecated")


@contextlib.asynccontextmanager
async def client_notices(ctx: Context | None) -> AsyncIterator[None]:
    """Send the call's notices as log notifications, all before the call's result."""
    if ctx is None:
        yield
        return
    pending: set[asyncio.Task[None]] = set()

    def send(level: Level, message: str) -> None:
        task = asyncio.get_running_loop().create_task(_send(ctx, level, message))
        for tasks in (pending, _SENDING):  # _SENDING: a strong reference past the call
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    token = NOTICE_SINK.set(send)
    try:
        yield
    finally:
        NOTICE_SINK.reset(token)
        if pending:
            await asyncio.wait(set(pending), timeout=FLUSH_S)


async def _send(ctx: Context, level: Level, message: str) -> None:
    try:
        await ctx.log(message, level=level, logger_name=LOGGER_NAME)
    except Exception:  # the client went away: the call itself will notice
        log.debug("log notification not sent", exc_info=True)
