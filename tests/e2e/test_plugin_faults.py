"""A plugin that misbehaves does not stop or hang `azsql-mcp serve`: a tool, resource or
prompt that raises SystemExit or KeyboardInterrupt is a failed call (over stdio and
HTTP), and a startup hook that never returns fails the plugin after
`[plugins] startup_timeout_s`, or stops a strict server; SIGTERM while a hook hangs
stops the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from servers import CLI, INITIALIZE, clean_env, http_process, send, tool_call
from test_http_auth import MCP_HEADERS, metric

PLUGIN = {
    "azsql_unruly.py": (
        "import argparse, asyncio, os\n"
        "from azsql_mcp import hookimpl\n\n"
        "async def parse(flag: str) -> str:\n"
        '    """Parse a flag as a command line (argparse exits on bad input)."""\n'
        "    parser = argparse.ArgumentParser(prog='parse')\n"
        "    parser.add_argument('--known')\n"
        "    return str(parser.parse_args([flag]))\n\n"
        "async def interrupt() -> str:\n"
        '    """Raise KeyboardInterrupt."""\n'
        "    raise KeyboardInterrupt\n\n"
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
        "    for tool in (parse, interrupt, ping):\n"
        "        register(tool)\n\n"
        "@hookimpl\n"
        "def register_resources(register, config):\n"
        "    register(leaving, 'unruly://leaving')\n\n"
        "@hookimpl\n"
        "def register_prompts(register, config):\n"
        "    register(exit_prompt, name='exit_prompt')\n\n"
        "@hookimpl\n"
        "async def startup(app):\n"
        "    if os.environ.get('UNRULY_HANG'):\n"
        "        await asyncio.sleep(3600)\n"
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
        proc = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve"],
            env=plugin_env(tmp_path),
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        send(proc, INITIALIZE, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert json.loads(proc.stdout.readline())["id"] == 1
        for number, (method, params) in enumerate(FAULTS, start=2):
            # each fault, then a call of another tool: the server still answers
            send(proc, request(number, method, params), tool_call(100 + number, "ping"))
            answer = json.loads(proc.stdout.readline())
            assert answer["id"] == number, answer
            assert_failed(method, answer)
            pong = json.loads(proc.stdout.readline())
            assert pong["result"]["content"][0]["text"] == "pong", pong
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
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
