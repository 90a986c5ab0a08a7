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

Then the database side breaks under the server:
- `--failing-calls` calls fail, while the database is down and while each meets error
  40501 on a new connection: whether file descriptors or memory grow;
- the driver process is killed (SIGKILL) between calls, `--kills` times: how long the
  next call takes, and whether file descriptors, threads or child processes are left
  behind in this process (the server);
- the database goes silent in the middle of a result (fault stall@query: half a packet,
  then nothing, ATTENTION unanswered), `--stalls` times, with query_timeout_s = 1: how
  long the read takes to end (target: within pool.answer_within(1), 7 s; Driver 18
  alone took about 122 s), and the memory of this process before and after.

    .venv/bin/python bench/resilience.py [--outages 3] [--outage-seconds 3]
        [--failing-calls 1000] [--kills 20] [--stalls 3] [--driver FreeTDS]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import statistics
import threading
import time
from typing import Any

from _processes import (  # bench/_processes.py, beside this file
    child_pids,
    driver_pids,
    status_mb,
    tds_process,
)
from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.db.pool import answer_within
from tds_test_server import Fault, ThreadedTdsServer, server_process

CALL_GAP_S = 0.02  # a client retrying quickly
RECOVERY_TARGET_S = 2.0
DOWN_P99_TARGET_S = 1.0
QUERY = {"query": "SELECT 1 AS one"}
STALL_QUERY = {"query": "SELECT * FROM SalesLT.SalesOrderDetail"}  # more than one packet
STALL_TIMEOUT_S = 1  # query_timeout_s of the stalled reads
USER, PASSWORD = "sa", "Password1!"  # the TDS test server's privileged login


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def timed_call(client: Client[Any]) -> tuple[bool, float]:
    started = time.perf_counter()
    result = await client.call_tool("read_data", QUERY, raise_on_error=False)
    return not result.is_error, time.perf_counter() - started


def config(
    database: Any, driver: str | None, retry_budget_s: float = 20, **limits: Any
) -> dict[str, Any]:
    """A server with one source on `database` (a TDS test server, in this process or its own)."""
    source = {
        "server": f"{database.host},{database.port}",
        "username": USER,
        "password": PASSWORD,
        "encrypt": "no",
        "retry_budget_s": retry_budget_s,
    } | ({"driver": driver} if driver else {})
    return {
        "sources": {"main": source},
        "limits": limits,
        "audit": {"enabled": False},
        "logging": {"level": "ERROR"},
    }


def leftovers() -> tuple[int, int, int]:
    """This process's open file descriptors, threads, and driver processes and zombies
    among its children."""
    me = os.getpid()
    zombies = 0
    for child in child_pids(me):
        with contextlib.suppress(OSError), open(f"/proc/{child}/stat") as stat:
            zombies += stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    processes = len(driver_pids(me)) + zombies
    return len(os.listdir("/proc/self/fd")), threading.active_count(), processes


async def killed(kills: int, driver: str | None) -> bool:
    """SIGKILL the driver process between calls; the next call's latency, and what is
    left afterwards."""
    latencies: list[float] = []
    with tds_process(USER, PASSWORD) as database:
        app = build_app(settings_from_mapping(config(database, driver)))
        async with Client(app.mcp) as client:
            assert (await timed_call(client))[0]
            before = leftovers()
            for _ in range(kills):
                for pid in driver_pids(os.getpid()):
                    os.kill(pid, signal.SIGKILL)
                await asyncio.sleep(0.05)  # the server notices the end of its socket
                ok, latency = await timed_call(client)
                assert ok, "a read after the driver process was killed failed"
                latencies.append(latency)
            await asyncio.sleep(0.2)  # the last process is reaped
            after = leftovers()
    print(
        f"driver process killed {kills} times between calls: the next call took p50"
        f" {percentile(latencies, 0.5) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        " (a new driver process starts); file descriptors, threads, driver and zombie"
        " processes: before %d, %d, %d; after %d, %d, %d" % (*before, *after)
    )
    return all(now <= then for now, then in zip(after, before, strict=True))


async def failing(calls: int, driver: str | None) -> bool:
    """`calls` calls that fail, while the database is down and while each meets error
    40501 (severity 20: the server closes the connection, so each call logs in anew;
    retry_budget_s = 0): this process's file descriptors and memory before and after."""
    with ThreadedTdsServer(user=USER, password=PASSWORD) as database:
        app = build_app(settings_from_mapping(config(database, driver, retry_budget_s=0)))
        async with Client(app.mcp) as client:
            assert (await timed_call(client))[0]
            database.stop()
            flat = await _fail(client, calls, "database down")
            database.start()
            while not (await timed_call(client))[0]:
                await asyncio.sleep(CALL_GAP_S)
            database.add_fault(Fault.parse("error:40501@query"))
            flat = await _fail(client, calls, "error 40501, a new connection each") and flat
    return flat


async def _fail(client: Client[Any], calls: int, what: str) -> bool:
    for _ in range(50):  # warm: caches, the first error's paths
        await timed_call(client)
    fds, rss = len(os.listdir("/proc/self/fd")), status_mb(os.getpid(), "VmRSS")
    failed = sum([not (await timed_call(client))[0] for _ in range(calls)])
    fds_after, rss_after = len(os.listdir("/proc/self/fd")), status_mb(os.getpid(), "VmRSS")
    print(
        f"{failed} of {calls} calls failed ({what}): file descriptors {fds} -> {fds_after},"
        f" RSS {rss:.1f} -> {rss_after:.1f} MB"
    )
    return fds_after <= fds and rss_after - rss < 5


async def stalled(stalls: int, driver: str | None) -> bool:
    """Reads that meet a database gone silent mid-result: each must end within its
    bound, and the memory of this process stay flat."""
    bound = answer_within(STALL_TIMEOUT_S)
    latencies: list[float] = []
    silent = "stall@query~SalesOrderDetail"
    login = ("--user", USER, f"--password={PASSWORD}")
    with server_process("--sample", *login, "--fault", silent) as database:
        limits = {"query_timeout_s": STALL_TIMEOUT_S, "max_rows": 100_000}
        app = build_app(settings_from_mapping(config(database, driver, **limits)))
        async with Client(app.mcp) as client:
            assert (await timed_call(client))[0]
            rss_before = status_mb(os.getpid(), "VmRSS")
            for _ in range(stalls):
                started = time.perf_counter()
                result = await client.call_tool("read_data", STALL_QUERY, raise_on_error=False)
                latencies.append(time.perf_counter() - started)
                assert result.is_error, "a read the database never answered succeeded"
            rss_after = status_mb(os.getpid(), "VmRSS")
            database.process.terminate()  # ends the silent sessions a driver may wait on
    print(
        f"reads that met a silent database ({stalls}, query_timeout_s = {STALL_TIMEOUT_S}):"
        f" ended after {', '.join(f'{t:.1f} s' for t in latencies)} (target <"
        f" {bound + 1:g} s); this process's RSS {rss_before:.1f} -> {rss_after:.1f} MB"
    )
    return max(latencies) < bound + 1


async def run(
    outages: int, outage_s: float, failing_calls: int, kills: int, stalls: int, driver: str | None
) -> int:
    down_latencies: list[float] = []
    recoveries: list[float] = []
    quiet_recoveries: list[float] = []
    with ThreadedTdsServer(user=USER, password=PASSWORD) as database:
        app = build_app(settings_from_mapping(config(database, driver)))
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
    met = await failing(failing_calls, driver) and met
    met = await killed(kills, driver) and met
    met = await stalled(stalls, driver) and met
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", type=int, default=3)
    parser.add_argument("--outage-seconds", type=float, default=3.0)
    parser.add_argument("--failing-calls", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--stalls", type=int, default=3)
    parser.add_argument("--driver", help="the ODBC driver (default: the server's choice)")
    args = parser.parse_args()
    runs = run(
        args.outages, args.outage_seconds, args.failing_calls, args.kills, args.stalls, args.driver
    )
    raise SystemExit(asyncio.run(runs))


if __name__ == "__main__":
    main()
