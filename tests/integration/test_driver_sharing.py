"""Sources sharing driver processes, and driver processes stopping when idle (issue 22)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from waiting import wait_until

from azsql_mcp import Limits, Security, SourceSettings, metrics
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.db.driverhosts import DriverHosts
from azsql_mcp.db.timings import Tuning
from azsql_mcp.plugins.builtin_auth import SqlLogin
from tds_test_server import ThreadedTdsServer

QUIET = Tuning(probe_interval_up_s=60)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


def make_db(
    server: ThreadedTdsServer, name: str, drivers: DriverHosts, **values: Any
) -> SourceDatabase:
    base: dict[str, Any] = {
        "server": f"tcp:{server.host},{server.port}",
        "username": server.user,
        "password": server.password,
        "encrypt": "no",
        "connection_timeout_s": 5,
        "pool_size": 3,
    }
    source = SourceSettings.model_validate(base | values)
    return SourceDatabase(
        name, source, Security(), Limits(), SqlLogin(source), tuning=QUIET, drivers=drivers
    )


async def test_sources_share_a_driver_process_up_to_the_limit(
    server: ThreadedTdsServer,
) -> None:
    drivers = DriverHosts(sources_per_process=2)
    dbs = [make_db(server, f"s{i}", drivers) for i in range(3)]
    try:
        # concurrent reads on every source: connection ids must not collide in a shared process
        reads = [
            db.read(f"SELECT {i} AS n, {j} AS m") for i, db in enumerate(dbs) for j in range(3)
        ]
        results = await asyncio.gather(*reads)
        assert [r.rows[0] for r in results] == [(i, j) for i in range(3) for j in range(3)]
        assert drivers.processes == 2  # two sources in one, the third in its own
    finally:
        for db in dbs:
            await db.close()
    assert drivers.processes == 0


async def test_a_driver_process_stops_when_its_sources_are_idle_and_restarts_on_use(
    server: ThreadedTdsServer,
) -> None:
    drivers = DriverHosts(sources_per_process=4)
    a = make_db(server, "idle_a", drivers, pool_idle_timeout_s=0.3)
    b = make_db(server, "idle_b", drivers, pool_idle_timeout_s=30)
    try:
        await a.read("SELECT 1 AS one")
        await b.read("SELECT 1 AS one")
        assert drivers.processes == 1
        await wait_until(lambda: a.pool_stats()["idle"] == 0)
        await asyncio.sleep(0.1)
        assert drivers.processes == 1  # b still holds a connection in it
        await b.close()
        assert drivers.processes == 0  # a left when idle, b on closing: nobody uses it
        assert (await a.read("SELECT 2 AS two")).rows == [(2,)]
        await wait_until(lambda: drivers.processes == 0)
        assert (await a.read("SELECT 3 AS three")).rows == [(3,)]  # starts a new one
        assert drivers.processes == 1
    finally:
        await a.close()
        await b.close()
    assert drivers.processes == 0


async def test_a_source_that_rejoins_a_shared_process_adds_no_threads(
    server: ThreadedTdsServer,
) -> None:
    """A source whose pool idles out leaves the process another source keeps alive, and
    joins again on its next call: the threads it brought the first time serve it again.
    Each rejoin used to start pool_size + 2 more threads, never stopped."""
    drivers = DriverHosts(sources_per_process=4)
    a = make_db(server, "rejoin_a", drivers, pool_idle_timeout_s=0.3)
    b = make_db(server, "rejoin_b", drivers, pool_idle_timeout_s=30)

    earlier = set(driver_pids())  # an earlier test's, still exiting

    def threads() -> int:
        """Threads of this test's one driver process (a child of this process)."""
        (pid,) = set(driver_pids()) - earlier
        return len(list(Path(f"/proc/{pid}/task").iterdir()))

    try:
        await b.read("SELECT 1 AS one")
        await a.read("SELECT 1 AS one")
        counts = []
        for _ in range(4):
            await wait_until(lambda: a.pool_stats()["idle"] == 0)  # a left the process
            await a.read("SELECT 1 AS one")  # and joins it again
            counts.append(threads())
        assert drivers.processes == 1
        assert max(counts) == min(counts), counts
    finally:
        await a.close()
        await b.close()


def driver_pids() -> list[int]:
    """This process's driver processes (children running driverhost.py)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"driverhost" in cmdline:
            pids.append(int(entry.name))
    return pids


async def test_a_shared_process_that_dies_names_every_source_it_served(
    server: ThreadedTdsServer, caplog: pytest.LogCaptureFixture
) -> None:
    drivers = DriverHosts(sources_per_process=2)
    a, b = make_db(server, "crash_a", drivers), make_db(server, "crash_b", drivers)
    earlier = set(driver_pids())  # an earlier test's, still exiting
    try:
        await a.read("SELECT 1 AS one")
        await b.read("SELECT 1 AS one")
        (pid,) = set(driver_pids()) - earlier
        exits = metrics.REGISTRY.get_sample_value("azsql_mcp_driver_process_exits_total") or 0
        with caplog.at_level(logging.ERROR, logger="azsql_mcp.db.driverprocess"):
            os.kill(pid, signal.SIGKILL)
            await wait_until(lambda: drivers.processes == 0)
        # one process exited, whatever the number of sources it served
        assert (
            metrics.REGISTRY.get_sample_value("azsql_mcp_driver_process_exits_total") == exits + 1
        )
        (logged,) = [r.getMessage() for r in caplog.records if "exited" in r.getMessage()]
        assert logged.startswith("source crash_a, crash_b: the driver process exited")
        assert (await b.read("SELECT 2 AS two")).rows == [(2,)]  # on a new process
    finally:
        await a.close()
        await b.close()
