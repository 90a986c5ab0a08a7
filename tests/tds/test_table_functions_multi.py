"""Multi-statement table-valued functions (CREATE FUNCTION ... RETURNS @r TABLE (...) AS
BEGIN ... RETURN END) through both drivers: a body that fills its table with DECLARE,
SET, INSERT, UPDATE, IF, WHILE and a cursor, read in FROM with arguments; the declared
column types; the catalog (sys.objects type TF, sys.columns, sys.parameters,
INFORMATION_SCHEMA.ROUTINES); SQL Server's errors; and the SELECT permission with
ownership chaining to the tables the body reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pyodbc
import pytest
from engine_helpers import rows as engine_rows
from engine_helpers import run
from wire_logins import connector, rows, scalar, set_up

from tds_test_server import ThreadedTdsServer
from tds_test_server.engine.engine import Engine
from tds_test_server.results import SessionInfo, TdsError

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)

SETUP = [
    "CREATE TABLE dbo.Stock (Id int PRIMARY KEY, Name nvarchar(20), Qty int, Price decimal(9, 2))",
    "INSERT INTO dbo.Stock VALUES (1, N'bolt', 10, 0.25), (2, N'nut', 0, 0.10),"
    " (3, N'gear', 4, 12.50), (4, N'belt', 7, 8.00)",
    """CREATE FUNCTION dbo.InStock(@MinQty int, @Label nvarchar(10) = N'in')
RETURNS @result TABLE (Id int PRIMARY KEY, Name nvarchar(20) NOT NULL, Value decimal(12, 2),
    Label nvarchar(10), Seen date)
AS
BEGIN
    DECLARE @today date = '2024-05-06';
    INSERT INTO @result (Id, Name, Value, Label, Seen)
    SELECT Id, Name, Qty * Price, @Label, @today FROM dbo.Stock WHERE Qty >= @MinQty;
    IF @MinQty = 0
        UPDATE @result SET Label = N'all';
    RETURN;
END""",
    """CREATE FUNCTION dbo.Counting(@Upto int)
RETURNS @n TABLE (n int, square bigint)
AS
BEGIN
    DECLARE @i int = 1;
    WHILE @i <= @Upto
    BEGIN
        INSERT @n VALUES (@i, @i * @i);
        SET @i += 1;
    END
    RETURN
END""",
    """CREATE FUNCTION dbo.NamesByCursor()
RETURNS @names TABLE (Name nvarchar(20))
AS
BEGIN
    DECLARE @name nvarchar(20);
    DECLARE c CURSOR LOCAL FOR SELECT Name FROM dbo.Stock WHERE Qty > 0 ORDER BY Id;
    OPEN c;
    FETCH NEXT FROM c INTO @name;
    WHILE @@FETCH_STATUS = 0
    BEGIN
        INSERT @names VALUES (UPPER(@name));
        FETCH NEXT FROM c INTO @name;
    END
    CLOSE c;
    DEALLOCATE c;
    RETURN;
END""",
    # the readers are denied the table: the function's body reads it through the chain
    "DENY SELECT ON dbo.Stock TO chained",
    "GRANT SELECT ON dbo.InStock TO chained",
    "DENY SELECT ON dbo.InStock TO denied",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    logins = [f"{name}:{PASSWORD}" for name in ("reader", "chained", "denied")]
    with ThreadedTdsServer(logins=logins) as server:
        set_up(server, SETUP)
        yield server


def test_a_read_runs_the_body_with_the_arguments(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor().execute("SELECT * FROM dbo.InStock(5, N'many') ORDER BY Id")
        assert [(d[0], d[1], d[4], d[5]) for d in cur.description] == [
            ("Id", int, 10, 0),
            ("Name", str, 20, 0),
            ("Value", Decimal, 12, 2),
            ("Label", str, 10, 0),
            ("Seen", dt.date, 10, 0),
        ]
        assert [tuple(r) for r in cur.fetchall()] == [
            (1, "bolt", Decimal("2.50"), "many", dt.date(2024, 5, 6)),
            (4, "belt", Decimal("56.00"), "many", dt.date(2024, 5, 6)),
        ]
        # DEFAULT, an IF in the body, a WHERE over its columns, the function's name as
        # the qualifier where there is no alias
        assert rows(
            cnxn, "SELECT InStock.Name, Label FROM dbo.InStock(0, DEFAULT) WHERE Id > 2"
        ) == [("gear", "all"), ("belt", "all")]
        assert rows(cnxn, "SELECT COUNT(*) FROM dbo.InStock(1, DEFAULT) AS s") == [(3,)]


def test_variables_joins_subqueries_and_loops(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        joined = (
            "DECLARE @q int = 4;"
            " SELECT s.Name, c.square FROM dbo.Stock AS s"
            " JOIN dbo.Counting(@q) AS c ON c.n = s.Id WHERE c.square > 1 ORDER BY c.n"
        )
        assert rows(cnxn, joined) == [("nut", 4), ("gear", 9), ("belt", 16)]
        nested = (
            "SELECT Name FROM dbo.Stock WHERE Id IN (SELECT n FROM dbo.Counting(2)) ORDER BY Id"
        )
        assert rows(cnxn, nested) == [("bolt",), ("nut",)]
        assert rows(cnxn, "SELECT Name FROM dbo.NamesByCursor()") == [
            ("BOLT",),
            ("GEAR",),
            ("BELT",),
        ]
        assert rows(cnxn, "SELECT * FROM dbo.Counting(0)") == []
        # into a table variable of the caller's, and through a parameter of an RPC
        filled = (
            "SET NOCOUNT ON; DECLARE @t TABLE (n int);"
            " INSERT @t SELECT n FROM dbo.Counting(3); SELECT SUM(n) FROM @t"
        )
        assert rows(cnxn, filled) == [(6,)]
        cur = cnxn.cursor().execute("SELECT MAX(square) FROM dbo.Counting(?)", 5)
        assert cur.fetchone()[0] == 25


def test_expressions_apply_and_select_into(server: ThreadedTdsServer, odbc_driver: str) -> None:
    """A read in SET's, DECLARE's and IF's subquery; CROSS and OUTER APPLY with arguments
    that do not change from row to row; SELECT ... INTO a temporary table that outlives
    the statement."""
    with connect(server, odbc_driver) as cnxn:
        assert rows(
            cnxn,
            "SET NOCOUNT ON; DECLARE @a int = (SELECT COUNT(*) FROM dbo.Counting(3)), @b int;"
            " SET @b = (SELECT MAX(square) FROM dbo.Counting(@a));"
            " IF EXISTS (SELECT * FROM dbo.Counting(1) WHERE n = 1) SET @b += 100;"
            " SELECT @a, @b",
        ) == [(3, 109)]
        applied = (
            "SELECT s.Id, c.n FROM dbo.Stock AS s CROSS APPLY dbo.Counting(2) AS c"
            " WHERE s.Id < 3 ORDER BY s.Id, c.n"
        )
        assert rows(cnxn, applied) == [(1, 1), (1, 2), (2, 1), (2, 2)]
        outer = "SELECT s.Id, c.n FROM dbo.Stock AS s OUTER APPLY dbo.Counting(0) c WHERE s.Id = 1"
        assert rows(cnxn, outer) == [(1, None)]
        cur = cnxn.cursor()
        cur.execute("SELECT n INTO #kept FROM dbo.Counting(2)")
        assert rows(cnxn, "SELECT n FROM #kept ORDER BY n") == [(1,), (2,)]


def test_the_results_go_with_the_statement() -> None:
    """The tables a call fills, and its body's own table variables, are dropped when the
    statement that read them ends, after an error too."""
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="db"))
        run(
            s,
            "CREATE FUNCTION dbo.Pair(@a int) RETURNS @r TABLE (a int PRIMARY KEY) AS BEGIN"
            " DECLARE @own TABLE (b int); INSERT @own VALUES (@a);"
            " INSERT @r SELECT b FROM @own; INSERT @r VALUES (1); RETURN; END",
        )
        assert engine_rows(s, "SELECT a FROM dbo.Pair(2) ORDER BY a") == [(1,), (2,)]
        assert s.temp_tables == {}
        with pytest.raises(TdsError, match="PRIMARY KEY"):
            run(s, "SELECT a FROM dbo.Pair(1)")
        assert s.temp_tables == {}


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("SELECT * FROM dbo.Counting()", 313, "insufficient number of arguments"),
        ("SELECT * FROM dbo.Counting(1, 2)", 8144, "too many arguments"),
        ("SELECT * FROM dbo.InStock(DEFAULT, DEFAULT)", 313, "insufficient number"),
        (
            "SELECT * FROM dbo.Stock AS s CROSS APPLY dbo.Counting(s.Id) AS c",
            40517,
            "multi-statement table-valued function dbo.Counting",
        ),
        (
            "CREATE VIEW dbo.Counted AS SELECT n FROM dbo.Counting(2)",
            40517,
            r"multi-statement table-valued function \(dbo.Counting\) where its body",
        ),
        (
            "CREATE FUNCTION dbo.Writes() RETURNS @t TABLE (a int) AS BEGIN"
            " INSERT INTO dbo.Stock VALUES (9, N'x', 1, 1); RETURN; END",
            443,
            "side-effecting operator 'INSERT'",
        ),
        (
            "CREATE FUNCTION dbo.CteWrites() RETURNS @t TABLE (a int) AS BEGIN"
            " WITH s AS (SELECT Id FROM dbo.Stock) DELETE FROM dbo.Stock; RETURN; END",
            443,
            "side-effecting operator 'DELETE'",
        ),
        (
            "CREATE FUNCTION dbo.Prints() RETURNS @t TABLE (a int) AS BEGIN PRINT 'x'; RETURN; END",
            443,
            "side-effecting operator 'PRINT'",
        ),
        (
            "CREATE FUNCTION dbo.Shows() RETURNS @t TABLE (a int) AS BEGIN"
            " DECLARE @a int; SELECT @a = 1; SELECT @a; RETURN; END",
            444,
            "cannot return data to a client",
        ),
        (
            "CREATE FUNCTION dbo.Valued() RETURNS @t TABLE (a int) AS BEGIN RETURN 1 END",
            178,
            "RETURN statement with a return value cannot be used in this context",
        ),
        (
            "CREATE FUNCTION dbo.NoReturn() RETURNS @t TABLE (a int) AS BEGIN"
            " INSERT @t VALUES (1); END",
            455,
            "last statement included within a function must be a return",
        ),
    ],
)
def test_errors_as_sql_server(
    server: ThreadedTdsServer, odbc_driver: str, sql: str, number: int, text: str
) -> None:
    with (
        connect(server, odbc_driver) as cnxn,
        pytest.raises(pyodbc.Error, match=rf"{text}.*\({number}\)"),
    ):
        cnxn.cursor().execute(sql)


def test_select_on_the_function_is_checked_and_chains_to_its_tables(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "chained") as cnxn:
        assert rows(cnxn, "SELECT Id FROM dbo.InStock(5, DEFAULT) ORDER BY Id") == [(1,), (4,)]
        with pytest.raises(pyodbc.Error, match=r"\(229\)"):
            rows(cnxn, "SELECT Name FROM dbo.Stock")
    with connect(server, odbc_driver, "denied") as cnxn:
        with pytest.raises(pyodbc.Error, match=r"SELECT permission.*'InStock'.*\(229\)"):
            rows(cnxn, "SELECT * FROM dbo.InStock(1, DEFAULT)")
        assert scalar(cnxn, "SELECT OBJECT_ID('dbo.InStock')") is None


def test_the_catalog_shows_the_function_its_columns_and_parameters(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "reader") as cnxn:
        found = "SELECT type, type_desc FROM sys.objects WHERE object_id = OBJECT_ID('dbo.InStock')"
        assert rows(cnxn, found) == [("TF", "SQL_TABLE_VALUED_FUNCTION")]
        columns = (
            "SELECT name, TYPE_NAME(system_type_id), max_length, precision, scale, is_nullable"
            " FROM sys.columns WHERE object_id = OBJECT_ID('dbo.InStock') ORDER BY column_id"
        )
        assert rows(cnxn, columns) == [
            ("Id", "int", 4, 10, 0, False),
            ("Name", "nvarchar", 40, 0, 0, False),
            ("Value", "decimal", 9, 12, 2, True),
            ("Label", "nvarchar", 20, 0, 0, True),
            ("Seen", "date", 3, 10, 0, True),
        ]
        parameters = (
            "SELECT parameter_id, name, TYPE_NAME(system_type_id), is_output FROM sys.parameters"
            " WHERE object_id = OBJECT_ID('dbo.InStock') ORDER BY parameter_id"
        )
        assert rows(cnxn, parameters) == [
            (1, "@MinQty", "int", False),
            (2, "@Label", "nvarchar", False),
        ]
        routine = (
            "SELECT ROUTINE_TYPE, DATA_TYPE FROM INFORMATION_SCHEMA.ROUTINES"
            " WHERE ROUTINE_NAME = 'InStock'"
        )
        assert rows(cnxn, routine) == [("FUNCTION", "TABLE")]
        definition = "SELECT OBJECT_DEFINITION(OBJECT_ID('dbo.InStock'))"
        assert scalar(cnxn, definition) is None  # needs VIEW DEFINITION
    with connect(server, odbc_driver) as admin:
        assert scalar(admin, definition).startswith("CREATE FUNCTION dbo.InStock(")
        modules = "SELECT COUNT(*) FROM sys.sql_modules WHERE object_id = OBJECT_ID('dbo.Counting')"
        assert scalar(admin, modules) == 1


def test_alter_and_drop(server: ThreadedTdsServer, odbc_driver: str) -> None:
    name = f"dbo.Shape_{odbc_driver}"
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(
            f"CREATE FUNCTION {name}() RETURNS @t TABLE (a int) AS BEGIN"
            " INSERT @t VALUES (1); RETURN; END"
        )
        oid = scalar(cnxn, f"SELECT OBJECT_ID('{name}')")
        cur.execute(
            f"CREATE OR ALTER FUNCTION {name}(@b varchar(5)) RETURNS @t TABLE (b varchar(5))"
            " AS BEGIN INSERT @t VALUES (@b); INSERT @t VALUES (REVERSE(@b)); RETURN; END"
        )
        assert scalar(cnxn, f"SELECT OBJECT_ID('{name}')") == oid
        assert rows(cnxn, f"SELECT b FROM {name}('abc') ORDER BY b") == [("abc",), ("cba",)]
        listed = f"SELECT name FROM sys.columns WHERE object_id = {oid}"
        assert rows(cnxn, listed) == [("b",)]
        cur.execute(f"DROP FUNCTION {name}")
        assert scalar(cnxn, f"SELECT OBJECT_ID('{name}')") is None
        assert scalar(cnxn, f"SELECT COUNT(*) FROM sys.columns WHERE object_id = {oid}") == 0
