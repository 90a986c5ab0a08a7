"""Helpers for end-to-end tests: a clean environment and a real `azsql-mcp` process."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

import httpx

from azsql_mcp.testing.ports import reserved_port

CLI = "import sys; from azsql_mcp.core.cli import main; sys.exit(main())"
# How long a test waits for a stdio server's next answer (read_lines): well above a
# loaded machine's start-up and first connection, well below pytest-timeout's 120 s.
ANSWER_TIMEOUT_S = 60.0
# The first JSON-RPC request of an MCP session, for raw HTTP tests.
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any azsql-mcp or seed settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_", "MCP_"))
    }
    return env | dict(extra or {})


def source_env(
    tds_server: Any, password: str, name: str = "main", principal: str = "privileged"
) -> dict[str, str]:
    """AZSQL_MCP_* variables describing one source on the TDS test server, as the
    privileged login or (principal="reader") the db_datareader one."""
    from azsql_mcp.diagnostics.demo import DEMO_DATABASE
    from azsql_mcp.testing.pytest_plugin import READER, READER_USER, TEST_USER

    prefix = f"AZSQL_MCP_SOURCES__{name.upper()}__"
    return {
        prefix + "SERVER": f"{tds_server.host},{tds_server.port}",
        prefix + "DATABASE": DEMO_DATABASE,
        prefix + "AUTH": "sql",
        prefix + "USERNAME": READER_USER if principal == READER else TEST_USER,
        prefix + "PASSWORD": password,
        prefix + "ENCRYPT": "no",
    }


def send(proc: subprocess.Popen[str], *messages: dict[str, Any]) -> None:
    """JSON-RPC messages to a stdio server, a line each."""
    assert proc.stdin is not None
    for message in messages:
        proc.stdin.write(json.dumps(message) + "\n")
    proc.stdin.flush()


def read_lines(
    proc: subprocess.Popen[str], count: int = 1, timeout: float = ANSWER_TIMEOUT_S
) -> list[str]:
    """The next `count` lines a stdio server writes. One that has not written them within
    `timeout` seconds is killed and the test fails saying so: a bare readline() waits for
    ever on a server that hangs, and in a thread of the test nothing would stop it."""
    stdout = proc.stdout
    assert stdout is not None
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()

    def read() -> None:
        for _ in range(count):
            line = stdout.readline()
            lines.put(line)
            if not line:
                return

    reader = threading.Thread(target=read, name="stdio-answers", daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    got: list[str] = []
    while len(got) < count:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            proc.kill()  # its stdout ends: the reader's readline returns
            reader.join(5)
            raise AssertionError(
                f"the stdio server wrote {len(got)} of {count} lines within {timeout:g} s"
                f" and was killed; it wrote: {got}"
            ) from None
        if not line:
            raise AssertionError(
                f"the stdio server closed its stdout after {len(got)} of {count} lines"
                f" (exit code {proc.poll()}); it wrote: {got}"
            )
        got.append(line)
    return got


def read_answers(
    proc: subprocess.Popen[str], count: int = 1, timeout: float = ANSWER_TIMEOUT_S
) -> list[dict[str, Any]]:
    """The next `count` JSON-RPC messages of a stdio server (read_lines), parsed."""
    return [json.loads(line) for line in read_lines(proc, count, timeout)]


def wait_for_file(path: Path, alive: Callable[[], bool], timeout: float = 30) -> None:
    """Until `path` exists (a marker a plugin or hook writes as it gets there); fails when
    `alive()` turns false first (the server or the call ended) or after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert alive(), f"it ended before {path.name} was written"
        assert time.monotonic() < deadline, f"{path.name} not written within {timeout:g} s"
        time.sleep(0.02)


def tool_call(request_id: int, tool: str, **arguments: Any) -> dict[str, Any]:
    params = {"name": tool, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def stdio_serve(
    env: Mapping[str, str], cwd: Path, stderr: int | IO[str] = subprocess.PIPE
) -> subprocess.Popen[str]:
    """`azsql-mcp serve` over stdio, as a client starts it: pipes for stdin and stdout,
    text mode; stderr a pipe unless given."""
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "serve"],
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


@contextmanager
def killed_at_exit(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """`proc`, killed and waited for on leaving if it still runs: a test that failed
    midway leaves no server behind."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stop(proc: subprocess.Popen[str], *, timeout: float) -> None:
    """SIGTERM, and SIGKILL if `proc` has not ended within `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stdio_server_that_read(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`azsql-mcp serve` over stdio (pipes for all three), once it has answered
    `initialize` and a first `read_data` (id 2): its source is open."""
    proc = stdio_serve(env, cwd)
    assert proc.stdout is not None
    initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    send(proc, INITIALIZE, initialized, tool_call(2, "read_data", query="SELECT 1 AS one"))
    answers = read_answers(proc, 2)
    assert [a.get("id") for a in answers] == [1, 2] and "result" in answers[1], answers
    return proc


@contextmanager
def http_server(env: dict[str, str], cwd: str, *args: str) -> Iterator[str]:
    """`azsql-mcp serve --transport http` on a free loopback port; yields its base URL."""
    with http_process(env, cwd, *args) as (_, base):
        yield base


@contextmanager
def http_process(
    env: dict[str, str], cwd: str, *args: str, stderr: Any = None, stdout: Any = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Like `http_server`, yielding the process too (for signals and exit codes).
    `stderr`: where its log goes; by default a file of its own, shown if the server ends
    before it answers. Not a pipe: one that nobody reads stops the server (its event
    loop blocked in a log write) once a long test's log lines fill it."""
    with (
        reserved_port() as port,
        tempfile.TemporaryFile("w+") if stderr is None else nullcontext(stderr) as log,
    ):
        argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        proc = subprocess.Popen(
            [*argv, *args], env=env, cwd=cwd, stdout=stdout, stderr=log, text=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    detail = ""
                    if stderr is None:
                        log.seek(0)
                        detail = log.read()
                    raise AssertionError(f"server exited {proc.returncode}: {detail}")
                try:
                    httpx.get(base + "/health/live", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield proc, base
        finally:
            stop(proc, timeout=10)


SLOW_PLUGIN = {
    "azsql_slow.py": (
        "import asyncio\n"
        "from azsql_mcp import hookimpl\n\n"
        "async def nap(seconds: float) -> str:\n"
        '    """Sleep, then say so (no database)."""\n'
        "    await asyncio.sleep(seconds)\n"
        "    return f'slept {seconds}'\n\n"
        "@hookimpl\n"
        "def register_tools(register, config):\n"
        "    register(nap)\n"
    ),
    "azsql_slow-1.0.dist-info/METADATA": "Name: azsql-slow\nVersion: 1.0\n",
    "azsql_slow-1.0.dist-info/entry_points.txt": "[azsql_mcp]\nslow = azsql_slow\n",
}


def slow_plugin_site(root: Path) -> Path:
    """A site directory with plugin `slow` (tool `nap(seconds)`); put it on PYTHONPATH."""
    site = root / "site"
    for name, text in SLOW_PLUGIN.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return site


def wait_ready(base: str, timeout: float = 30) -> dict[str, Any]:
    """Poll /health until it answers 200; return its body."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(base + "/health", timeout=5)
        if response.status_code == 200 or time.monotonic() > deadline:
            body: dict[str, Any] = response.json()
            assert response.status_code == 200, body
            return body
        time.sleep(0.2)
