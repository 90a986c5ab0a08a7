"""A number converted to a date or time type, through both ODBC drivers: datetime and
smalldatetime take it as days since 1900-01-01 ("datetime (Transact-SQL)": the stored
days before or after the base date), a fraction as the time of day; the newer types
refuse it, explicitly with Msg 529 and implicitly (INSERT, UPDATE, a comparison) with
Msg 206."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest

_names = itertools.count()


def _one(cur: pyodbc.Cursor, sql: str, *params: object) -> object:
    (row,) = cur.execute(sql, *params).fetchall()
    return row[0]


def test_a_number_is_days_since_1900_for_datetime_and_smalldatetime(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        assert _one(cur, "SELECT CAST(5 AS datetime)") == dt.datetime(1900, 1, 6)
        assert _one(cur, "SELECT CAST(5 AS smalldatetime)") == dt.datetime(1900, 1, 6)
        assert _one(cur, "SELECT CONVERT(datetime, 5.5)") == dt.datetime(1900, 1, 6, 12)
        assert _one(cur, "SELECT CAST(-1 AS datetime)") == dt.datetime(1899, 12, 31)
        # the fraction of a day rounded to 1/300 s (2:57:46.5984 -> .600) or to the minute
        assert _one(cur, "SELECT CAST(5.123456e0 AS datetime)") == dt.datetime(
            1900, 1, 6, 2, 57, 46, 600000
        )
        assert _one(cur, "SELECT CAST(0.0104 AS smalldatetime)") == dt.datetime(1900, 1, 1, 0, 15)
        assert _one(cur, "SELECT CAST(CAST(45000 AS bigint) AS datetime)") == dt.datetime(
            2023, 3, 17
        )
        assert _one(cur, "SELECT CAST(? AS datetime)", 2) == dt.datetime(1900, 1, 3)
        # past the type's range: an arithmetic overflow, which TRY_CAST makes NULL
        for sql in ("SELECT CAST(3000000 AS datetime)", "SELECT CAST(-1 AS smalldatetime)"):
            with pytest.raises(pyodbc.Error, match=r"Arithmetic overflow error.*\(8115\)"):
                cur.execute(sql).fetchall()
        assert _one(cur, "SELECT TRY_CAST(3000000 AS datetime)") is None


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CAST(5 AS date)", "from data type int to date"),
        ("SELECT CAST(5 AS datetime2)", "from data type int to datetime2"),
        ("SELECT CONVERT(time, 5.5)", "from data type numeric to time"),
        ("SELECT CAST(5e0 AS datetimeoffset)", "from data type float to datetimeoffset"),
        ("SELECT TRY_CAST(5 AS date)", "from data type int to date"),
    ],
)
def test_the_newer_date_types_refuse_a_number_with_529(
    cursor: closing[pyodbc.Cursor], sql: str, message: str
) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match=rf"{message} is not allowed.*\(529\)"):
        cur.execute(sql).fetchall()


def test_a_number_stored_in_or_compared_with_a_date_column(
    cursor: closing[pyodbc.Cursor],
) -> None:
    name = f"numbered_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (id int, at datetime, small smalldatetime, day date)")
        cur.execute(f"INSERT INTO {name} (id, at, small) VALUES (1, 5, 5.75)")
        cur.execute(f"INSERT INTO {name} (id, at) VALUES (?, ?)", 2, 7)
        cur.execute(f"UPDATE {name} SET small = id + 1 WHERE id = 2")
        rows = cur.execute(f"SELECT at, small FROM {name} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [
            (dt.datetime(1900, 1, 6), dt.datetime(1900, 1, 6, 18)),
            (dt.datetime(1900, 1, 8), dt.datetime(1900, 1, 4)),
        ]

        def ids(where: str) -> list[int]:
            return [r[0] for r in cur.execute(f"SELECT id FROM {name} WHERE {where} ORDER BY id")]

        assert ids("at = 5") == [1]
        assert ids("7 = at") == [2]
        assert ids("small BETWEEN 3 AND 4") == [2]
        assert ids("at IN (4, 7.0)") == [2]
        at_seven = f"DECLARE @n int = 7; SELECT id FROM {name} WHERE at = @n"
        assert [r[0] for r in cur.execute(at_seven).fetchall()] == [2]
        clash = r"Operand type clash: {} is incompatible with {} \(206\)"
        for sql, types in [
            (f"INSERT INTO {name} (id, day) VALUES (3, 5)", ("int", "date")),
            (f"UPDATE {name} SET day = 1.5", ("numeric", "date")),
            (f"UPDATE {name} SET day = id", ("int", "date")),
            (f"SELECT id FROM {name} WHERE day = 5", ("date", "int")),
            (f"SELECT id FROM {name} WHERE 5 < day", ("int", "date")),
            (f"DECLARE @i int = 5; SELECT id FROM {name} WHERE day = @i", ("int", "date")),
        ]:
            with pytest.raises(pyodbc.Error, match=clash.format(*types)):
                cur.execute(sql).fetchall()
        assert ids("day IS NULL") == [1, 2]  # nothing was stored


def test_a_date_function_or_a_variable_reads_a_number_as_days(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """An int converts to datetime implicitly: the date functions read one as days since
    1900-01-01 (the common "midnight of" idiom), and a datetime variable takes one; a date
    variable clashes (206)."""
    with cursor as cur:
        midnight = "SELECT DATEADD(dd, DATEDIFF(dd, 0, '2024-05-06 10:00'), 0)"
        assert _one(cur, midnight) == dt.datetime(2024, 5, 6)
        assert _one(cur, "SELECT DATEDIFF(day, 5, CAST('1900-01-08' AS date))") == 2
        assert _one(cur, "SELECT DATEADD(day, 1, 5.5)") == dt.datetime(1900, 1, 7, 12)
        assert _one(cur, "DECLARE @d datetime = 5; SELECT @d") == dt.datetime(1900, 1, 6)
        with pytest.raises(pyodbc.Error, match=r"int is incompatible with date \(206\)"):
            cur.execute("DECLARE @d date = 5; SELECT @d").fetchall()


def test_year_month_and_day_read_a_number_as_days(cursor: closing[pyodbc.Cursor]) -> None:
    """ "YEAR (Transact-SQL)" (and MONTH, DAY): `SELECT YEAR(0), MONTH(0), DAY(0)` is 1900,
    1, 1, a number being days since 1900-01-01 as for DATEPART; a string is read as a
    date in the session's order, a datetimeoffset in its own offset."""
    with cursor as cur:
        row = cur.execute("SELECT YEAR(0), MONTH(0), DAY(0)").fetchone()
        assert tuple(row) == (1900, 1, 1)
        row = cur.execute("SELECT YEAR(45000), MONTH(45000), DAY(45000), DAY(5.5)").fetchone()
        assert tuple(row) == (2023, 3, 17, 6)  # as CAST(45000 AS datetime): 2023-03-17
        row = cur.execute("DECLARE @n int = 40000; SELECT DAY(@n), YEAR(@n + 0.75)").fetchone()
        assert tuple(row) == (8, 2009)
        assert _one(cur, "SELECT MONTH('03/04/2024')") == 3
        assert _one(cur, "SELECT YEAR(CAST('2024-12-31 23:00 -05:00' AS datetimeoffset))") == 2024
        name = f"days_{next(_names)}"
        cur.execute(f"CREATE TABLE {name} (n int, d date)")
        cur.execute(f"INSERT INTO {name} VALUES (45000, '2024-02-29')")
        row = cur.execute(f"SELECT YEAR(n), MONTH(d), DAY(d) FROM {name}").fetchone()
        assert tuple(row) == (2023, 2, 29)


def test_datetime_and_smalldatetime_convert_to_a_number_of_days(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """CAST or CONVERT of a datetime or smalldatetime to a number is the count of days
    since 1900-01-01 the type stores ("datetime (Transact-SQL)"), the time of day its
    fraction; an integer type rounds it to the nearest day. Past the target's range it is
    Msg 8115, which TRY_CAST makes NULL."""
    with cursor as cur:
        row = cur.execute(
            "SELECT CAST(CAST('2024-01-01 18:00' AS datetime) AS float),"
            " CAST(CAST('2024-01-01 18:00' AS datetime) AS int),"
            " CAST(CAST('2024-01-01 11:59' AS datetime) AS int),"
            " CONVERT(float, CAST('1900-01-02 12:00' AS smalldatetime)),"
            " CAST(CAST('1899-12-31 12:00' AS datetime) AS float),"
            " CAST(CAST('2024-01-01 06:00' AS datetime) AS decimal(9, 2)),"
            " CAST(CAST('2024-01-01' AS datetime) AS bigint)"
        ).fetchone()
        assert tuple(row) == (45290.75, 45291, 45290, 1.5, -0.5, Decimal("45290.25"), 45290)
        # datetime's 1/300 s: .997 is 299 of the day's last second's 300 parts
        last = _one(cur, "SELECT CAST(CAST('2024-01-01 23:59:59.997' AS datetime) AS float)")
        assert last == pytest.approx(45290 + (86_399 * 300 + 299) / (86_400 * 300), abs=1e-12)
        today = _one(cur, "SELECT CAST(GETDATE() AS float)")
        since = dt.datetime.now() - dt.datetime(1900, 1, 1)
        assert abs(float(str(today)) - since.total_seconds() / 86_400) < 0.01
        name = f"dated_{next(_names)}"
        cur.execute(f"CREATE TABLE {name} (at datetime, small smalldatetime)")
        cur.execute(f"INSERT INTO {name} VALUES ('2024-01-01 06:00', '2024-01-01 18:00')")
        row = cur.execute(f"SELECT CONVERT(float, at), CAST(small AS int) FROM {name}").fetchone()
        assert tuple(row) == (45290.25, 45291)
        with pytest.raises(pyodbc.Error, match=r"data type tinyint\..*\(8115\)"):
            cur.execute("SELECT CAST(CAST('2024-01-01' AS datetime) AS tinyint)").fetchall()
        assert _one(cur, "SELECT TRY_CAST(CAST('2024-01-01' AS datetime) AS tinyint)") is None


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CAST(CAST('2024-01-01' AS date) AS float)", "from data type date to float"),
        ("SELECT CAST(CAST('2024-01-01' AS datetime2) AS int)", "from data type datetime2 to int"),
        ("SELECT CONVERT(decimal(9, 2), CAST('10:00' AS time))", "from data type time to numeric"),
    ],
)
def test_the_newer_date_types_do_not_convert_to_a_number(
    cursor: closing[pyodbc.Cursor], sql: str, message: str
) -> None:
    """Msg 529, as for a number to these types ("Database Engine events and errors (0 to
    999)": "Explicit conversion from data type %ls to %ls is not allowed.")."""
    with cursor as cur, pytest.raises(pyodbc.Error, match=rf"{message} is not allowed.*\(529\)"):
        cur.execute(sql).fetchall()


def test_a_variable_converts_as_its_declared_type(cursor: closing[pyodbc.Cursor]) -> None:
    """A @variable (a statement's parameter too) converts as the type it was declared,
    not as the text the test server keeps it in: a datetime to a number of days, to text
    in style 0; a date is 529 as a date column is; a decimal keeps its scale in text; a
    varchar of a date with four fractional digits is 241 for datetime, as a string is."""
    with cursor as cur:
        row = cur.execute(
            "DECLARE @d datetime = '2024-01-02 12:00', @s smalldatetime = '2024-01-02 06:00';"
            " SELECT CONVERT(int, @d), CAST(@d AS float), CAST(@d AS decimal(9, 2)),"
            " CAST(@s AS float), CAST(@d AS varchar(30))"
        ).fetchone()
        assert tuple(row) == (45292, 45291.5, Decimal("45291.50"), 45291.25, "Jan  2 2024 12:00PM")
        assert _one(cur, "DECLARE @n decimal(10, 2) = 11; SELECT CAST(@n AS varchar(20))") == (
            "11.00"
        )
        assert _one(cur, "DECLARE @d datetime = ?; SELECT CAST(@d AS int)", "2024-01-02") == 45291
        assert _one(cur, "SELECT CAST(@@ROWCOUNT AS varchar(10))") == "1"  # no variable
        with pytest.raises(pyodbc.Error, match=r"from data type date to int is not.*\(529\)"):
            cur.execute("DECLARE @d date = '2024-01-02'; SELECT CAST(@d AS int)").fetchall()
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute(
                "DECLARE @t varchar(30) = '2024-01-02 12:00:00.1234'; SELECT CAST(@t AS datetime)"
            ).fetchall()


def test_a_datetime_to_money_is_refused_as_not_modelled(cursor: closing[pyodbc.Cursor]) -> None:
    """ "CAST and CONVERT (Transact-SQL)" allows datetime to money but its text does not
    say what value it gives: the test server refuses it with its own error, which names a
    way round, rather than answer 235 as if the datetime were a string."""
    with cursor as cur:
        for sql in (
            "SELECT CAST(GETDATE() AS money)",
            "DECLARE @d smalldatetime = '2024-01-02'; SELECT CONVERT(smallmoney, @d)",
        ):
            with pytest.raises(pyodbc.Error, match=r"money \(its value is not documented; conv"):
                cur.execute(sql).fetchall()
        with pytest.raises(pyodbc.Error, match=r"datetime2 to money is not allowed.*\(529\)"):
            cur.execute("SELECT CAST(SYSDATETIME() AS money)").fetchall()


def test_a_datetime_variable_plus_a_number_adds_days(cursor: closing[pyodbc.Cursor]) -> None:
    """ "+ (Addition) (Transact-SQL)": the operator "can also add a number, in days, to a
    date"; its example gives `@startdate + 1.25` 1900-01-11 06:00:00.000 and `@startdate
    + @adddays` 1900-01-15 for a datetime @startdate of January 10, 1900, of the type of
    higher precedence: datetime (smalldatetime beside a number). A DECLAREd variable and
    an sp_executesql parameter alike (both drivers send a Python datetime as datetime2,
    which takes no days, as in SQL Server); a date or datetime2 variable
    is Msg 206 ("Cannot be used with date, time, datetime2, or datetimeoffset"), and a
    number variable still adds as a number."""
    with cursor as cur:
        cur.execute(
            "DECLARE @startdate datetime, @adddays int;"
            " SET @startdate = 'January 10, 1900 12:00 AM'; SET @adddays = 5;"
            " SELECT @startdate + 1.25 AS [Start Date], @startdate + @adddays AS [Add Date],"
            " @startdate - 1.5e0, 2 + @startdate, @startdate + CAST(0.5 AS money)"
        )
        assert list(cur.fetchone()) == [
            dt.datetime(1900, 1, 11, 6),
            dt.datetime(1900, 1, 15),
            dt.datetime(1900, 1, 8, 12),
            dt.datetime(1900, 1, 12),
            dt.datetime(1900, 1, 10, 12),
        ]
        assert {(d[1], d[4], d[5]) for d in cur.description} == {(dt.datetime, 23, 3)}
        cur.execute("DECLARE @s smalldatetime = '2024-05-06'; SELECT @s + 1, @s - 0.5")
        assert list(cur.fetchone()) == [dt.datetime(2024, 5, 7), dt.datetime(2024, 5, 5, 12)]
        assert [d[4] for d in cur.description] == [16, 16]  # smalldatetime's column size
        called = "EXEC sp_executesql N'SELECT @d + 1.25', N'@d datetime', @d = '2024-05-06'"
        assert _one(cur, called) == dt.datetime(2024, 5, 7, 6)
        assert _one(cur, "DECLARE @i int = 2, @n int = 3; SELECT @i + @n, @i + 1.5") == 5
        for declared, number in (("date", "numeric"), ("datetime2", "int")):
            literal = "1.25" if number == "numeric" else "1"
            with pytest.raises(pyodbc.Error) as raised:
                cur.execute(f"DECLARE @d {declared} = '2024-05-06'; SELECT @d + {literal}")
            assert f"{declared} is incompatible with {number} (206)" in str(raised.value)
