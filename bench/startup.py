"""Time from process start to the answer to `initialize` over stdio.

Three servers, started by the same Python in the same run:
  bare      a bare FastMCP server with one trivial tool (importing FastMCP is the floor)
  builtins  `azsql-mcp serve` with the built-in plugins and one configured source
  +50       the same with 50 generated third-party plugins installed (dist-info entry points)
It also lists heavy modules (Azure SDK, sqlglot, ODBC, the TDS test server) that
were imported before `initialize` was answered; there should be none.

Targets: builtins <= 1.3x bare; under 3 ms per extra plugin.
Usage: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

HEAVY = ("azure.identity", "sqlglot", "aioodbc", "pyodbc", "tds_test_server")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"},
    },
}
BARE = """
from fastmcp import FastMCP

mcp = FastMCP("bare")

@mcp.tool
async def ping() -> str:
    return "pong"

mcp.run(show_banner=False)
"""
AZSQL = "import sys; from azsql_mcp.core.cli import main; sys.exit(main(['serve']))"
PLUGIN = """
from azsql_mcp import hookimpl

@hookimpl
def register_tools(register, config):
    register(tool_{n})

async def tool_{n}(text: str) -> str:
    \"\"\"Generated tool {n}.\"\"\"
    return text
"""


def generate_plugins(root: Path, count: int) -> None:
    for n in range(count):
        name = f"bench_plugin_{n}"
        (root / f"{name}.py").write_text(PLUGIN.format(n=n))
        info = root / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[azsql_mcp]\n{name} = {name}\n")


def time_to_initialize(
    argv: list[str], env: dict[str, str], cwd: str, trace: bool = False
) -> tuple[float, list[str]]:
    """Seconds from spawn to the initialize answer; with `trace`, heavy modules seen before."""
    if trace:
        argv = [argv[0], "-X", "importtime", *argv[1:]]
    # Bytecode is written (round 0 of median_times writes it): with PYTHONDONTWRITEBYTECODE
    # set, every start would compile again each module changed since its .pyc was written.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        text=True,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    imported: list[str] = []
    answered = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr
        for line in proc.stderr:
            if trace and not answered.is_set() and line.startswith("import time:"):
                imported.append(line.rsplit("|", 1)[-1].strip())

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    proc.stdin.write(json.dumps(INITIALIZE) + "\n")
    proc.stdin.flush()
    answer = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    answered.set()
    proc.kill()
    proc.wait()
    if '"result"' not in answer:
        raise SystemExit(f"no initialize answer from {argv}: {answer!r}")
    heavy = sorted(
        {m for m in imported for h in HEAVY if m.strip() == h or m.strip().startswith(h + ".")}
    )
    return elapsed, heavy


def median_times(
    variants: list[tuple[list[str], dict[str, str]]], cwd: str, runs: int
) -> list[float]:
    """Median per variant; the variants take turns in each round so load drift hits all alike."""
    samples: list[list[float]] = [[] for _ in variants]
    for round_ in range(runs + 1):
        for i, (argv, env) in enumerate(variants):
            elapsed = time_to_initialize(argv, env, cwd)[0]
            if round_:  # round 0 warms the file system cache
                samples[i].append(elapsed)
    return [statistics.median(s) for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plugins", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bare.py").write_text(textwrap.dedent(BARE))
        plugins = root / "plugins"
        plugins.mkdir()
        generate_plugins(plugins, args.plugins)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_"))}
        # One source, as a real deployment has; it connects in the background.
        env |= {"AZURE_SQL_SERVER": "127.0.0.1,1", "AZURE_SQL_PASSWORD": "x"}
        env |= {"AZURE_SQL_USERNAME": "bench", "AZSQL_MCP_AUDIT__ENABLED": "false"}
        # in front of any PYTHONPATH given (a checkout's src), not instead of it
        path = os.pathsep.join(p for p in (str(plugins), env.get("PYTHONPATH")) if p)
        with_plugins = env | {"PYTHONPATH": path}
        py = sys.executable

        variants = [
            ([py, str(root / "bare.py")], env),
            ([py, "-c", AZSQL], env),
            ([py, "-c", AZSQL], with_plugins),
        ]
        bare, builtins, extra = median_times(variants, tmp, args.runs)
        _, heavy = time_to_initialize([py, "-c", AZSQL], env, tmp, trace=True)

    per_plugin_ms = (extra - builtins) / args.plugins * 1000
    ratio = builtins / bare
    print(f"time to initialize answer over stdio (median of {args.runs}, {sys.executable})")
    print(f"  bare FastMCP, 1 tool      {bare * 1000:8.1f} ms")
    print(f"  azsql-mcp, built-ins      {builtins * 1000:8.1f} ms   {ratio:.2f}x (target 1.3x)")
    print(
        f"  azsql-mcp, +{args.plugins} plugins    {extra * 1000:8.1f} ms"
        f"   {per_plugin_ms:.2f} ms per plugin (target < 3 ms)"
    )
    print(f"  heavy modules imported before the answer: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
