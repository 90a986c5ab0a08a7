"""`serve --workers 2` when things go wrong: a worker that keeps crashing or drains takes
its socket with it, a replacement that cannot read an edited config leaves the others
serving, SIGHUP while starting, a hung worker, orphaned children."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from servers import CLI, clean_env, stop, wait_for_file
from test_http_auth import MCP_HEADERS, metric
from test_workers import eventually, workers_of

from azsql_mcp.serving.reload import POLL_S
from azsql_mcp.testing.ports import reserved_port

# A plugin with a tool that holds its call until told (no database), and what the tests
# below ask of it through files and variables: crash a worker at start, hold the parent
# while it loads (after writing a mark), leave a child process nobody waits for.
PLUGIN = {
    "azsql_faults.py": (
        "import asyncio, os, time\n"
        "from pathlib import Path\n"
        "from azsql_mcp import hookimpl\n"
        "worker = bool(os.environ.get('PROMETHEUS_MULTIPROC_DIR'))\n"
        "crash = os.environ.get('FAULTS_CRASH_FLAG')\n"
        "if worker and crash and os.path.exists(crash):\n"
        "    os._exit(1)\n"
        "hold = os.environ.get('FAULTS_HOLD_MARK')\n"
        "if hold and not worker:\n"
        "    Path(hold).write_text('loading')\n"
        "    time.sleep(2)\n"
        "orphan = os.environ.get('FAULTS_ORPHAN_PID')\n"
        "if orphan and not worker:\n"
        "    Path(orphan).write_text(str(os.posix_spawn('/bin/true', ['true'], os.environ)))\n"
        "\n"
        "async def hold(mark: str, release: str) -> str:\n"
        '    """Write file `mark`, then answer once file `release` exists."""\n'
        "    Path(mark).touch()\n"
        "    while not os.path.exists(release):\n"
        "        await asyncio.sleep(0.02)\n"
        "    return 'released'\n"
        "\n"
        "@hookimpl\n"
        "def register_tools(register, config):\n"
        "    register(hold)\n"
    ),
    "azsql_faults-1.0.dist-info/METADATA": "Name: azsql-faults\nVersion: 1.0\n",
    "azsql_faults-1.0.dist-info/entry_points.txt": "[azsql_mcp]\nfaults = azsql_faults\n",
}


@contextmanager
def serving(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, cli: str = CLI
) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """`serve --transport http --stateless` with the plugin above: the process, its
    URL and its stderr file. Stopped (SIGTERM, else SIGKILL) on the way out."""
    site = tmp_path / "site"
    for name, text in PLUGIN.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    log = tmp_path / "stderr.txt"
    with reserved_port() as port, log.open("w") as stderr:
        argv = [sys.executable, "-c", cli, "serve", "--transport", "http", "--port", str(port)]
        proc = subprocess.Popen(
            [*argv, "--stateless", *args],
            env=clean_env({"PYTHONPATH": path, **(env or {})}),
            cwd=tmp_path,
            stderr=stderr,
            text=True,
        )
        try:
            yield proc, f"http://127.0.0.1:{port}", log
        finally:
            stop(proc, timeout=30)


def up(proc: subprocess.Popen[str], base: str) -> bool:
    assert proc.poll() is None, f"the server exited {proc.returncode}"
    try:
        return httpx.get(base + "/health/live", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def fresh_connections(base: str, count: int) -> list[str]:
    """`count` GETs of /health/live, each on a new connection: the status, or the
    error's name (a connection nobody accepts times out)."""
    out = []
    for _ in range(count):
        try:
            response = httpx.get(base + "/health/live", timeout=5, headers={"Connection": "close"})
            out.append(str(response.status_code))
        except httpx.TransportError as exc:
            out.append(type(exc).__name__)
    return out


def answering(base: str, requests: int = 20) -> set[int]:
    """The pids that answered /health (no source here: 503 is its answer), each
    request on a connection of its own."""
    pids = set()
    for _ in range(requests):
        response = httpx.get(base + "/health", timeout=10, headers={"Connection": "close"})
        pids.add(int(response.json()["pid"]))
    return pids


def hold(base: str, mark: Path, release: Path) -> str:
    """A stateless `tools/call` of the plugin's hold, in one POST: the body answered."""
    arguments = {"mark": str(mark), "release": str(release)}
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "hold", "arguments": arguments},
    }
    return httpx.post(base + "/mcp", json=call, headers=MCP_HEADERS, timeout=60).text


def two_workers_ready(proc: subprocess.Popen[str], base: str) -> set[int]:
    eventually(lambda: up(proc, base))
    eventually(lambda: len(workers_of(proc.pid)) == 2)
    workers = workers_of(proc.pid)
    eventually(lambda: answering(base) == workers)
    return workers


def test_a_worker_that_keeps_crashing_takes_no_connections(tmp_path: Path) -> None:
    """Its replacements crash at start; the parent holds no socket of theirs, so the
    kernel sends every new connection to the worker that serves."""
    flag = tmp_path / "crash"
    with serving(tmp_path, "--workers", "2", env={"FAULTS_CRASH_FLAG": str(flag)}) as (
        proc,
        base,
        log,
    ):
        victim = min(two_workers_ready(proc, base))
        flag.touch()
        os.kill(victim, signal.SIGKILL)
        eventually(lambda: "exited (1)" in log.read_text())  # a replacement crashed
        assert fresh_connections(base, 10) == ["200"] * 10
        flag.unlink()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_draining_workers_refuse_new_connections(tmp_path: Path) -> None:
    """SIGTERM with a call in flight: the call finishes, and a new connection is
    refused while it runs instead of waiting on a socket nobody accepts from."""
    mark, release = tmp_path / "holding", tmp_path / "release"
    # a grace period that outlasts a loaded machine's wait for the refusals below
    grace = {"AZSQL_MCP_SERVER__SHUTDOWN_GRACE_S": "120"}
    with serving(tmp_path, "--workers", "2", env=grace) as (proc, base, _log):
        two_workers_ready(proc, base)
        answers: list[str] = []
        call = threading.Thread(target=lambda: answers.append(hold(base, mark, release)))
        call.start()
        wait_for_file(mark, call.is_alive, timeout=60)  # in flight until `release` exists
        proc.send_signal(signal.SIGTERM)
        # the workers close their sockets as they take the signal: soon, not at once on
        # a loaded machine
        eventually(lambda: fresh_connections(base, 1) == ["ConnectError"])
        assert fresh_connections(base, 3) == ["ConnectError"] * 3
        assert call.is_alive()  # still draining
        release.touch()
        call.join(timeout=60)
        assert len(answers) == 1 and "released" in answers[0]
        assert proc.wait(timeout=60) == 0


def test_a_replacement_that_cannot_read_an_edited_config_leaves_the_others_serving(
    tmp_path: Path,
) -> None:
    config = tmp_path / "azsql-mcp.toml"
    config.write_text("[server]\nshutdown_grace_s = 5\n")
    with serving(tmp_path, "--config", str(config), "--workers", "2") as (proc, base, log):
        victim = min(two_workers_ready(proc, base))
        config.write_text('[server]\nshutdown_grace_s = "five"\n')  # a typo, saved
        os.kill(victim, signal.SIGKILL)
        eventually(lambda: "the other workers keep serving" in log.read_text())
        # why, from the replacement: a JSON record as every line (stderr is no terminal)
        records = [json.loads(line) for line in log.read_text().splitlines()]
        why = [r for r in records if r["logger"] == "azsql_mcp.serving.workers"]
        why = [r for r in why if "shutdown_grace_s" in r["message"]]  # the other: a reload's
        assert why and why[0]["message"].startswith("worker process ")
        assert why[0]["pid"] not in (proc.pid, victim) and why[0]["level"] == "ERROR"
        assert fresh_connections(base, 6) == ["200"] * 6
        config.write_text("[server]\nshutdown_grace_s = 5\n")  # fixed: it starts again
        eventually(lambda: len(workers_of(proc.pid)) == 2)
        eventually(lambda: answering(base) == workers_of(proc.pid))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_a_replacement_started_after_an_edit_does_not_reload_it(tmp_path: Path) -> None:
    """It reads the file as it is when it starts: the edit is no change to it (it took
    the parent's stamp of the file, and reloaded what it had just read)."""
    config = tmp_path / "azsql-mcp.toml"
    config.write_text("[server]\nshutdown_grace_s = 5\n")
    with serving(tmp_path, "--config", str(config), "--workers", "2") as (proc, base, log):
        victim = min(two_workers_ready(proc, base))
        config.write_text("# edited\n[server]\nshutdown_grace_s = 5\n")
        eventually(lambda: log.read_text().count("config reload") == 2)  # each worker's
        os.kill(victim, signal.SIGKILL)
        eventually(lambda: len(workers_of(proc.pid)) == 2 and victim not in workers_of(proc.pid))
        eventually(lambda: answering(base) == workers_of(proc.pid))
        time.sleep(3 * POLL_S)  # the replacement's watcher has looked at the file
        assert log.read_text().count("config reload") == 2, log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sighup_while_starting_is_a_reload_not_an_end(tmp_path: Path, workers: str) -> None:
    mark = tmp_path / "loading"
    with serving(tmp_path, "--workers", workers, env={"FAULTS_HOLD_MARK": str(mark)}) as (
        proc,
        base,
        log,
    ):
        eventually(mark.exists)
        proc.send_signal(signal.SIGHUP)  # while the parent loads the plugins
        if workers == "2":
            eventually(lambda: "serving with 2 worker processes" in log.read_text())
            first = workers_of(proc.pid)
            proc.send_signal(signal.SIGHUP)  # passed on to workers still starting
            assert two_workers_ready(proc, base) == first
            assert "exited" not in log.read_text()
        else:
            eventually(lambda: up(proc, base))
            eventually(lambda: "config reload (SIGHUP)" in log.read_text())
            assert "SIGHUP received while starting" in log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


HUNG_CLI = "import azsql_mcp.serving.workers as w; w.HUNG_S = 3.0; " + CLI


def test_a_hung_worker_is_killed_and_replaced(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2", cli=HUNG_CLI) as (proc, base, log):
        first = two_workers_ready(proc, base)
        victim = min(first)
        os.kill(victim, signal.SIGSTOP)  # as a loop that never yields: no heartbeat
        try:
            eventually(lambda: victim not in workers_of(proc.pid), timeout=40)
        finally:
            if Path(f"/proc/{victim}").exists():
                os.kill(victim, signal.SIGCONT)
        assert f"worker process {victim} sent no heartbeat" in log.read_text()
        eventually(lambda: len(workers_of(proc.pid)) == 2)
        eventually(lambda: answering(base) == workers_of(proc.pid))
        # counted by the parent, read by whichever worker answers /metrics
        for _ in range(4):
            text = httpx.get(base + "/metrics", timeout=10).text
            assert metric(text, "azsql_mcp_worker_exits_total") == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_the_supervisor_reaps_children_nobody_waits_for(tmp_path: Path) -> None:
    """As PID 1 of a container it inherits the processes orphaned below it (a killed
    worker's driver process); here, a child of its own that nobody waits for."""
    orphan = tmp_path / "orphan"
    with serving(tmp_path, "--workers", "2", env={"FAULTS_ORPHAN_PID": str(orphan)}) as (
        proc,
        base,
        _log,
    ):
        two_workers_ready(proc, base)
        pid = int(orphan.read_text())
        eventually(lambda: not Path(f"/proc/{pid}").exists(), timeout=30)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
