"""How azsql-mcp behaves while its database is down, and how fast it comes back.

Runs the TDS test server, reads through a SourceDatabase (the layer every tool uses),
stops the server, keeps calling, then starts the server again on the same port.
Prints, over several outages:
- the latency of calls while the database is down (target: p99 under 1 s), and
- the time from the database coming back to the first successful read (target: under 2 s).

    .venv/bin/python bench/resilience.py [--outages 3] [--outage-seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from azsql_mcp import DatabaseError, Limits, Security, SourceSettings
from azsql_mcp.core.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.testing.tds_server import ThreadedTdsServer

CALL_GAP_S = 0.02  # a client retrying quickly
RECOVERY_TARGET_S = 2.0
DOWN_P99_TARGET_S = 1.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def timed_read(db: SourceDatabase) -> tuple[bool, float]:
    started = time.perf_counter()
    try:
        await db.read("SELECT 1 AS one")
    except DatabaseError:
        return False, time.perf_counter() - started
    return True, time.perf_counter() - started


async def run(outages: int, outage_s: float) -> int:
    down_latencies: list[float] = []
    recoveries: list[float] = []
    with ThreadedTdsServer() as server:
        settings = SourceSettings(
            server=f"{server.host},{server.port}",
            username=server.user,
            password=server.password,
            encrypt="no",
        )
        db = SourceDatabase("bench", settings, Security(), Limits(), SqlLogin(settings))
        await db.start()
        try:
            ok, _ = await timed_read(db)
            assert ok, "the first read failed: is the ODBC driver installed?"
            for _ in range(outages):
                server.stop()
                deadline = time.monotonic() + outage_s
                while time.monotonic() < deadline:
                    ok, latency = await timed_read(db)
                    if not ok:
                        down_latencies.append(latency)
                    await asyncio.sleep(CALL_GAP_S)
                server.start()
                back = time.perf_counter()
                while True:
                    ok, _ = await timed_read(db)
                    if ok:
                        recoveries.append(time.perf_counter() - back)
                        break
                    await asyncio.sleep(CALL_GAP_S)
        finally:
            await db.close()

    p50, p99 = percentile(down_latencies, 0.5), percentile(down_latencies, 0.99)
    worst = max(recoveries)
    print(f"outages: {outages} x {outage_s:g} s, calls while down: {len(down_latencies)}")
    print(
        f"latency while down: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {max(down_latencies) * 1000:.1f} ms (target p99 < {DOWN_P99_TARGET_S:g} s)"
    )
    print(
        "time to first successful read after the database came back: "
        + ", ".join(f"{r:.2f} s" for r in recoveries)
        + f"; median {statistics.median(recoveries):.2f} s (target < {RECOVERY_TARGET_S:g} s)"
    )
    met = p99 < DOWN_P99_TARGET_S and worst < RECOVERY_TARGET_S
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
