"""The progress heartbeat of a tool call whose client sent a progress token."""

from __future__ import annotations

import asyncio
from typing import Any

from azsql_mcp.api import ClientIdentity
from azsql_mcp.serving.callrecord import CallRecord
from azsql_mcp.serving.progress import Heartbeat


class FakeContext:
    """What Heartbeat reads of FastMCP's Context: the request's progress token, and
    report_progress."""

    def __init__(self) -> None:
        self.request_context = type("Request", (), {"meta": {"progressToken": 7}})()
        self.sent: list[tuple[float, float | None, str | None]] = []

    async def report_progress(self, progress: float, total: float | None, message: str | None):
        self.sent.append((progress, total, message))


def test_a_call_shorter_than_a_beat_starts_no_task() -> None:
    # every call of a client that sends a token enters a heartbeat: most end within
    # milliseconds, and a task each (started, cancelled, awaited) was their cost
    async def call() -> int:
        before = len(asyncio.all_tasks())
        async with Heartbeat(FakeContext(), CallRecord(ClientIdentity())):  # type: ignore[arg-type]
            return len(asyncio.all_tasks()) - before

    assert asyncio.run(call()) == 0


def test_a_longer_call_beats_with_rising_elapsed_seconds() -> None:
    ctx = FakeContext()
    record = CallRecord(ClientIdentity(), rows=3)

    async def call() -> Any:
        async with Heartbeat(ctx, record, every_s=0.02):  # type: ignore[arg-type]
            await asyncio.sleep(0.09)
        return len(asyncio.all_tasks())

    assert asyncio.run(call()) == 1  # the beating task ended with the call
    assert len(ctx.sent) >= 2
    progress = [p for p, _, _ in ctx.sent]
    assert progress == sorted(progress) and progress[0] >= 0.0
    assert all(total is None and "3 row(s) so far" in str(msg) for _, total, msg in ctx.sent)
