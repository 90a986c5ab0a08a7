"""read_data with long statements: checked off the event loop (guardworker.py), through
the server, the pool and the ODBC driver to the TDS test server."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from fastmcp import Client

from azsql_mcp.db import guardworker

_serial = itertools.count()


def id_list(count: int) -> str:
    return ",".join(str(i) for i in range(count))


async def test_a_long_read_is_checked_in_the_worker_and_runs(mcp_client: Client[Any]) -> None:
    query = (
        "SELECT CustomerID FROM SalesLT.Customer "
        f"WHERE CustomerID IN ({id_list(400)}) AND CustomerID < 5 ORDER BY CustomerID"
    )
    assert query.count(",") > guardworker.INLINE_TOKENS  # checked in the worker
    result = await mcp_client.call_tool("read_data", {"query": query})
    assert [row[0] for row in result.structured_content["rows"]] == [1, 2, 3, 4]


async def test_a_long_hostile_read_is_refused_saying_why(mcp_client: Client[Any]) -> None:
    query = f"SELECT 1 AS n WHERE 1 IN ({id_list(400)}) DELETE FROM SalesLT.Customer"
    result = await mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "DELETE" in text and "Allowed here" in text


async def test_a_short_read_completes_while_a_long_check_runs(mcp_client: Client[Any]) -> None:
    # Refused only by the tree check (a linked server), after the whole statement is
    # parsed: a long check, and no database work.
    query = f"SELECT {next(_serial)} AS n FROM far.db.dbo.t WHERE id IN ({id_list(14_000)})"
    await guardworker.check_select(f"SELECT 1 AS n WHERE 1 IN ({id_list(400)})")  # worker up
    long_call = asyncio.create_task(
        mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
    )
    await asyncio.sleep(0)
    short_call = asyncio.create_task(
        mcp_client.call_tool(
            "read_data",
            {"query": "SELECT TOP (1) CustomerID FROM SalesLT.Customer ORDER BY CustomerID"},
        )
    )
    done, _ = await asyncio.wait({long_call, short_call}, return_when=asyncio.FIRST_COMPLETED)
    # Checked on the event loop, the long statement would hold it until refused.
    assert short_call in done and long_call not in done
    assert short_call.result().structured_content["rows"] == [[1]]
    refused = await long_call
    assert refused.is_error and "linked server" in refused.content[0].text  # type: ignore[union-attr]
