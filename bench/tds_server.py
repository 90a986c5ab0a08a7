"""Throughput of the TDS test server: SELECT * of 200,000 rows over ODBC Driver 18.

Run: .venv/bin/python bench/tds_server.py [--rows N] [--connects N]

Prints rows per second for reading a 6-column table with pyodbc (fetchmany in a
loop) from the server in its own process (`python -m tds_test_server`,
one core: the server's work holds one GIL), next to the target; the same read
from a server in this process (ThreadedTdsServer, which shares the GIL with
pyodbc, as most tests do); the engine alone; and the connection setup time
(mean and median over several connects). It prints figures; it does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyodbc

from tds_test_server import ThreadedTdsServer, find_msodbc_driver, server_process
from tds_test_server.engine.engine import Engine
from tds_test_server.results import ResultSet, SessionInfo

TARGET_ROWS_PER_SECOND = 100_000
PASSWORD = "Bench-Passw0rd!"
TABLE = "dbo.BenchRows"
COLUMNS = ["Id", "Name", "Amount", "CreatedAt", "IsActive", "Score"]
CREATE_TABLE = f"""CREATE TABLE {TABLE} (
    Id int NOT NULL PRIMARY KEY,
    Name nvarchar(50) NOT NULL,
    Amount decimal(12,2) NOT NULL,
    CreatedAt datetime2 NOT NULL,
    IsActive bit NOT NULL,
    Score float NOT NULL
)"""
FETCH_SIZE = 5_000
RUNS = 3


def bench_rows(count: int) -> Iterator[tuple[Any, ...]]:
    start = datetime(2024, 1, 1)
    for i in range(1, count + 1):
        yield (
            i,
            f"row {i} · naïve",
            Decimal(i % 1_000_000).scaleb(-2),
            start + timedelta(seconds=i, microseconds=i % 1_000_000),
            i % 2 == 0,
            i / 7,
        )


def create_database(path: str, rows: int) -> Engine:
    """The table through the engine's DDL and bulk loader (not what is measured)."""
    engine = Engine(path)
    session = engine.session(SessionInfo(spid=999, user="sa", database="master"))
    try:
        for _ in session.execute(CREATE_TABLE):
            pass
    finally:
        session.close()
    engine.bulk_insert(TABLE, COLUMNS, bench_rows(rows))
    return engine


@contextmanager
def cli_server(path: str) -> Iterator[str]:
    """The CLI server, in its own process, on the prepared database; yields host,port."""
    with server_process("--database", path, "--password", PASSWORD) as server:
        yield f"{server.host},{server.port}"


def read_all(connection_string: str) -> tuple[int, float]:
    with closing(pyodbc.connect(connection_string, autocommit=True)) as connection:
        cursor = connection.cursor()
        started = time.perf_counter()
        cursor.execute(f"SELECT * FROM {TABLE}")
        count = 0
        while batch := cursor.fetchmany(FETCH_SIZE):
            count += len(batch)
        return count, time.perf_counter() - started


def best_rate(connection_string: str) -> float:
    """Best of RUNS reads after a warm-up (translation cache, driver type info)."""
    read_all(connection_string)
    return max(
        count / elapsed for count, elapsed in (read_all(connection_string) for _ in range(RUNS))
    )


def read_all_in_engine(engine: Engine) -> float:
    """The same SELECT straight from the engine, to tell engine time from wire time."""
    session = engine.session(SessionInfo(spid=999, user="sa", database="master"))
    try:
        started = time.perf_counter()
        count = 0
        for result in session.execute(f"SELECT * FROM {TABLE}"):
            if isinstance(result, ResultSet):
                count += sum(1 for _ in result.rows)
        return count / (time.perf_counter() - started)
    finally:
        session.close()


def connect_times(connection_string: str, connects: int) -> list[float]:
    times = []
    for _ in range(connects):
        started = time.perf_counter()
        connection = pyodbc.connect(connection_string, autocommit=True)
        times.append(time.perf_counter() - started)
        connection.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the table")
    parser.add_argument("--connects", type=int, default=20, help="connections to time")
    args = parser.parse_args()

    driver = find_msodbc_driver()
    if driver is None:
        sys.exit("Microsoft ODBC Driver 18 not found: install mssql-python-odbc")
    print(f"driver: {driver}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="azsql-bench-") as tmp:
        path = os.path.join(tmp, "bench.sqlite")
        started = time.perf_counter()
        engine = create_database(path, args.rows)
        print(f"loaded {args.rows:,} rows in {time.perf_counter() - started:.2f} s")
        shape = f"{args.rows:,} rows x {len(COLUMNS)} columns, best of {RUNS}"
        with cli_server(path) as address:
            connection_string = (
                f"DRIVER={{{driver}}};SERVER=tcp:{address};UID=sa;PWD={PASSWORD};Encrypt=no;"
            )
            rate = best_rate(connection_string)
            met = "met" if rate >= TARGET_ROWS_PER_SECOND else "NOT met"
            print(f"SELECT *, server in its own process ({shape}): {rate:,.0f} rows/s")
            print(f"target: >= {TARGET_ROWS_PER_SECOND:,} rows/s ({met})")
            times = connect_times(connection_string, args.connects)
            print(
                f"connection setup over {len(times)} connects:"
                f" mean {statistics.mean(times) * 1000:.1f} ms,"
                f" p50 {statistics.median(times) * 1000:.1f} ms"
            )
        engine.close()
        with ThreadedTdsServer(database=path, user="sa", password=PASSWORD) as server:
            rate = best_rate(server.odbc_connection_string(driver="msodbc"))
            print(
                f"SELECT *, server in this process (shares the GIL with pyodbc): {rate:,.0f} rows/s"
            )
            engine_rate = read_all_in_engine(server.engine)
            print(f"same SELECT in the engine alone (no wire): {engine_rate:,.0f} rows/s")


if __name__ == "__main__":
    main()
