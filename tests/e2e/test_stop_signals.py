"""Stop signals. A second one to an HTTP server while it drains (Ctrl-C twice, a
supervisor that asks again): the calls still running are cut at once, their statements
cancelled and each caller answered, and the process exits 0 with nothing but records on
stderr, not uvicorn's force quit, which dropped the calls unanswered and logged
tracebacks. SIGINT and SIGTERM to a stdio server whose stdin stays open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from servers import (
    CLI,
    clean_env,
    http_process,
    slow_plugin_site,
    source_env,
    stdio_server_that_read,
    tool_call,
    wait_ready,
)
from test_http_auth import MCP_HEADERS

from azsql_mcp.testing.ports import reserved_port
from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import Fault, ThreadedTdsServer

ASKED_TWICE = {"name": "read_data", "arguments": {"query": "SELECT 1 AS ASKED_TWICE"}}


def _call(base: str, call: dict[str, Any], answers: list[Any]) -> None:
    """tools/call `call` over HTTP; its answer (or the HTTP error) into `answers`."""
    message = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}
    try:
        response = httpx.post(base + "/mcp", headers=MCP_HEADERS, json=message, timeout=60)
        data = [line for line in response.text.splitlines() if line.startswith("data:")]
        answers.append(json.loads(data[-1].removeprefix("data:")) if data else response.text)
    except httpx.HTTPError as exc:
        answers.append(exc)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_second_stop_signal_cuts_the_calls_and_answers_them(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path, sig: signal.Signals
) -> None:
    env = clean_env(source_env(tds_server, tds_password)) | {
        "AZSQL_MCP_SERVER__SHUTDOWN_GRACE_S": "30",
        "AZSQL_MCP_SERVER__STATELESS_HTTP": "true",
    }
    log = tmp_path / "stderr.txt"
    attentions = tds_server.record.attentions
    answers: list[Any] = []
    with (
        tds_server.faulted("delay:25@query:1~ASKED_TWICE"),
        log.open("w") as stderr,
        http_process(env, str(tmp_path), stderr=stderr) as (
            proc,
            base,
        ),
    ):
        wait_ready(base)
        caller = threading.Thread(target=_call, args=(base, ASKED_TWICE, answers))
        caller.start()
        deadline = time.monotonic() + 20
        while tds_server.faults.faults:  # the read is held by its delay
            assert time.monotonic() < deadline, "the read never reached the server"
            time.sleep(0.05)
        proc.send_signal(sig)
        time.sleep(0.5)
        asked = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=20)
        took = time.monotonic() - asked
        caller.join(20)
    assert proc.returncode == 0 and took < 8, (proc.returncode, took)
    assert len(answers) == 1 and isinstance(answers[0], dict), answers
    text = answers[0]["result"]["content"][0]["text"]
    assert "told a second time to stop" in text, text
    assert tds_server.record.attentions > attentions  # the statement was cancelled
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stdio_server_whose_stdin_stays_open_stops_and_answers(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path, sig: signal.Signals
) -> None:
    """SIGINT (Ctrl-C in a terminal) or SIGTERM (`docker stop`, a supervisor) with a read
    running and stdin still open: the read is cancelled on the server and answered with
    why, and the server exits 0 within seconds. SIGINT waited for stdin to end, SIGTERM
    left the call unanswered."""
    env = clean_env(source_env(tds_server, tds_password))
    proc = stdio_server_that_read(env, tmp_path)
    attentions = tds_server.record.attentions
    stdin, proc.stdin = proc.stdin, None  # open until the end: communicate() would close it
    try:
        with tds_server.faulted("delay:25@query:1~STOPPED_STDIO"):
            send_to(stdin, tool_call(3, "read_data", query="SELECT 1 AS STOPPED_STDIO"))
            deadline = time.monotonic() + 20
            while tds_server.faults.faults:  # the read is held by its delay
                assert time.monotonic() < deadline, "the read never reached the server"
                time.sleep(0.05)
            proc.send_signal(sig)
            stdout, stderr = proc.communicate(timeout=8)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        assert stdin is not None
        stdin.close()
    assert proc.returncode == 0, stderr[-2000:]
    answers = [json.loads(line) for line in stdout.splitlines()]
    assert [a.get("id") for a in answers] == [3], answers
    text = answers[0]["result"]["content"][0]["text"]
    assert text.startswith("the server is shutting down") and f"({sig.name})" in text, text
    assert tds_server.record.attentions > attentions
    assert "Traceback" not in stderr, stderr[-2000:]


def send_to(stdin: IO[str] | None, message: dict[str, Any]) -> None:
    assert stdin is not None
    stdin.write(json.dumps(message) + "\n")
    stdin.flush()


@pytest.mark.parametrize("twice", [False, True])
def test_workers_stop_once_or_twice(tmp_path: Path, twice: bool) -> None:
    """Ctrl-C in a terminal reaches the whole process group: each worker gets SIGINT
    from the terminal and SIGTERM from its parent. That is one request to stop, not
    two: a call in flight finishes within the grace period and gets its answer. A
    second SIGTERM to the parent alone (`kill`, a supervisor) is passed on: the call is
    cut at once and answered so."""
    site = slow_plugin_site(tmp_path)
    env = clean_env({"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])})
    seconds = 20 if twice else 4
    with reserved_port() as port:
        argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        proc = subprocess.Popen(
            [*argv, "--stateless", "--workers", "2"],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a process group of its own, as a terminal's job
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not _serving(base):
                assert proc.poll() is None and time.monotonic() < deadline, "it never served"
                time.sleep(0.2)
            answers: list[Any] = []
            caller = threading.Thread(
                target=_call,
                args=(base, {"name": "nap", "arguments": {"seconds": seconds}}, answers),
            )
            caller.start()
            time.sleep(2)  # the call runs
            if twice:
                proc.send_signal(signal.SIGTERM)
                time.sleep(1)
                proc.send_signal(signal.SIGTERM)
            else:
                os.killpg(proc.pid, signal.SIGINT)
            _, stderr = proc.communicate(timeout=15)
            caller.join(10)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    assert proc.returncode == 0, stderr[-2000:]
    assert len(answers) == 1 and isinstance(answers[0], dict), answers
    text = answers[0]["result"]["content"][0]["text"]
    if twice:
        assert "told a second time to stop" in text, text
    else:
        assert text == "slept 4.0", text
    assert "Traceback" not in stderr, stderr[-2000:]


def _serving(base: str) -> bool:
    try:
        return httpx.get(base + "/health/live", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_stdin_ending_while_sigterm_waits_for_a_cut_write(
    tds_password: str, tmp_path: Path
) -> None:
    """SIGTERM while a write's COMMIT is on the wire, then the client closes stdin while
    the server waits for the write's end: the end of stdin stops the server as it would
    have anyway (exit 0, no traceback), and the write's answer says it committed."""
    marks = "CREATE TABLE dbo.Marks (ID int IDENTITY(1,1) PRIMARY KEY, Note nvarchar(20))"
    audit = tmp_path / "audit.jsonl"
    with sample_tds_server(tds_password, [marks]) as tds:
        env = clean_env(source_env(tds, tds_password)) | {
            "AZSQL_MCP_SECURITY__READ_ONLY": "false",
            "AZSQL_MCP_AUDIT__PATH": str(audit),
        }
        proc = stdio_server_that_read(env, tmp_path)
        stdin, proc.stdin = proc.stdin, None
        commits = tds.record.commits
        tds.add_fault(Fault.parse("delay:4@commit:1"))
        try:
            write = "INSERT INTO dbo.Marks (Note) VALUES (N'x')"
            send_to(stdin, tool_call(3, "insert_data", sql=write))
            deadline = time.monotonic() + 20
            while tds.record.commits == commits:
                assert time.monotonic() < deadline, "the write never reached its COMMIT"
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert stdin is not None
            stdin.close()
            _, stderr = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    outcomes = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(o["tool"], o["outcome"]) for o in outcomes if "tool" in o][-1] == (
        "insert_data",
        "committed",
    )
