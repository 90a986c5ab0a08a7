"""Tool-call slots ([server.limits] max_concurrent_calls, queue_timeout_s): a call past
the limit waits for a slot, in arrival order, and gives up after queue_timeout_s."""

from __future__ import annotations

import asyncio

from azsql_mcp.core.settingtables import ServerLimits
from azsql_mcp.serving.admission import LimitState


async def test_a_waiting_call_gets_the_slot_a_finished_call_frees() -> None:
    slots = LimitState(ServerLimits(max_concurrent_calls=1, queue_timeout_s=5))
    assert await slots.acquire()
    waiting = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await slots.release()
    assert await asyncio.wait_for(waiting, 1)
    await slots.release()
    assert await slots.acquire()  # nothing left over: the slot is free again


async def test_waiting_calls_are_served_before_newcomers() -> None:
    slots = LimitState(ServerLimits(max_concurrent_calls=1, queue_timeout_s=5))
    assert await slots.acquire()
    first = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0.05)
    await slots.release()
    newcomer = asyncio.create_task(slots.acquire())  # arrives while `first` is queued
    assert await asyncio.wait_for(first, 1)
    await asyncio.sleep(0.05)
    assert not newcomer.done()
    await slots.release()
    assert await asyncio.wait_for(newcomer, 1)


async def test_a_call_gives_up_after_the_queue_timeout() -> None:
    slots = LimitState(ServerLimits(max_concurrent_calls=1, queue_timeout_s=0.1))
    assert await slots.acquire()
    assert not await slots.acquire()
    await slots.release()
    assert await slots.acquire()
