"""Notices for the client whose tool call meets an event: a retry, a result cut by a
cap, the source going down or coming back.

The serving layer sets a sink for each tool call (`serving/clientlog.py` turns a notice
into an MCP log notification on that call's stream); outside a call a notice goes
nowhere, and the server log has the event anyway. Standard library only, so the
database layer depends on nothing above it.

A write that committed although its caller was cancelled is told to the call's audit
record the same way (`COMMIT_SINK`, set by serving/toolcalls.py): the caller gets no
answer, so the audit line is the record of it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Literal

Level = Literal["info", "warning", "error"]
Sink = Callable[[Level, str], None]

NOTICE_SINK: ContextVar[Sink | None] = ContextVar("azsql_mcp_notice_sink", default=None)


def notice(level: Level, message: str) -> None:
    """Tell the client of the current call, if there is one."""
    sink = NOTICE_SINK.get()
    if sink is not None:
        sink(level, message)


# told the rows (None: not reported) of a write that committed after its call was cancelled
CommitSink = Callable[[int | None], None]
COMMIT_SINK: ContextVar[CommitSink | None] = ContextVar("azsql_mcp_commit_sink", default=None)


def committed_after_cancel(rows: int | None) -> None:
    """Tell the current call's audit record, if there is one."""
    sink = COMMIT_SINK.get()
    if sink is not None:
        sink(rows)
