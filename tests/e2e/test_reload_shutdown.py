"""Hot reload (file edits and SIGHUP) and graceful shutdown (SIGTERM) of a real server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pyodbc
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from servers import clean_env, http_process, slow_plugin_site, source_env, wait_ready
from test_http_auth import metric, session

from azsql_mcp.serving.admission import CUT_ANSWERS_S
from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import Fault

BASE_CONFIG = """
[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token = "reload-token"
subject = "reloader"
scopes = {scopes}
"""


def plugin_path(root: Path) -> str:
    """PYTHONPATH with plugin `slow`, and the one the tests run with (the code under test)."""
    return os.pathsep.join(
        filter(None, [str(slow_plugin_site(root)), os.environ.get("PYTHONPATH")])
    )


def write_config(path: Path, extra: str = "", scopes: str = '["sql.read"]') -> None:
    path.write_text(BASE_CONFIG.format(scopes=scopes) + extra)


async def tool_names(base: str) -> set[str]:
    async with session(base, "reload-token") as client:
        return {t.name for t in (await client.list_tools()).tools}


async def until(base: str, check: Any, timeout: float = 15) -> set[str]:
    """Poll tools/list until `check(names)` holds (the file is polled every 2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        names = await tool_names(base)
        if check(names) or time.monotonic() > deadline:
            return names
        await asyncio.sleep(0.3)


def reloads(base: str, outcome: str) -> float:
    text = httpx.get(base + "/metrics").text
    return metric(text, "azsql_mcp_config_reloads_total", outcome=outcome)


def done_reloads(base: str) -> float:
    """The reloads that read the file and applied it, or found nothing to apply."""
    return reloads(base, "applied") + reloads(base, "unchanged")


async def until_reloaded(base: str, count: float, timeout: float = 60) -> float:
    """Polls /metrics until `count` reloads are done (done_reloads); returns how many."""
    deadline = time.monotonic() + timeout
    while (done := await asyncio.to_thread(done_reloads, base)) < count:
        assert time.monotonic() < deadline, f"{done:g} reloads done of {count:g}"
        await asyncio.sleep(0.05)
    return done


def last_reload(base: str) -> tuple[float, float]:
    """Whether the last reload succeeded, and when one last did (or the server started)."""
    text = httpx.get(base + "/metrics").text
    return (
        metric(text, "azsql_mcp_config_last_reload_successful"),
        metric(text, "azsql_mcp_config_last_reload_success_timestamp_seconds"),
    )


async def test_reload_applies_switches_and_scopes_and_keeps_running_on_errors(
    tmp_path: Path,
) -> None:
    config = tmp_path / "azsql-mcp.toml"
    write_config(config)
    env = clean_env({"PYTHONPATH": plugin_path(tmp_path)})
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr, http_process(env, str(tmp_path), stderr=stderr) as (proc, base):
        assert "nap" in await tool_names(base)
        started = time.time()
        ok, at = last_reload(base)
        assert ok == 1 and started - 60 < at <= started  # the start counts as a success

        write_config(config, '[plugins.slow]\ndisabled_tools = ["nap"]\n')
        assert "nap" not in await until(base, lambda names: "nap" not in names)

        # A scope the token lacks hides the tool; granting it (static tokens reload too)
        # shows it again, all on the same running process.
        write_config(config, '[server.auth.tool_scopes]\nnap = ["nap.use"]\n')
        await asyncio.sleep(3)
        assert "nap" not in await tool_names(base)
        write_config(
            config,
            '[server.auth.tool_scopes]\nnap = ["nap.use"]\n',
            scopes='["sql.read", "nap.use"]',
        )
        assert "nap" in await until(base, lambda names: "nap" in names)

        # Invalid: every problem is logged, the running config stays.
        invalid_before = reloads(base, "invalid")
        config.write_text(
            config.read_text() + "[server.limits]\nrate_per_minute = -5\nnot_a_key = 1\n"
        )
        await asyncio.sleep(3)
        assert reloads(base, "invalid") == invalid_before + 1
        assert "nap" in await tool_names(base)
        ok, failed_at = last_reload(base)
        assert ok == 0 and failed_at > at  # the last success: the edits before

        # Needs a restart: said in the log, and the rest (the token's scopes) applies.
        write_config(
            config,
            '[server.auth.tool_scopes]\nnap = ["nap.use"]\n[security]\nread_only = false\n',
            scopes='["sql.read"]',
        )
        assert "nap" not in await until(base, lambda names: "nap" not in names)

        unchanged_before = reloads(base, "unchanged")
        proc.send_signal(signal.SIGHUP)
        await asyncio.sleep(1)
        assert reloads(base, "unchanged") == unchanged_before + 1
        assert last_reload(base)[0] == 1 and last_reload(base)[1] > failed_at

        # A file that vanishes is noticed (a refused reload), as is SIGHUP meanwhile: the
        # defaults do not replace it. Once it is back, it is reloaded.
        moved = config.rename(tmp_path / "moved.toml")
        await asyncio.sleep(3)
        assert last_reload(base)[0] == 0
        proc.send_signal(signal.SIGHUP)
        await asyncio.sleep(1)
        assert "nap" not in await tool_names(base)  # still the file's nap.use scope
        moved.rename(config)
        await asyncio.sleep(3)
        assert last_reload(base)[0] == 1
        assert proc.poll() is None
    lines = log.read_text().splitlines()  # the start banner, then JSON log lines
    messages = [json.loads(line)["message"] for line in lines if line.startswith('{"time"')]
    refused = [m for m in messages if "refused" in m]
    assert any("server.limits.rate_per_minute" in m for m in refused)
    assert any("server.limits.not_a_key" in m for m in refused)
    assert any("security.read_only changed" in m and "restart" in m for m in messages)
    assert any(m.startswith("config reloaded") for m in messages)
    # the file this server found in its working folder, named as it found it
    gone = f"the config file {config.name} is gone (deleted, moved or not mounted)"
    assert any(f"({config.name} is gone) refused: {gone}" in m for m in messages)
    assert any(f"(SIGHUP) refused: {gone}" in m for m in messages)


async def test_sigterm_finishes_calls_in_flight_then_exits_0(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    env["PYTHONPATH"] = plugin_path(tmp_path)
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr, http_process(env, str(tmp_path), stderr=stderr) as (proc, base):
        wait_ready(base)
        # Session mode: the client also holds a GET stream open, which must not make
        # the server wait out its whole grace period.
        try:
            async with session(base, None) as client:
                # The SDK client checks results against output schemas it lists first.
                await client.list_tools()
                call = asyncio.create_task(client.call_tool("nap", {"seconds": 2}))
                await asyncio.sleep(0.5)
                proc.send_signal(signal.SIGTERM)
                stopped_at = time.monotonic()
                result = await call
                await asyncio.to_thread(proc.wait, 20)
                took = time.monotonic() - stopped_at
        except* httpx2.TransportError:
            pass  # closing, the client finds the server gone: expected
    assert not result.is_error
    assert result.content[0].text == "slept 2.0"
    assert proc.returncode == 0
    assert took < 15  # well under shutdown_grace_s (30 s): the idle stream was ended
    text = log.read_text()
    assert "Traceback" not in text
    assert "Application shutdown complete" in text


async def _call_in_own_session(base: str, tool: str, arguments: dict[str, Any]) -> Any:
    async with (
        streamable_http_client(base + "/mcp") as (read, write),
        ClientSession(read, write) as client,
    ):
        await client.initialize()
        await client.list_tools()  # the SDK client checks results against output schemas
        return await client.call_tool(tool, arguments)


async def until_true(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout:g} s"
        await asyncio.sleep(0.05)


async def test_calls_still_running_when_the_grace_period_ends_are_answered(
    tds_password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM with a read, a write and a declared procedure that outlast
    `shutdown_grace_s`: each caller gets an error saying the server is shutting down,
    not a connection dropped without an answer. The write's says nothing was committed
    (nor was it); the procedure's, whose COMMIT was on the wire when it was cut, that it
    had committed (as it had). The process exits 0."""
    from azsql_mcp.db.database import SETTLE_MAX_S

    assert CUT_ANSWERS_S > SETTLE_MAX_S  # a cut write's answer waits for its COMMIT's end
    marks = "CREATE TABLE dbo.Marks (ID int IDENTITY(1,1) PRIMARY KEY, Note nvarchar(20))"
    mark = "CREATE PROCEDURE dbo.uspMark @Note nvarchar(20) AS INSERT INTO dbo.Marks VALUES (@Note)"
    (tmp_path / "azsql-mcp.toml").write_text(
        "[server]\nstateless_http = true\nshutdown_grace_s = 1\n[security]\nread_only = false\n"
        '[tools.mark]\nprocedure = "dbo.uspMark"\ndescription = "Add a mark"\nwrites = true\n'
        '[tools.mark.parameters]\nNote = { type = "string", max_length = 20 }\n'
    )
    calls = {
        "read_data": {"query": "SELECT Name AS CUT_READ FROM SalesLT.Product"},
        "insert_data": {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'cut write')"},
        "mark": {"Note": "cut procedure"},
    }
    with sample_tds_server(tds_password, [marks, mark]) as tds:
        for text in ("CUT_READ", "cut write"):
            tds.add_fault(Fault.parse(f"delay:20@query:1~{text}"))
        # The procedure's COMMIT (the one COMMIT) is held until the grace period has
        # ended, then goes on within the cut write's wait for its outcome (SETTLE_MAX_S):
        # a delay of fixed length ended before the grace period on a loaded machine.
        commit_held, release_commit = threading.Event(), threading.Event()
        trigger = tds.faults.trigger

        def held_commit(when: Any, text: str = "") -> Any:
            if when == "commit" and not commit_held.is_set():
                commit_held.set()
                release_commit.wait(60)
            return trigger(when, text)

        monkeypatch.setattr(tds.faults, "trigger", held_commit)
        env = clean_env(source_env(tds, tds_password))
        log = tmp_path / "stderr.txt"
        with (
            log.open("w") as stderr,
            http_process(env, str(tmp_path), stderr=stderr) as (
                proc,
                base,
            ),
        ):
            wait_ready(base)
            running = [
                asyncio.create_task(_call_in_own_session(base, tool, arguments))
                for tool, arguments in calls.items()
            ]
            # each call is held: the read and the write by their delays, the COMMIT
            await until_true(lambda: not tds.faults.faults and commit_held.is_set())
            proc.send_signal(signal.SIGTERM)
            await until_true(lambda: "call(s) still running cancelled" in log.read_text())
            release_commit.set()
            results = await asyncio.wait_for(asyncio.gather(*running), 30)
            await asyncio.to_thread(proc.wait, 20)
        with closing(pyodbc.connect(tds.odbc_connection_string(), autocommit=True)) as c:
            marks = c.execute("SELECT Note FROM dbo.Marks").fetchall()
    assert [tuple(row) for row in marks] == [("cut procedure",)]
    texts = dict(zip(calls, (r.content[0].text for r in results), strict=True))
    assert all(r.is_error for r in results), texts
    for text in texts.values():
        assert text.startswith("the server is shutting down"), text
        assert "shutdown_grace_s, 1 s" in text
    assert "committed" not in texts["read_data"]
    assert "nothing it wrote was committed (it was rolled back)" in texts["insert_data"]
    assert "a write of it had committed before it was cut" in texts["mark"]
    assert proc.returncode == 0
    assert "Traceback" not in log.read_text()


def _source(name: str, tds_server: Any, password: str) -> str:
    from azsql_mcp.diagnostics.demo import DEMO_DATABASE
    from azsql_mcp.testing.pytest_plugin import TEST_USER

    return (
        f'[sources.{name}]\nserver = "{tds_server.host},{tds_server.port}"\n'
        f'database = "{DEMO_DATABASE}"\nauth = "sql"\nusername = "{TEST_USER}"\n'
        f'password = "{password}"\nencrypt = "no"\n'
    )


def _driver_processes(pid: int) -> set[str]:
    return set(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def _open_files(pid: int) -> list[str]:
    """What a process's file descriptors other than sockets point at (sockets come and
    go with the clients' connections)."""
    fds = Path(f"/proc/{pid}/fd")
    links = []
    for fd in fds.iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile
            links.append(os.readlink(fd))
    return sorted(link for link in links if not link.startswith("socket:"))


async def test_reloads_under_load_fail_no_call(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """Eight clients call on two sources while the config is reloaded twelve times: the
    limits, a tool's scopes, the password of a source and that source taken out of the
    file (both wait for a restart). No call fails, no pool is replaced (the same driver
    process serves), and no file is left open."""
    config = tmp_path / "azsql-mcp.toml"
    main = _source("main", tds_server, tds_password)
    two = _source("two", tds_server, tds_password)
    # no 429 meanwhile; the audit file is opened again by every reload
    limits = "[server.limits]\nrate_per_minute = {}\nrate_burst = 1000\n"
    limits = f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n' + limits
    variants = [
        limits.format(60000) + main + two,
        limits.format(50000) + '[server.auth.tool_scopes]\ndescribe_table = ["sql.admin"]\n',
        limits.format(50000) + main + two.replace(tds_password, "a-new-password"),
        limits.format(50000) + main,
    ]
    variants[1] += main + two
    write_config(config, variants[0])
    log = tmp_path / "stderr.txt"  # a pipe nobody reads would fill with the audit lines
    with (
        log.open("w") as stderr,
        http_process(clean_env(), str(tmp_path), stderr=stderr) as (
            proc,
            base,
        ),
    ):
        wait_ready(base)
        stop, failed, served = asyncio.Event(), [], [0]

        async def client(source: str) -> None:
            async with session(base, "reload-token") as client:
                while not stop.is_set():
                    query = {"query": "SELECT TOP 3 Name FROM SalesLT.Product", "source": source}
                    result = await client.call_tool("read_data", query)
                    if result.is_error:
                        failed.append(result.content[0].text)
                    served[0] += 1

        clients = [asyncio.create_task(client(("main", "two")[i % 2])) for i in range(8)]
        while served[0] < 16:  # every client has called; the pools hold their connections
            await asyncio.sleep(0.1)
        drivers, files = _driver_processes(proc.pid), _open_files(proc.pid)
        before = served[0]
        counted = await asyncio.to_thread(done_reloads, base)
        for n in range(12):
            write_config(config, variants[n % len(variants)])
            proc.send_signal(signal.SIGHUP)
            # each reload counted before the next SIGHUP: two that come before the
            # watcher wakes are one reload (of the file as it is then)
            counted = await until_reloaded(base, counted + 1)
        stop.set()
        await asyncio.gather(*clients)
        assert failed == [] and served[0] > before + 12
        assert _driver_processes(proc.pid) == drivers
        assert _open_files(proc.pid) == files  # the audit file reopened, the config read
        assert reloads(base, "invalid") == reloads(base, "error") == 0
        assert done_reloads(base) >= 12
