"""A long query: progress notifications while it runs, and a client's cancel reaches the
server as ATTENTION at once, leaving the pool's connection usable."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from waiting import wait_until

from azsql_mcp.metrics import REGISTRY
from tds_test_server import Fault, ThreadedTdsServer

QUERY = "SELECT TOP 2 CustomerID FROM SalesLT.Customer ORDER BY CustomerID"
# The query a test holds up: the delay matches its text alone, never a statement the
# source sends of its own (a background probe's SELECT 1 or collation question).
HELD = "SELECT TOP 2 CustomerID AS HeldUp FROM SalesLT.Customer ORDER BY CustomerID"
# what the test waits for: a loaded machine's login and call, many times over
WAIT_S = 60


@pytest.fixture
def slow(tds_server: ThreadedTdsServer):
    tds_server.clear_faults()
    yield lambda seconds: tds_server.add_fault(Fault.parse(f"delay:{seconds}@query:1~HeldUp"))
    tds_server.clear_faults()


def in_use(source: str) -> float | None:
    labels = {"source": source, "state": "in_use"}
    return REGISTRY.get_sample_value("azsql_mcp_pool_connections", labels)


@pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)
async def test_progress_while_a_query_runs(mcp_client, slow, azsql_principal):
    await mcp_client.call_tool("read_data", {"query": QUERY})  # the source is open
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    slow(3.5)
    result = await mcp_client.call_tool("read_data", {"query": HELD}, progress_handler=on_progress)
    assert result.structured_content["row_count"] == 2
    assert len(seen) >= 2  # one a second, and the issue asks for one every 2 s at least
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert all(m and m.startswith("running: ") and "row(s) so far" in m for _, m in seen)


@pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)
async def test_a_cancelled_call_sends_attention_and_frees_the_connection(
    first_probe, mcp_client, slow, tds_server: ThreadedTdsServer, azsql_principal
):
    await mcp_client.call_tool("read_data", {"query": QUERY})  # the source is open
    await first_probe()  # its login, if it needed one, came before the count
    logins, attentions = len(tds_server.record.logins), tds_server.record.attentions
    slow(30)
    call: asyncio.Task[Any] = asyncio.create_task(
        mcp_client.call_tool("read_data", {"query": HELD})
    )
    await wait_until(lambda: not tds_server.faults.faults, WAIT_S, "the query reached the server")
    call.cancel()  # the client sends notifications/cancelled
    with pytest.raises(asyncio.CancelledError):
        await call
    await wait_until(lambda: tds_server.record.attentions > attentions, WAIT_S, "an ATTENTION")
    assert tds_server.record.attentions == attentions + 1
    # the driver has read the ATTENTION's answer: the connection is back in the pool
    await wait_until(lambda: in_use("main") == 0, WAIT_S, "the connection back in the pool")
    # the next call runs at once on the same connection: no new login
    result = await mcp_client.call_tool("read_data", {"query": QUERY})
    assert result.structured_content["row_count"] == 2
    assert len(tds_server.record.logins) == logins
