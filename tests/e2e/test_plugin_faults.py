"""A plugin that misbehaves does not stop or hang `azsql-mcp serve`: a tool, resource or
prompt that raises SystemExit or KeyboardInterrupt is a failed call (over stdio and
HTTP), and a startup hook that never returns fails the plugin after
`[plugins] startup_timeout_s`, or stops a strict server; SIGTERM while a hook hangs
stops the server; a hung tool is cancelled after `[server.limits] call_timeout_s`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import (
    CLI,
    INITIALIZE,
    clean_env,
    http_process,
    killed_at_exit,
    read_answers,
    send,
    source_env,
    stdio_serve,
    tool_call,
    wait_for_file,
    wait_ready,
)
from test_http_auth import MCP_HEADERS, metric

from azsql_mcp.testing.ports import reserved_port

PLUGIN = {
    "azsql_unruly.py": (
        "import argparse, asyncio, os, time\n"
        "from azsql_mcp import hookimpl\n\n"
        "async def parse(flag: str) -> str:\n"
        '    """Parse a flag as a command line (argparse exits on bad input)."""\n'
        "    parser = argparse.ArgumentParser(prog='parse')\n"
        "    parser.add_argument('--known')\n"
        "    return str(parser.parse_args([flag]))\n\n"
        "async def interrupt() -> str:\n"
        '    """Raise KeyboardInterrupt."""\n'
        "    raise KeyboardInterrupt\n\n"
        "async def hang() -> str:\n"
        '    """Never answer."""\n'
        "    await asyncio.sleep(3600)\n"
        "    return 'late'\n\n"
        "async def ping() -> str:\n"
        '    """Answer pong."""\n'
        "    return 'pong'\n\n"
        "async def leaving() -> str:\n"
        "    raise SystemExit(4)\n\n"
        "async def exit_prompt() -> str:\n"
        '    """A prompt that exits."""\n'
        "    raise SystemExit(5)\n\n"
        "@hookimpl\n"
        "def register_tools(register, config):\n"
        "    for tool in (parse, interrupt, hang, ping):\n"
        "        register(tool)\n\n"
        "@hookimpl\n"
        "def register_resources(register, config):\n"
        "    register(leaving, 'unruly://leaving')\n\n"
        "@hookimpl\n"
        "def register_prompts(register, config):\n"
        "    register(exit_prompt, name='exit_prompt')\n\n"
        "class Unwound(BaseException):\n"
        "    pass\n\n"
        "@hookimpl\n"
        "async def startup(app):\n"
        "    if os.environ.get('UNRULY_PRINT'):\n"
        "        print('unruly: starting')\n"
        "    if os.environ.get('UNRULY_HANG'):\n"
        "        await asyncio.sleep(3600)\n"
        "    if os.environ.get('UNRULY_EXIT'):\n"
        "        raise SystemExit(3)\n"
        "    if os.environ.get('UNRULY_UNWIND'):\n"
        "        raise Unwound('out')\n"
        "    if os.environ.get('UNRULY_BLOCK'):  # holds the event loop, as sync code does\n"
        "        open('blocking', 'w').close()\n"
        "        time.sleep(60)\n"
        "    if os.environ.get('UNRULY_INTERRUPT') == 'startup':\n"
        "        await (await app.database()).ping()  # a driver process runs\n"
        "        open('source-open', 'w').close()\n"
        "        while not os.path.exists('interrupt'):  # the test has seen its children\n"
        "            await asyncio.sleep(0.02)\n"
        "        raise KeyboardInterrupt\n\n"
        "@hookimpl\n"
        "async def shutdown(app):\n"
        "    if os.environ.get('UNRULY_PRINT'):\n"
        "        print('unruly: stopping')\n"
        "    if os.environ.get('UNRULY_INTERRUPT') == 'shutdown':\n"
        "        raise KeyboardInterrupt\n"
    ),
    "azsql_unruly-1.0.dist-info/METADATA": "Name: azsql-unruly\nVersion: 1.0\n",
    "azsql_unruly-1.0.dist-info/entry_points.txt": "[azsql_mcp]\nunruly = azsql_unruly\n",
}

# What the tests call, and what each must answer: a failed call, masked
FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("tools/call", {"name": "parse", "arguments": {"flag": "--unknown"}}),
    ("tools/call", {"name": "interrupt", "arguments": {}}),
    ("resources/read", {"uri": "unruly://leaving"}),
    ("prompts/get", {"name": "exit_prompt", "arguments": {}}),
]
PING = ("tools/call", {"name": "ping", "arguments": {}})


def plugin_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    site = tmp_path / "site"
    for name, text in PLUGIN.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    audit = str(tmp_path / "audit.jsonl")
    return clean_env({"PYTHONPATH": path, "AZSQL_MCP_AUDIT__PATH": audit, **extra})


def request(request_id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}


def assert_failed(method: str, answer: dict[str, Any]) -> None:
    """The usual answer to a bug in a plugin: an error result of a tool, an MCP error of a
    read or a prompt; the plugin's message never reaches the client."""
    if method == "tools/call":
        result = answer["result"]
        assert result["isError"], answer
        assert result["content"][0]["text"].startswith("Error calling tool"), answer
    else:
        assert "error" in answer, answer
        assert "Error " in answer["error"]["message"], answer
    for internal in ("SystemExit", "KeyboardInterrupt", "azsql_unruly"):
        assert internal not in json.dumps(answer), answer


def assert_logged(stderr: str, audit: Path) -> None:
    """The log names the plugin and each function with the traceback; the audit line
    of each says error."""
    for kind, function, raised in [
        ("tool", "parse", "SystemExit(2)"),
        ("tool", "interrupt", "KeyboardInterrupt"),
        ("resource", "leaving", "SystemExit(4)"),
        ("prompt", "exit_prompt", "SystemExit(5)"),
    ]:
        named = f"plugin 'unruly': {kind} function azsql_unruly.{function} raised {raised}"
        assert named in stderr, stderr
    assert "Traceback" in stderr
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    failed = [line for line in lines if line["outcome"] == "error"]
    assert len(failed) == len(FAULTS), lines
    assert {line["error_kind"] for line in failed} == {"internal"}, failed
    assert {line["plugin"] for line in failed} == {"unruly"}, failed


def test_a_plugin_that_exits_fails_its_call_over_stdio(tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        proc = stdio_serve(plugin_env(tmp_path), tmp_path, stderr)
    assert proc.stdout is not None and proc.stdin is not None
    with killed_at_exit(proc):
        send(proc, INITIALIZE, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert read_answers(proc)[0]["id"] == 1
        for number, (method, params) in enumerate(FAULTS, start=2):
            # each fault, then a call of another tool: the server still answers
            send(proc, request(number, method, params), tool_call(100 + number, "ping"))
            answer, pong = read_answers(proc, 2)
            assert answer["id"] == number, answer
            assert_failed(method, answer)
            assert pong["result"]["content"][0]["text"] == "pong", pong
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    assert_logged(log.read_text(), tmp_path / "audit.jsonl")


def post(base: str, message: dict[str, Any]) -> dict[str, Any]:
    """One stateless request, its answer (the one event of its stream)."""
    response = httpx.post(base + "/mcp", json=message, headers=MCP_HEADERS, timeout=30)
    assert response.status_code == 200, response.text
    data = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
    answer: dict[str, Any] = json.loads(data[0])
    return answer


def test_a_plugin_that_exits_fails_its_call_over_http(tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(plugin_env(tmp_path), str(tmp_path), "--stateless", stderr=stderr) as (
            proc,
            base,
        ),
    ):
        for method, params in FAULTS:
            assert_failed(method, post(base, request(1, method, params)))
            pong = post(base, request(2, *PING))
            assert pong["result"]["content"][0]["text"] == "pong", pong
        assert proc.poll() is None
        text = httpx.get(base + "/metrics").text
    labels = {"plugin": "unruly", "outcome": "error"}
    assert metric(text, "azsql_mcp_tool_calls_total", tool="parse", **labels) == 1
    assert metric(text, "azsql_mcp_tool_calls_total", tool="interrupt", **labels) == 1
    assert_logged(log.read_text(), tmp_path / "audit.jsonl")


def test_a_startup_hook_that_never_returns_fails_its_plugin(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, UNRULY_HANG="1", AZSQL_MCP_PLUGINS__STARTUP_TIMEOUT_S="1")
    log = tmp_path / "stderr.txt"
    # ready at all proves the start-up went on past the hook, which sleeps an hour (a
    # bound on the time it took, 20 s, a loaded machine's start-up alone passed)
    with (
        log.open("w") as stderr,
        http_process(env, str(tmp_path), "--stateless", stderr=stderr) as (_, base),
    ):
        listed = post(base, request(1, "tools/list", {}))["result"]["tools"]
        names = {tool["name"] for tool in listed}
        assert "read_data" in names and "ping" not in names, names
    text = log.read_text()
    assert "plugin 'unruly' (azsql-unruly 1.0) did not finish its startup hook within 1 s" in text
    assert "withdrawn: tools hang, interrupt, parse, ping" in text, text


def test_a_startup_hook_that_exits_fails_its_plugin(tmp_path: Path) -> None:
    """SystemExit from a startup hook (run as a task) ended the event loop and the server."""
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(
            plugin_env(tmp_path, UNRULY_EXIT="1"), str(tmp_path), "--stateless", stderr=stderr
        ) as (_, base),
    ):
        listed = post(base, request(1, "tools/list", {}))["result"]["tools"]
        names = {tool["name"] for tool in listed}
        assert "read_data" in names and "ping" not in names, names
    text = log.read_text()
    assert "failed in startup: RuntimeError: the startup hook raised SystemExit(3)" in text, text


def test_a_startup_hook_that_raises_another_base_exception_fails_its_plugin(
    tmp_path: Path,
) -> None:
    """A BaseException that is neither Exception nor SystemExit crashed the server with
    its traceback: a failed hook, as SystemExit is."""
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(
            plugin_env(tmp_path, UNRULY_UNWIND="1"), str(tmp_path), "--stateless", stderr=stderr
        ) as (_, base),
    ):
        listed = post(base, request(1, "tools/list", {}))["result"]["tools"]
        assert "ping" not in {tool["name"] for tool in listed}, listed
    text = log.read_text()
    assert "failed in startup: RuntimeError: the startup hook raised Unwound('out')" in text, text


def children_while(proc: subprocess.Popen[str], marker: Path) -> set[str]:
    """The child processes of `proc` (its driver process) once `marker` exists."""
    # a start-up and a login on a loaded machine
    wait_for_file(marker, lambda: proc.poll() is None, timeout=60)
    pids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    return set(pids.stdout.split())


def pending(pid: int, sig: int) -> bool:
    """Whether `sig` waits to be delivered to process `pid` (or to its main thread)."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    masks = [int(line.split()[1], 16) for line in lines if line.startswith(("SigPnd", "ShdPnd"))]
    return any(mask >> (sig - 1) & 1 for mask in masks)


def assert_gone(pids: set[str]) -> None:
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        assert time.monotonic() < deadline, "the driver process outlived the server"
        time.sleep(0.1)


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_ctrl_c_in_a_startup_hook_stops_the_server(
    tds_server: Any, tds_password: str, tmp_path: Path, transport: str
) -> None:
    """KeyboardInterrupt in a startup hook (Ctrl-C in its code) ended the event loop:
    exit 0 with a traceback (HTTP) or silently (stdio). It stops the server as Ctrl-C
    does a command: the sources closed, exit code 130, one line."""
    env = plugin_env(tmp_path, UNRULY_INTERRUPT="startup") | source_env(tds_server, tds_password)
    argv = [sys.executable, "-c", CLI, "serve", "--transport", transport]
    with reserved_port() as port:
        proc = subprocess.Popen(
            [*argv, "--port", str(port)] if transport == "http" else argv,
            env=env,
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        with killed_at_exit(proc):
            drivers = children_while(proc, tmp_path / "source-open")
            assert drivers  # the driver process of the source the hook pinged
            (tmp_path / "interrupt").touch()
            _, stderr = proc.communicate(timeout=30)
    said = "interrupted (Ctrl-C) during plugin 'unruly' (azsql-unruly 1.0)'s startup hook: stopped"
    assert proc.returncode == 130, stderr
    assert stderr.count(said) == 1 and "Traceback" not in stderr, stderr
    assert_gone(drivers)


def test_ctrl_c_twice_while_a_startup_hook_blocks_stops_the_server_over_stdio(
    tmp_path: Path,
) -> None:
    """The first Ctrl-C cancels the start once the hook lets the event loop run; the
    second raises KeyboardInterrupt in the hook. It stopped the server silently with exit
    code 0, the cancellation standing for it; now as a Ctrl-C in the hook."""
    proc = stdio_serve(plugin_env(tmp_path, UNRULY_BLOCK="1"), tmp_path)
    with killed_at_exit(proc):
        send(proc, INITIALIZE)  # over stdio the hooks run when the client initializes
        wait_for_file(tmp_path / "blocking", lambda: proc.poll() is None)
        proc.send_signal(signal.SIGINT)
        # Two SIGINTs pending at once are one: the second is sent once the first has
        # reached the process, and its handler has had a moment to run.
        deadline = time.monotonic() + 30
        while pending(proc.pid, signal.SIGINT):
            assert time.monotonic() < deadline, "SIGINT not taken within 30 s"
            time.sleep(0.01)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    said = "interrupted (Ctrl-C) during plugin 'unruly' (azsql-unruly 1.0)'s startup hook: stopped"
    assert proc.returncode == 130, stderr
    assert stderr.count(said) == 1 and "Traceback" not in stderr, stderr


def test_ctrl_c_in_a_shutdown_hook_skips_the_rest_and_closes_the_sources(
    tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    """KeyboardInterrupt in a shutdown hook got uvicorn's traceback ("Application shutdown
    failed"): the server is stopping already, so the hooks left are skipped, the sources
    closed, and the stop ends as it would (exit 0), with one line."""
    env = plugin_env(tmp_path, UNRULY_INTERRUPT="shutdown") | source_env(tds_server, tds_password)
    # a pipe, read at the end: the server writes only a few lines before then
    with http_process(env, str(tmp_path), "--stateless", stderr=subprocess.PIPE) as (proc, base):
        wait_ready(base)  # the source is open
        drivers = set(
            subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
        )
        assert drivers
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    said = "interrupted (Ctrl-C) during plugin 'unruly' (azsql-unruly 1.0)'s shutdown hook"
    assert proc.returncode == 0, stderr
    assert stderr.count(said) == 1 and "Traceback" not in stderr, stderr
    assert_gone(drivers)


def test_a_startup_hook_that_never_returns_stops_a_strict_server(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, UNRULY_HANG="1", AZSQL_MCP_PLUGINS__STARTUP_TIMEOUT_S="1")
    env["AZSQL_MCP_PLUGINS__STRICT"] = "true"
    with reserved_port() as port:
        argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        done = subprocess.run(
            argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2, done.stderr
    assert "did not finish its startup hook within 1 s" in done.stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_a_startup_hook_hangs_stops_the_server(
    tmp_path: Path, stop: signal.Signals
) -> None:
    env = plugin_env(tmp_path, UNRULY_HANG="1")  # the default time limit: 30 s
    log = tmp_path / "stderr.txt"
    with reserved_port() as port, log.open("w") as stderr:
        argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stderr=stderr, text=True)
        with killed_at_exit(proc):
            deadline = time.monotonic() + 30
            while "Waiting for application startup" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            proc.send_signal(stop)
            proc.wait(timeout=10)
    text = log.read_text()
    assert "plugin 'unruly' (azsql-unruly 1.0)'s startup hook cancelled" in text, text
    assert proc.returncode == 0, text


def test_initialize_is_answered_over_stdio_past_a_startup_hook_that_hangs(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, UNRULY_HANG="1", AZSQL_MCP_PLUGINS__STARTUP_TIMEOUT_S="1")
    proc = stdio_serve(env, tmp_path, subprocess.DEVNULL)
    assert proc.stdout is not None and proc.stdin is not None
    with killed_at_exit(proc):
        send(proc, INITIALIZE, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        # waited for with a limit: the answer does not come while the hook holds start-up
        # (60 s: a start-up on a loaded machine took longer than 20 s)
        assert read_answers(proc, timeout=60)[0]["id"] == 1
        send(proc, request(2, "tools/list", {}))
        names = {tool["name"] for tool in read_answers(proc)[0]["result"]["tools"]}
        assert "read_data" in names and "ping" not in names, names
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


def test_a_call_past_call_timeout_s_is_cancelled_and_frees_its_slot(tmp_path: Path) -> None:
    env = plugin_env(
        tmp_path,
        AZSQL_MCP_SERVER__LIMITS__CALL_TIMEOUT_S="1",
        AZSQL_MCP_SERVER__LIMITS__MAX_CONCURRENT_CALLS="1",
        AZSQL_MCP_SERVER__LIMITS__QUEUE_TIMEOUT_S="0",
    )
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(env, str(tmp_path), "--stateless", stderr=stderr) as (_, base),
    ):
        # in a thread, waited for with a limit: the stream's heartbeats keep a hung call's
        # POST from timing out (the thread ends when the server does)
        pool = ThreadPoolExecutor(1)
        hang = request(1, "tools/call", {"name": "hang", "arguments": {}})
        try:
            answer = pool.submit(post, base, hang).result(timeout=15)
        finally:
            pool.shutdown(wait=False)
        assert "result" in answer and answer["result"]["isError"], answer
        text = answer["result"]["content"][0]["text"]
        assert "did not finish within 1 s" in text and "call_timeout_s" in text, text
        # the one slot is free again
        pong = post(base, request(2, *PING))
        assert pong["result"]["content"][0]["text"] == "pong", pong
        metrics = httpx.get(base + "/metrics").text
    labels = {"tool": "hang", "plugin": "unruly", "outcome": "error"}
    assert metric(metrics, "azsql_mcp_tool_calls_total", **labels) == 1
    assert "tool 'hang' of plugin 'unruly' did not finish within 1 s" in log.read_text()
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    hung = [line for line in lines if line.get("tool") == "hang"]
    assert [(h["outcome"], h["error_kind"]) for h in hung] == [("error", "timeout")], lines


def test_what_startup_and_shutdown_hooks_print_goes_to_stderr_over_stdio(tmp_path: Path) -> None:
    """The hooks run before the transport takes stdout and after it gives it back: a
    print there went into the protocol stream, and the client could not read the
    `initialize` answer."""
    proc = stdio_serve(plugin_env(tmp_path, UNRULY_PRINT="1"), tmp_path)
    assert proc.stdout is not None and proc.stdin is not None
    with killed_at_exit(proc):
        send(proc, INITIALIZE, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert read_answers(proc)[0]["id"] == 1
        send(proc, tool_call(2, "ping"))
        assert read_answers(proc)[0]["result"]["content"][0]["text"] == "pong"
        out, err = proc.communicate(timeout=30)  # stdin closed: the server ends
    assert out == ""  # nothing after the answers
    assert "unruly: starting" in err and "unruly: stopping" in err
