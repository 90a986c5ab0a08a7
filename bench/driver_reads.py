"""CPU per `read_data` read in the driver process, and on the worker's side of the
exchange, with no HTTP server in between: a driver process (driverhost.py) of each
source tree given, asked for load.py's read (10 rows, five columns, as JSON values)
one request after another, as a worker asks for it.

Each tree runs in a child process of its own (PYTHONPATH=TREE), which starts its tree's
driverhost.py on a socket pair, connects to the TDS test server (its own process) and
makes --calls reads after a warm-up; it prints the driver process's CPU time per read
(/proc: user + system) and its own thread's (framing the request, reading and
unpickling the answer, the socket's system calls: what driverprocess.py does in a
worker). The trees take turns, --slices each, so a drift of the shared machine weighs
on both alike; the medians are printed per tree. Two trees: before and after a change,
in the same run.

With --instructions, the driver process runs under callgrind (instrumentation switched
on after the warm-up) and the instructions per read are printed instead of its CPU
time; needs valgrind.

    .venv/bin/python bench/driver_reads.py [--src DIR ...] [--calls 3000] [--slices 4]
                                           [--driver msodbc|freetds] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _callgrind import control, dump_total  # bench/_callgrind.py, beside this file
from _processes import cpu_seconds, tds_process  # bench/_processes.py, beside this file

QUERY = (  # load.py's
    "SELECT TOP (10) CustomerID, FirstName, LastName, CompanyName, EmailAddress"
    " FROM SalesLT.Customer ORDER BY CustomerID"
)
TDS_USER = "bench"
WARMUP_CALLS = 200
HERE = Path(__file__).resolve().parent


def connection_string(host: str, port: int, password: str, driver: str) -> str:
    from azsql_mcp.diagnostics.demo import DEMO_DATABASE
    from tds_test_server import find_msodbc_driver

    login = f"DATABASE={DEMO_DATABASE};UID={TDS_USER};PWD={password};"
    if driver == "freetds":
        return f"DRIVER={{FreeTDS}};SERVER={host};PORT={port};{login}TDS_Version=7.4;"
    return f"DRIVER={{{find_msodbc_driver()}}};SERVER=tcp:{host},{port};{login}Encrypt=no;"


# --- the child: one tree's driver process ------------------------------------------------


class Exchange:
    """The worker's side: frames out, answers in, one at a time."""

    def __init__(self, sock: socket.socket):
        from azsql_mcp.db import driverserve

        self._sock = sock
        self._frame = driverserve.frame
        self._header = driverserve.HEADER
        self._ids = 0

    def ask(self, op: str, connection_id: int, args: Any) -> Any:
        import pickle

        self._ids += 1
        self._sock.sendall(self._frame((self._ids, op, connection_id, args)))
        received = bytearray()
        while len(received) < self._header.size:
            received += self._sock.recv(65536)
        (length,) = self._header.unpack_from(received)
        while len(received) < self._header.size + length:
            received += self._sock.recv(65536)
        _, ok, value, _ = pickle.loads(received[self._header.size :])
        if not ok:
            raise RuntimeError(f"the driver process refused: {value}")
        return value


def child(args: argparse.Namespace) -> None:
    from azsql_mcp.db import driverhost

    ours, theirs = socket.socketpair()
    host = [sys.executable, driverhost.__file__, str(theirs.fileno()), "4"]  # threads
    if args.instructions:
        callgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--quiet"]
        host = [*callgrind, f"--callgrind-out-file={args.out}", *host]
    process = subprocess.Popen(host, pass_fds=(theirs.fileno(),), stdout=subprocess.DEVNULL)
    theirs.close()
    exchange = Exchange(ours)
    exchange.ask("connect", 1, (args.odbc, None, 30))
    read = ("fetch_page", (QUERY, [], 10, 0, 1_000_000, 30, True, (QUERY, ())))
    for _ in range(WARMUP_CALLS):
        exchange.ask("run", 1, read)
    if args.instructions:
        for command in ("-i", "on"), ("-z",):
            control(*command, str(process.pid))
    driver_before, ours_before = cpu_seconds(process.pid), time.thread_time()
    for _ in range(args.calls):
        exchange.ask("run", 1, read)
    driver_s, ours_s = cpu_seconds(process.pid) - driver_before, time.thread_time() - ours_before
    if args.instructions:
        control("-d", str(process.pid))
        driver_s = callgrind_total(Path(args.out)) / 1e9  # printed as M a read below
    ours.close()
    process.wait(30)
    print(f"{driver_s * 1000 / args.calls:.4f} {ours_s * 1000 / args.calls:.4f}")


def callgrind_total(out: Path) -> int:
    """The instructions of the dump of the counted reads (OUT.1; OUT is the one at exit)."""
    dumps = sorted(out.parent.glob(out.name + ".*"), key=lambda p: p.stat().st_mtime)
    return dump_total(dumps[-1])


# --- the parent: turns ---------------------------------------------------------------------


def bench(args: argparse.Namespace) -> None:
    if args.instructions and shutil.which("callgrind_control") is None:
        sys.exit("--instructions needs valgrind (callgrind_control on PATH)")
    trees = [str(Path(tree).resolve()) for tree in args.src or [HERE.parent / "src"]]
    password = secrets.token_urlsafe(12)
    figures: dict[str, list[tuple[float, float]]] = {tree: [] for tree in trees}
    unit = "instructions (M)" if args.instructions else "CPU ms"
    with tds_process(TDS_USER, password) as tds, tempfile.TemporaryDirectory() as tmp:
        odbc = connection_string(tds.host, tds.port, password, args.driver)
        for turn in range(args.slices):
            for index, tree in enumerate(trees):
                command = [sys.executable, __file__, "--child", "--calls", str(args.calls)]
                command += ["--odbc", odbc, "--out", f"{tmp}/callgrind.{turn}.{index}"]
                command += ["--instructions"] if args.instructions else []
                env = os.environ | {"PYTHONPATH": tree}
                out = subprocess.run(
                    command, env=env, check=True, stdout=subprocess.PIPE, text=True
                )
                driver, ours = map(float, out.stdout.split())
                figures[tree].append((driver, ours))
                print(
                    f"turn {turn + 1} {tree}: driver process {driver:.4f}, worker side {ours:.4f}"
                )
    print(f"{args.calls} reads a turn, {args.driver}; a read, medians of {args.slices} turns:")
    for tree, runs in figures.items():
        driver = statistics.median(run[0] for run in runs)
        ours = statistics.median(run[1] for run in runs)
        print(f"  {tree}: driver process {driver:.4f} {unit}, worker side {ours:.4f} CPU ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src",
        action="append",
        help="a src directory (twice or more: compared, taking turns; this checkout's)",
    )
    parser.add_argument("--calls", type=int, default=3000, help="reads a turn (3000)")
    parser.add_argument("--slices", type=int, default=4, help="turns per tree (4)")
    parser.add_argument("--driver", choices=("msodbc", "freetds"), default="msodbc")
    parser.add_argument("--instructions", action="store_true", help="count under callgrind")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--odbc", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else bench(args)


if __name__ == "__main__":
    main()
