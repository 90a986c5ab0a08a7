"""Tool-call slots ([server.limits] max_concurrent_calls, queue_timeout_s): a call past
the limit waits for a slot, in arrival order, and gives up after queue_timeout_s; one
client runs at most max_concurrent_calls_per_client of them."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import hookimpl
from azsql_mcp.api import ClientIdentity
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.settingtables import ServerLimits
from azsql_mcp.serving import toolcalls
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


async def test_one_client_cannot_take_every_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token's subject runs at most max_concurrent_calls_per_client calls at once: a
    reader's slow queries could else hold every pooled connection of a source (pool_size)
    and leave every other client "busy". Its next call waits for one of its own to end
    (up to queue_timeout_s, then it is refused); another client's call runs at once."""
    release = asyncio.Event()

    async def hold() -> str:
        await release.wait()
        return "held"

    async def ping() -> str:
        return "pong"

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(hold)
        register(ping)

    module = types.ModuleType("holding")
    module.register_tools = register_tools  # type: ignore[attr-defined]
    limits = {"max_concurrent_calls": 10, "max_concurrent_calls_per_client": 2}
    settings = settings_from_mapping({"server": {"limits": {**limits, "queue_timeout_s": 5}}})
    app = build_app(settings, extra_plugins={"holding": module})
    caller = {"subject": "reader"}
    monkeypatch.setattr(
        toolcalls,
        "client_identity",
        lambda: ClientIdentity(subject=caller["subject"], authenticated=True),
    )
    async with Client(app.mcp) as client:
        held = [asyncio.create_task(client.call_tool("hold", {})) for _ in range(2)]
        await asyncio.sleep(0.1)
        third = asyncio.create_task(client.call_tool("ping", {}))
        await asyncio.sleep(0.1)
        assert not third.done()  # the reader's third waits for one of its own two
        caller["subject"] = "admin"
        assert (await client.call_tool("ping", {})).data == "pong"
        release.set()
        await asyncio.gather(*held)
        assert (await asyncio.wait_for(third, 5)).data == "pong"
    local = ClientIdentity()  # stdio, or HTTP without client authentication: no bound
    assert not local.authenticated


async def test_a_clients_call_past_its_bound_gives_up_after_the_queue_timeout() -> None:
    """A client at its bound waits, and is told which limit held it, where another
    client takes a slot at once; the slots come back when its calls end."""
    slots = LimitState(
        ServerLimits(max_concurrent_calls_per_client=1, max_concurrent_calls=4, queue_timeout_s=0.1)
    )
    assert await slots.acquire("reader")
    assert not await slots.acquire("reader")
    assert slots.client_full("reader")
    assert await slots.acquire("admin")
    assert await slots.acquire(None)  # unauthenticated: no bound of its own
    await slots.release("reader")
    assert not slots.client_full("reader")
    assert await slots.acquire("reader")
