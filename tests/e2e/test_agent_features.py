"""Through the official MCP SDK client over streamable HTTP, against a real server
process: completions, progress, cancellation (ATTENTION on the database), log
notifications and the schema diagram."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import mcp.types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from servers import clean_env, http_server, source_env, wait_ready

from tds_test_server import ThreadedTdsServer

QUERY = "SELECT TOP 2 CustomerID FROM SalesLT.Customer ORDER BY CustomerID"


async def test_the_sdk_client_gets_completions_progress_cancel_logs_and_diagram(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path
) -> None:
    logs: list[types.LoggingMessageNotificationParams] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    env = clean_env(source_env(tds_server, tds_password))
    tds_server.clear_faults()
    with http_server(env, str(tmp_path)) as base:
        wait_ready(base)
        async with (
            streamable_http_client(base + "/mcp") as (read, write),
            ClientSession(read, write, logging_callback=on_log) as session,
        ):
            init = await session.initialize()
            assert init.capabilities.completions is not None
            await session.set_logging_level("info")

            # completions: a prompt argument and a template variable
            prompt = types.PromptReference(name="sql_query_builder")
            tables = await session.complete(prompt, {"name": "table", "value": "SalesLT.Prod"})
            assert "SalesLT.Product" in tables.completion.values
            template = types.ResourceTemplateReference(uri="database://tables/{schema}/{table}")
            bare = await session.complete(
                template, {"name": "table", "value": "Cust"}, {"schema": "SalesLT"}
            )
            assert "Customer" in bare.completion.values

            # progress while a slow query runs
            await session.call_tool("read_data", {"query": QUERY})  # a pooled connection
            with tds_server.faulted("delay:2.5@query:1"):
                slow = await session.call_tool(
                    "read_data", {"query": QUERY}, progress_callback=on_progress
                )
            assert not slow.is_error and len(progress) >= 2
            assert all(m and m.startswith("running: ") for _, m in progress)

            # cancel: ATTENTION reaches the database, the connection serves the next call
            logins = len(tds_server.record.logins)
            await cancel_a_slow_call(session, tds_server)
            assert len(tds_server.record.logins) == logins

            # a log notification for a capped result
            await session.call_tool("read_data", {"query": QUERY, "max_rows": 1})
            cut = "result cut at 1 row(s) by the rows per page asked for"
            assert any(cut in str(p.data) for p in logs)

            # the diagram
            diagram = await session.read_resource("database://schema/diagram/SalesLT/Customer")
            text = diagram.contents[0].text  # type: ignore[union-attr]
            assert "```mermaid\nerDiagram" in text and '"SalesLT.CustomerAddress"' in text


async def test_a_cancel_reaches_the_database_without_a_session(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path
) -> None:
    """Stateless HTTP (the image's default): the client's notifications/cancelled is a
    POST of its own, which no MCP session ties to the call; the server finds the call by
    client and request id, and the database gets its ATTENTION."""
    env = clean_env(source_env(tds_server, tds_password))
    tds_server.clear_faults()
    async with stateless_session(env, tmp_path) as session:
        await cancel_a_slow_call(session, tds_server)


@asynccontextmanager
async def stateless_session(env: dict[str, str], cwd: Path) -> AsyncIterator[ClientSession]:
    """The SDK client's session with a stateless server, after a first read (its source
    holds a pooled connection)."""
    with http_server(env, str(cwd), "--stateless") as base:
        wait_ready(base)
        async with (
            streamable_http_client(base + "/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            await session.call_tool("read_data", {"query": QUERY})
            yield session


async def cancel_a_slow_call(session: ClientSession, tds_server: ThreadedTdsServer) -> None:
    """A call cancelled by the client while its query runs: the database gets one
    ATTENTION, and the next call is served."""
    attentions = tds_server.record.attentions
    with tds_server.faulted("delay:30@query:1"):
        call: asyncio.Task[Any] = asyncio.create_task(
            session.call_tool("read_data", {"query": QUERY})
        )
        await asyncio.sleep(1.0)
        call.cancel()
        await asyncio.gather(call, return_exceptions=True)
        for _ in range(50):
            if tds_server.record.attentions > attentions:
                break
            await asyncio.sleep(0.1)
        assert tds_server.record.attentions == attentions + 1
        after = await session.call_tool("read_data", {"query": QUERY})
    assert not after.is_error


async def test_a_client_closing_its_connection_cancels_a_json_answered_call(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path
) -> None:
    """A 2026-07-28 client cancels by closing its request's connection; with
    `json_response = true` the server hears of it only because it watches for it."""
    env = clean_env(source_env(tds_server, tds_password))
    env["AZSQL_MCP_SERVER__JSON_RESPONSE"] = "true"
    tds_server.clear_faults()
    with http_server(env, str(tmp_path), "--stateless") as base:
        wait_ready(base)
        async with httpx.AsyncClient(timeout=30) as http:
            assert "result" in await read_2026(http, base)  # its source holds a connection
            attentions = tds_server.record.attentions
            with tds_server.faulted("delay:30@query:1"):
                with pytest.raises(httpx.ReadTimeout):  # httpx drops the connection
                    await read_2026(http, base, timeout=1.0)
                for _ in range(50):
                    if tds_server.record.attentions > attentions:
                        break
                    await asyncio.sleep(0.1)
                assert tds_server.record.attentions == attentions + 1
                assert "result" in await read_2026(http, base)


async def read_2026(http: httpx.AsyncClient, base: str, timeout: float = 30) -> Any:
    """read_data of QUERY as one self-contained MCP 2026-07-28 POST; the JSON answer."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    params = {"name": "read_data", "arguments": {"query": QUERY}, "_meta": meta}
    headers = {
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "read_data",
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    answer = await http.post(base + "/mcp", json=body, headers=headers, timeout=timeout)
    return answer.json()


async def test_a_stateless_cancel_finds_a_call_queued_for_a_slot(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path
) -> None:
    """Under load, when cancels matter most, a call may wait for a slot: cancelled there,
    it never runs."""
    env = clean_env(source_env(tds_server, tds_password))
    env["AZSQL_MCP_SERVER__LIMITS__MAX_CONCURRENT_CALLS"] = "1"
    tds_server.clear_faults()
    queued_query = "SELECT 42 AS queued"
    async with stateless_session(env, tmp_path) as session:
        with tds_server.faulted("delay:3@query:1"):
            holding = asyncio.create_task(session.call_tool("read_data", {"query": QUERY}))
            await asyncio.sleep(1.0)
            queued = asyncio.create_task(session.call_tool("read_data", {"query": queued_query}))
            await asyncio.sleep(0.5)
            queued.cancel()
            await asyncio.gather(queued, return_exceptions=True)
            assert not (await holding).is_error
            await asyncio.sleep(0.5)
    assert not any("42 AS queued" in s for s in tds_server.record.statements)
