"""A number converted to a date or time type, through both ODBC drivers: datetime and
smalldatetime take it as days since 1900-01-01 ("datetime (Transact-SQL)": the stored
days before or after the base date), a fraction as the time of day; the newer types
refuse it, explicitly with Msg 529 and implicitly (INSERT, UPDATE, a comparison) with
Msg 206."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing

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
