"""Per-statement time of the TDS test server over ODBC Driver 18, for a few statements.

Run: .venv/bin/python bench/tds_statements.py [--src DIR ...] [--calls N] [--rounds N]
         [--tables N] [--clients N] [--only LABEL] [--callgrind]

Each call executes one statement, reads up to 100 rows and rolls back, against
`python -m tds_test_server --sample` in its own process; the figure is the median of the
calls in milliseconds, and beside it the server process's CPU time a call (all its
threads, from Linux's /proc/PID/task/*/schedstat), which load on a shared machine
disturbs less. --tables N adds N tables in up to 300 schemas to each server first (a
large catalog for list_tables; about 50 ms a table). Given --src twice or more (a
tree's `src` directory, such as an older commit's `git archive`), it starts one server
per tree and takes turns between them, so that the trees are compared under the same
load. --clients N runs each turn on N connections at once, each making --calls calls
(the server's threads then contend for Python's lock, which shows in its CPU a call, as
in bench/peers.py at 16 clients); --only runs the statements whose label holds LABEL.
--callgrind runs each server under valgrind's callgrind instead and prints the
instructions it runs a call (one client, --calls calls after a warm-up), which the load
of a shared machine does not move: the steadier figure for a change of a few percent.
It prints figures; it does not assert.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyodbc
from _callgrind import control, dump_total  # bench/_callgrind.py, beside this file

from azsql_mcp.catalog.sql import COLUMNS, LIST_TABLES, TABLE_KIND
from tds_test_server import find_msodbc_driver

USER, PASSWORD = "bench", "Bench-Passw0rd!"
STATEMENTS = {
    "SELECT 1": "SELECT 1",
    "load.py's read": (
        "SELECT TOP (10) CustomerID, FirstName, LastName, CompanyName, EmailAddress"
        " FROM SalesLT.Customer ORDER BY CustomerID"
    ),
    "TOP 100 rows": "SELECT TOP (100) * FROM SalesLT.SalesOrderDetail",
    "TOP 100 by key": ("SELECT TOP (100) * FROM SalesLT.SalesOrderDetail ORDER BY SalesOrderID"),
    "text ORDER BY": "SELECT TOP (100) * FROM SalesLT.Customer ORDER BY LastName, CustomerID",
    "expression ORDER BY": (
        "SELECT TOP (100) CustomerID FROM SalesLT.Customer ORDER BY LastName + N', ' + FirstName"
    ),
    "alias ORDER BY": (
        "SELECT TOP (100) LastName + N', ' + FirstName AS n FROM SalesLT.Customer ORDER BY n"
    ),
    "text column = @variable": (  # compared as text, by the column's index (comparisons.py)
        "DECLARE @email nvarchar(50) = N'orlando0@adventure-works.com';"
        " SELECT CustomerID FROM SalesLT.Customer WHERE EmailAddress = @email"
    ),
    "describe_table columns": (
        "DECLARE @object_id int = OBJECT_ID(N'SalesLT.Product'),"
        " @column_pattern nvarchar(4000) = NULL, @after_object_id int = 0,"
        " @after_column_id int = 0;" + COLUMNS
    ),
    "describe_table kind": ("DECLARE @object_id int = OBJECT_ID(N'SalesLT.Product');" + TABLE_KIND),
    "list_tables": (
        "DECLARE @schema sysname = NULL, @pattern nvarchar(4000) = NULL,"
        " @after_schema_name sysname = NULL, @after_object_name sysname = NULL;" + LIST_TABLES
    ),
}
_LISTENING = re.compile(r"listening on (\S+):(\d+)")


@dataclass
class Tree:
    """One tree's server: its name, its process id and connections to it (one a client)."""

    name: str
    pid: int
    conns: list[pyodbc.Connection]
    dumps: Path | None = None  # where callgrind writes the server's counts (--callgrind)

    def cpu_seconds(self) -> float:
        """CPU time of every thread of the server so far (Linux)."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError):  # a thread that ended meanwhile
                continue
        return total / 1e9


@contextmanager
def sample_server(src: str | None, clients: int, callgrind: bool = False) -> Iterator[Tree]:
    """The sample server from tree `src` (None: the code this script imports), connected
    `clients` times; under callgrind, its instrumentation off until asked for."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.path.abspath(src)
    args = ["--port", "0", "--sample", "--user", USER, f"--password={PASSWORD}"]
    dumps = Path(tempfile.mkdtemp(prefix="tds-callgrind-")) if callgrind else None
    under = []
    if dumps is not None:
        under = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        under.append(f"--callgrind-out-file={dumps}/callgrind.out")
    proc = subprocess.Popen(
        [*under, sys.executable, "-m", "tds_test_server", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=None if dumps is None else subprocess.DEVNULL,  # valgrind's own report
        text=True,
    )
    try:
        assert proc.stdout is not None
        match = _LISTENING.fullmatch(proc.stdout.readline().rstrip("\n"))
        if match is None:
            raise RuntimeError(f"the TDS test server from {src or 'this tree'} did not start")
        host, port = match.groups()
        conns = [
            pyodbc.connect(
                f"DRIVER={{{find_msodbc_driver()}}};SERVER=tcp:{host},{port};"
                f"DATABASE=AdventureWorksLT;UID={USER};PWD={PASSWORD};Encrypt=no",
                autocommit=False,
                timeout=300,  # a login under callgrind takes seconds
            )
            for _ in range(clients)
        ]
        try:
            yield Tree(src or "this tree", proc.pid, conns, dumps)
        finally:
            for conn in conns:
                conn.close()
    finally:
        proc.terminate()
        proc.wait(15)
        if dumps is not None:
            shutil.rmtree(dumps)


def timed_calls(conn: pyodbc.Connection, sql: str, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        cur = conn.cursor()
        cur.execute(sql)
        cur.fetchmany(100)
        cur.close()
        conn.rollback()
        times.append(time.perf_counter() - start)
    return times


def concurrent_calls(conns: list[pyodbc.Connection], sql: str, calls: int) -> list[float]:
    """timed_calls on every connection at once, one thread each (pyodbc lets go of
    Python's lock while it waits on the server)."""
    if len(conns) == 1:
        return timed_calls(conns[0], sql, calls)
    times: list[list[float]] = [[] for _ in conns]
    threads = [
        threading.Thread(target=lambda i=i: times[i].extend(timed_calls(conns[i], sql, calls)))
        for i in range(len(conns))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [t for each in times for t in each]


def measure(trees: list[Tree], sql: str, calls: int, rounds: int) -> list[str]:
    """`wall / cpu` ms a call for each tree, taking turns; n/a where the statement fails."""
    able = []
    for tree in trees:  # warm: the translation cache, SQLite's page cache
        try:
            for conn in tree.conns:
                timed_calls(conn, sql, 5)
            able.append(tree)
        except pyodbc.Error:  # an older tree without a feature the statement uses
            for conn in tree.conns:
                conn.rollback()
    walls: dict[str, list[float]] = {t.name: [] for t in able}
    cpus = dict.fromkeys(walls, 0.0)
    for _ in range(rounds):
        for tree in able:
            before = tree.cpu_seconds()
            walls[tree.name] += concurrent_calls(tree.conns, sql, calls)
            cpus[tree.name] += tree.cpu_seconds() - before
    count = calls * rounds * len(trees[0].conns)
    return [
        f"{statistics.median(walls[t.name]) * 1000:.2f} / {cpus[t.name] * 1000 / count:.2f}"
        if t.name in walls
        else "n/a"
        for t in trees
    ]


def instructions(trees: list[Tree], sql: str, calls: int) -> list[str]:
    """Instructions a call of each tree's server (callgrind: switched on, warmed, zeroed,
    `calls` calls, dumped, switched off again so the next warm-up runs at speed)."""
    out = []
    for tree in trees:
        assert tree.dumps is not None
        conn = tree.conns[0]

        pid = str(tree.pid)
        try:
            timed_calls(conn, sql, 5)
        except pyodbc.Error:  # an older tree without a feature the statement uses
            conn.rollback()
            out.append("n/a")
            continue
        control("-i", "on", pid)
        timed_calls(conn, sql, 10)
        control("-z", pid)
        timed_calls(conn, sql, calls)
        before = set(tree.dumps.iterdir())
        control("-d", pid)
        control("-i", "off", pid)
        (dump,) = set(tree.dumps.iterdir()) - before
        out.append(f"{dump_total(dump) / calls:,.0f}")
    return out


def add_tables(conn: pyodbc.Connection, tables: int) -> None:
    """`tables` one-column tables, spread over up to 300 schemas, committed."""
    schemas = min(tables, 300)
    cur = conn.cursor()
    for s in range(schemas):
        cur.execute(f"CREATE SCHEMA s{s:03d}")
    for t in range(tables):
        cur.execute(f"CREATE TABLE s{t % schemas:03d}.t{t:04d} (id int NOT NULL PRIMARY KEY)")
    conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", action="append", help="a tree's src directory (repeat)")
    parser.add_argument("--calls", type=int, default=40, help="calls per turn")
    parser.add_argument("--rounds", type=int, default=5, help="turns per tree")
    parser.add_argument("--tables", type=int, default=0, help="tables to add first")
    parser.add_argument("--clients", type=int, default=1, help="connections calling at once")
    parser.add_argument("--only", default="", help="the statements whose label holds this")
    parser.add_argument(
        "--callgrind", action="store_true", help="instructions a call, counted by callgrind"
    )
    args = parser.parse_args()
    if args.callgrind and shutil.which("callgrind_control") is None:
        sys.exit("--callgrind needs valgrind (callgrind_control on PATH)")
    clients = 1 if args.callgrind else args.clients
    with ExitStack() as stack:
        trees = [
            stack.enter_context(sample_server(src, clients, args.callgrind))
            for src in args.src or [None]
        ]
        for tree in trees:
            add_tables(tree.conns[0], args.tables)
        if args.callgrind:
            print(f"instructions a call of the server ({args.calls} calls, callgrind)")
        else:
            print(
                f"ms a call, wall median / server CPU mean ({args.calls} calls x"
                f" {args.rounds} turns x {args.clients} clients)"
            )
        print(f"{'statement':<24}" + "".join(f"{t.name[-22:]:>24}" for t in trees))
        for label, sql in STATEMENTS.items():
            if args.only not in label:
                continue
            if args.callgrind:
                figures = instructions(trees, sql, args.calls)
            else:
                figures = measure(trees, sql, args.calls, args.rounds)
            print(f"{label:<24}" + "".join(f"{f:>24}" for f in figures))


if __name__ == "__main__":
    main()
