"""A write cancelled by its caller never commits, wherever the cancel finds it.

SQLCancel stops only a statement in flight: a cancel that reached the driver before the
work's first statement, or between two statements of a batch, used to do nothing, and
the batch went on to commit while the caller was told it was cancelled. Through the
driver process (the default executor) and the thread executor, on the TDS test server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pyodbc
import pytest
from driver_databases import Conn

from azsql_mcp.db import driverwrites
from azsql_mcp.db.driverprocess import DriverProcess
from azsql_mcp.db.executors import Executor, ThreadExecutor
from tds_test_server import ThreadedTdsServer

INSERT = "INSERT INTO dbo.Marks (Note) VALUES ('x')"
COUNT = "SELECT COUNT(*) FROM dbo.Marks"
PAGE = (100, 1_000_000, False)  # run_writes' cap on OUTPUT rows: max_rows, bytes, JSON


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as srv:
        cnxn = pyodbc.connect(srv.odbc_connection_string(), autocommit=True, timeout=10)
        cnxn.execute("CREATE TABLE dbo.Marks (ID int IDENTITY(1,1) PRIMARY KEY, Note nvarchar(10))")
        cnxn.close()
        yield srv


def count(server: ThreadedTdsServer) -> int:
    with pyodbc.connect(server.odbc_connection_string(), autocommit=True, timeout=10) as cnxn:
        return int(cnxn.execute(COUNT).fetchone()[0])


@pytest.mark.parametrize("kind", ["process", "thread"])
async def test_a_write_cancelled_as_soon_as_it_is_sent_never_commits(
    server: ThreadedTdsServer, kind: str
) -> None:
    executor: Executor = (
        DriverProcess("cancel", threads=3) if kind == "process" else ThreadExecutor("cancel", 3)
    )
    await executor.start()
    try:
        conn = Conn(executor.new_connection_id())
        await executor.request("connect", conn, (server.odbc_connection_string(), None, 10))
        before = count(server)
        for _ in range(5):
            # the run and its cancel leave together: the cancel reaches the driver before
            # or during the first statements, never after the batch is done (200 of them:
            # on two loaded cores the thread that reads the cancel once waited out 40)
            running = executor.run(
                conn, driverwrites.run_writes, ([(INSERT, [])] * 200, 1000, 10, *PAGE)
            )
            executor.tell("cancel", conn.id)
            with pytest.raises(Exception, match="cancel"):
                await running
            assert count(server) == before
        # a cancel that comes when no work runs is for nothing: the next write commits
        executor.tell("cancel", conn.id)
        await asyncio.sleep(0.05)
        done = await executor.run(conn, driverwrites.run_writes, ([(INSERT, [])], 1000, 10, *PAGE))
        assert [affected for affected, _, _ in done] == [1]
        assert count(server) == before + 1
    finally:
        await executor.close()


MARKING = [
    "CREATE TABLE dbo.Flags (ID int PRIMARY KEY, Flag bit)",
    "INSERT INTO dbo.Flags VALUES (1, 0)",
    "CREATE TRIGGER dbo.FlagsMarkAll ON dbo.Flags AFTER UPDATE AS UPDATE dbo.Marks SET Note = 'z'",
]
FLAG = "UPDATE dbo.Flags SET Flag = 1 WHERE ID = 1"


async def test_every_row_count_of_a_statement_counts_against_max_affected_rows(
    server: ThreadedTdsServer,
) -> None:
    """A trigger without SET NOCOUNT ON reports its statements' counts before the
    statement's own (SQL Server sends them as DONEINPROC tokens), and pyodbc's rowcount
    after execute is only the first: a one-row UPDATE behind a trigger that updates
    every row of another table passed a cap of 3."""
    with pyodbc.connect(server.odbc_connection_string(), autocommit=True, timeout=10) as cnxn:
        for sql in MARKING:
            cnxn.execute(sql)
        for _ in range(5):
            cnxn.execute(INSERT)
        rows = int(cnxn.execute(COUNT).fetchone()[0])
    executor = DriverProcess("counts", threads=3)
    await executor.start()
    try:
        conn = Conn(executor.new_connection_id())
        await executor.request("connect", conn, (server.odbc_connection_string(), None, 10))
        running = executor.run(conn, driverwrites.run_writes, ([(FLAG, [])], 3, 10, *PAGE))
        with pytest.raises(Exception, match=f"change {rows + 1} rows with what its triggers"):
            await running
        with pyodbc.connect(server.odbc_connection_string(), autocommit=True) as cnxn:
            assert (
                cnxn.execute("SELECT COUNT(*) FROM dbo.Marks WHERE Note = 'z'").fetchone()[0] == 0
            )
        done = await executor.run(conn, driverwrites.run_writes, ([(FLAG, [])], 1000, 10, *PAGE))
        assert [affected for affected, _, _ in done] == [1]  # the last count: the statement's
    finally:
        await executor.close()
