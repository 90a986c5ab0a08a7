"""Batches, queries, types, variables, transactions and cancel, straight against the engine."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.batches import split_batch
from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import (
    ColumnType,
    Done,
    Message,
    Param,
    ProcedureEnded,
    ProcedureStarted,
    ResultSet,
    SessionInfo,
    TdsError,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=90, user="sa", database="qdb"))
        run(
            s,
            """
            CREATE TABLE dbo.Items (
                Id int IDENTITY(1,1) PRIMARY KEY, Name nvarchar(40) NOT NULL,
                Price decimal(19,4) NOT NULL, Qty int NOT NULL, Added datetime2(7) NULL,
                Tag varchar(10) NULL)
        """,
        )
        eng.bulk_insert(
            "dbo.Items",
            ["Name", "Price", "Qty", "Added", "Tag"],
            [
                (f"item{i}", Decimal(i) / 4, i % 7, dt.datetime(2024, 1, 1 + i % 28), None)
                for i in range(1, 1001)
            ],
        )
        s.close()
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[EngineSession]:
    s = engine.session(SessionInfo(spid=51, user="alice", database="qdb", app_name="pytest"))
    yield s
    if s.trancount:
        s.rollback()
    s.close()


def error(s: EngineSession, sql: str) -> TdsError:
    with pytest.raises(TdsError) as info:
        run(s, sql)
    return info.value


def test_batch_splits_without_semicolons() -> None:
    texts = [
        s.text
        for s in split_batch(
            "SELECT 1 SELECT 2 UNION ALL SELECT 3 INSERT INTO t SELECT 1 UPDATE t SET a = 1; "
            "WITH c AS (SELECT 1 AS x) SELECT * FROM c; DECLARE @x int SET @x = 1 "
            "CREATE TABLE p (a int REFERENCES q(a) ON DELETE SET NULL) DROP TABLE IF EXISTS p "
            "SELECT a FROM t ORDER BY a OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY; "
            "WITH c AS (SELECT 1 AS x) INSERT INTO t (a) SELECT x FROM c; "
            "WITH c AS (SELECT 1 AS x) UPDATE t SET a = 2 WHERE a IN (SELECT x FROM c) SELECT 3"
        )
    ]
    assert texts == [
        "SELECT 1",
        "SELECT 2 UNION ALL SELECT 3",
        "INSERT INTO t SELECT 1",
        "UPDATE t SET a = 1",
        "WITH c AS (SELECT 1 AS x) SELECT * FROM c",
        "DECLARE @x int",
        "SET @x = 1",
        "CREATE TABLE p (a int REFERENCES q(a) ON DELETE SET NULL)",
        "DROP TABLE IF EXISTS p",
        "SELECT a FROM t ORDER BY a OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY",
        "WITH c AS (SELECT 1 AS x) INSERT INTO t (a) SELECT x FROM c",
        "WITH c AS (SELECT 1 AS x) UPDATE t SET a = 2 WHERE a IN (SELECT x FROM c)",
        "SELECT 3",
    ]


def test_several_result_sets_and_row_counts(session: EngineSession) -> None:
    out = run(
        session,
        "SELECT 1 AS a; SELECT N'x' AS b UPDATE dbo.Items SET Qty = Qty"
        " WHERE Id <= 3 SELECT @@ROWCOUNT AS rc",
    )
    assert [type(o).__name__ for o in out] == ["tuple", "tuple", "Done", "tuple"]
    assert out[2] == Done(3)
    assert out[3][1] == [(3,)]
    out = run(session, "SET NOCOUNT ON UPDATE dbo.Items SET Qty = Qty WHERE Id = 1")
    assert out[-1] == Done(None)


def test_unnamed_columns_and_expression_types(session: EngineSession) -> None:
    columns, data = run(
        session,
        "SELECT 1, 'ab' + 'cd', N'é', 2.50, 7 / 2, CAST(1 AS bit),"
        " COUNT(*) AS n FROM dbo.Items WHERE Id = 1",
    )[0]
    assert [c.name for c in columns] == ["", "", "", "", "", "", "n"]
    assert data == [(1, "abcd", "é", Decimal("2.50"), 3, True, 1)]
    assert columns[3].type == ColumnType("numeric", precision=3, scale=2)


def test_select_star_keeps_declared_types_and_is_lazy(session: EngineSession) -> None:
    results = session.execute("SELECT * FROM dbo.Items ORDER BY Id")  # keep it open
    result = next(results)
    assert isinstance(result, ResultSet)
    assert [(c.name, c.type.name) for c in result.columns] == [
        ("Id", "int"),
        ("Name", "nvarchar"),
        ("Price", "decimal"),
        ("Qty", "int"),
        ("Added", "datetime2"),
        ("Tag", "varchar"),
    ]
    first = next(result.rows)
    assert first == (1, "item1", Decimal("0.2500"), 1, dt.datetime(2024, 1, 2), None)
    assert sum(1 for _ in result.rows) == 999


def test_parameters_bind_by_name_with_their_types(session: EngineSession) -> None:
    params = [
        Param("@P1", ColumnType("int"), 5),
        Param("@name", ColumnType("nvarchar", 40), "item5"),
        Param("@d", ColumnType("decimal", precision=10, scale=2), Decimal("1.25")),
        Param("@g", ColumnType("uniqueidentifier"), uuid.UUID(int=7)),
        Param("@t", ColumnType("datetime2", scale=7), dt.datetime(2024, 5, 6, 7, 8, 9, 123456)),
        Param("@b", ColumnType("varbinary", 10), b"\x00\x01"),
    ]
    columns, data = run(
        session,
        "SELECT Id, Name FROM dbo.Items WHERE Id = @P1 AND Name = @Name SELECT @d, @g, @t, @b",
        params,
    )[1]
    assert data == [
        (Decimal("1.25"), uuid.UUID(int=7), dt.datetime(2024, 5, 6, 7, 8, 9, 123456), b"\x00\x01")
    ]
    assert [c.type.name for c in columns] == [
        "decimal",
        "uniqueidentifier",
        "datetime2",
        "varbinary",
    ]
    assert rows(session, "SELECT Id FROM dbo.Items WHERE Id = @P1", params[:1]) == [(5,)]


def test_local_variables(session: EngineSession) -> None:
    out = run(
        session,
        "DECLARE @x int = 2, @s nvarchar(10) SET @x += 3 SET @s = N'v' + 'w'"
        " SELECT @x AS x, @s AS s SELECT @x = MAX(Qty) FROM dbo.Items"
        " SELECT @x",
    )
    tables = [o for o in out if isinstance(o, tuple)]
    assert tables[0][1] == [(5, "vw")]
    assert tables[0][0][0].type == ColumnType("int")
    assert tables[1][1] == [(6,)]
    assert error(session, "SELECT @undeclared").number == 137


def test_errors_have_sql_server_numbers(session: EngineSession) -> None:
    err = error(session, "SELECT * FROM dbo.Missing")
    assert (err.number, err.state, err.severity, err.message) == (
        208,
        1,
        16,
        "Invalid object name 'dbo.Missing'.",
    )
    assert error(session, "SELECT * FROM [Missing]").message == "Invalid object name 'Missing'."
    err = error(session, "SELECT Nope FROM dbo.Items")
    assert (err.number, err.message) == (207, "Invalid column name 'Nope'.")
    err = error(session, "SELECT 1 FROM dbo.Items WHERE")
    assert err.number in (102, 156) and err.severity == 15
    assert error(session, "SELECT Qty / 0 FROM dbo.Items").number == 8134
    assert error(session, "SELECT 5 % 0").number == 8134
    err = error(session, "SELECT Qty FROM dbo.Items FOR XML EXPLICIT")
    assert err.number == 40517 and "FOR XML" in err.message and "not supported" in err.message
    assert error(session, "GOTO done").number == 40517
    assert error(session, "SELECT NO_SUCH_FN(1)").number == 195


def test_a_double_quoted_name_is_a_column_not_a_string(session: EngineSession) -> None:
    # QUOTED_IDENTIFIER ON, as ODBC connections set it: "Nope" names a column (SQLite
    # would read a name that matches none as the string 'Nope' and find rows)
    err = error(session, 'SELECT Qty FROM dbo.Items WHERE Name = "Nope"')
    assert (err.number, err.message) == (207, "Invalid column name 'Nope'.")
    assert error(session, 'SELECT "Nope" FROM dbo.Items').number == 207
    assert rows(session, 'SELECT "Name" FROM dbo.Items WHERE "Id" = 3') == [("item3",)]


def test_error_stops_the_batch_but_not_the_session(session: EngineSession) -> None:
    results = []
    with pytest.raises(TdsError) as info:
        for r in session.execute("SELECT 1 AS a\nSELECT * FROM nope\nSELECT 2"):
            results.append(r)
    assert len(results) == 1 and info.value.line == 2
    assert rows(session, "SELECT 3") == [(3,)]


def test_query_features(session: EngineSession) -> None:
    assert rows(session, "SELECT TOP 2 Id FROM dbo.Items ORDER BY Id DESC") == [(1000,), (999,)]
    assert rows(session, "SELECT TOP (1) [Id] FROM [dbo].[Items] ORDER BY [Id]") == [(1,)]
    assert rows(
        session, "SELECT Id FROM dbo.Items ORDER BY Id OFFSET 10 ROWS FETCH NEXT 2 ROWS ONLY"
    ) == [(11,), (12,)]
    assert rows(
        session,
        "WITH c AS (SELECT Qty, COUNT(*) AS n FROM dbo.Items GROUP BY Qty) SELECT MAX(n) FROM c",
    ) == [(143,)]
    assert rows(
        session,
        "SELECT Id, ROW_NUMBER() OVER (ORDER BY Id DESC) FROM dbo.Items WHERE Id <= 2 ORDER BY Id",
    ) == [(1, 2), (2, 1)]
    assert rows(session, "SELECT STRING_AGG(Name, ',') FROM dbo.Items WHERE Id < 3") == [
        ("item1,item2",)
    ]
    assert rows(
        session,
        "SELECT ISNULL(Tag, 'none'), COALESCE(NULL, 2), LEN('ab  '),"
        " DATALENGTH(N'ab') FROM dbo.Items WHERE Id = 1",
    ) == [("none", 2, 2, 4)]
    assert rows(
        session, "SELECT Name + '-' + CAST(Qty AS varchar(5)) FROM dbo.Items WHERE Id = 3"
    ) == [("item3-3",)]
    assert rows(session, "SELECT COUNT(*) FROM dbo.Items WHERE Name = 'ITEM1'") == [(1,)]


def test_date_functions(session: EngineSession) -> None:
    (row,) = rows(
        session,
        "SELECT DATEADD(day, 1, '2024-01-31'), DATEADD(month, 1, '2024-01-31'),"
        " DATEDIFF(day, '2024-01-01', '2024-03-01'), DATEPART(year, '2024-05-06'),"
        " YEAR('2024-05-06'), MONTH('2024-05-06'), DAY('2024-05-06')",
    )
    assert row == (dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 29), 60, 2024, 2024, 5, 6)
    (now, utc, g) = rows(session, "SELECT GETDATE(), SYSUTCDATETIME(), NEWID()")[0]
    assert isinstance(now, dt.datetime) and isinstance(utc, dt.datetime)
    assert isinstance(g, uuid.UUID)


def test_every_datepart_of_datepart_and_datename(session: EngineSession) -> None:
    """ "DATEPART (Transact-SQL)" and "DATENAME (Transact-SQL)": each datepart by its name
    and abbreviations (dy and y are the day of the year), iso_week and tzoffset too."""
    (row,) = rows(
        session,
        "SELECT DATEPART(quarter, '2024-08-09'), DATEPART(y, '2024-03-15'),"
        " DATEPART(iso_week, '2024-03-15'), DATEPART(isowk, '2021-01-01'),"
        " DATEPART(tzoffset, CAST('2007-10-30 12:15:32 +05:10' AS datetimeoffset)),"
        " DATEPART(tz, '2024-03-15 13:45:30'), DATEPART(week, '2024-03-15')",
    )
    assert row == (3, 75, 11, 53, 310, 0, 11)
    (row,) = rows(
        session,
        "SELECT DATENAME(quarter, '2024-08-09'), DATENAME(qq, '2024-08-09'),"
        " DATENAME(dy, '2024-03-15'), DATENAME(y, '2024-03-15'), DATENAME(day, '2024-03-05'),"
        " DATENAME(year, '2024-03-05'), DATENAME(hh, '2024-03-05 07:08:09'),"
        " DATENAME(isoww, '2024-03-05'), DATENAME(month, '2024-03-05'),"
        " DATENAME(dw, '2024-03-05'),"
        " DATENAME(tz, CAST('2007-10-30 12:15:32 -05:30' AS datetimeoffset))",
    )
    assert row == ("3", "3", "75", "75", "5", "2024", "7", "10", "March", "Tuesday", "-05:30")
    with pytest.raises(TdsError) as info:
        rows(session, "SELECT DATEADD(iso_week, 1, '2024-01-01')")
    assert info.value.number == 9810


@pytest.mark.parametrize(
    ("sql", "number", "message"),
    [
        ("SELECT CASE WHEN 1 = 0 THEN 1 ELSE 'a' END", 245, "varchar value 'a' to data type int"),
        ("SELECT IIF(Qty > 99, Qty, 'many') FROM dbo.Items", 245, "value 'many' to data type int"),
        ("SELECT CASE WHEN 1 = 0 THEN 1.5 ELSE 'a' END", 8114, "varchar to numeric"),
        ("SELECT CASE WHEN 1 = 0 THEN 1e0 ELSE 'a' END", 8114, "varchar to float"),
    ],
)
def test_a_string_in_a_number_typed_result_is_a_conversion_error(
    session: EngineSession, sql: str, number: int, message: str
) -> None:
    """ "Data type precedence (Transact-SQL)": CASE's result has the type of highest
    precedence among its branches, so a branch's string that is no number fails."""
    err = error(session, sql)
    assert err.number == number and message in err.message
    assert rows(session, "SELECT CASE WHEN 1 = 0 THEN 1 ELSE '7' END") == [(7,)]


def test_fetch_without_offset_is_153_and_runs_nothing(session: EngineSession) -> None:
    """OFFSET ... FETCH needs its OFFSET: without it SQL Server reads FETCH as a cursor's
    FETCH statement and refuses the batch before any of it runs (Msg 153, level 15)."""
    session.begin()
    err = error(
        session,
        "UPDATE dbo.Items SET Qty = 99 WHERE Id = 1;"
        " SELECT Id FROM dbo.Items ORDER BY Id FETCH FIRST 2 ROWS ONLY",
    )
    assert (err.number, err.severity) == (153, 15)
    assert err.message == "Invalid usage of the option FIRST in the FETCH statement."
    assert rows(session, "SELECT Qty FROM dbo.Items WHERE Id = 1") == [(1,)]
    got = rows(session, "SELECT Id FROM dbo.Items ORDER BY Id OFFSET 0 ROWS FETCH NEXT 2 ROWS ONLY")
    assert got == [(1,), (2,)]


def test_nullif_ignores_case_and_log10_is_exact(session: EngineSession) -> None:
    """NULLIF compares as `=` does, under the case-insensitive default collation; LOG10
    of a power of ten is that power ("LOG10 (Transact-SQL)": LOG10(10000) is 4)."""
    (row,) = rows(
        session,
        "SELECT NULLIF('a', 'A'), NULLIF('a', 'b'), NULLIF(Name, 'ITEM1'), LOG10(1000),"
        " LOG10(0.001), LOG10(10000) FROM dbo.Items WHERE Id = 1",
    )
    assert row == (None, "a", None, 3.0, -3.0, 4.0)
    assert error(session, "SELECT LOG10(0)").number == 3623


def test_the_fromparts_functions_build_their_types(session: EngineSession) -> None:
    """DATETIMEFROMPARTS, DATETIME2FROMPARTS, SMALLDATETIMEFROMPARTS, TIMEFROMPARTS and
    DATETIMEOFFSETFROMPARTS ("(Transact-SQL)" pages): the type each names, at the given
    precision; NULL for a NULL part, 289 for a part the type cannot hold."""
    results = run(
        session,
        "SET DATEFORMAT dmy; SELECT DATETIMEFROMPARTS(2010, 12, 31, 23, 59, 59, 6),"
        " DATETIME2FROMPARTS(2011, 8, 15, 14, 23, 44, 5, 1),"
        " SMALLDATETIMEFROMPARTS(2010, 12, 31, 23, 59), TIMEFROMPARTS(14, 23, 44, 50, 2),"
        " DATETIMEOFFSETFROMPARTS(2010, 12, 31, 14, 23, 23, 0, 12, 0, 7),"
        " DATETIMEFROMPARTS(2010, NULL, 31, 0, 0, 0, 0)",
    )
    columns, got = results[-1]
    assert [(c.type.name, c.type.scale) for c in columns] == [
        ("datetime", None),
        ("datetime2", 1),
        ("smalldatetime", None),
        ("time", 2),
        ("datetimeoffset", 7),
        ("datetime", None),
    ]
    assert got == [
        (
            dt.datetime(2010, 12, 31, 23, 59, 59, 7000),
            dt.datetime(2011, 8, 15, 14, 23, 44, 500000),
            dt.datetime(2010, 12, 31, 23, 59),
            dt.time(14, 23, 44, 500000),
            dt.datetime(2010, 12, 31, 14, 23, 23, tzinfo=dt.timezone(dt.timedelta(hours=12))),
            None,
        )
    ]
    for sql in (
        "SELECT DATETIMEFROMPARTS(2024, 2, 30, 0, 0, 0, 0)",
        "SELECT DATETIME2FROMPARTS(2024, 1, 2, 3, 4, 5, 50, 1)",
        "SELECT TIMEFROMPARTS(24, 0, 0, 0, 0)",
    ):
        assert error(session, sql).number == 289


def test_server_functions(session: EngineSession) -> None:
    (row,) = rows(
        session,
        "SELECT @@VERSION, @@SPID, @@TRANCOUNT, DB_NAME(), SUSER_SNAME(),"
        " USER_NAME(), SERVERPROPERTY('ProductVersion'),"
        " SERVERPROPERTY('EngineEdition'), HAS_PERMS_BY_NAME(NULL, NULL,"
        " 'VIEW SERVER STATE'), @@SERVERNAME",
    )
    version = row[0]
    assert version.startswith("azsql-mcp TDS test server") and "not SQL Server" in version
    assert row[1:] == (51, 0, "qdb", "alice", "dbo", "16.0.1000.6", 3, 1, "azsql-mcp-test")


def test_transactions_and_visibility_across_sessions(engine: Engine) -> None:
    a = engine.session(SessionInfo(spid=60, user="sa", database="qdb"))
    b = engine.session(SessionInfo(spid=61, user="sa", database="qdb"))
    try:
        run(a, "CREATE TABLE dbo.Tx (v int)")
        run(a, "BEGIN TRAN INSERT INTO dbo.Tx VALUES (1)")
        assert a.trancount == 1 and rows(a, "SELECT @@TRANCOUNT") == [(1,)]
        assert rows(b, "SELECT COUNT(*) FROM dbo.Tx") == [(0,)]
        run(a, "BEGIN TRAN COMMIT")  # nested: still open
        assert a.trancount == 1
        run(a, "COMMIT TRAN")
        assert rows(b, "SELECT COUNT(*) FROM dbo.Tx") == [(1,)]
        a.begin()
        run(a, "INSERT INTO dbo.Tx VALUES (2)")
        a.rollback()
        assert rows(b, "SELECT COUNT(*) FROM dbo.Tx") == [(1,)]
        assert error(a, "COMMIT").number == 3902
        assert error(a, "ROLLBACK TRAN").number == 3903
    finally:
        run(a, "DROP TABLE dbo.Tx")
        a.close()
        b.close()


def test_many_sessions(engine: Engine) -> None:
    sessions = [
        engine.session(SessionInfo(spid=100 + i, user="sa", database="qdb")) for i in range(64)
    ]
    try:
        assert all(rows(s, "SELECT @@SPID") == [(s.info.spid,)] for s in sessions)
    finally:
        for s in sessions:
            s.close()


def test_waitfor_delay_is_cancelled(session: EngineSession) -> None:
    threading.Timer(0.2, session.cancel).start()
    started = time.monotonic()
    out = run(session, "WAITFOR DELAY '00:00:30' SELECT 1")
    assert time.monotonic() - started < 10
    assert out == []  # cancelled: nothing after the WAITFOR ran
    assert rows(session, "SELECT 2") == [(2,)]


def test_a_cancel_just_before_its_request_starts_is_not_lost(session: EngineSession) -> None:
    """The protocol layer cancels a request it has taken (an ATTENTION right behind it)
    before the engine has run any of it: the request still stops, and the next runs."""
    session.cancel()
    started = time.monotonic()
    out = run(session, "WAITFOR DELAY '00:00:30' SELECT 1")
    assert time.monotonic() - started < 10
    assert out == []
    assert rows(session, "SELECT 2") == [(2,)]


def test_cancel_stops_a_result_midway(session: EngineSession) -> None:
    results = session.execute("SELECT a.Id FROM dbo.Items a CROSS JOIN dbo.Items b")
    result = next(results)
    assert isinstance(result, ResultSet)
    for _ in range(10):
        next(result.rows)
    session.cancel()
    assert sum(1 for _ in result.rows) < 1_000_000


def test_print_and_set_options(session: EngineSession) -> None:
    out = run(
        session,
        "SET ANSI_NULLS ON SET QUOTED_IDENTIFIER ON SET LOCK_TIMEOUT 5000"
        " SET TRANSACTION ISOLATION LEVEL READ COMMITTED SET XACT_ABORT ON"
        " SET TEXTSIZE 2147483647 SET ARITHABORT ON PRINT 'hello'",
    )
    assert Message(0, "hello") in out
    assert rows(session, "SELECT @@LOCK_TIMEOUT") == [(5000,)]
    assert error(session, "SET SHOWPLAN_ALL ON").number == 40517


def test_exec_sp_executesql_in_a_batch(session: EngineSession) -> None:
    out = run(
        session,
        "EXEC sp_executesql N'SELECT Id FROM dbo.Items WHERE Id = @id', N'@id int', @id = 4",
    )
    # a procedure: its statements run inside the markers that make them DONEINPROC
    assert out[0] == ProcedureStarted() and out[-1] == ProcedureEnded()
    assert out[1][1] == [(4,)]
    assert error(session, "EXEC dbo.no_such_proc").number == 2812


def test_rows_can_be_pulled_from_other_threads(session: EngineSession) -> None:
    results = session.execute("SELECT Id FROM dbo.Items ORDER BY Id SELECT 'next'")
    first = next(results)
    assert isinstance(first, ResultSet)
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.extend([*first.rows, *results]))
    worker.start()
    worker.join()
    assert len(got) == 1001 and isinstance(got[-1], ResultSet)


def test_a_database_file_keeps_its_catalog(tmp_path: Any) -> None:
    path = str(tmp_path / "kept.sqlite")
    with Engine(path) as eng:
        s = eng.session(SessionInfo(spid=1, user="sa", database="kept"))
        run(s, "CREATE TABLE dbo.Kept (Amount decimal(9,3) NOT NULL) INSERT dbo.Kept VALUES (1.5)")
    with Engine(path) as eng:
        s = eng.session(SessionInfo(spid=1, user="sa", database="kept"))
        columns, data = run(s, "SELECT * FROM dbo.Kept")[0]
        assert data == [(Decimal("1.500"),)]
        assert columns[0].type == ColumnType("decimal", precision=9, scale=3, nullable=False)


def test_replicate_and_drop_table_if_exists(session: EngineSession) -> None:
    assert rows(session, "SELECT REPLICATE('ab', 3), REPLICATE(N'é', 2), REPLICATE('x', -1)") == [
        ("ababab", "éé", None)
    ]
    run(session, "DROP TABLE IF EXISTS dbo.NoSuch CREATE TABLE dbo.Gone (a int)")
    run(session, "DROP TABLE IF EXISTS dbo.Gone; DROP TABLE IF EXISTS dbo.Gone")
    assert error(session, "SELECT * FROM dbo.Gone").number == 208


def test_sum_of_decimal_and_money_is_exact(session: EngineSession) -> None:
    run(session, "CREATE TABLE dbo.Sums (d decimal(12,4), m money, i int, g int)")
    try:
        run(
            session,
            "INSERT dbo.Sums VALUES (0.1, 0.1, 1, 1), (0.2, 0.2, 2, 1), (NULL, NULL, NULL, 2)",
        )
        (row,) = rows(session, "SELECT SUM(d), SUM(m), SUM(i) FROM dbo.Sums")
        assert row == (Decimal("0.3000"), Decimal("0.3000"), 3)
        # 10,000 x 0.01 drifts in binary floating point; SUM stays exact.
        run(
            session,
            "INSERT dbo.Sums SELECT TOP 10000 0.01, 0.01, 0, 3 FROM dbo.Items a, dbo.Items b",
        )
        assert rows(session, "SELECT g, SUM(m) FROM dbo.Sums GROUP BY g HAVING SUM(m) > 50") == [
            (3, Decimal("100.0000"))
        ]
        running = rows(session, "SELECT i, SUM(d) OVER (ORDER BY i) FROM dbo.Sums WHERE g = 1")
        assert running == [(1, Decimal("0.1000")), (2, Decimal("0.3000"))]
    finally:
        run(session, "DROP TABLE dbo.Sums")


def test_stored_values_convert_column_at_a_time_like_value_by_value() -> None:
    from tds_test_server.engine import functions

    cases: list[tuple[ColumnType, list[Any]]] = [
        (ColumnType("datetime2", scale=7), ["2024-01-02 03:04:05.1234567", "2024-01-02"]),
        (ColumnType("datetime2", scale=7), ["2024-01-02 03:04:05.123 +01:00"]),  # slow path
        (ColumnType("date"), ["2024-02-29", "2024-02-29 10:00:00"]),
        (ColumnType("decimal", precision=10, scale=2), [1.005, 7, 0.1 + 0.2, "2.5"]),
        (ColumnType("money"), [922337203685477.5, -0.0001]),
        (ColumnType("bit"), [0, 1, 1]),
    ]
    for ctype, stored in cases:
        convert = functions.column_converter(ctype, trusted=True)
        one = functions.converter(ctype, trusted=True)
        assert convert is not None and one is not None
        assert convert(stored) == [one(v) for v in stored], ctype
        assert convert([*stored, None]) == [*(one(v) for v in stored), None], ctype


def test_datetimes_are_stored_in_iso_form() -> None:
    from tds_test_server.engine.functions import format_datetime

    value = dt.datetime(987, 6, 5, 4, 3, 2, 100900, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert [
        format_datetime(value, name, scale)
        for name, scale in [
            ("date", None),
            ("smalldatetime", None),
            ("datetime", None),
            ("datetime2", None),
            ("datetime2", 0),
            ("datetime2", 3),
            ("datetimeoffset", 7),
        ]
    ] == [
        "0987-06-05",
        "0987-06-05 04:03:00",
        "0987-06-05 04:03:02.100",
        "0987-06-05 04:03:02.1009000",
        "0987-06-05 04:03:02",
        "0987-06-05 04:03:02.101",  # rounded to the scale, as SQL Server rounds
        "0987-06-05 04:03:02.1009000 -05:00",
    ]


def test_bulk_insert_with_explicit_identity_values(engine: Engine) -> None:
    s = engine.session(SessionInfo(spid=95, user="sa", database="qdb"))
    try:
        run(s, "CREATE TABLE dbo.Loaded (Id int IDENTITY(1,1) PRIMARY KEY, At datetime2(3) NULL)")
        stamp = dt.datetime(2024, 1, 2, 3, 4, 5, 678901)
        engine.bulk_insert("dbo.Loaded", ["Id", "At"], [(10, stamp), (20, None)])
        run(s, "INSERT dbo.Loaded (At) VALUES (NULL)")
        assert rows(s, "SELECT Id, At FROM dbo.Loaded ORDER BY Id") == [
            (10, dt.datetime(2024, 1, 2, 3, 4, 5, 679000)),  # .678901 rounded to 3 digits
            (20, None),
            (21, None),
        ]
        assert rows(s, "SELECT IDENT_CURRENT('dbo.Loaded')")[0][0] == 21
    finally:
        run(s, "DROP TABLE dbo.Loaded")
        s.close()


def test_case_expressions_stay_inside_their_statement(session: EngineSession) -> None:
    assert split_batch("SELECT CASE WHEN 1 = 1 THEN 1 ELSE 0 END SELECT 2")[1].text == "SELECT 2"
    got = rows(
        session,
        "SELECT CASE WHEN Qty = 1 THEN CASE WHEN Id > 5 THEN 'x' ELSE 'y' END ELSE 'z' END"
        " FROM dbo.Items WHERE Id IN (1, 8) ORDER BY Id",
    )
    assert got == [("y",), ("x",)]


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("DECLARE @c CURSOR", "DECLARE ... CURSOR"),
        ("SELECT (SELECT 1 AS a FOR JSON PATH) AS j", "FOR JSON in a subquery"),
        ("SELECT (SELECT 1 AS a FOR XML PATH) AS x", "FOR XML in a subquery"),
    ],
)
def test_unsupported_constructs_are_named(session: EngineSession, sql: str, what: str) -> None:
    found = error(session, sql)
    assert found.number == 40517 and what in found.message


def test_an_unsupported_construct_is_named_first_and_the_advice_last(
    session: EngineSession,
) -> None:
    """ "construct; advice" reads as one sentence: the advice ends it, in place of "rewrite
    the statement without it" (it read as part of the construct in the middle)."""
    found = error(session, "SELECT TOP 1 PERCENT * FROM dbo.Items ORDER BY Id")
    assert found.message == (
        "TOP ... PERCENT / WITH TIES with SELECT * is not supported by the azsql-mcp TDS"
        " test server (a SQLite-backed test double, not SQL Server); list the columns instead."
    )
    # a "; " inside parentheses is the construct's own
    found = error(session, "SELECT CAST('<a>1</a>' AS xml).value('(/a)[1]', 'int')")
    assert found.message.startswith("The method call .value() (the xml type's methods, and")
    assert found.message.endswith("; rewrite the statement without it."), found.message


def test_set_dateformat_stays_with_its_session_on_a_shared_thread(engine: Engine) -> None:
    """The order reaches the conversions through the thread's context: each request,
    a batch or an RPC procedure call, takes its own session's."""
    a = engine.session(SessionInfo(spid=71, user="sa", database="qdb"))
    b = engine.session(SessionInfo(spid=72, user="sa", database="qdb"))
    try:
        run(a, "CREATE PROCEDURE dbo.march_or_april AS SELECT CAST('03/04/2024' AS date)")
        run(a, "SET DATEFORMAT dmy")
        assert rows(b, "SELECT CAST('03/04/2024' AS date)") == [(dt.date(2024, 3, 4),)]
        run(a, "SELECT 1")
        called = b.call_procedure("dbo.march_or_april", [])
        assert [list(r.rows) for r in called if isinstance(r, ResultSet)] == [
            [(dt.date(2024, 3, 4),)]
        ]
        assert rows(a, "EXEC dbo.march_or_april") == [(dt.date(2024, 4, 3),)]
    finally:
        run(a, "DROP PROCEDURE dbo.march_or_april")
        a.close()
        b.close()


def test_a_variable_beside_a_datetime_counts_days(session: EngineSession) -> None:
    """`GETDATE() - @days`: the variable's declared type, known when the batch runs, is a
    number of days, and the result a datetime; a string variable there converts to
    datetime by data type precedence, so one that is no date is Msg 241."""
    [(columns, got)] = run(
        session,
        "DECLARE @days int = 30, @half decimal(3,1) = 0.5;"
        " SELECT CAST('2024-12-16' AS datetime) - @days, @half + CAST('2024-12-16' AS datetime)",
    )
    assert got == [(dt.datetime(2024, 11, 16), dt.datetime(2024, 12, 16, 12))]
    assert [c.type.name for c in columns] == ["datetime", "datetime"]
    found = error(session, "DECLARE @t varchar(5) = 'x'; SELECT GETDATE() + @t")
    assert found.number == 241


def test_rand_is_a_float_from_0_to_1(session: EngineSession) -> None:
    """ "RAND (Transact-SQL)": a float from 0 through 1, exclusive; the same seed gives the
    same value (SQLite's RANDOM() is a 64-bit integer)."""
    [(value, seeded, again)] = rows(session, "SELECT RAND(), RAND(7), RAND(7)")
    assert 0 <= value < 1 and 0 <= seeded < 1 and seeded == again


@pytest.mark.parametrize("call", ["CHECKSUM_AGG(1)", "COMPRESS('a')"])
def test_a_sql_server_built_in_it_does_not_run_is_unsupported_not_unknown(
    session: EngineSession, call: str
) -> None:
    """SQL Server has them: 195 ("is not a recognized built-in function name") would say it
    does not; an unknown name still is 195."""
    found = error(session, f"SELECT {call}")
    name = call.partition("(")[0]
    assert found.number == 40517 and f"The built-in function {name} is not supported" in (
        found.message
    )
    assert error(session, "SELECT NOSUCHFN(1)").number == 195
