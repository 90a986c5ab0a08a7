"""Processes the benchmarks start and measure: the TDS test server, and the memory and
CPU of a server together with its child processes (azsql-mcp runs the ODBC driver in a
driver process per source). The ports they listen on come from
azsql_mcp.testing.ports.reserved_port, as the tests' do."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tds_test_server.process import ServerProcess


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, up to 15 s to exit (a server drains its calls and closes its pools),
    then SIGKILL."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def tds_process(user: str, password: str) -> Iterator[ServerProcess]:
    """The TDS test server with the sample database in its own process."""
    from tds_test_server import server_process

    with server_process("--sample", "--user", user, f"--password={password}") as tds:
        yield tds


def child_pids(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def tree_pids(pid: int) -> list[int]:
    """PID and every process below it (azsql-mcp's workers and their driver processes)."""
    found = [pid]
    for child in child_pids(pid):
        with suppress(OSError):
            found += tree_pids(child)
    return found


def driver_pids(pid: int) -> list[int]:
    """azsql-mcp's driver processes among PID's children."""
    found = []
    for child in child_pids(pid):
        with suppress(OSError):
            if b"driverhost.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
    return found


def status_mb(pid: int, field: str) -> float:
    """A memory figure of /proc/PID/status (VmRSS, VmHWM...) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory of a server, its child processes included."""
    return sum(status_mb(member, "VmRSS") for member in (pid, *child_pids(pid)))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time of PID and the processes below it that still run, and of those the
    driver processes' (azsql-mcp's ODBC drivers)."""
    total = drivers = 0.0
    for member in tree_pids(pid):
        with suppress(OSError):
            spent = cpu_seconds(member)
            total += spent
            if b"driverhost.py" in Path(f"/proc/{member}/cmdline").read_bytes():
                drivers += spent
    return total, drivers
