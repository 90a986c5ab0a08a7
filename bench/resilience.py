"""How azsql-mcp behaves while its database is down, and how fast it comes back.

Runs the TDS test server and an azsql-mcp server (built-in plugins, in-memory MCP
client), calls the `read_data` tool, stops the database, keeps calling, then starts
the database again on the same port. Prints, over several outages:
- the latency of tool calls while the database is down (target: p99 under 1 s),
- the time from the database coming back to the first successful tool call
  (target: under 2 s), and
- the same after quiet outages, when nobody called during the outage: nothing probed
  the idle database then (the probe runs only after calls), so the first call finds
  its pooled connection dead and retries at once on a new one.

A read that finds its connection dead is retried at once on a new connection; only
when reconnecting fails does Microsoft's schedule (about 5 s, then doubling) apply,
so a refused connection still fails fast here. Recovery comes from the outage probe,
which callers wake at most every 0.5 s, not from a caller's retry.

    .venv/bin/python bench/resilience.py [--outages 3] [--outage-seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from typing import Any

from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from tds_test_server import ThreadedTdsServer

CALL_GAP_S = 0.02  # a client retrying quickly
RECOVERY_TARGET_S = 2.0
DOWN_P99_TARGET_S = 1.0
QUERY = {"query": "SELECT 1 AS one"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def timed_call(client: Client[Any]) -> tuple[bool, float]:
    started = time.perf_counter()
    result = await client.call_tool("read_data", QUERY, raise_on_error=False)
    return not result.is_error, time.perf_counter() - started


async def run(outages: int, outage_s: float) -> int:
    down_latencies: list[float] = []
    recoveries: list[float] = []
    quiet_recoveries: list[float] = []
    with ThreadedTdsServer() as database:
        settings = settings_from_mapping(
            {
                "sources": {
                    "main": {
                        "server": f"{database.host},{database.port}",
                        "username": database.user,
                        "password": database.password,
                        "encrypt": "no",
                    }
                },
                "audit": {"enabled": False},
                "logging": {"level": "ERROR"},
            }
        )
        app = build_app(settings)
        async with Client(app.mcp) as client:
            logging.disable(logging.ERROR)  # expected errors, one per failed call
            ok, _ = await timed_call(client)
            assert ok, "the first call failed: is the ODBC driver installed?"
            for _ in range(outages):
                database.stop()
                deadline = time.monotonic() + outage_s
                while time.monotonic() < deadline:
                    ok, latency = await timed_call(client)
                    if not ok:
                        down_latencies.append(latency)
                    await asyncio.sleep(CALL_GAP_S)
                database.start()
                back = time.perf_counter()
                while not (await timed_call(client))[0]:
                    await asyncio.sleep(CALL_GAP_S)
                recoveries.append(time.perf_counter() - back)
            for _ in range(outages):
                database.stop()
                await asyncio.sleep(outage_s)  # nobody calls: the probe backs off
                database.start()
                back = time.perf_counter()
                while not (await timed_call(client))[0]:
                    await asyncio.sleep(CALL_GAP_S)
                quiet_recoveries.append(time.perf_counter() - back)

    p50, p99 = percentile(down_latencies, 0.5), percentile(down_latencies, 0.99)
    print(f"outages: {outages} x {outage_s:g} s, read_data calls while down: {len(down_latencies)}")
    print(
        f"tool call latency while down: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {max(down_latencies) * 1000:.1f} ms (target p99 < {DOWN_P99_TARGET_S:g} s)"
    )
    print(
        "time from the database coming back to the first successful call: "
        + ", ".join(f"{r:.2f} s" for r in recoveries)
        + f"; median {statistics.median(recoveries):.2f} s (target < {RECOVERY_TARGET_S:g} s)"
    )
    print(
        "the same after quiet outages (no calls during them): "
        + ", ".join(f"{r:.2f} s" for r in quiet_recoveries)
        + f" (target < {RECOVERY_TARGET_S:g} s)"
    )
    met = (
        p99 < DOWN_P99_TARGET_S
        and max(recoveries) < RECOVERY_TARGET_S
        and max(quiet_recoveries) < RECOVERY_TARGET_S
    )
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", type=int, default=3)
    parser.add_argument("--outage-seconds", type=float, default=3.0)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.outages, args.outage_seconds)))


if __name__ == "__main__":
    main()
