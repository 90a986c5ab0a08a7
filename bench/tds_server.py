"""Throughput of the TDS test server: SELECT * of 200,000 rows over ODBC Driver 18.

Run: .venv/bin/python bench/tds_server.py [--rows N] [--connects N]

Prints rows per second for reading a 6-column table with pyodbc (fetchmany in a
loop) and the connection setup time (mean and median over several connects),
next to the target. It prints figures; it does not assert.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyodbc

from azsql_mcp.testing.tds_server import ThreadedTdsServer, find_msodbc_driver
from azsql_mcp.testing.tds_server.results import ResultSet, SessionInfo

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


def create_table(server: ThreadedTdsServer, connection_string: str, rows: int) -> None:
    """DDL over the wire; rows through the engine's bulk loader (not what is measured)."""
    with closing(pyodbc.connect(connection_string, autocommit=True)) as connection:
        connection.execute(CREATE_TABLE)
    server.engine.bulk_insert(TABLE, COLUMNS, bench_rows(rows))


def read_all(connection_string: str) -> tuple[int, float]:
    with closing(pyodbc.connect(connection_string, autocommit=True)) as connection:
        cursor = connection.cursor()
        started = time.perf_counter()
        cursor.execute(f"SELECT * FROM {TABLE}")
        count = 0
        while batch := cursor.fetchmany(FETCH_SIZE):
            count += len(batch)
        return count, time.perf_counter() - started


def read_all_in_engine(server: ThreadedTdsServer) -> tuple[int, float]:
    """The same SELECT straight from the engine, to tell engine time from wire time."""
    session = server.engine.session(SessionInfo(spid=999, user="sa", database="master"))
    try:
        started = time.perf_counter()
        count = 0
        for result in session.execute(f"SELECT * FROM {TABLE}"):
            if isinstance(result, ResultSet):
                count += sum(1 for _ in result.rows)
        return count, time.perf_counter() - started
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
    print(f"driver: {driver}")
    with ThreadedTdsServer(sample=False, user="sa", password=PASSWORD) as server:
        connection_string = server.odbc_connection_string(driver="msodbc")
        print(f"server: {server.host}:{server.port}")

        started = time.perf_counter()
        create_table(server, connection_string, args.rows)
        print(f"loaded {args.rows:,} rows in {time.perf_counter() - started:.2f} s")

        read_all(connection_string)  # warm-up: translation cache, driver type info
        count, elapsed = read_all(connection_string)
        rate = count / elapsed
        print(
            f"SELECT * read {count:,} rows x {len(COLUMNS)} columns in {elapsed:.2f} s:"
            f" {rate:,.0f} rows/s"
        )
        met = "met" if rate >= TARGET_ROWS_PER_SECOND else "NOT met"
        print(f"target: >= {TARGET_ROWS_PER_SECOND:,} rows/s ({met})")
        count, elapsed = read_all_in_engine(server)
        print(f"same SELECT in the engine alone (no wire): {count / elapsed:,.0f} rows/s")

        times = connect_times(connection_string, args.connects)
        print(
            f"connection setup over {len(times)} connects:"
            f" mean {statistics.mean(times) * 1000:.1f} ms,"
            f" p50 {statistics.median(times) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
