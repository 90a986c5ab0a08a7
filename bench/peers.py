"""azsql-mcp next to DBHub (Node, npm `@bytebase/dbhub`) on the same TDS test server.

Both serve streamable HTTP on loopback without client authentication; DBHub runs its
`execute_sql` tool in read-only mode (`readonly = true` in its TOML file: like azsql-mcp,
it runs reads in a transaction it does not commit), azsql-mcp its `read_data` (stateless,
JSON answers, the default audit). The same light load generator (bench/_http_load.py)
sends the same 10-row query to each, taking turns in slices (azsql-mcp, DBHub, azsql-mcp...)
so a drift in the shared machine's speed weighs on both alike, at 1 and at 16 clients.
Each is spoken to in the newest MCP revision it supports, as a current client would:
azsql-mcp in 2026-07-28 (or --protocol 2025-11-25), DBHub in 2025-11-25, its newest.

DBHub and a Node 22 runtime (npm package `node@22`; DBHub 1.4 needs Node >= 22.5) are
installed with npm into a cache folder outside the repository when missing
(~/.cache/azsql-mcp-peers, or --cache). Not part of `make test`.

Prints calls/s, p50 and p99 for each server at each client count, and the ratios, and
the CPU time a call took in each process on the machine: the server (azsql-mcp with its
workers and driver processes), the TDS test server, and this script's load generator. On
a machine with fewer cores than busy processes, the calls a second follow the sum.
Targets (issue 22): at 16 clients azsql-mcp >= 1.0x DBHub's calls/s (1.3x with 2 workers);
at 1 client azsql-mcp's p50 <= DBHub's. It prints; it does not assert.

    .venv/bin/python bench/peers.py [--seconds 20] [--slices 4] [--clients 1,16] [--workers 2]
                                    [--protocol 2026-07-28|2025-11-25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _http_load import (  # bench/_http_load.py, beside this file
    CURRENT,
    LEGACY,
    PROTOCOLS,
    HttpConnection,
    Response,
    percentile_ms,
    tool_call,
)
from _processes import stop, tds_process, tree_cpu_seconds

from azsql_mcp.testing.ports import reserved_port

QUERY = (
    "SELECT TOP (10) CustomerID, FirstName, LastName, CompanyName, EmailAddress"
    " FROM SalesLT.Customer ORDER BY CustomerID"
)
DBHUB = "@bytebase/dbhub@1.4.0"
NODE = "node@22"
TDS_USER = "bench"
PASSWORD_ENV = "BENCH_SQL_PASSWORD"


# --- installing DBHub --------------------------------------------------------------------


def npm_install(prefix: Path, package: str) -> None:
    prefix.mkdir(parents=True, exist_ok=True)
    print(f"installing {package} into {prefix} with npm", flush=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), package],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def dbhub_command(cache: Path) -> list[str]:
    """node and DBHub's entry point, installed into `cache` when missing."""
    node = cache / "node22" / "node_modules" / ".bin" / "node"
    entry = cache / "dbhub" / "node_modules" / "@bytebase" / "dbhub" / "dist" / "index.js"
    if not node.exists():
        npm_install(cache / "node22", NODE)
    if not entry.exists():
        npm_install(cache / "dbhub", DBHUB)
    return [str(node), str(entry)]


# --- the servers -------------------------------------------------------------------------


@contextmanager
def started(
    argv: list[str], env: dict[str, str], port: int, cwd: str, ready: Callable[[int], bool]
) -> Iterator[int]:
    # stderr to a file: azsql-mcp's default audit log is stderr, and a pipe nobody reads
    # would fill and stop the server
    log = Path(cwd) / f"{port}.stderr"
    with log.open("wb") as stderr:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                err = log.read_text(errors="replace")
                raise RuntimeError(f"{argv[0]} exited {proc.returncode}: {err[-2000:]}")
            try:
                if ready(port):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        yield proc.pid
    finally:
        stop(proc)


def listening(port: int) -> bool:
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    return True


def every_worker_ready(workers: int) -> Callable[[int], bool]:
    """azsql-mcp's parent listens before its workers have started: wait until each
    worker has opened its pool (its probe leaves one connection per worker), so that
    no worker takes every connection while the others are still starting."""

    def ready(port: int) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
            text = reply.read().decode()
        pooled = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("azsql_mcp_pool_connections{")
        )
        return pooled >= workers

    return ready


@contextmanager
def HttpConnectionClosing(port: int, protocol: str) -> Iterator[HttpConnection]:
    http = HttpConnection("127.0.0.1", port, "/mcp", timeout=5, protocol=protocol)
    try:
        yield http
    finally:
        http.close()


def ours_config(tmp: Path, host: str, port: int) -> Path:
    from azsql_mcp.diagnostics.demo import DEMO_DATABASE

    config = tmp / "azsql-mcp.toml"
    config.write_text(
        f'[sources.bench]\nserver = "{host},{port}"\ndatabase = "{DEMO_DATABASE}"\n'
        f'auth = "sql"\nusername = "{TDS_USER}"\npassword_env = "{PASSWORD_ENV}"\n'
        'encrypt = "no"\n[server]\nstateless_http = true\njson_response = true\n'
        "[server.limits]\nrate_per_minute = 100000000\nrate_burst = 100000\n"
        '[logging]\nlevel = "WARNING"\n'
    )
    return config


def dbhub_config(tmp: Path, host: str, port: int, password: str) -> Path:
    from azsql_mcp.diagnostics.demo import DEMO_DATABASE

    config = tmp / "dbhub.toml"
    dsn = f"sqlserver://{TDS_USER}:{password}@{host}:{port}/{DEMO_DATABASE}?sslmode=disable"
    config.write_text(
        f'[[sources]]\nid = "bench"\ndsn = "{dsn}"\n\n'
        '[[tools]]\nname = "execute_sql"\nsource = "bench"\nreadonly = true\n'
    )
    return config


# --- the load ----------------------------------------------------------------------------


def reply_of(response: Response) -> dict[str, object]:
    """The JSON-RPC reply of a JSON or an SSE answer."""
    text = response.body.decode()
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
    reply: dict[str, object] = json.loads(text)
    return reply


@dataclass
class Server:
    label: str
    port: int
    protocol: str  # the MCP revision its clients speak
    tool: str
    arguments: dict[str, str]
    latencies: dict[int, list[float]] = field(default_factory=dict)
    elapsed: dict[int, float] = field(default_factory=dict)
    errors: int = 0
    first_error: str | None = None
    pid: int = 0  # the server's; its CPU is read with its children's
    tds_pid: int = 0
    # CPU seconds of measured slices: server, its driver processes, TDS test server, load
    # generator
    cpu: dict[int, list[float]] = field(default_factory=dict)

    def cpu_now(self) -> list[float]:
        return [*tree_cpu_seconds(self.pid), tree_cpu_seconds(self.tds_pid)[0], time.process_time()]

    async def drive(self, clients: int, seconds: float, measured: bool = True) -> None:
        stop = time.monotonic() + seconds
        samples = self.latencies.setdefault(clients, [])

        async def client() -> None:
            body, headers = tool_call(self.tool, self.arguments, self.protocol)
            with HttpConnectionClosing(self.port, self.protocol) as http:
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    try:
                        response = await http.post(body, headers)
                        reply = reply_of(response)
                        result = reply.get("result")
                        if response.status != 200 or not isinstance(result, dict):
                            raise RuntimeError(f"HTTP {response.status}: {reply}"[:300])
                        if result.get("isError"):
                            raise RuntimeError(json.dumps(result)[:300])
                    except Exception as exc:
                        if measured:
                            self.errors += 1
                            self.first_error = self.first_error or repr(exc)
                        continue
                    if measured:
                        samples.append(time.perf_counter() - started)

        began, cpu_began = time.monotonic(), self.cpu_now()
        await asyncio.gather(*(client() for _ in range(clients)))
        if measured:
            self.elapsed[clients] = self.elapsed.get(clients, 0.0) + time.monotonic() - began
            spent = self.cpu.setdefault(clients, [0.0] * 4)
            for i, (after, before) in enumerate(zip(self.cpu_now(), cpu_began, strict=True)):
                spent[i] += after - before

    def rate(self, clients: int) -> float:
        n = len(self.latencies.get(clients, []))
        return n / self.elapsed[clients] if self.elapsed.get(clients) else 0.0

    def percentile(self, clients: int, q: float) -> float:
        return percentile_ms(self.latencies.get(clients, []), q)

    def line(self, clients: int) -> str:
        return (
            f"{self.label:<10} {clients:3d} clients {self.rate(clients):8.1f}/s"
            f"  p50 {self.percentile(clients, 0.5):7.2f} ms"
            f"  p99 {self.percentile(clients, 0.99):8.2f} ms"
            f"  calls {len(self.latencies.get(clients, [])):6d}"
        )

    def cpu_line(self, clients: int) -> str:
        calls = len(self.latencies.get(clients, [])) or 1
        spent = [1000 * seconds / calls for seconds in self.cpu.get(clients, [0.0] * 4)]
        server, drivers, tds, load = spent
        of_it = f" (driver processes {drivers:.2f})" if drivers else ""
        return (
            f"{'':10} CPU ms a call: server {server:.2f}{of_it}, TDS test server {tds:.2f},"
            f" load generator {load:.2f}, sum {server + tds + load:.2f}"
        )


async def alternate(servers: list[Server], clients: int, args: argparse.Namespace) -> None:
    for server in servers:
        await server.drive(clients, args.warmup, measured=False)
    for _ in range(args.slices):
        for server in servers:
            await server.drive(clients, args.seconds / args.slices)


def bench(args: argparse.Namespace) -> None:
    node_dbhub = dbhub_command(Path(args.cache).expanduser())
    password = secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env[PASSWORD_ENV] = password
    counts = [int(c) for c in args.clients.split(",")]
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        tds_process(TDS_USER, password) as tds,
        reserved_port() as ours_port,
        reserved_port() as dbhub_port,
    ):
        tmp = Path(tmp_name)
        cli = str(Path(sys.executable).parent / "azsql-mcp")
        ours_argv = [cli, "serve", "--transport", "http", "--port", str(ours_port)]
        ours_argv += ["--workers", str(args.workers)]
        ours_argv += ["--config", str(ours_config(tmp, tds.host, tds.port))]
        dbhub_argv = [*node_dbhub, "--transport", "http", "--host", "127.0.0.1"]
        dbhub_argv += ["--port", str(dbhub_port)]
        dbhub_argv += ["--config", str(dbhub_config(tmp, tds.host, tds.port, password))]
        label = "azsql-mcp" if args.workers == 1 else f"azsql x{args.workers}"
        ours = Server(label, ours_port, args.protocol, "read_data", {"query": QUERY})
        # DBHub 1.4's MCP SDK knows no revision after 2025-11-25.
        dbhub = Server("DBHub", dbhub_port, LEGACY, "execute_sql", {"sql": QUERY})
        with (
            started(
                ours_argv, env, ours_port, tmp_name, every_worker_ready(args.workers)
            ) as ours.pid,
            started(dbhub_argv, env, dbhub_port, tmp_name, listening) as dbhub.pid,
        ):
            ours.tds_pid = dbhub.tds_pid = tds.process.pid
            for clients in counts:
                asyncio.run(alternate([ours, dbhub], clients, args))
    print(f"{args.seconds:g} s per server and client count in {args.slices} slices, 10 rows")
    print(f"MCP revision spoken: azsql-mcp {ours.protocol}, DBHub {dbhub.protocol}")
    for clients in counts:
        print(ours.line(clients))
        print(ours.cpu_line(clients))
        print(dbhub.line(clients))
        print(dbhub.cpu_line(clients))
        ratio = ours.rate(clients) / dbhub.rate(clients) if dbhub.rate(clients) else float("nan")
        p50 = ours.percentile(clients, 0.5) / dbhub.percentile(clients, 0.5)
        print(f"{'':10} ratio azsql-mcp / DBHub: calls/s {ratio:.2f}x, p50 {p50:.2f}x")
    for server in (ours, dbhub):
        if server.errors:
            print(f"{server.label}: {server.errors} errors, first: {server.first_error}")
    target = "1.0x" if args.workers == 1 else "1.3x (2 workers)"
    print(f"targets: 16 clients calls/s >= {target}; 1 client p50 <= 1.0x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds (20)")
    parser.add_argument("--slices", type=int, default=4, help="turns per server (4)")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds (2)")
    parser.add_argument("--clients", default="1,16", help="client counts (1,16)")
    parser.add_argument(
        "--workers", type=int, default=1, help="azsql-mcp worker processes (serve --workers)"
    )
    parser.add_argument(
        "--protocol", choices=PROTOCOLS, default=CURRENT, help="azsql-mcp's (%(default)s)"
    )
    parser.add_argument("--cache", default="~/.cache/azsql-mcp-peers", help="npm installs")
    bench(parser.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
