"""Where a `read_data` call's time goes, layer by layer (issue 22).

`tool_calls.py` compares the whole call with two baselines (the raw driver, a bare
FastMCP tool); this one splits the call itself. In one process, over FastMCP's
in-memory client (no transport: only the layers count), against the TDS test server in
its own process, four cases take turns in blocks of 20 calls, the blocks in a new random
order each round. Taking turns call by call made every case slower (read_data's p50 7.1
ms in that mix, 4.3 to 5.5 ms in a row): each case paid for what the one before left
(its garbage for the collector, caches filled with other code), and the processes a read
waits for had idled in between. Which of these weighs more was not measured.

- `read_data` of 100 rows of SalesOrderDetail: the whole call;
- `Database.read` of the same statement with read_data's options: the database layer
  alone (the guard's cached verdict, the pool, the driver process, the rows as JSON
  values);
- `recorded`: a plugin tool with read_data's arguments that returns read_data's answer
  recorded once (the same text, the same StructuredResult), on azsql-mcp's server: the
  tool-call middleware, the tool context and the protocol, without the database and the
  rendering;
- the same tool on a bare FastMCP server: the protocol's own cost;
- `recorded after the read`: `recorded`, awaiting read_data's read first (through the
  tool context, as read_data does) and dropping the rows.

Then, timed alone, what read_data's body does with the rows: `result_to_structured`,
`render_result` and the `ToolResult`. Prints each case's p50 and CPU time per call (this
process, all threads: the in-memory client's work too), and the split of read_data's p50
and CPU: the database layer, the protocol (bare), azsql-mcp's server around a tool
(recorded - bare), a read in the middle of a call (recorded after the read - recorded -
the database layer), and read_data's own work (the whole call - recorded after the read).
Before that case, the own work was the whole call - the database layer - recorded, which
came to three to five times the body timed alone (twenty-ninth round): a read costs more
CPU in the middle of a tool call than alone or beside one (0.3 to 0.8 ms more on this
machine: the event loop and the caches are cold once the driver process and the test
server have run; not split further), and that cost was counted as read_data's. It prints;
it does not assert.

    .venv/bin/python bench/tool_layers.py [--calls 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import timeit
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

from _processes import tds_process
from pydantic import Field
from tool_calls import CAP, PASSWORD_ENV, READ_100, USER, measure_together, write_config

from azsql_mcp import RegisterTool, ToolContext, hookimpl
from azsql_mcp.values import StructuredResult

BLOCK = 20  # calls of one case in a row: see the docstring
ParamValue = str | int | float | bool | None  # read_data's


def recorded_plugin(answer: dict[str, Any]) -> object:
    """An in-process plugin with two tools taking read_data's arguments and returning
    `answer["result"]` (set once read_data has answered): `recorded`, and
    `recorded_after_read`, which first reads the query as read_data does and drops the
    rows."""

    def recorded_tool(read_first: bool) -> Any:
        async def recorded(
            ctx: ToolContext,
            query: Annotated[str, Field(description="one SELECT")],
            params: Annotated[dict[str, ParamValue] | None, Field(description="values")] = None,
            max_rows: Annotated[int | None, Field(ge=1)] = None,
            cursor: str | None = None,
        ) -> Any:
            """read_data's answer, recorded (after the read, for recorded_after_read)."""
            if read_first:
                await ctx.db.read(query, params, max_rows=CAP, json_values=True)
            return answer["result"]

        return recorded

    @hookimpl
    def register_tools(register: RegisterTool) -> None:
        for name, read_first in (("recorded", False), ("recorded_after_read", True)):
            register(
                recorded_tool(read_first),
                name=name,
                annotations={"readOnlyHint": True},
                output_schema=StructuredResult,
            )

    module = ModuleType("recorded")
    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


def bare_server(answer: dict[str, Any]) -> Any:
    """A FastMCP server with the same tool, and no more."""
    from fastmcp import FastMCP

    from azsql_mcp.core.outputs import output_schema

    mcp = FastMCP("bare")

    async def recorded(
        query: str,
        params: dict[str, ParamValue] | None = None,
        max_rows: Annotated[int | None, Field(ge=1)] = None,
        cursor: str | None = None,
    ) -> Any:
        return answer["result"]

    mcp.tool(recorded, output_schema=output_schema(StructuredResult))
    return mcp


def body_costs(result: Any) -> dict[str, float]:
    """Microseconds of what read_data's body does with a result (best of five)."""
    from azsql_mcp.plugins.builtin_tools.common import respond
    from azsql_mcp.values import render_result, result_to_structured

    structured = result_to_structured(result, page_rows=500)
    text = render_result(structured)
    work: dict[str, Callable[[], object]] = {
        "result_to_structured": lambda: result_to_structured(result, page_rows=500),
        "render_result": lambda: render_result(structured),
        "ToolResult": lambda: respond(structured, text),
    }
    return {
        name: min(timeit.repeat(fn, number=500, repeat=5)) / 500 * 1e6 for name, fn in work.items()
    }


async def measure(calls: int) -> None:
    from fastmcp import Client

    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import load_settings
    from azsql_mcp.plugins.builtin_tools.common import respond
    from azsql_mcp.values import render_result, result_to_structured

    password = secrets.token_urlsafe(18)
    os.environ[PASSWORD_ENV] = password
    answer: dict[str, Any] = {}
    with tds_process(USER, password) as tds, tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), (tds.host, tds.port))
        app = build_app(
            load_settings(str(config), {}), extra_plugins={"recorded": recorded_plugin(answer)}
        )
        arguments = {"query": READ_100}
        async with Client(app.mcp) as ours, Client(bare_server(answer)) as bare:
            db = await app.runtime.database("bench")
            result = await db.read(READ_100, max_rows=500, json_values=True)
            structured = result_to_structured(result, page_rows=500)
            answer["result"] = respond(structured, render_result(structured))

            async def read() -> None:
                await db.read(READ_100, max_rows=500, json_values=True)

            def tool(client: Client, name: str) -> Callable[[], Awaitable[Any]]:
                return lambda: client.call_tool(name, arguments)

            cases: dict[str, Callable[[], Awaitable[Any]]] = {
                "read_data (the whole call)": tool(ours, "read_data"),
                "Database.read (no MCP)": read,
                "recorded, azsql-mcp's server": tool(ours, "recorded"),
                "recorded, bare FastMCP": tool(bare, "recorded"),
                "recorded after the read": tool(ours, "recorded_after_read"),
            }
            stats = await measure_together(cases, calls, BLOCK)
            body = body_costs(result)
    for name, case in stats.items():
        print(f"  {name:<34} p50 {case.p50:7.3f} ms, CPU {case.cpu_ms:6.3f} ms per call")
    print("  read_data's body, timed alone:", ", ".join(f"{k} {v:.0f} us" for k, v in body.items()))
    for what, figures in (
        ("p50", [case.p50 for case in stats.values()]),
        ("CPU", [case.cpu_ms for case in stats.values()]),
    ):
        whole, database, around, protocol, after_read = figures
        print(
            f"split of read_data's {what} ({whole:.2f} ms): database layer {database:.2f} ms,"
            f" protocol {protocol:.2f} ms, azsql-mcp's server around a tool"
            f" {around - protocol:.2f} ms, a read in the middle of a call"
            f" {after_read - around - database:.2f} ms, read_data's own work"
            f" {whole - after_read:.2f} ms (body timed alone:"
            f" {sum(body.values()) / 1000:.2f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=500, help="calls of each case (in blocks of 20)"
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    asyncio.run(measure(args.calls))


if __name__ == "__main__":
    main()
