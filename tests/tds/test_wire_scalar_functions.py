"""Scalar user-defined functions through both ODBC drivers: CREATE FUNCTION with a BEGIN
... END body, calls by two-part name in SELECT, WHERE, ORDER BY, SET and a computed
column, DEFAULT arguments, EXECUTE permission (Msg 229 before any row), ownership
chaining in the body, and the catalog rows (sys.objects FN, sys.parameters, sys.sql_modules)
with their visibility. From Microsoft's CREATE FUNCTION, "Create user-defined functions",
sys.parameters and GRANT Object Permissions pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyodbc
import pytest
from engine_helpers import run
from wire_logins import connector, rows, scalar, set_up

from tds_test_server import ThreadedTdsServer
from tds_test_server.engine.engine import Engine
from tds_test_server.results import ColumnType, SessionInfo

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)

FULL_NAME = """CREATE FUNCTION dbo.FullName(@first nvarchar(40), @last nvarchar(40) = N'(none)')
RETURNS nvarchar(90)
WITH SCHEMABINDING
AS
BEGIN
    DECLARE @result nvarchar(90);
    IF @last IS NULL
        SET @result = @first
    ELSE
    BEGIN
        SET @result = @first + N' ' + @last
    END
    RETURN @result
END"""

FACTORIAL = """CREATE FUNCTION dbo.Factorial(@n int) RETURNS bigint AS
BEGIN
    DECLARE @i int = 1, @f bigint = 1
    WHILE @i <= @n
    BEGIN
        SET @f = @f * @i
        SET @i = @i + 1
        IF @i > 20 BREAK
    END
    RETURN @f
END"""

SETUP = [
    "CREATE TABLE dbo.People (Id int PRIMARY KEY, First nvarchar(40), Last nvarchar(40))",
    "INSERT INTO dbo.People VALUES (1, N'Ada', N'Lovelace'), (2, N'Alan', NULL),"
    " (3, N'Grace', N'Hopper')",
    FULL_NAME,
    FACTORIAL,
    "CREATE FUNCTION dbo.Twice(@x int) RETURNS int AS BEGIN RETURN @x * 2 END",
    """CREATE FUNCTION dbo.Forever(@x int) RETURNS int AS
BEGIN
    WHILE @x = @x SET @x = @x + 1
    RETURN @x
END""",
    "CREATE TABLE dbo.Secret (Id int, Code varchar(10))",
    "INSERT INTO dbo.Secret VALUES (1, 'x'), (2, 'y')",
    "DENY SELECT ON dbo.Secret TO reader",
    """CREATE FUNCTION dbo.SecretCount() RETURNS int AS
BEGIN
    DECLARE @n int
    SELECT @n = COUNT(*) FROM dbo.Secret
    RETURN @n
END""",
    "GRANT EXECUTE ON dbo.Twice TO reader",
    "GRANT EXECUTE ON dbo.SecretCount TO reader",
    "CREATE TABLE dbo.Named (Id int, First nvarchar(40), Last nvarchar(40),"
    " Full AS dbo.FullName(First, Last))",
    "INSERT INTO dbo.Named (Id, First, Last) VALUES (1, N'Ada', N'Lovelace')",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False, logins=[f"reader:{PASSWORD}"]) as server:
        set_up(server, SETUP)
        yield server


def _error(cnxn: pyodbc.Connection, sql: str) -> str:
    with pytest.raises(pyodbc.Error) as info:
        cnxn.cursor().execute(sql).fetchall()
    return str(info.value)


def test_calls_in_select_where_order_by_and_set(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin:
        found = rows(
            admin,
            "SELECT Id, dbo.FullName(First, Last) AS Name FROM dbo.People"
            " WHERE dbo.Twice(Id) > 2 ORDER BY dbo.FullName(First, Last) DESC",
        )
        assert found == [(3, "Grace Hopper"), (2, "Alan")]
        assert scalar(admin, "SELECT dbo.FullName(N'Ada', DEFAULT)") == "Ada (none)"
        assert scalar(admin, "SELECT [dbo].[Factorial](5)") == 120
        assert scalar(admin, "DECLARE @v int; SET @v = dbo.Twice(21); SELECT @v") == 42
        assert scalar(admin, "SELECT Full FROM dbo.Named WHERE Id = 1") == "Ada Lovelace"


def test_names_and_arguments_are_checked(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        assert "is not a recognized built-in function name" in _error(admin, "SELECT Twice(1)")
        assert "too many arguments specified" in _error(admin, "SELECT dbo.Twice(1, 2)")
        assert "insufficient number of arguments" in _error(admin, "SELECT dbo.FullName(N'A')")


def test_bodies_are_checked_when_created(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        side = (
            "CREATE FUNCTION dbo.Bad(@x int) RETURNS int AS"
            " BEGIN DELETE FROM dbo.People RETURN 1 END"
        )
        assert "side-effecting operator 'DELETE'" in _error(admin, side)
        select = "CREATE FUNCTION dbo.Bad(@x int) RETURNS int AS BEGIN SELECT 1 RETURN 1 END"
        assert "cannot return data to a client" in _error(admin, select)
        last = "CREATE FUNCTION dbo.Bad(@x int) RETURNS int AS BEGIN SET @x = 1 END"
        assert "last statement included within a function must be a return" in _error(admin, last)
        assert scalar(admin, "SELECT COUNT(*) FROM sys.objects WHERE name = 'Bad'") == 0


def test_execute_permission_is_checked_before_any_row(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "reader") as reader:
        assert scalar(reader, "SELECT dbo.Twice(4)") == 8
        # The body reads a table the reader may not: ownership chaining, as for a view.
        assert scalar(reader, "SELECT dbo.SecretCount()") == 2
        assert "SELECT permission was denied" in _error(reader, "SELECT COUNT(*) FROM dbo.Secret")
        message = _error(reader, "SELECT dbo.FullName(First, Last) FROM dbo.People WHERE 1 = 0")
        assert (
            "The EXECUTE permission was denied on the object 'FullName', database 'master',"
            " schema 'dbo'." in message
        )
        assert "EXECUTE permission was denied" in _error(
            reader, "DECLARE @v bigint = dbo.Factorial(3)"
        )


def test_catalog_rows_and_their_visibility(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        assert rows(
            admin,
            "SELECT name, type, type_desc FROM sys.objects WHERE type = 'FN' AND name = 'Twice'",
        ) == [("Twice", "FN", "SQL_SCALAR_FUNCTION")]
        assert rows(
            admin,
            "SELECT p.parameter_id, p.name, TYPE_NAME(p.system_type_id), p.max_length,"
            " p.is_output FROM sys.parameters p WHERE p.object_id = OBJECT_ID('dbo.FullName')"
            " ORDER BY p.parameter_id",
        ) == [
            (0, "", "nvarchar", 180, True),
            (1, "@first", "nvarchar", 80, False),
            (2, "@last", "nvarchar", 80, False),
        ]
        definition = scalar(admin, "SELECT OBJECT_DEFINITION(OBJECT_ID('dbo.Twice'))")
        assert definition.startswith("CREATE FUNCTION dbo.Twice(@x int)")
        assert rows(
            admin,
            "SELECT ROUTINE_TYPE, DATA_TYPE FROM INFORMATION_SCHEMA.ROUTINES"
            " WHERE ROUTINE_NAME = 'Factorial'",
        ) == [("FUNCTION", "bigint")]
    with connect(server, odbc_driver, "reader") as reader:
        # db_datareader's SELECT on the database shows no scalar function, so it sees
        # only those it may EXECUTE (hidden_objects.py): not dbo.FullName, nor its
        # parameters; a definition needs VIEW DEFINITION.
        assert rows(reader, "SELECT name FROM sys.objects WHERE type = 'FN' ORDER BY name") == [
            ("SecretCount",),
            ("Twice",),
        ]
        assert scalar(reader, "SELECT OBJECT_ID('dbo.FullName')") is None
        assert (
            scalar(
                reader,
                "SELECT COUNT(*) FROM sys.parameters p JOIN sys.objects o"
                " ON o.object_id = p.object_id WHERE o.name = 'FullName'",
            )
            == 0
        )
        assert scalar(reader, "SELECT OBJECT_DEFINITION(OBJECT_ID('dbo.Twice'))") is None
        assert scalar(reader, "SELECT COUNT(definition) FROM sys.sql_modules") == 0


def test_alter_keeps_the_permission_and_drop_removes_the_function(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin:
        a = admin.cursor()
        a.execute("CREATE FUNCTION dbo.Plus(@x int) RETURNS int AS BEGIN RETURN @x + 1 END")
        a.execute("GRANT EXECUTE ON dbo.Plus TO reader")
        a.execute("ALTER FUNCTION dbo.Plus(@x int) RETURNS int AS BEGIN RETURN @x + 10 END")
        with connect(server, odbc_driver, "reader") as reader:
            assert scalar(reader, "SELECT dbo.Plus(1)") == 11
        a.execute("DROP FUNCTION dbo.Plus")
        assert "Cannot find either column" in _error(admin, "SELECT dbo.Plus(1)")
        a.execute("DROP FUNCTION IF EXISTS dbo.Plus")


def test_a_call_is_typed_by_the_return_type(server: ThreadedTdsServer, odbc_driver: str) -> None:
    """Before any row, as sp_describe_first_result_set and the column metadata say it."""
    with connect(server, odbc_driver) as admin:
        described = rows(
            admin,
            "EXEC sp_describe_first_result_set N'SELECT dbo.FullName(First, Last) AS n,"
            " dbo.Factorial(Id) AS f FROM dbo.People WHERE 1 = 0'",
        )
        assert [(r[2], r[5]) for r in described] == [("n", "nvarchar(90)"), ("f", "bigint")]
        cursor = admin.cursor().execute("SELECT dbo.FullName(First, Last) AS n FROM dbo.People")
        assert cursor.description[0][1] is str and cursor.description[0][3] == 90


def test_a_reopened_database_types_calls_by_the_return_type(tmp_path: Path) -> None:
    """The return types a new Engine reads from sys.parameters' row 0."""
    path = str(tmp_path / "db.sqlite")
    with Engine(path) as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="master"))
        run(s, "CREATE FUNCTION dbo.Price(@x int) RETURNS decimal(9, 2) AS BEGIN RETURN @x END")
        s.close()
    with Engine(path) as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="master"))
        [(columns, values)] = run(s, "SELECT dbo.Price(3) AS p")
        assert columns[0].type == ColumnType("decimal", precision=9, scale=2)
        assert values == [(Decimal("3.00"),)]
        s.close()


def test_ddl_and_a_deny_need_their_permissions(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver, "reader") as reader:
        create = "CREATE FUNCTION dbo.Mine() RETURNS int AS BEGIN RETURN 1 END"
        assert "CREATE FUNCTION permission denied" in _error(reader, create)
        assert "Cannot drop the function 'dbo.Twice'" in _error(reader, "DROP FUNCTION dbo.Twice")
    with connect(server, odbc_driver) as admin:
        admin.cursor().execute(
            "CREATE FUNCTION dbo.Once(@x int) RETURNS int AS BEGIN RETURN @x END"
        )
        admin.cursor().execute("GRANT EXECUTE ON SCHEMA::dbo TO reader")
        with connect(server, odbc_driver, "reader") as reader:
            assert scalar(reader, "SELECT dbo.Once(7)") == 7
            admin.cursor().execute("DENY EXECUTE ON dbo.Once TO reader")
            assert "EXECUTE permission was denied" in _error(reader, "SELECT dbo.Once(7)")
        admin.cursor().execute("REVOKE EXECUTE ON SCHEMA::dbo TO reader")
        admin.cursor().execute("DROP FUNCTION dbo.Once")


def test_the_query_timeout_stops_a_loop_in_a_function(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """The body's conditions and statements run on the session's SQLite connection while
    the calling statement is active, so ATTENTION's interrupt fails the next of them."""
    with connect(server, odbc_driver) as admin:
        admin.timeout = 1
        started = time.monotonic()
        with pytest.raises(pyodbc.OperationalError, match="HYT00"):
            admin.cursor().execute("SELECT dbo.Forever(1)").fetchall()
        assert time.monotonic() - started < 10
        admin.timeout = 0
        assert scalar(admin, "SELECT dbo.Twice(2)") == 4
