"""`azsql-mcp serve` with a plugin whose async tool blocks the event loop (time.sleep):
another client's `tools/list` waits for it, as measured; the server logs one warning
naming the tool, its plugin and line and how long, and counts the stall at /metrics;
over stdio too."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from servers import (
    INITIALIZE,
    clean_env,
    http_process,
    killed_at_exit,
    read_answers,
    send,
    stdio_serve,
    wait_for_file,
)
from test_http_auth import MCP_HEADERS, metric

BLOCKY = (
    "import os, time\n"
    "from azsql_mcp import hookimpl\n\n"
    "async def block(seconds: float) -> str:\n"
    '    """Sleep without awaiting (what a plugin must not do)."""\n'
    "    open(os.environ['BLOCKY_STARTED'], 'w').close()\n"
    "    time.sleep(seconds)\n"
    "    return 'woke'\n\n"
    "@hookimpl\n"
    "def register_tools(register, config):\n"
    "    register(block)\n"
)
BLOCK_LINE = 7  # time.sleep's line in azsql_blocky.py


def blocky_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    files = {
        "azsql_blocky.py": BLOCKY,
        "azsql_blocky-1.0.dist-info/METADATA": "Name: azsql-blocky\nVersion: 1.0\n",
        "azsql_blocky-1.0.dist-info/entry_points.txt": "[azsql_mcp]\nblocky = azsql_blocky\n",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return clean_env({"PYTHONPATH": path, "BLOCKY_STARTED": str(tmp_path / "blocking")})


def post(base: str, request_id: int, method: str, params: dict[str, object]) -> float:
    """One stateless request; how long its answer took."""
    started = time.monotonic()
    message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
    response = httpx.post(base + "/mcp", json=message, headers=MCP_HEADERS, timeout=30)
    assert response.status_code == 200, response.text
    data = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
    assert "result" in json.loads(data[0]), response.text
    return time.monotonic() - started


def assert_warned(stderr: str, site: Path) -> None:
    """One warning names the tool. A loaded machine may also log an import slow enough
    to hold the loop (INFO: a first use, no stall), or a loop it starved for a second
    (a warning that names no plugin: serving/loopwatch.py cannot tell that from code
    that held it, and says what it saw)."""
    stalls = [
        json.loads(line) for line in stderr.splitlines() if "the event loop ran nothing" in line
    ]
    named = [stall for stall in stalls if "plugin 'blocky'" in stall["message"]]
    assert len(named) == 1 and named[0]["level"] == "WARNING", stalls
    assert (
        f"tool 'block' of plugin 'blocky' (at {site / 'azsql_blocky.py'}:{BLOCK_LINE} in block)"
        in named[0]["message"]
    ), named
    for stall in stalls:
        if stall is named[0]:
            continue
        first_use = stall["level"] == "INFO" and "a first use" in stall["message"]
        no_plugin = "no plugin tool, resource or prompt on the stack" in stall["message"]
        assert first_use or no_plugin, stalls


def test_a_blocking_tool_holds_other_clients_and_is_named_over_http(tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(blocky_env(tmp_path), str(tmp_path), "--stateless", stderr=stderr) as (
            _,
            base,
        ),
        ThreadPoolExecutor(1) as pool,
    ):
        post(base, 1, "tools/list", {})  # what a first request imports, imported
        blocking = pool.submit(
            post, base, 2, "tools/call", {"name": "block", "arguments": {"seconds": 2.5}}
        )
        wait_for_file(tmp_path / "blocking", lambda: not blocking.done())
        waited = post(base, 3, "tools/list", {})
        blocked = blocking.result(timeout=30)
        time.sleep(0.6)  # the watchdog sees the loop run again
        metrics = httpx.get(base + "/metrics", timeout=10).text
    assert blocked >= 2.5
    assert waited >= 1.5, waited  # another client's listing waited for the sleep
    assert_warned(log.read_text(), tmp_path / "site")
    assert metric(metrics, "azsql_mcp_event_loop_stalls_total", plugin="blocky") == 1


def test_a_blocking_tool_is_named_over_stdio(tmp_path: Path) -> None:
    proc = stdio_serve(blocky_env(tmp_path), tmp_path)
    assert proc.stdout is not None
    with killed_at_exit(proc):
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        call = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "block", "arguments": {"seconds": 1.8}},
        }
        send(proc, INITIALIZE, initialized, call)
        answers = read_answers(proc, 2)
        assert answers[1]["result"]["content"][0]["text"] == "woke", answers
        time.sleep(0.6)
        _, err = proc.communicate(timeout=30)  # stdin closed: the server ends
    assert_warned(err, tmp_path / "site")
