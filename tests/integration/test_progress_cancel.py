"""A long query: progress notifications while it runs, and a client's cancel reaches the
server as ATTENTION at once, leaving the pool's connection usable."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tds_test_server import Fault, ThreadedTdsServer

QUERY = "SELECT TOP 2 CustomerID FROM SalesLT.Customer ORDER BY CustomerID"


@pytest.fixture
def slow(tds_server: ThreadedTdsServer):
    # Two queries, not one: a source's background health probe (this test's app, or one
    # still open from an earlier test on the shared server) can take the first.
    tds_server.clear_faults()
    yield lambda seconds: tds_server.add_fault(Fault.parse(f"delay:{seconds}@query:2"))
    tds_server.clear_faults()


@pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)
async def test_progress_while_a_query_runs(mcp_client, slow, azsql_principal):
    await mcp_client.call_tool("read_data", {"query": QUERY})  # the source is open
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    slow(3.5)
    result = await mcp_client.call_tool("read_data", {"query": QUERY}, progress_handler=on_progress)
    assert result.structured_content["row_count"] == 2
    assert len(seen) >= 2  # one a second, and the issue asks for one every 2 s at least
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert all(m and m.startswith("running: ") and "row(s) so far" in m for _, m in seen)


@pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)
async def test_a_cancelled_call_sends_attention_and_frees_the_connection(
    mcp_client, slow, tds_server: ThreadedTdsServer, azsql_principal
):
    await mcp_client.call_tool("read_data", {"query": QUERY})  # one pooled connection
    logins, attentions = len(tds_server.record.logins), tds_server.record.attentions
    slow(30)
    call: asyncio.Task[Any] = asyncio.create_task(
        mcp_client.call_tool("read_data", {"query": QUERY})
    )
    await asyncio.sleep(1.0)
    call.cancel()  # the client sends notifications/cancelled
    with pytest.raises(asyncio.CancelledError):
        await call
    for _ in range(50):
        if tds_server.record.attentions > attentions:
            break
        await asyncio.sleep(0.1)
    assert tds_server.record.attentions == attentions + 1
    tds_server.clear_faults()  # the second delay, if nothing took it
    # the next call runs at once on the same connection: no new login
    result = await mcp_client.call_tool("read_data", {"query": QUERY})
    assert result.structured_content["row_count"] == 2
    assert len(tds_server.record.logins) == logins
