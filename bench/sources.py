"""Many configured sources: resident memory and time to `initialize` (issue 22).

For 1, 10 and 50 sources (all on the one TDS test server, each its own [sources.NAME]
section), it starts `azsql-mcp serve` over stateless HTTP, waits until /health says every
source is ready, calls `read_data` once on each source, and prints the resident memory of
the server with its child processes (the driver processes), and how many driver
processes run. It does so with the default sharing (`[server]
sources_per_driver_process`, 10) and, for comparison, with 1 (a driver process per
source, as before issue 22).

It also times `initialize` over stdio with 50 sources configured, next to a bare FastMCP
server (bench/startup.py's floor), in alternating runs.

With --callgrind it does neither: it counts instead the instructions each server runs
from its start to its answer to `initialize` over stdio, the bare server and
`azsql-mcp serve` with 50 sources (as above, but at `127.0.0.1,1`: sources connect in
the background, and none needs to answer for the start), each under
`valgrind --tool=callgrind` with PYTHONHASHSEED=0, its counts dumped
(`callgrind_control --dump`) when the answer arrives, taking turns over --runs rounds.
On a shared machine wall-clock time moves with the load; these counts move by under
0.1% between two starts. Given --src once or more (a tree's `src` directory, such as an
older commit's `git archive`), azsql-mcp is counted from each tree in turn. Each server
starts once uncounted first, which writes its bytecode.

Targets: 50 sources under 300 MB once each has served a call; startup with 50 sources
under 1.1x the bare FastMCP server. It prints; it does not assert.

    .venv/bin/python bench/sources.py [--counts 1,10,50] [--runs 5]
    .venv/bin/python bench/sources.py --callgrind [--src DIR ...] [--runs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _callgrind import control, dump_total
from _http_load import HttpConnection, call_tool  # bench/_http_load.py, beside this file
from _processes import driver_pids, rss_mb, stop, tds_process
from startup import BARE, INITIALIZE, median_times, time_to_initialize

from azsql_mcp.testing.ports import reserved_port

TDS_USER = "bench"
PASSWORD_ENV = "BENCH_SQL_PASSWORD"
TARGET_MB = 300
TARGET_STARTUP = 1.1
SERVE = "import sys; from azsql_mcp.core.cli import main; sys.exit(main(sys.argv[1:]))"


def config_text(host: str, port: int, count: int, per_process: int | None) -> str:
    from azsql_mcp.diagnostics.demo import DEMO_DATABASE

    lines = []
    for n in range(count):
        lines += [
            f"[sources.db{n:02d}]",
            f'server = "{host},{port}"',
            f'database = "{DEMO_DATABASE}"',
            'auth = "sql"',
            f'username = "{TDS_USER}"',
            f'password_env = "{PASSWORD_ENV}"',
            'encrypt = "no"',
        ]
    lines += ["[server]", "stateless_http = true", "json_response = true"]
    if per_process is not None:
        lines.append(f"sources_per_driver_process = {per_process}")
    lines += ["[logging]", 'level = "WARNING"']
    return "\n".join(lines) + "\n"


async def serve_and_measure(config: Path, env: dict[str, str], count: int) -> tuple[float, int]:
    with reserved_port() as port:
        return await _serve_and_measure(port, config, env, count)


async def _serve_and_measure(
    port: int, config: Path, env: dict[str, str], count: int
) -> tuple[float, int]:
    cli = str(Path(sys.executable).parent / "azsql-mcp")
    argv = [cli, "serve", "--transport", "http", "--port", str(port), "--config", str(config)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"server exited {proc.returncode}: {err[-2000:]}")
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("sources did not become ready")
                await asyncio.sleep(0.2)
        http = HttpConnection("127.0.0.1", port, "/mcp")
        try:
            for n in range(count):
                arguments: dict[str, object] = {"query": "SELECT TOP (10) * FROM SalesLT.Customer"}
                if count > 1:
                    arguments["source"] = f"db{n:02d}"
                await call_tool(http, n + 1, "read_data", arguments)
        finally:
            http.close()
        await asyncio.sleep(0.5)
        return rss_mb(proc.pid), len(driver_pids(proc.pid))
    finally:
        stop(proc)


def startup_ratio(config: Path, env: dict[str, str], runs: int, tmp: Path) -> None:
    bare = tmp / "bare.py"
    bare.write_text(BARE)
    ours = [sys.executable, "-c", SERVE, "serve", "--transport", "stdio", "--config", str(config)]
    b, o = median_times([([sys.executable, str(bare)], env), (ours, env)], str(tmp), runs)
    print(
        f"startup to initialize, 50 sources: bare {b * 1000:.0f} ms, azsql-mcp {o * 1000:.0f} ms,"
        f" ratio {o / b:.2f}x (target < {TARGET_STARTUP}x)"
    )


def instructions_to_initialize(argv: list[str], env: dict[str, str], tmp: Path) -> int:
    """Instructions `argv` runs under callgrind from its start to its answer to
    `initialize` over stdio (dumped when the answer arrives, then the process is killed)."""
    with tempfile.TemporaryDirectory(dir=tmp) as out:
        dumps = Path(out)
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={dumps / 'cg.%p'}"]
        with (dumps / "stderr").open("w") as stderr:
            proc = subprocess.Popen(
                valgrind + argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=tmp,
                text=True,
            )
        assert proc.stdin and proc.stdout
        try:
            proc.stdin.write(json.dumps(INITIALIZE) + "\n")
            proc.stdin.flush()
            answer = proc.stdout.readline()
            if '"result"' not in answer:
                err = (dumps / "stderr").read_text()[-2000:]
                raise RuntimeError(f"no initialize answer from {argv}: {answer!r} {err}")
            control("--dump", str(proc.pid))
        finally:
            proc.kill()
            proc.wait()
        (dump,) = dumps.glob(f"cg.{proc.pid}.*")  # killed: no dump at exit, only ours
        return dump_total(dump)


def startup_instructions(srcs: list[str], runs: int, tmp: Path) -> None:
    """The bare server and azsql-mcp from each tree of `srcs` (none: the code this script
    imports), 50 unreachable sources, counted under callgrind, taking turns."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {PASSWORD_ENV: "unused", "PYTHONHASHSEED": "0"}
    config = tmp / "startup-50.toml"
    config.write_text(config_text("127.0.0.1", 1, 50, None))
    bare = tmp / "bare.py"
    bare.write_text(BARE)
    serve = [sys.executable, "-c", SERVE, "serve", "--transport", "stdio", "--config", str(config)]
    variants = [("bare FastMCP", [sys.executable, str(bare)], env)]
    for src in srcs or [None]:
        label = "azsql-mcp" if src is None else src
        tree_env = env if src is None else env | {"PYTHONPATH": os.path.abspath(src)}
        variants.append((label, serve, tree_env))
    for _, argv, variant_env in variants:  # uncounted: writes the bytecode
        time_to_initialize(argv, variant_env, str(tmp))
    print("instructions to the answer to initialize over stdio, 50 sources (callgrind):")
    for round_ in range(1, runs + 1):
        counts = [instructions_to_initialize(argv, e, tmp) for _, argv, e in variants]
        figures = [f"{variants[0][0]} {counts[0] / 1e6:,.1f} M"]
        for (label, _, _), instructions in zip(variants[1:], counts[1:], strict=True):
            figures.append(f"{label} {instructions / 1e6:,.1f} M ({instructions / counts[0]:.3f}x)")
        print(f"round {round_}: " + ", ".join(figures) + f" (target < {TARGET_STARTUP}x)")


async def bench(args: argparse.Namespace) -> None:
    password = secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env[PASSWORD_ENV] = password
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory() as tmp_name, tds_process(TDS_USER, password) as tds:
        tmp = Path(tmp_name)
        for label, per_process in (("shared (default)", None), ("one per source", 1)):
            for count in counts:
                config = tmp / f"sources-{count}-{per_process}.toml"
                config.write_text(config_text(tds.host, tds.port, count, per_process))
                rss, drivers = await serve_and_measure(config, env, count)
                flag = f"(target < {TARGET_MB} MB)" if count == 50 else ""
                print(
                    f"{label:17} {count:3d} sources: RSS {rss:6.1f} MB,"
                    f" {drivers:2d} driver processes {flag}"
                )
        config = tmp / "startup-50.toml"
        config.write_text(config_text(tds.host, tds.port, 50, None))
        startup_ratio(config, env, args.runs, tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1,10,50", help="source counts (1,10,50)")
    parser.add_argument(
        "--runs", type=int, help="startup runs per server (5; with --callgrind, rounds: 2)"
    )
    parser.add_argument(
        "--callgrind", action="store_true", help="count instructions to initialize instead"
    )
    parser.add_argument(
        "--src", action="append", default=[], help="with --callgrind: a tree's src (repeatable)"
    )
    args = parser.parse_args()
    if args.callgrind:
        if shutil.which("callgrind_control") is None:
            print("valgrind is not installed (callgrind_control not on PATH): nothing to count")
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            startup_instructions(args.src, args.runs or 2, Path(tmp))
        return 0
    if args.src:
        parser.error("--src is for --callgrind")
    args.runs = args.runs or 5
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
