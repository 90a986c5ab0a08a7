"""Instructions per `read_data` call in the server process, counted with callgrind: the
load.py configuration (stateless JSON over HTTP, static-token auth, audit to a file, rate
limiter on, 10 rows) against the same bare FastMCP tool, one client calling in a row.

Wall-clock throughput on a shared machine moves with the other work on it; the count of
instructions the server runs per call does not, so a change of a few percent on the call
path shows in it where load.py cannot tell it from the noise. Each server runs under
`valgrind --tool=callgrind --instr-atstart=no` (its start runs uninstrumented, fast);
after a few calls its instrumentation is switched on (`callgrind_control -i on`), it
serves --warmup calls, its counters are zeroed, it serves --calls calls and its counts
are dumped; then it idles 5 s between a zero and a dump, and that idle rate (the event
loop's watchdog thread, timers) times the calls' wall time is taken off, since it costs
per second, not per call. The driver process and the TDS test server run outside
valgrind (it does not trace children), so what is counted is the server process alone.

Under callgrind a call takes 30 to 100 times as long, so azsql-mcp's disconnect watcher
(serving/disconnect.py, started for a call still running after 50 ms) starts on every
counted call, which at full speed it seldom does: the count includes it. Two runs of one
tree differ by up to about 1% (how many event-loop turns a call takes depends on when
the other processes answer): compare trees over --runs, taking turns.

Needs valgrind (callgrind_control on PATH); without it, says so and exits.

    .venv/bin/python bench/call_instructions.py [--calls 200] [--warmup 30] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import load  # bench/load.py, beside this file: its configuration, servers and calls
from _callgrind import control, dump_total
from _processes import tds_process

from azsql_mcp.testing.ports import reserved_port

IDLE_S = 5.0


async def calls(port: int, token: str | None, count: int) -> None:
    with closing(load.connection(port, token)) as http:
        for request_id in range(1, count + 1):
            answer = await load.one_call(http, request_id)
            if "result" not in answer or answer["result"].get("isError"):
                raise RuntimeError(f"call failed: {answer}")


def count(
    argv: list[str], port: int, token: str | None, env: dict[str, str], args: argparse.Namespace
) -> tuple[float, float]:
    """Instructions per call, net of idle, and the idle instructions per second, of the
    server `argv` (run under callgrind) on `port`."""
    with tempfile.TemporaryDirectory() as out:
        dumps = Path(out)
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        valgrind.append(f"--callgrind-out-file={dumps / 'cg.%p'}")
        with load.server(valgrind + argv, port, env) as proc:
            if token is not None:
                asyncio.run(load.wait_ready(port, token))
            asyncio.run(calls(port, token, 5))  # uninstrumented: connections, caches
            pid = str(proc.pid)
            control("-i", "on", pid)
            asyncio.run(calls(port, token, args.warmup))
            control("-z", pid)
            started = time.perf_counter()
            asyncio.run(calls(port, token, args.calls))
            control("-d", pid)
            elapsed = time.perf_counter() - started
            control("-z", pid)
            idle_started = time.perf_counter()
            time.sleep(IDLE_S)
            control("-d", pid)
            idle_s = time.perf_counter() - idle_started
        called, idle = sorted(dumps.glob(f"cg.{pid}.*"), key=lambda p: int(p.suffix[1:]))[-2:]
        idle_rate = dump_total(idle) / idle_s
        return (dump_total(called) - idle_rate * elapsed) / args.calls, idle_rate


def bench(args: argparse.Namespace) -> None:
    token = secrets.token_urlsafe(24)
    password = secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env |= {"BENCH_TOKEN": token, load.PASSWORD_ENV: password, "PYTHONHASHSEED": "0"}
    here = Path(__file__).resolve().parent
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        tds_process(load.TDS_USER, password) as tds,
    ):
        tmp = Path(tmp_name)
        config = load.ours_config(tmp, tds.host, tds.port)
        payload = tmp / "payload.json"
        print(f"{load.TOOL} of 10 rows, stateless JSON over HTTP, one client in a row:")
        print(f"{args.calls} calls counted after {args.warmup}, instructions in the server process")
        for run in range(args.runs):
            with reserved_port() as port:
                ours = [sys.executable, "-m", "azsql_mcp", "serve", "--transport", "http"]
                ours += ["--port", str(port), "--config", str(config)]
                if not payload.exists():  # the bare tool answers with what ours answered
                    with load.server(ours, port, env):
                        result = asyncio.run(load.wait_ready(port, token))
                    payload.write_text(json.dumps(result))
                ours_call, ours_idle = count(ours, port, token, env, args)
            with reserved_port() as port:
                bare = [sys.executable, str(here / "load.py"), "--bare", str(port), str(payload)]
                bare_call, bare_idle = count(bare, port, None, env, args)
            print(
                f"run {run + 1}: azsql-mcp {ours_call / 1e6:.4f} M a call"
                f" (idle {ours_idle / 1e6:.2f} M/s), bare tool {bare_call / 1e6:.4f} M"
                f" (idle {bare_idle / 1e6:.2f} M/s), ratio {ours_call / bare_call:.3f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls counted (200)")
    parser.add_argument("--warmup", type=int, default=30, help="instrumented calls first (30)")
    parser.add_argument("--runs", type=int, default=1, help="runs, each server once (1)")
    args = parser.parse_args()
    if shutil.which("callgrind_control") is None:
        print("valgrind is not installed (callgrind_control not on PATH): nothing to count")
        return 0
    bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
