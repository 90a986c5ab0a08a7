"""The driver process: pyodbc and the ODBC driver run in a child process per source
(core/driverhost.py). Against the TDS test server with Microsoft's ODBC Driver 18."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from azsql_mcp import Limits, Security, SourceSettings
from azsql_mcp.core.database import SourceDatabase, Tuning
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.testing.tds_server import ThreadedTdsServer


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


def make_db(server: ThreadedTdsServer, name: str) -> SourceDatabase:
    source = SourceSettings.model_validate(
        {
            "server": f"tcp:{server.host},{server.port}",
            "username": server.user,
            "password": server.password,
            "encrypt": "no",
            "retry_budget_s": 10,
            "connection_timeout_s": 5,
        }
    )
    tuning = Tuning(probe_interval_up_s=0.5, probe_interval_down_s=0.2)
    return SourceDatabase(name, source, Security(), Limits(), SqlLogin(source), tuning=tuning)


def driver_pids() -> set[int]:
    """This process's children that run driverhost.py."""
    pids = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    if b"driverhost.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                        pids.add(int(child))
    return pids


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie would mean nobody reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_one_driver_process_per_source_ended_by_close(server: ThreadedTdsServer) -> None:
    before = driver_pids()
    first, second = make_db(server, "first"), make_db(server, "second")
    try:
        assert (await first.read("SELECT 1 AS one")).rows == [(1,)]
        assert (await second.read("SELECT 2 AS two")).rows == [(2,)]
        started = driver_pids() - before
        assert len(started) == 2
        for pid in started:
            # stdout may be the MCP stdio channel: the driver process never writes there
            assert os.readlink(f"/proc/{pid}/fd/1") == "/dev/null"
    finally:
        await first.close()
        await second.close()
    assert not any(running(pid) for pid in started)


async def test_reads_carry_on_after_the_driver_process_dies(server: ThreadedTdsServer) -> None:
    database = make_db(server, "crashing")
    try:
        before = driver_pids()
        assert (await database.read("SELECT 1 AS one")).rows == [(1,)]
        (crashed,) = driver_pids() - before
        os.kill(crashed, signal.SIGKILL)
        for _ in range(50):  # until the server has noticed and reaped it
            if not running(crashed):
                break
            await asyncio.sleep(0.1)
        assert not running(crashed)
        # the lost connections count as transient: the read is retried in a new process
        assert (await database.read("SELECT 2 AS two")).rows == [(2,)]
        (restarted,) = driver_pids() - before
        assert restarted != crashed
    finally:
        await database.close()


async def test_signals_for_the_process_group_leave_it_running(server: ThreadedTdsServer) -> None:
    """Ctrl-C and a supervisor's SIGTERM reach the whole group; the server ends the
    driver process itself, once its calls are done."""
    database = make_db(server, "signalled")
    try:
        before = driver_pids()
        await database.read("SELECT 1 AS one")
        (pid,) = driver_pids() - before
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            os.kill(pid, sig)
        await asyncio.sleep(0.2)
        assert running(pid)
        assert (await database.read("SELECT 3 AS three")).rows == [(3,)]
    finally:
        await database.close()
    assert not running(pid)
