"""HTTP load benchmark: N concurrent clients for T seconds against azsql-mcp serving the
sample database, then the same load against a bare FastMCP tool that returns the same 10
rows from memory.

Which process runs what:
- the TDS test server (sample database AdventureWorksLT) runs in its own process,
  `python -m azsql_mcp.testing.tds_server --sample`, so the test double's CPU is not
  charged to azsql-mcp (issue 2: the test server never dominates the MCP server's own
  benchmarks);
- azsql-mcp runs in its own process, `azsql-mcp serve --config FILE`, reaching the test
  server through an ordinary [sources.NAME] section (SQL login, password from an
  environment variable), through the ODBC driver and pool;
- the bare server runs in its own process;
- this process runs the load generator and measures the servers' RSS.

Both servers run stateless streamable HTTP with JSON responses, in the same run.
azsql-mcp runs with static-token auth, the audit log (to a file) and metrics on, and the
rate limiter on (its ceiling set above the load); each client is a plain httpx JSON-RPC
loop calling `read_data` for 10 rows. The bare server has no auth, audit or metrics: it
is the protocol's own floor. Logging is at WARNING for both. Prints throughput, p50/p99
latency, errors and the server's RSS growth over the run, and the ratio of the two
throughputs.

Targets (issue 6), on a 2-core machine: 32 clients for 60 s with zero errors; azsql-mcp
at least 60% of the bare tool's calls per second; RSS growth under 30 MB. It prints; it
does not assert.

    .venv/bin/python bench/load.py [--clients 32] [--seconds 60] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

QUERY = (
    "SELECT TOP (10) CustomerID, FirstName, LastName, CompanyName, EmailAddress"
    " FROM SalesLT.Customer ORDER BY CustomerID"
)
TOOL = "read_data"
PROCESSES = """processes:
  TDS test server (sample database)  its own process (python -m azsql_mcp.testing.tds_server)
  azsql-mcp                          its own process (azsql-mcp serve --config FILE)
  bare FastMCP tool                  its own process
  load generator                     this process
"""
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
SOURCE = "sample"
TDS_USER = "bench"
PASSWORD_ENV = "BENCH_TDS_PASSWORD"  # how azsql-mcp gets the test server's password
TARGET_RATIO = 0.60
TARGET_GROWTH_MB = 30.0


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    elapsed: float = 0.0
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    cpu_s: float = 0.0  # CPU time the server process used while measured

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        if q == 0.5:
            return statistics.median(ordered) * 1000
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    def line(self, label: str) -> str:
        return (
            f"{label:<10} {self.rate:9.1f}/s  p50 {self.percentile(0.5):7.2f} ms"
            f"  p99 {self.percentile(0.99):8.2f} ms  calls {len(self.latencies):7d}"
            f"  errors {self.errors:5d}  RSS {self.rss_start_mb:6.1f} -> {self.rss_end_mb:6.1f} MB"
            f" (+{self.rss_end_mb - self.rss_start_mb:.1f})"
            f"  CPU/call {self.cpu_ms_per_call:5.2f} ms"
        )

    @property
    def cpu_ms_per_call(self) -> float:
        return self.cpu_s * 1000 / len(self.latencies) if self.latencies else float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- load ----------------------------------------------------------------------------------


def call_body(request_id: int) -> bytes:
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": TOOL, "arguments": {"query": QUERY}},
    }
    return json.dumps(body).encode()


async def one_call(http: Any, url: str, request_id: int) -> dict[str, Any]:
    response = await http.post(url, content=call_body(request_id), headers=HEADERS)
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    reply: dict[str, Any] = response.json()
    if "error" in reply or reply["result"].get("isError"):
        raise RuntimeError(f"call failed: {json.dumps(reply)[:300]}")
    return reply


async def load(url: str, token: str | None, args: argparse.Namespace, pid: int) -> Run:
    import httpx

    run = Run()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    counter = iter(range(1, 1 << 62))
    measuring = False
    stop_at = 0.0

    async def worker() -> None:
        async with httpx.AsyncClient(headers=headers, timeout=30) as http:
            while True:
                now = time.perf_counter()
                if measuring and now >= stop_at:
                    return
                try:
                    await one_call(http, url, next(counter))
                except Exception as exc:
                    if measuring:
                        run.errors += 1
                        run.first_error = run.first_error or repr(exc)
                    continue
                if measuring:
                    run.latencies.append(time.perf_counter() - now)

    tasks = [asyncio.create_task(worker()) for _ in range(args.clients)]
    await asyncio.sleep(args.warmup)
    run.rss_start_mb = rss_mb(pid)
    cpu_start = cpu_seconds(pid)
    started = time.perf_counter()
    stop_at = started + args.seconds
    measuring = True
    await asyncio.gather(*tasks)
    run.elapsed = time.perf_counter() - started
    run.rss_end_mb = rss_mb(pid)
    run.cpu_s = cpu_seconds(pid) - cpu_start
    return run


# --- servers -------------------------------------------------------------------------------


@contextmanager
def server(argv: list[str], port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    import httpx

    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"server exited {proc.returncode}: {err[-2000:]}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def tds_process(password: str) -> Iterator[tuple[str, int]]:
    """The TDS test server with the sample database in its own process: (host, port)."""
    from azsql_mcp.testing.tds_server import server_process

    with server_process("--sample", "--user", TDS_USER, f"--password={password}") as tds:
        yield tds.host, tds.port


def ours_config(tmp: Path, tds: tuple[str, int]) -> Path:
    from azsql_mcp.core.demo import DEMO_DATABASE  # the test server's sample database

    host, port = tds
    config = tmp / "azsql-mcp.toml"
    config.write_text(
        "\n".join(
            [
                f"[sources.{SOURCE}]",
                f'server = "{host},{port}"',
                f'database = "{DEMO_DATABASE}"',
                'auth = "sql"',
                f'username = "{TDS_USER}"',
                f'password_env = "{PASSWORD_ENV}"',
                'encrypt = "no"',
                "[server]",
                "stateless_http = true",
                "json_response = true",
                "[server.auth]",
                'mode = "static_tokens"',
                "[[server.auth.static_tokens]]",
                'token_env = "BENCH_TOKEN"',
                'subject = "bench"',
                'scopes = ["sql.read"]',
                "[server.limits]",
                "rate_per_minute = 100000000",
                "rate_burst = 100000",
                "[audit]",
                f'path = "{tmp / "audit.jsonl"}"',
                "[logging]",
                'level = "WARNING"',
            ]
        )
        + "\n"
    )
    return config


async def wait_ready(port: int, token: str) -> dict[str, Any]:
    """Until the source answers; returns one read_data result (for the bare tool)."""
    import httpx

    url = f"http://127.0.0.1:{port}/mcp"
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(300):
            if (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                return (await one_call(http, url, 0))["result"]
            await asyncio.sleep(0.1)
    raise RuntimeError(f"source {SOURCE!r} did not become ready")


def run_bare(port: int, payload_file: str) -> None:
    """The bare server: one FastMCP tool returning the recorded result from memory."""
    from fastmcp import FastMCP
    from fastmcp.tools import ToolResult
    from mcp_types import TextContent

    recorded = json.loads(Path(payload_file).read_text())
    text = "".join(c["text"] for c in recorded["content"] if c["type"] == "text")
    structured = recorded.get("structuredContent")
    mcp = FastMCP("bare")

    # `Any`: with postponed annotations FastMCP could not resolve a function-local name.
    async def read_data(query: str) -> Any:
        content = [TextContent(type="text", text=text)]
        return ToolResult(content=content, structured_content=structured)

    mcp.tool(read_data, output_schema=None)
    mcp.run(
        transport="http",
        host="127.0.0.1",
        port=port,
        show_banner=False,
        stateless_http=True,
        json_response=True,
        uvicorn_config={"log_level": "warning"},
    )


async def bench(args: argparse.Namespace) -> None:
    token = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env["BENCH_TOKEN"] = token
    password = secrets.token_urlsafe(18)
    env[PASSWORD_ENV] = password
    with tempfile.TemporaryDirectory() as tmp_name, tds_process(password) as tds:
        tmp = Path(tmp_name)
        config = ours_config(tmp, tds)
        port = free_port()
        cli = str(Path(sys.executable).parent / "azsql-mcp")
        argv = [cli, "serve", "--transport", "http", "--port", str(port)]
        argv += ["--config", str(config)]
        print(f"{args.clients} clients x {args.seconds:g} s (after {args.warmup:g} s warm-up),")
        print(f"stateless JSON over HTTP, {TOOL} of 10 rows")
        print(PROCESSES)
        with server(argv, port, env) as proc:
            recorded = await wait_ready(port, token)
            ours = await load(f"http://127.0.0.1:{port}/mcp", token, args, proc.pid)
        audit_lines = len((tmp / "audit.jsonl").read_text().splitlines())
        payload = tmp / "payload.json"
        payload.write_text(json.dumps(recorded))
        bare_port = free_port()
        bare_argv = [sys.executable, __file__, "--bare", str(bare_port), str(payload)]
        with server(bare_argv, bare_port, env) as proc:
            bare = await load(f"http://127.0.0.1:{bare_port}/mcp", None, args, proc.pid)
    print(ours.line("azsql-mcp"))
    print(bare.line("bare"))
    for label, run in (("azsql-mcp", ours), ("bare", bare)):
        if run.first_error:
            print(f"first error ({label}): {run.first_error}")
    print(f"audit lines written by azsql-mcp: {audit_lines}")
    ratio = ours.rate / bare.rate if bare.rate else float("nan")
    growth = ours.rss_end_mb - ours.rss_start_mb
    print(
        f"\nratio {ratio:.0%} (target >= {TARGET_RATIO:.0%}), errors {ours.errors} (target 0),"
        f" RSS growth {growth:.1f} MB (target < {TARGET_GROWTH_MB:g} MB)"
    )
    met = ratio >= TARGET_RATIO and ours.errors == 0 and growth < TARGET_GROWTH_MB
    print("targets met" if met else "targets NOT met")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds (60)")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds first (3)")
    asyncio.run(bench(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
