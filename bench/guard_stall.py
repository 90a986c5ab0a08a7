"""Guard stall benchmark (issue 15, point 1): while 10 clients send 80,000-character
statements in a loop, how long do other clients wait for a small `read_data` and for
`/health/live`?

Checking a statement costs 25 to 130 microseconds of CPU a token (0.55 s for an
80,000-character IN list), so checked on the event loop, ten such clients stop the server
for every other client. azsql-mcp checks long statements in a worker process
(src/azsql_mcp/db/guardworker.py); this benchmark measures that, and, in the same run,
the same load against the same server with checking forced onto the event loop (the
baseline, what the server did before).

Each mode runs its own azsql-mcp process (`azsql-mcp serve`, HTTP, static token, audit
on) against one TDS test server process with the sample database, for `--seconds` after
a warm-up. In each mode:
- 10 "long" clients (--long-clients) each loop on `read_data` with a new ~80,000-character
  SELECT (a new literal each time, so the verdict cache cannot answer). The statement is
  refused by the last layer of the check (a linked-server name), after the whole text
  has been parsed: it costs the full check, and the test server, which would parse it
  again in a process of its own on the same cores, never sees it;
- 2 "small" clients each call `read_data` for 10 rows every 50 ms;
- 1 prober GETs `/health/live` every 50 ms.

Prints, per mode: p50, p99 and max latency of the small calls and of the probes, with
their counts and errors, and how many long statements were checked (and how long each
took the long clients). Target: small calls and probes under 200 ms p99 with the worker.
It prints; it does not assert. Loopback only; about 2 x (seconds + warm-up + start-up).

    .venv/bin/python bench/guard_stall.py [--seconds 20] [--long-clients 10] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import sys
import tempfile
import time
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _http_load import HttpConnection, call_tool  # bench/_http_load.py, beside this file
from _processes import tds_process
from load import PASSWORD_ENV, TDS_USER, connection, ours_config, server, wait_ready

from azsql_mcp.testing.ports import reserved_port

TARGET_P99_MS = 200.0
LONG_CHARS = 80_000
SMALL_QUERY = (
    "SELECT TOP (10) CustomerID, FirstName, LastName FROM SalesLT.Customer ORDER BY CustomerID"
)
PERIOD_S = 0.05  # between two small calls of one client, and between two probes
# The baseline: the same server, with every statement checked inline, on the event loop.
ON_LOOP = (
    "import sys; from azsql_mcp.db import guardworker; "
    "guardworker.CHECKER.inline_tokens = sys.maxsize; "
    "from azsql_mcp.core.cli import main; sys.exit(main())"
)
_serial = itertools.count()


def long_statement() -> str:
    """A new ~80,000-character SELECT, refused only once fully parsed (linked server)."""
    values = ",".join(str(i) for i in range(LONG_CHARS // 6))
    return f"SELECT {next(_serial)} AS n FROM far.db.dbo.t WHERE id IN ({values})"


@dataclass
class Latencies:
    values: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def add_error(self, exc: BaseException) -> None:
        self.errors += 1
        self.first_error = self.first_error or repr(exc)[:200]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.values)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    def line(self, label: str) -> str:
        top = max(self.values) * 1000 if self.values else float("nan")
        return (
            f"  {label:<22} p50 {self.percentile(0.5):8.1f} ms  p99 {self.percentile(0.99):8.1f} ms"
            f"  max {top:8.1f} ms  n {len(self.values):5d}  errors {self.errors}"
        )


@dataclass
class Mode:
    name: str
    small: Latencies = field(default_factory=Latencies)
    live: Latencies = field(default_factory=Latencies)
    long: Latencies = field(default_factory=Latencies)  # refused as expected, timed

    def print(self) -> None:
        print(f"{self.name}:")
        print(self.small.line("small read_data"))
        print(self.live.line("/health/live"))
        print(self.long.line("long statement (refused)"))
        for label, figures in (("small", self.small), ("live", self.live), ("long", self.long)):
            if figures.first_error:
                print(f"  first error ({label}): {figures.first_error}")

    def met(self) -> bool:
        worst = max(self.small.percentile(0.99), self.live.percentile(0.99))
        return worst < TARGET_P99_MS and not (self.small.errors or self.live.errors)


async def drive(mode: Mode, port: int, token: str, args: argparse.Namespace) -> None:
    ids = itertools.count(1)
    warm_until = time.perf_counter() + args.warmup
    stop_at = warm_until + args.seconds

    def measured(now: float) -> bool:
        return now >= warm_until

    async def long_client(http: HttpConnection) -> None:
        while (now := time.perf_counter()) < stop_at:
            try:
                await call_tool(http, next(ids), "read_data", {"query": long_statement()})
            except RuntimeError as exc:
                if "linked server" not in str(exc):
                    mode.long.add_error(exc)
                elif measured(now):
                    mode.long.values.append(time.perf_counter() - now)
            except Exception as exc:
                mode.long.add_error(exc)

    async def small_client(http: HttpConnection) -> None:
        while (now := time.perf_counter()) < stop_at:
            try:
                await call_tool(http, next(ids), "read_data", {"query": SMALL_QUERY})
                if measured(now):
                    mode.small.values.append(time.perf_counter() - now)
            except Exception as exc:
                mode.small.add_error(exc)
            await asyncio.sleep(PERIOD_S)

    async def prober() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while (now := time.perf_counter()) < stop_at:
                try:
                    (await client.get(f"http://127.0.0.1:{port}/health/live")).raise_for_status()
                    if measured(now):
                        mode.live.values.append(time.perf_counter() - now)
                except Exception as exc:
                    mode.live.add_error(exc)
                await asyncio.sleep(PERIOD_S)

    longs = [connection(port, token) for _ in range(args.long_clients)]
    smalls = [connection(port, token) for _ in range(2)]
    try:
        await asyncio.gather(
            *(long_client(http) for http in longs),
            *(small_client(http) for http in smalls),
            prober(),
        )
    finally:
        for http in longs + smalls:
            http.close()


async def run_mode(
    mode: Mode, prefix: list[str], config: Path, env: dict[str, str], args: argparse.Namespace
) -> None:
    token = env["BENCH_TOKEN"]
    with reserved_port() as port:
        argv = [*prefix, "serve", "--transport", "http", "--port", str(port)]
        with server([*argv, "--config", str(config)], port, env):
            await wait_ready(port, token)
            # One long statement first: the worker process starts before the measure.
            with closing(connection(port, token)) as http, suppress(RuntimeError):
                await call_tool(http, 0, "read_data", {"query": long_statement()})
            await drive(mode, port, token, args)


async def bench(args: argparse.Namespace) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env["BENCH_TOKEN"] = secrets.token_urlsafe(24)
    password = secrets.token_urlsafe(18)
    env[PASSWORD_ENV] = password
    print(
        f"{args.long_clients} clients sending {LONG_CHARS:,}-character statements in a loop;"
        f" 2 clients calling read_data (10 rows) and 1 prober GETting /health/live, every"
        f" {PERIOD_S * 1000:g} ms; {args.seconds:g} s measured per mode after {args.warmup:g} s"
    )
    worker = Mode("checked in the worker process (azsql-mcp as shipped)")
    baseline = Mode("baseline: checked on the event loop")
    with tempfile.TemporaryDirectory() as tmp_name, tds_process(TDS_USER, password) as tds:
        config = ours_config(Path(tmp_name), tds.host, tds.port)
        cli = str(Path(sys.executable).parent / "azsql-mcp")
        await run_mode(worker, [cli], config, env, args)
        if not args.no_baseline:
            await run_mode(baseline, [sys.executable, "-c", ON_LOOP], config, env, args)
    worker.print()
    if not args.no_baseline:
        baseline.print()
    print(
        f"\nwith the worker: small read_data p99 {worker.small.percentile(0.99):.1f} ms,"
        f" /health/live p99 {worker.live.percentile(0.99):.1f} ms"
        f" (target < {TARGET_P99_MS:g} ms, no errors)"
    )
    print("target met" if worker.met() else "target NOT met")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per mode")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds first (3)")
    parser.add_argument("--long-clients", type=int, default=10, help="clients sending long SQL")
    parser.add_argument("--no-baseline", action="store_true", help="skip the on-loop baseline")
    asyncio.run(bench(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
