"""A stateless server's calls in flight, found by client and request id for a cancel."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

import pytest

from azsql_mcp.serving import inflight

CLIENT: ContextVar[str] = ContextVar("client", default="sub:alice")


@pytest.fixture(autouse=True)
def clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client of the request being handled, as admission.client_key names it."""
    monkeypatch.setattr(inflight, "_key", lambda request_id: (CLIENT.get(), request_id))


async def test_a_cancel_finds_its_call_and_only_that_one() -> None:
    calls = inflight.InFlight()

    async def call(request_id: str) -> None:
        with calls.running(request_id):
            await asyncio.sleep(10)

    first, second = asyncio.create_task(call("7")), asyncio.create_task(call("8"))
    await asyncio.sleep(0)
    calls.cancel({"requestId": 7})
    await asyncio.gather(first, return_exceptions=True)
    assert first.cancelled() and not second.done()
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert len(calls) == 0


async def test_two_calls_under_one_id_are_cancelled_by_nothing() -> None:
    calls = inflight.InFlight()

    async def call() -> None:
        with calls.running("3"):
            await asyncio.sleep(0.2)

    both = [asyncio.create_task(call()), asyncio.create_task(call())]
    await asyncio.sleep(0)
    calls.cancel({"requestId": "3"})
    await asyncio.gather(*both)
    assert not any(task.cancelled() for task in both) and len(calls) == 0


async def test_another_clients_cancel_of_the_same_id_finds_nothing() -> None:
    calls = inflight.InFlight()

    async def call() -> None:
        with calls.running("1"):
            await asyncio.sleep(0.2)

    alices = asyncio.create_task(call())
    await asyncio.sleep(0)
    CLIENT.set("sub:bob")
    calls.cancel({"requestId": 1})
    await alices
    assert not alices.cancelled()
