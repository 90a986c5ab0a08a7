"""What `SELECT *` costs on a table of large values (documents and images).

Runs the TDS test server in its own process with a table `docs` of one row per size
(--sizes, in MB) holding a varbinary(max), an nvarchar(max) and an xml value of that many
bytes, and an azsql-mcp server (built-in plugins, in-memory MCP client) that calls the
`read_data` tool with `SELECT TOP 10` of some columns or all, one client, then --clients
at once. Prints, per query: the time to answer, what the answer said (rows, and values
shown cut; or the refusal), the peak memory (VmHWM, reset before each query) of the
driver process and of this process (the server), and the bytes the test server sent.

    .venv/bin/python bench/large_values.py [--sizes 1,20,200] [--clients 8]
        [--driver FreeTDS]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pyodbc
from _processes import driver_pids, status_mb, tds_process  # bench/_processes.py
from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping

USER, PASSWORD = "sa", "Password1!"  # the TDS test server's privileged login
QUERIES = {
    "bin, body": "SELECT TOP 10 id, bin, body FROM dbo.docs ORDER BY id",
    "bin": "SELECT TOP 10 id, bin FROM dbo.docs ORDER BY id",
    "body": "SELECT TOP 10 id, body FROM dbo.docs ORDER BY id",
    "doc": "SELECT TOP 10 id, doc FROM dbo.docs ORDER BY id",  # TEXTSIZE does not cut xml
    "*": "SELECT TOP 10 * FROM dbo.docs ORDER BY id",
}
MB = 1024 * 1024


def sent_bytes(port: int) -> int:
    """Bytes the test server sent on its open connections so far (`ss`: connections
    closed since are not counted)."""
    out = subprocess.run(
        ["ss", "-tinH", "state", "established", f"sport = :{port}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    return sum(int(m) for m in re.findall(r"bytes_sent:(\d+)", out))


def load(host: str, port: int, sizes: list[int]) -> None:
    with pyodbc.connect(  # FreeTDS: registered with unixODBC by name
        f"DRIVER={{FreeTDS}};SERVER={host},{port};UID={USER};PWD={PASSWORD};Encrypt=no",
        autocommit=True,
    ) as cnxn:
        cnxn.execute(
            "CREATE TABLE dbo.docs"
            " (id int PRIMARY KEY, bin varbinary(max), body nvarchar(max), doc xml)"
        )
        for row, size in enumerate(sizes, 1):  # made by the server: a request has a cap
            cnxn.execute(
                "INSERT dbo.docs SELECT ?, CAST(REPLICATE(CAST('b' AS varchar(max)), ?)"
                " AS varbinary(max)), REPLICATE(CAST(N'd' AS nvarchar(max)), ?),"
                " CAST(N'<a>' + REPLICATE(CAST(N'x' AS nvarchar(max)), ?) + N'</a>' AS xml)",
                row,
                size * MB,
                size * MB // 2,  # nvarchar: two bytes a character
                size * MB // 2,
            )


def summary(result: Any) -> str:
    if result.is_error:
        return "refused: " + str(result.content[0].text)[:90]
    data = result.structured_content or {}
    cut = sum(str(v).endswith("bytes)") for row in data.get("rows", []) for v in row)
    return f"{len(data.get('rows', []))} row(s), truncated={data.get('truncated')}, {cut} cut"


async def measure(client: Client[Any], port: int, label: str, query: str, clients: int) -> None:
    for pid in (os.getpid(), *driver_pids(os.getpid())):
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    wrote = sent_bytes(port)
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            client.call_tool("read_data", {"query": query}, raise_on_error=False)
            for _ in range(clients)
        )
    )
    elapsed = time.perf_counter() - started
    hwm = max((status_mb(pid, "VmHWM") for pid in driver_pids(os.getpid())), default=0.0)
    print(
        f"{label:10} x{clients}: {elapsed:6.2f} s, wire {(sent_bytes(port) - wrote) / MB:8.1f} MB,"
        f" driver peak {hwm:7.1f} MB, server peak {status_mb(os.getpid(), 'VmHWM'):7.1f} MB;"
        f" {summary(results[0])}"
    )


async def run(sizes: list[int], clients: int, driver: str | None) -> None:
    with tds_process(USER, PASSWORD) as tds:
        load(tds.host, tds.port, sizes)
        source = {
            "server": f"{tds.host},{tds.port}",
            "username": USER,
            "password": PASSWORD,
            "encrypt": "no",
        } | ({"driver": driver} if driver else {})
        settings = {
            "sources": {"main": source},
            "audit": {"enabled": False},
            "logging": {"level": "ERROR"},
        }
        app = build_app(settings_from_mapping(settings))
        async with Client(app.mcp) as client:
            print(
                f"driver {driver or 'ODBC Driver 18'};"
                f" rows of {sizes} MB (varbinary, nvarchar and xml each)"
            )
            for label, query in QUERIES.items():
                await measure(client, tds.port, label, query, 1)
            for label in ("bin, body", "*"):
                await measure(client, tds.port, label, QUERIES[label], clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,20,200", help="MB of each row's values")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--driver", default=None, help="FreeTDS, or Microsoft's Driver 18")
    args = parser.parse_args()
    asyncio.run(run([int(s) for s in args.sizes.split(",")], args.clients, args.driver))


if __name__ == "__main__":
    main()
