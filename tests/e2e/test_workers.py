"""`serve --workers 2`: two worker processes on one port, /metrics summed across them,
SIGHUP passed to each, a dead worker replaced, SIGTERM stopping every process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from servers import CLI, clean_env, http_process, source_env
from test_http_auth import metric, session

QUERY = "SELECT TOP 2 CustomerID FROM SalesLT.Customer ORDER BY CustomerID"
CALLS = 8


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (workers, their driver processes, ...), from /proc."""
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent_of[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parent_of.items() if parent in frontier}
        found |= frontier
    return found


def workers_of(pid: int) -> set[int]:
    """The worker processes: the children started by multiprocessing's spawn."""
    return {
        child
        for child in descendants(pid)
        if "spawn_main" in _cmdline(child) and _parent(child) == pid
    }


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def pooled(base: str) -> float:
    """Connections in every worker's pools (in use and idle), as /metrics sums them."""
    text = httpx.get(base + "/metrics", timeout=10).text
    return sum(
        metric(text, "azsql_mcp_pool_connections", source="main", state=state)
        for state in ("in_use", "idle")
    )


def eventually(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def ready_pids(base: str, requests: int = 20) -> set[int]:
    """The pids whose /health answered 200, each request on a connection of its own
    (the kernel spreads connections over the workers)."""

    async def one(http: httpx.AsyncClient) -> int | None:
        response = await http.get(base + "/health", headers={"Connection": "close"})
        pid: int = response.json()["pid"]
        return pid if response.status_code == 200 else None

    async def all_of() -> set[int | None]:
        async with httpx.AsyncClient(timeout=10) as http:
            return set(await asyncio.gather(*(one(http) for _ in range(requests))))

    return {pid for pid in asyncio.run(all_of()) if pid is not None}


async def read_calls(base: str, calls: int) -> None:
    """`calls` read_data calls at once, each in a session on a connection of its own."""

    async def one() -> None:
        async with session(base, None) as client:
            result = await client.call_tool("read_data", {"query": QUERY})
            assert not result.is_error, result.content

    await asyncio.gather(*(one() for _ in range(calls)))


def test_two_workers_serve_one_port_and_metrics_sum_across_them(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(env, str(tmp_path), "--stateless", "--workers", "2", stderr=stderr) as (
            proc,
            base,
        ),
    ):
        # each worker's pool holds the connection its first probe opened: both are up
        eventually(lambda: pooled(base) == 2)
        workers = workers_of(proc.pid)
        assert len(workers) == 2
        eventually(lambda: ready_pids(base) == workers)  # each answers for itself
        metrics_dir = Path(
            dict(
                line.split("=", 1)
                for line in Path(f"/proc/{min(workers)}/environ").read_text().split("\0")
                if "=" in line
            )["PROMETHEUS_MULTIPROC_DIR"]
        )
        assert metrics_dir.is_dir()

        asyncio.run(read_calls(base, CALLS))
        # whichever worker answers the scrape, it counts every worker's calls
        for _ in range(6):
            text = httpx.get(base + "/metrics", timeout=10).text
            ok = metric(
                text,
                "azsql_mcp_tool_calls_total",
                tool="read_data",
                plugin="builtin_tools",
                outcome="ok",
            )
            assert ok == CALLS

        # SIGHUP reaches both workers: each reloads (nothing changed) and counts it
        proc.send_signal(signal.SIGHUP)

        def reloads() -> float:
            text = httpx.get(base + "/metrics", timeout=10).text
            return metric(text, "azsql_mcp_config_reloads_total", outcome="unchanged")

        eventually(lambda: reloads() == 2, timeout=20)
        text = httpx.get(base + "/metrics", timeout=10).text
        assert metric(text, "azsql_mcp_config_last_reload_successful") == 1  # one series
        # the parent's count of replaced workers is there at 0, for increase() to see a first
        assert "\nazsql_mcp_worker_exits_total 0.0\n" in text
        # the multiprocess exposition as Prometheus reads it: counters as *_total, no
        # *_created, the same families as in one process
        families = list(text_string_to_metric_families(text))
        assert {f.name for f in families} >= {"azsql_mcp_tool_calls", "azsql_mcp_source_up"}
        for family in families:
            for sample in family.samples:
                assert not sample.name.endswith("_created"), sample.name
                if family.type == "counter":
                    assert sample.name == family.name + "_total", sample.name

        processes = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    eventually(lambda: not any(Path(f"/proc/{pid}").exists() for pid in processes), 20)
    assert not metrics_dir.exists()
    # Every line JSON (stderr is no terminal), each log record naming the process that
    # wrote it: the parent (the banner, the supervisor's lines) and both workers.
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    records = [r for r in lines if "message" in r]  # not the audit lines, also on stderr
    banners = [r for r in records if r["message"].startswith("azsql-mcp ")]
    assert len(banners) == 1 and banners[0]["workers"] == 2  # one banner, the parent's
    assert banners[0]["pid"] == proc.pid
    assert {r["pid"] for r in records} == {proc.pid, *workers}
    # the audit lines, on the same stderr (no [audit] path), name their worker the same way
    audits = [r for r in lines if "message" not in r]
    assert len(audits) == CALLS and {a["tool"] for a in audits} == {"read_data"}
    assert {a["pid"] for a in audits} <= workers


def test_a_dead_worker_is_replaced_and_leaves_the_gauges(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    with http_process(
        env, str(tmp_path), "--stateless", "--workers", "2", stderr=subprocess.DEVNULL
    ) as (proc, base):
        eventually(lambda: pooled(base) == 2)
        first = workers_of(proc.pid)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        eventually(lambda: len(workers_of(proc.pid) - first) == 1)
        eventually(lambda: ready_pids(base) == workers_of(proc.pid))
        # the dead worker's pool no longer counts; its replacement's does
        assert pooled(base) == 2
        asyncio.run(read_calls(base, 1))
        processes = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    eventually(lambda: not any(Path(f"/proc/{pid}").exists() for pid in processes), 20)


FAILING_STARTUP = {
    "azsql_late.py": (
        "from azsql_mcp import hookimpl\n\n"
        "@hookimpl\n"
        "def startup(app):\n"
        "    raise RuntimeError('the licence server is unreachable')\n"
    ),
    "azsql_late-1.0.dist-info/METADATA": "Name: azsql-late\nVersion: 1.0\n",
    "azsql_late-1.0.dist-info/entry_points.txt": "[azsql_mcp]\nlate = azsql_late\n",
}


def test_a_worker_that_cannot_start_stops_the_server_with_exit_2(tmp_path: Path) -> None:
    """A strict plugin whose startup fails in the workers: exit 2 and why, as one process
    would, instead of replacing the workers forever."""
    site = tmp_path / "site"
    for name, text in FAILING_STARTUP.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    env = clean_env({"PYTHONPATH": path, "AZSQL_MCP_PLUGINS__STRICT": "true"})
    argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", "0"]
    argv += ["--stateless", "--workers", "2"]
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "the licence server is unreachable" in done.stderr
    assert "could not start (see above): stopping" in done.stderr
