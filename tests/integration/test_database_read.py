"""SourceDatabase reads, writes, explain and timeouts against the TDS test server, through
Microsoft's ODBC Driver 18 and FreeTDS."""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pyodbc
import pytest
from driver_databases import DRIVER_IDS, DRIVERS, make_db

from azsql_mcp import (
    DatabaseError,
    QueryRefused,
    QueryTimeout,
    Security,
)
from azsql_mcp.api import WorkRefused
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.values import rows_to_json
from tds_test_server import ThreadedTdsServer

DETAIL = "SalesLT.SalesOrderDetail"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        cnxn = pyodbc.connect(srv.odbc_connection_string("msodbc"), autocommit=True)
        cnxn.execute("CREATE TABLE dbo.Items (id int NOT NULL PRIMARY KEY, name nvarchar(50))")
        cnxn.close()
        yield srv


@pytest.fixture(params=DRIVERS, ids=DRIVER_IDS)
async def db(request: pytest.FixtureRequest, server: ThreadedTdsServer) -> AsyncIterator[Any]:
    database = make_db(server, driver=request.param, max_rows=1000)
    yield database
    await database.close()


@pytest.fixture
async def writer(server: ThreadedTdsServer) -> AsyncIterator[SourceDatabase]:
    cleaner = make_db(server, security=Security(read_only=False))
    await cleaner.write("DELETE FROM dbo.Items WHERE id > @min", {"min": -1}, kinds=["delete"])
    await cleaner.close()
    database = make_db(server, security=Security(read_only=False), max_affected_rows=2)
    yield database
    await database.close()


async def test_read_with_parameters_and_types(db: SourceDatabase) -> None:
    result = await db.read(
        "SELECT TOP (3) SalesOrderID, ProductID, UnitPrice, ModifiedDate, rowguid, "
        "CAST(SYSDATETIMEOFFSET() AS datetimeoffset(7)) AS stamp "
        f"FROM {DETAIL} WHERE ProductID > @min ORDER BY SalesOrderDetailID",
        {"min": 0},
    )
    assert [c.name for c in result.columns] == [
        "SalesOrderID",
        "ProductID",
        "UnitPrice",
        "ModifiedDate",
        "rowguid",
        "stamp",
    ]
    types = [c.sql_type for c in result.columns]
    assert types == [
        "int", "int", "money", "datetime", "uniqueidentifier", "datetimeoffset(7)"
    ]  # fmt: skip
    assert result.rows[0][5].tzinfo is not None
    assert len(result.rows) == 3 and not result.truncated and result.next_offset is None


async def test_json_values_are_the_driver_values_converted(db: SourceDatabase) -> None:
    """json_values converts in the driver process by the rules of azsql_mcp.values; the
    columns are named as in a plain read (uniqueidentifier and datetimeoffset included)."""
    sql = (
        "SELECT TOP (3) SalesOrderID, UnitPrice, ModifiedDate, rowguid, "
        "CAST(rowguid AS varbinary(16)) AS raw, CAST(NULL AS int) AS missing, "
        "CAST('2024-01-02T03:04:05.1234567+05:30' AS datetimeoffset(7)) AS stamp "
        f"FROM {DETAIL} ORDER BY SalesOrderDetailID"
    )
    plain = await db.read(sql)
    converted = await db.read(sql, json_values=True)
    assert converted.columns == plain.columns
    assert converted.rows == rows_to_json(plain.rows)
    first = converted.rows[0]
    assert isinstance(first[1], str) and first[1] == str(plain.rows[0][1])  # every digit
    assert first[3] == str(plain.rows[0][3]).upper()
    assert first[4].startswith("0x") and first[5] is None
    assert first[6] == "2024-01-02T03:04:05.1234567+05:30"  # all seven digits


async def test_cap_truncates_and_pages(db: SourceDatabase) -> None:
    sql = f"SELECT SalesOrderDetailID FROM {DETAIL} ORDER BY SalesOrderDetailID"
    first = await db.read(sql, max_rows=5)
    assert first.truncated and first.next_offset == 5 and len(first.rows) == 5
    second = await db.read(sql, max_rows=5, offset=first.next_offset or 0)
    assert [r[0] for r in second.rows] == [r[0] + 5 for r in first.rows]


async def test_caller_cannot_exceed_the_operator_cap(server: ThreadedTdsServer) -> None:
    database = make_db(server, max_rows=3)
    try:
        result = await database.read(f"SELECT SalesOrderID FROM {DETAIL}", max_rows=1000)
        assert len(result.rows) == 3 and result.truncated
    finally:
        await database.close()


async def test_byte_cap(server: ThreadedTdsServer) -> None:
    database = make_db(server, max_rows=1000, max_result_bytes=1024)
    try:
        result = await database.read("SELECT EmailAddress, CompanyName FROM SalesLT.Customer")
        assert result.truncated and 0 < len(result.rows) < 100
        assert result.next_offset == len(result.rows)
    finally:
        await database.close()


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
async def test_the_byte_cap_counts_text_as_its_utf8_bytes(
    server: ThreadedTdsServer, driver: str | None
) -> None:
    """A CJK character takes three bytes of the UTF-8 result, an emoji (a surrogate pair
    in nvarchar) four: counted as one character each, a Japanese or Chinese database got
    three times max_result_bytes."""
    database = make_db(server, driver=driver, max_rows=1000, max_result_bytes=4000)
    try:
        for text, width in ((N_CJK, 3), (N_EMOJI, 4)):
            rows = f"SELECT TOP 20 REPLICATE(N'{text}', 100) AS t FROM {DETAIL}"
            result = await database.read(rows, json_values=True)
            assert result.rows[0][0] == text * 100  # the characters arrive intact
            assert result.truncated and len(result.rows) == 4000 // (100 * width + 2)
    finally:
        await database.close()


N_CJK = "日"
N_EMOJI = "\U0001f600"


@pytest.fixture
def half_pairs(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A character the test server sends as half a surrogate pair: its SQLite cannot
    hold one (text is UTF-8), so U+E000 goes on the wire as the high half of an emoji."""
    from tds_test_server.protocol import types

    def utf16(text: str) -> bytes:
        return codecs.utf_16_le_encode(text.replace("\ue000", "\ud83d"), "surrogatepass")[0]

    monkeypatch.setattr(types, "utf16", utf16)
    monkeypatch.setattr(types, "utf16_column", lambda values: list(map(utf16, values)))
    types.column_encoder.cache_clear()  # encoders hold the function they were built with
    yield "NCHAR(57344)"
    monkeypatch.undo()
    types.column_encoder.cache_clear()


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
async def test_half_a_surrogate_pair_reads_as_a_replacement_character(
    server: ThreadedTdsServer, driver: str | None, half_pairs: str
) -> None:
    """SQL Server holds half a pair where an emoji was cut under a collation without _SC
    (LEFT(N'\U0001f600x', 1), CAST to nvarchar(n)). pyodbc's decoding raised on it, and
    the error, rebuilt across the driver process, broke the call: it hung until the
    read's deadline, then said the network path was failing."""
    database = make_db(server, driver=driver, max_rows=10, query_timeout_s=5)
    try:
        for json_values in (False, True):
            sql = (
                f"SELECT N'ab' + {half_pairs} AS cut,"
                f" CAST(N'c' + {half_pairs} AS nvarchar(max)) AS m"
            )
            result = await database.read(sql, json_values=json_values)
            assert [list(row) for row in result.rows] == [["ab\ufffd", "c\ufffd"]]
    finally:
        await database.close()


async def test_capped_read_of_a_big_table_costs_only_the_rows_returned(
    db: SourceDatabase,
) -> None:
    """50,000+ rows capped at 500: the query is cancelled on the server (ATTENTION) right
    after the rows we keep, so the rest is never produced. Checked with the rows the
    server's session produced (sys.dm_exec_sessions.row_count), not with timing."""
    total = (await db.read(f"SELECT COUNT(*) FROM {DETAIL}")).rows[0][0]
    assert total >= 50_000
    result = await db.read(f"SELECT * FROM {DETAIL}", max_rows=500)
    assert len(result.rows) == 500 and result.truncated
    # the pool hands back the same session; what it produced is only what socket
    # buffers held when the cancel arrived (more on a loaded machine, where the test
    # server's thread runs ahead of the driver: never the whole table)
    produced = await db.read(
        "SELECT row_count FROM sys.dm_exec_sessions WHERE session_id = @@SPID", server_state=True
    )
    assert produced.rows[0][0] < total / 2
    assert db.pool_stats()["idle"] == 1  # the connection stayed usable


async def test_timeout_cancels_and_the_connection_is_reused(server: ThreadedTdsServer) -> None:
    database = make_db(server, query_timeout_s=1)
    try:
        await database.ping()
        logins = len(server.record.logins)
        with server.faulted("delay:5@query:1"):
            # QueryTimeout: health_check tells a slow server from one that is down by it
            with pytest.raises(QueryTimeout, match=r"query_timeout_s = 1 s and was cancelled") as e:
                await database.read("SELECT 1")
            # what the caller can do, and what only the operator can
            assert "ask for less" in str(e.value) and "ask the operator" in str(e.value)
            # SQL Server's locking READ COMMITTED (its default; not Azure SQL Database's)
            # makes a read wait on a writer's locks: no narrower query helps then
            assert "may instead have waited on another session's locks" in str(e.value)
            assert database.pool_stats() == {"in_use": 0, "idle": 1, "size": 10}
            assert (await database.read("SELECT 2")).rows == [(2,)]
            assert len(server.record.logins) == logins  # the same connection, no new login
    finally:
        await database.close()


async def test_a_timeout_in_a_batch_says_which_statement_timed_out(
    server: ThreadedTdsServer,
) -> None:
    # no catalog read before the writes (write_effects): the fault meets the first one
    security = Security(read_only=False, allow_uncounted_writes=True)
    database = make_db(server, security=security, query_timeout_s=1)
    try:
        await database.ping()
        with server.faulted("delay:5@query:1"):
            insert = "INSERT INTO dbo.Items (id) VALUES ({})"
            with pytest.raises(DatabaseError, match=r"^Statement 1 of 2: the query did not finish"):
                await database.write_batch([insert.format(900), insert.format(901)])
    finally:
        await database.close()


async def test_a_write_that_could_not_connect_says_nothing_was_sent(
    server: ThreadedTdsServer,
) -> None:
    # no catalog read before the write (write_effects): the login is the write's
    database = make_db(server, security=Security(read_only=False, allow_uncounted_writes=True))
    try:
        with server.faulted("error:40613@login:1"):
            with pytest.raises(DatabaseError, match="nothing was sent") as refused:
                await database.write("DELETE FROM dbo.Items WHERE id = 902", kinds=["delete"])
            assert "check whether the change took effect" not in str(refused.value)
    finally:
        await database.close()


async def test_explain_returns_showplan_xml_and_never_runs(db: SourceDatabase) -> None:
    plan = await db.explain(f"SELECT * FROM {DETAIL} WHERE ProductID = @p")
    assert plan.lstrip().startswith("<") and "ShowPlanXML" in plan
    # SHOWPLAN stayed with that session: a read afterwards returns data, not a plan
    assert (await db.read("SELECT 7 AS seven")).rows == [(7,)]


async def test_ping(db: SourceDatabase) -> None:
    assert await db.ping() >= 0


async def test_guard_and_parameters_are_enforced(db: SourceDatabase) -> None:
    with pytest.raises(QueryRefused):
        await db.read("DELETE FROM dbo.Items")
    with pytest.raises(QueryRefused, match="@id"):
        await db.read("SELECT * FROM dbo.Items WHERE id = @id")
    with pytest.raises(QueryRefused, match="does not use: extra"):
        await db.read("SELECT 1", {"extra": 1})


async def test_a_value_the_driver_cannot_bind_is_refused(db: SourceDatabase) -> None:
    # pyodbc raises OverflowError, not a pyodbc.Error, for an int beyond bigint
    with pytest.raises(QueryRefused, match="@big is 18446744073709551616, outside"):
        await db.read("SELECT @big AS v", {"big": 2**64})
    with pytest.raises(QueryRefused, match=r"@low is .*outside the range of bigint"):
        await db.call_procedure("SalesLT.uspNothing", {"low": -(2**63) - 1})
    with pytest.raises(QueryRefused, match=r"@d is 1E\+100, which needs more than"):
        await db.read("SELECT @d AS v", {"d": Decimal("1E+100")})
    # and whatever else the driver refuses while binding (a lone surrogate: it cannot
    # encode it), named as such rather than a traceback
    with pytest.raises(QueryRefused, match="could not be sent to SQL Server"):
        await db.read("SELECT @s AS v", {"s": "\ud800"})
    assert (await db.read("SELECT @n AS v", {"n": 2**63 - 1})).rows == [(2**63 - 1,)]


async def test_a_decimal_takes_the_digits_it_needs(db: SourceDatabase) -> None:
    # as written, 0E+50 is 51 digits and 1.000... 41: pyodbc could bind neither
    for given, sent in (("0E+50", "0"), ("1." + "0" * 40, "1"), ("-2.50", "-2.50")):
        result = await db.read("SELECT @d AS v", {"d": Decimal(given)})
        assert str(result.rows[0][0]) == sent
    with pytest.raises(QueryRefused, match=r"@d is 1\.0+1, which needs more than"):
        await db.read("SELECT @d AS v", {"d": Decimal("1." + "0" * 40 + "1")})


async def test_writes_are_refused_while_read_only(db: SourceDatabase) -> None:
    with pytest.raises(QueryRefused, match="read-only"):
        await db.write("INSERT INTO dbo.Items (id) VALUES (1)", kinds=["insert"])
    with pytest.raises(QueryRefused, match="read-only"):
        await db.write_batch(["INSERT INTO dbo.Items (id) VALUES (1)"])


async def test_write_commits(writer: SourceDatabase) -> None:
    result = await writer.write(
        "INSERT INTO dbo.Items (id, name) VALUES (@id, @name)",
        {"id": 1, "name": "one;{x}"},
        kinds=["insert"],
    )
    assert result.rows_affected == 1
    rows = (await writer.read("SELECT id, name FROM dbo.Items")).rows
    assert rows == [(1, "one;{x}")]


async def test_write_over_max_affected_rows_is_rolled_back(writer: SourceDatabase) -> None:
    for i in range(3):
        await writer.write(f"INSERT INTO dbo.Items (id) VALUES ({i + 10})", kinds=["insert"])
    with pytest.raises(WorkRefused, match="3 rows, more than max_affected_rows = 2"):
        await writer.write(
            "UPDATE dbo.Items SET name = @n WHERE id >= @id", {"n": "x", "id": 10}, kinds=["update"]
        )
    rows = (await writer.read("SELECT name FROM dbo.Items WHERE id >= 10")).rows
    assert rows == [(None,), (None,), (None,)]


async def test_write_batch_is_all_or_nothing(writer: SourceDatabase) -> None:
    with pytest.raises(DatabaseError):
        await writer.write_batch(
            [
                "INSERT INTO dbo.Items (id, name) VALUES (@a, 'a')",
                "INSERT INTO dbo.Items (id, name) VALUES (@a, 'duplicate key')",
            ],
            {"a": 20},
        )
    assert (await writer.read("SELECT COUNT(*) FROM dbo.Items WHERE id = 20")).rows == [(0,)]
    results = await writer.write_batch(
        [
            "INSERT INTO dbo.Items (id, name) VALUES (@a, 'a')",
            "UPDATE dbo.Items SET name = 'b' WHERE id = @a",
        ],
        {"a": 21},
    )
    assert [r.rows_affected for r in results] == [1, 1]


async def test_a_cancelled_caller_cancels_the_query_and_the_connection_is_reused(
    server: ThreadedTdsServer,
) -> None:
    """The caller goes away mid-query (an MCP client's notifications/cancelled): the
    server gets ATTENTION at once, and the connection, rolled back, returns to the pool."""
    database = make_db(server)
    try:
        await database.ping()
        logins, attentions = len(server.record.logins), server.record.attentions
        with server.faulted("delay:30@query:1"):
            task = asyncio.create_task(database.read("SELECT 1"))
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(50):
                if database.pool_stats()["in_use"] == 0:
                    break
                await asyncio.sleep(0.1)
            assert server.record.attentions == attentions + 1
            assert database.pool_stats() == {"in_use": 0, "idle": 1, "size": 10}
            assert (await database.read("SELECT 3")).rows == [(3,)]
            assert len(server.record.logins) == logins  # the same connection, no new login
    finally:
        await database.close()


# 542 x 6000 rows, streamed by the server as fast as they are read
CROSS = (
    "SELECT a.SalesOrderDetailID AS a, b.n AS b FROM SalesLT.SalesOrderDetail AS a"
    " CROSS JOIN (SELECT TOP (6000) SalesOrderDetailID AS n FROM SalesLT.SalesOrderDetail) AS b"
)


async def test_an_offset_past_millions_of_rows_times_out_by_query_timeout_s(
    server: ThreadedTdsServer,
) -> None:
    """The driver's timeout bounds only the wait for the server's first answer: skipping
    to a page's offset (a cursor is the client's to edit) ran as long as the server sent
    rows. The skip now looks at the clock between chunks and cancels."""
    db = make_db(server, max_rows=5, query_timeout_s=1)
    try:
        with pytest.raises(DatabaseError, match="query_timeout_s"):
            await db.read(CROSS, offset=3_000_000)
        assert (await db.read("SELECT 1 AS one")).rows == [(1,)]  # the connection is fine
    finally:
        await db.close()


async def test_offsets_land_on_the_same_rows_across_skip_chunks(db: SourceDatabase) -> None:
    """Offsets are skipped in chunks of 10,000 rows: a page that spans a chunk's end and
    pages that start on either side of it agree row for row."""
    wide = (await db.read(CROSS, offset=9_500, max_rows=1000)).rows
    assert len(wide) == 1000
    for offset in (9_999, 10_000, 10_001):
        assert (await db.read(CROSS, offset=offset, max_rows=1)).rows == [wide[offset - 9_500]]


async def test_a_procedure_streaming_a_capped_set_times_out_and_later_sets_still_come(
    server: ThreadedTdsServer,
) -> None:
    """Past max_rows a procedure's result set is skipped, not read row by row, and by
    query_timeout_s at most; the sets after a capped one still come back."""
    with pyodbc.connect(server.odbc_connection_string(), autocommit=True, timeout=10) as cnxn:
        cnxn.execute(f"CREATE OR ALTER PROCEDURE dbo.uspHuge AS {CROSS}")
        cnxn.execute(
            "CREATE OR ALTER PROCEDURE dbo.uspTwoSets AS BEGIN"
            f" SELECT TOP (10) SalesOrderDetailID FROM {DETAIL} ORDER BY SalesOrderDetailID;"
            f" SELECT TOP (10) ProductID FROM {DETAIL} ORDER BY SalesOrderDetailID; END"
        )
    db = make_db(server, max_rows=5, query_timeout_s=1)
    try:
        with pytest.raises(DatabaseError, match="query_timeout_s"):
            await db.call_procedure("dbo.uspHuge")
        two = await db.call_procedure("dbo.uspTwoSets")
        assert [(len(s.rows), s.truncated) for s in two.result_sets] == [(5, True), (5, True)]
    finally:
        await db.close()


async def test_one_row_over_max_result_bytes_is_refused_and_binary_counts_as_cut(
    server: ThreadedTdsServer,
) -> None:
    """The first row was always kept, so one 5,000,000-character value came back whole
    under a cap of 10,000 bytes. Binary values leave JSON reads cut to 256 bytes and
    count so; raw driver values count in full."""
    db = make_db(server, max_rows=10, max_result_bytes=2000)
    big_text = "SELECT REPLICATE(CAST(N'x' AS nvarchar(max)), 5000) AS t"
    big_binary = "SELECT CAST(REPLICATE(CAST('a' AS varchar(max)), 5000) AS varbinary(max)) AS b"
    try:
        with pytest.raises(DatabaseError, match="more than max_result_bytes = 2000"):
            await db.read(big_text, json_values=True)
        shown = await db.read(big_binary, json_values=True)
        assert len(shown.rows) == 1 and str(shown.rows[0][0]).endswith("...(5000 bytes)")
        with pytest.raises(DatabaseError, match="max_result_bytes"):
            await db.read(big_binary)
        assert (await db.read("SELECT 1 AS one")).rows == [(1,)]  # the connection is fine
        wide = f"SELECT REPLICATE(N'y', 600) AS t FROM {DETAIL}"
        page = await db.read(wide, json_values=True)
        assert page.truncated and len(page.rows) == 3
    finally:
        await db.close()
