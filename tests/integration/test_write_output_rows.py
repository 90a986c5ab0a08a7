"""The rows of a write's OUTPUT clause come back with the write (run_writes), one per
row it changed, capped like a read's page, and counted against max_affected_rows.

Through both executors on the TDS test server. run_writes runs any statement (the guard
is not on this path), so a statement that answers with rows stands in for an OUTPUT
clause in the first tests; the tool tests below use OUTPUT itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pyodbc
import pytest
from driver_databases import Conn

from azsql_mcp.db import driverwrites
from azsql_mcp.db.driverprocess import DriverProcess
from azsql_mcp.db.executors import Executor, ThreadExecutor
from tds_test_server import ThreadedTdsServer

INSERT = "INSERT INTO dbo.Stamps (Note) VALUES ('x')"
RETURNING = "SELECT ID, Note FROM dbo.Stamps ORDER BY ID"  # stands in for OUTPUT
# run_writes of the statements with max_affected_rows, max_rows and json_values
Run = Callable[[list[str], int, int, bool], Awaitable[list[driverwrites.Written]]]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as srv:
        cnxn = pyodbc.connect(srv.odbc_connection_string(), autocommit=True, timeout=10)
        cnxn.execute(
            "CREATE TABLE dbo.Stamps (ID int IDENTITY(1,1) PRIMARY KEY, Note nvarchar(10))"
        )
        cnxn.execute("INSERT INTO dbo.Stamps (Note) VALUES ('a'), ('b'), ('c')")
        cnxn.close()
        yield srv


def count(server: ThreadedTdsServer) -> int:
    with pyodbc.connect(server.odbc_connection_string(), autocommit=True, timeout=10) as cnxn:
        return int(cnxn.execute("SELECT COUNT(*) FROM dbo.Stamps").fetchone()[0])


@pytest.fixture(params=["process", "thread"])
async def run(request: pytest.FixtureRequest, server: ThreadedTdsServer) -> AsyncIterator[Run]:
    executor: Executor = (
        DriverProcess("output", threads=3)
        if request.param == "process"
        else ThreadExecutor("output", 3)
    )
    await executor.start()
    conn = Conn(executor.new_connection_id())
    await executor.request("connect", conn, (server.odbc_connection_string(), None, 10))

    async def run_writes(
        statements: list[str], cap: int, max_rows: int, json: bool
    ) -> list[driverwrites.Written]:
        batch = [(sql, []) for sql in statements]
        work = (batch, cap, 10, max_rows, 1_000_000, json)
        return await executor.run(conn, driverwrites.run_writes, work)

    try:
        yield run_writes
    finally:
        await executor.close()


async def test_the_rows_come_back_with_their_columns_and_count_as_the_rows_changed(
    server: ThreadedTdsServer, run: Run
) -> None:
    before = count(server)
    done = await run([INSERT, RETURNING], 1000, 100, True)
    (inserted, _, none), (returned, _, page) = done
    assert inserted == 1 and none is None
    assert returned == before + 1  # one OUTPUT row per row changed
    assert page["columns"] == [("ID", "int"), ("Note", "nvarchar(10)")]
    assert page["rows"][-1] == [before + 1, "x"] and len(page["rows"]) == before + 1
    assert page["truncated"] is False
    assert count(server) == before + 1  # committed


async def test_past_max_rows_the_rows_are_cut_and_all_of_them_still_count(
    server: ThreadedTdsServer, run: Run
) -> None:
    before = count(server)
    ((returned, _, page),) = await run([RETURNING], 1000, 2, False)
    assert returned == before and before > 2
    assert page["truncated"] is True and [tuple(r) for r in page["rows"]] == [(1, "a"), (2, "b")]


async def test_more_rows_than_max_affected_rows_roll_the_write_back(
    server: ThreadedTdsServer, run: Run
) -> None:
    before = count(server)
    with pytest.raises(
        Exception, match="would change at least 3 rows, more than max_affected_rows = 2"
    ):
        await run([INSERT, RETURNING], 2, 100, True)
    assert count(server) == before  # the INSERT was rolled back with it
