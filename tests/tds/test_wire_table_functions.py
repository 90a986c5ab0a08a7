"""Inline table-valued functions read in FROM, joins and APPLY, through both drivers: the
sample's dbo.ufnGetCustomerInformation and functions made here, their arguments
(constants, variables, parameters, DEFAULT), SQL Server's errors, the SELECT permission
on the function with ownership chaining to the tables it reads, and the catalog."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pyodbc
import pytest
from wire_logins import connector, rows, scalar, set_up

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
SAMPLE_FN = "dbo.ufnGetCustomerInformation"

SETUP = [
    "CREATE TABLE dbo.Items (Id int PRIMARY KEY, Name nvarchar(20), Price decimal(9, 2))",
    "INSERT INTO dbo.Items VALUES (1, N'a', 1.50), (2, N'b', 2.50), (3, N'c', 3.50)",
    """CREATE FUNCTION dbo.ItemsFrom(@MinId int, @Tag nvarchar(10) = N'x')
RETURNS TABLE
AS
RETURN (SELECT Id, Name, Price, @Tag AS Tag FROM dbo.Items WHERE Id >= @MinId)""",
    """CREATE FUNCTION dbo.ItemIds(@MinId int) RETURNS TABLE AS
RETURN SELECT i.Id FROM dbo.ItemsFrom(@MinId, DEFAULT) AS i""",
    "CREATE TABLE dbo.ItemTags (ItemId int, Tag nvarchar(10))",
    "INSERT INTO dbo.ItemTags VALUES (1, N'red'), (1, N'big'), (3, N'old'), (NULL, N'none')",
    "CREATE FUNCTION dbo.TagsOf(@ItemId int) RETURNS TABLE AS"
    " RETURN SELECT t.Tag, @ItemId AS ItemId FROM dbo.ItemTags AS t WHERE t.ItemId = @ItemId",
    "CREATE FUNCTION dbo.Echo(@Name nvarchar(5)) RETURNS TABLE AS RETURN SELECT @Name AS Name",
    "CREATE FUNCTION dbo.Twice(@x int) RETURNS int AS BEGIN RETURN @x * 2 END",
    # calls a scalar function the readers may not EXECUTE: the chain reaches it too
    "CREATE FUNCTION dbo.Doubled(@MinId int) RETURNS TABLE AS"
    " RETURN SELECT Id, dbo.Twice(Id) AS Twice FROM dbo.Items WHERE Id >= @MinId",
    # customers through the function only: the chain from the function reaches the table
    "DENY SELECT ON SalesLT.Customer TO chained",
    f"DENY SELECT ON {SAMPLE_FN} TO denied",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    logins = [f"{name}:{PASSWORD}" for name in ("reader", "chained", "denied")]
    with ThreadedTdsServer(sample=True, logins=logins) as server:
        set_up(server, SETUP)
        yield server


def test_the_sample_function_returns_the_customer(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "reader") as cnxn:
        cur = cnxn.cursor().execute(f"SELECT * FROM {SAMPLE_FN}(1)")
        assert [d[0] for d in cur.description] == ["CustomerID", "FirstName", "LastName"]
        found = [tuple(r) for r in cur.fetchall()]
        expected = rows(
            cnxn,
            "SELECT CustomerID, FirstName, LastName FROM SalesLT.Customer WHERE CustomerID = 1",
        )
        assert found == expected and len(found) == 1
        assert rows(cnxn, f"SELECT * FROM {SAMPLE_FN}(-1)") == []


def test_arguments_are_constants_variables_parameters_or_default(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        assert rows(cnxn, "SELECT Id, Tag FROM dbo.ItemsFrom(2, N'y') ORDER BY Id") == [
            (2, "y"),
            (3, "y"),
        ]
        cur.execute("SELECT f.Name FROM dbo.ItemsFrom(?, DEFAULT) AS f", 3)
        assert [tuple(r) for r in cur.fetchall()] == [("c",)]
        # one-part name (the default schema), a variable, the argument converted to int
        assert scalar(cnxn, "DECLARE @m int = 1; SELECT COUNT(*) FROM ItemsFrom(@m, 'z')") == 3
        assert scalar(cnxn, "SELECT SUM(Id) FROM dbo.ItemsFrom('2', 'z')") == 5
        # a function reading another, joins and subqueries
        assert rows(cnxn, "SELECT Id FROM dbo.ItemIds(2) ORDER BY Id") == [(2,), (3,)]
        joined = "SELECT COUNT(*) FROM dbo.Items AS i JOIN dbo.ItemIds(3) AS f ON f.Id = i.Id"
        assert scalar(cnxn, joined) == 1
        nested = "SELECT COUNT(*) FROM dbo.Items WHERE Id IN (SELECT Id FROM dbo.ItemIds(2))"
        assert scalar(cnxn, nested) == 2
        # a result column keeps its table's type
        cur.execute("SELECT Price FROM dbo.ItemsFrom(3, DEFAULT)")
        assert str(cur.fetchone()[0]) == "3.50"


def test_apply_with_constant_arguments(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        crossed = "SELECT i.Id, f.Id FROM dbo.Items i CROSS APPLY dbo.ItemIds(3) f ORDER BY i.Id"
        assert rows(cnxn, crossed) == [(1, 3), (2, 3), (3, 3)]
        outer = "SELECT i.Id, f.Id FROM dbo.Items i OUTER APPLY dbo.ItemIds(9) f ORDER BY i.Id"
        assert rows(cnxn, outer) == [(1, None), (2, None), (3, None)]


def test_apply_with_columns_of_the_tables_before_it(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Each row of the tables before the APPLY gets the rows of the function called with
    its values: none (CROSS) or one of NULLs (OUTER) where the function has none, a NULL
    argument bound as NULL (dbo.Echo(NULL) has one row)."""
    with connect(server, odbc_driver) as cnxn:
        crossed = (
            "SELECT i.Id, f.Tag, f.ItemId FROM dbo.Items AS i"
            " CROSS APPLY dbo.TagsOf(i.Id) AS f ORDER BY i.Id, f.Tag"
        )
        assert rows(cnxn, crossed) == [(1, "big", 1), (1, "red", 1), (3, "old", 3)]
        outer = "SELECT i.Id, f.Tag FROM dbo.Items i OUTER APPLY dbo.TagsOf(i.Id) f ORDER BY 1, 2"
        assert rows(cnxn, outer) == [(1, "big"), (1, "red"), (2, None), (3, "old")]
        cur = cnxn.cursor().execute(
            "SELECT * FROM dbo.Items i CROSS APPLY dbo.TagsOf(i.Id + 2) f ORDER BY i.Id"
        )
        assert [d[0] for d in cur.description] == ["Id", "Name", "Price", "Tag", "ItemId"]
        assert [tuple(r) for r in cur.fetchall()] == [(1, "a", Decimal("1.50"), "old", 3)]
        # one-part names, an unqualified column of the one table before it
        echoed = "SELECT ItemId, Name FROM dbo.ItemTags CROSS APPLY Echo(Tag) ORDER BY 1, 2"
        assert rows(cnxn, echoed)[0] == (None, "none")
        nulls = (
            "SELECT COUNT(*), COUNT(e.Name) FROM dbo.ItemTags AS t"
            " CROSS APPLY dbo.Echo(CASE WHEN t.ItemId = 3 THEN t.Tag END) AS e"
        )
        assert rows(cnxn, nulls) == [(4, 1)]
        # each value its own call ('red', 'RED' and 'red ' are three), compared in the
        # body by the default collation, typed by the parameter
        for tag in ("RED", "red "):
            cnxn.cursor().execute("INSERT INTO dbo.ItemTags VALUES (9, ?)", tag)
        cur = cnxn.cursor().execute(
            "SELECT t.Tag, e.Name, m.Tag FROM dbo.ItemTags AS t CROSS APPLY dbo.Echo(t.Tag) AS e"
            " OUTER APPLY dbo.TagsOf(LEN(t.Tag)) AS m WHERE t.ItemId IN (1, 9) ORDER BY 1, 2"
        )
        assert cur.description[1][3] == 5  # nvarchar(5), the parameter's type
        assert sorted(tuple(r) for r in cur.fetchall()) == [
            ("RED", "RED", "old"),
            ("big", "big", "old"),
            ("red", "red", "old"),
            ("red ", "red ", "old"),
        ]
        cnxn.cursor().execute("DELETE FROM dbo.ItemTags WHERE ItemId = 9")
        # a body that is more than rows of tables: SQLite cannot correlate it
        with pytest.raises(pyodbc.Error, match=r"dbo\.ItemIds with a column.*40517"):
            rows(cnxn, "SELECT * FROM dbo.Items i CROSS APPLY dbo.ItemIds(i.Id) f")


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("SELECT * FROM dbo.ItemsFrom(1)", 313, "insufficient number of arguments"),
        ("SELECT * FROM dbo.ItemsFrom(1, 'a', 3)", 8144, "too many arguments"),
        ("SELECT * FROM dbo.NoSuchFunction(1)", 208, "Invalid object name 'dbo.NoSuchFunction'"),
        ("SELECT * FROM dbo.Twice(1)", 208, "Invalid object name 'dbo.Twice'"),
        ("SELECT * FROM OtherDb.dbo.ItemIds(1)", 208, "Invalid object name 'OtherDb.dbo.ItemIds'"),
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
        assert len(rows(cnxn, f"SELECT * FROM {SAMPLE_FN}(1)")) == 1
        with pytest.raises(pyodbc.Error, match=r"\(229\)"):
            rows(cnxn, "SELECT FirstName FROM SalesLT.Customer WHERE CustomerID = 1")
        assert rows(cnxn, "SELECT Twice FROM dbo.Doubled(3)") == [(6,)]
        applied = (
            "SELECT h.SalesOrderID, f.LastName FROM SalesLT.SalesOrderHeader AS h"
            f" CROSS APPLY {SAMPLE_FN}(h.CustomerID) AS f WHERE h.CustomerID = 1"
        )
        assert all(r[1] == "Darton" for r in rows(cnxn, applied))
        for call in (
            "SELECT dbo.Twice(3)",
            "SELECT * FROM dbo.Doubled(dbo.Twice(1))",
            "SELECT * FROM dbo.Items AS i CROSS APPLY dbo.Doubled(dbo.Twice(i.Id)) AS d",
        ):
            with pytest.raises(pyodbc.Error, match=r"EXECUTE permission.*'Twice'.*\(229\)"):
                rows(cnxn, call)  # the caller's own calls, an argument's included
    with connect(server, odbc_driver, "denied") as cnxn:
        with pytest.raises(pyodbc.Error, match=r"ufnGetCustomerInformation.*\(229\)"):
            rows(cnxn, f"SELECT * FROM {SAMPLE_FN}(1)")
        assert len(rows(cnxn, "SELECT * FROM SalesLT.Customer WHERE CustomerID = 1")) == 1


def test_the_catalog_shows_an_inline_function_and_its_columns(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "reader") as cnxn:
        found = (
            f"SELECT type, type_desc FROM sys.objects WHERE object_id = OBJECT_ID('{SAMPLE_FN}')"
        )
        assert rows(cnxn, found) == [("IF", "SQL_INLINE_TABLE_VALUED_FUNCTION")]
        columns = (
            "SELECT name, TYPE_NAME(system_type_id), max_length FROM sys.columns"
            f" WHERE object_id = OBJECT_ID('{SAMPLE_FN}') ORDER BY column_id"
        )
        assert [r[0] for r in rows(cnxn, columns)] == ["CustomerID", "FirstName", "LastName"]
        assert rows(cnxn, columns)[0][1:] == ("int", 4)
        routine = (
            "SELECT ROUTINE_TYPE, DATA_TYPE FROM INFORMATION_SCHEMA.ROUTINES"
            " WHERE ROUTINE_NAME = 'ufnGetCustomerInformation'"
        )
        assert rows(cnxn, routine) == [("FUNCTION", "TABLE")]
        # INFORMATION_SCHEMA.COLUMNS lists tables' and views' columns only
        listed = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME LIKE 'ufn%'"
        assert scalar(cnxn, listed) == 0
        # its definition needs VIEW DEFINITION, which db_datareader lacks
        definition = f"SELECT OBJECT_DEFINITION(OBJECT_ID('{SAMPLE_FN}'))"
        assert scalar(cnxn, definition) is None
    with connect(server, odbc_driver) as admin:
        assert scalar(admin, definition).startswith("CREATE FUNCTION [dbo].[ufnGetCustomer")
    with connect(server, odbc_driver, "denied") as cnxn:  # no SELECT: not seen
        assert scalar(cnxn, f"SELECT OBJECT_ID('{SAMPLE_FN}')") is None
        hidden = "SELECT COUNT(*) FROM sys.objects WHERE name = 'ufnGetCustomerInformation'"
        assert scalar(cnxn, hidden) == 0


def test_drop_and_create_or_alter_replace_the_columns(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        made = f"CREATE OR ALTER FUNCTION dbo.Shape_{odbc_driver}() RETURNS TABLE AS RETURN"
        cur.execute(f"{made} SELECT 1 AS One, 2 AS Two")
        count = (
            "SELECT COUNT(*) FROM sys.columns"
            f" WHERE object_id = OBJECT_ID('dbo.Shape_{odbc_driver}')"
        )
        assert scalar(cnxn, count) == 2
        cur.execute(f"{made} SELECT 1 AS One")
        assert scalar(cnxn, count) == 1
        assert rows(cnxn, f"SELECT * FROM dbo.Shape_{odbc_driver}()") == [(1,)]
        shape_id = scalar(cnxn, f"SELECT OBJECT_ID('dbo.Shape_{odbc_driver}')")
        cur.execute(f"GRANT SELECT ON dbo.Shape_{odbc_driver} TO reader")
        cur.execute(f"DROP FUNCTION dbo.Shape_{odbc_driver}")
        gone = "SELECT COUNT(*) FROM sys.columns WHERE name IN ('One', 'Two')"
        assert scalar(cnxn, gone) == 0
        # its permissions go with it, as on SQL Server
        granted = f"SELECT COUNT(*) FROM sys.database_permissions WHERE major_id = {shape_id}"
        assert scalar(cnxn, granted) == 0
        with pytest.raises(pyodbc.Error, match=r"\(4511\)"):
            cur.execute("CREATE FUNCTION dbo.NoName() RETURNS TABLE AS RETURN SELECT 1")


def test_alter_keeps_the_object_id_and_its_grants(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ALTER FUNCTION, and CREATE OR ALTER of one that exists, change the definition of
    the same object ("ALTER FUNCTION": permissions are kept); ALTER of none is 208."""
    name = f"dbo.Kept_{odbc_driver}"
    with connect(server, odbc_driver) as admin:
        cur = admin.cursor()
        cur.execute(f"CREATE FUNCTION {name}() RETURNS TABLE AS RETURN SELECT 1 AS One")
        before = scalar(admin, f"SELECT OBJECT_ID('{name}')")
        cur.execute(f"DENY SELECT ON {name} TO reader")
        cur.execute(f"ALTER FUNCTION {name}() RETURNS TABLE AS RETURN SELECT 2 AS Two")
        cur.execute(f"CREATE OR ALTER FUNCTION {name}() RETURNS TABLE AS RETURN SELECT 3 AS Three")
        assert scalar(admin, f"SELECT OBJECT_ID('{name}')") == before
        assert rows(admin, f"SELECT Three FROM {name}()") == [(3,)]
        with pytest.raises(pyodbc.Error, match=r"\(208\)"):
            cur.execute(f"ALTER FUNCTION {name}_none() RETURNS TABLE AS RETURN SELECT 1 AS One")
        with pytest.raises(pyodbc.Error, match=r"\(2010\)"):
            cur.execute("ALTER FUNCTION dbo.Twice() RETURNS TABLE AS RETURN SELECT 1 AS One")
    with (
        connect(server, odbc_driver, "reader") as cnxn,
        pytest.raises(pyodbc.Error, match=r"\(229\)"),
    ):
        rows(cnxn, f"SELECT * FROM {name}()")


def test_functions_reading_each_other_stop_at_32_levels(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Two functions made to read each other (the second ALTERed after the first exists)
    expand without end: Msg 217, as SQL Server stops nesting at 32 levels."""
    a, b = f"dbo.PingA_{odbc_driver}", f"dbo.PingB_{odbc_driver}"
    with connect(server, odbc_driver) as admin:
        cur = admin.cursor()
        cur.execute(f"CREATE FUNCTION {b}(@n int) RETURNS TABLE AS RETURN SELECT @n AS n")
        cur.execute(f"CREATE FUNCTION {a}(@n int) RETURNS TABLE AS RETURN SELECT n FROM {b}(@n)")
        cur.execute(f"ALTER FUNCTION {b}(@n int) RETURNS TABLE AS RETURN SELECT n FROM {a}(@n)")
        with pytest.raises(pyodbc.Error, match=r"nesting level exceeded \(limit 32\).*\(217\)"):
            rows(admin, f"SELECT * FROM {a}(1)")
