"""MCP log notifications: what the database layer noticed during a call reaches its client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.logging import LogMessage

from tds_test_server import ThreadedTdsServer

QUERY = "SELECT CustomerID FROM SalesLT.Customer ORDER BY CustomerID"


async def wait_for_probe(server: ThreadedTdsServer, since: int, timeout_s: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not any(s.strip().upper() == "SELECT 1" for s in server.record.statements[since:]):
        assert asyncio.get_running_loop().time() < deadline, "no health probe came"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)
async def test_truncation_and_retries_are_logged_to_the_client(
    azsql_app, tds_server: ThreadedTdsServer, mode: Any, azsql_principal
):
    got: list[LogMessage] = []

    async def on_log(message: LogMessage) -> None:
        got.append(message)

    since = len(tds_server.record.statements)
    async with Client(azsql_app, log_handler=on_log, mode=mode) as client:
        if mode == "legacy":
            await client.set_logging_level("info")
        await client.call_tool("read_data", {"query": QUERY, "max_rows": 5})
        texts = [str(m.data.get("msg")) for m in got]
        assert any(
            "result cut at 5 row(s) by the rows per page asked for (max_rows = 5)" in t
            for t in texts
        ), texts
        got.clear()
        await client.call_tool("read_data", {"query": QUERY})  # the operator's cap
        texts = [str(m.data.get("msg")) for m in got]
        assert any("result cut at 100 row(s) by the row cap (max_rows = 100)" in t for t in texts)
        got.clear()
        # The health probe the source starts with (SELECT 1) must have run, and the fault
        # is for the read's own statement: the probe asks the collation beside it
        await wait_for_probe(tds_server, since)
        with tds_server.faulted("error:40613@query:1~SalesLT.Customer"):  # retried
            result = await client.call_tool("read_data", {"query": QUERY, "max_rows": 2})
        assert result.structured_content["row_count"] == 2
        retries = [m for m in got if "transient error 40613, retry 1" in str(m.data.get("msg"))]
        assert retries and retries[0].level == "warning"
        assert retries[0].logger == "azsql_mcp"


@pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)
async def test_a_client_that_asks_for_warnings_gets_no_info(azsql_app, azsql_principal):
    got: list[LogMessage] = []

    async def on_log(message: LogMessage) -> None:
        got.append(message)

    async with Client(azsql_app, log_handler=on_log, mode="legacy") as client:
        await client.set_logging_level("warning")
        await client.call_tool("read_data", {"query": QUERY, "max_rows": 5})
    assert not [m for m in got if "result cut" in str(m.data.get("msg"))]
