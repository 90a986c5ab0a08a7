"""A string beside a datetime or smalldatetime in + or -, through both ODBC drivers.

"Data type precedence (Transact-SQL)": the operand of lower precedence converts to the
type of the higher, and every date and time type outranks the character types, so the
string becomes a datetime (Msg 241 where it is no date) and the two add or subtract as
their day counts ("+ (Addition)": datetime counts days). Beside the newer date types
the converted string is one of theirs, for which + and - are not defined (Msg 8117).
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing

import pyodbc
import pytest

_names = itertools.count()

_AT_SIX = "DECLARE @d datetime = '2024-01-01 06:00', @t varchar(30) = '1900-01-03 12:00'; "


def _row(cur: pyodbc.Cursor, sql: str) -> tuple[object, ...]:
    (row,) = cur.execute(sql).fetchall()
    return tuple(row)


def test_a_string_variable_beside_a_datetime_variable_converts_to_datetime(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        row = _row(cur, _AT_SIX + "SELECT @d + @t, @t + @d, @d - @t")
        assert row == (
            dt.datetime(2024, 1, 3, 18),  # '1900-01-03 12:00' is 2.5 days after 1900-01-01
            dt.datetime(2024, 1, 3, 18),
            dt.datetime(2023, 12, 29, 18),
        )
        assert [d[1] for d in cur.description] == [dt.datetime] * 3


def test_getdate_plus_a_string_variable_adds_its_days_since_1900(
    cursor: closing[pyodbc.Cursor],
) -> None:
    days = (dt.date(2024, 1, 2) - dt.date(1900, 1, 1)).days
    with cursor as cur:
        sql = (
            "DECLARE @t varchar(30) = '2024-01-02'; "
            "SELECT DATEDIFF(day, CAST(GETDATE() AS date), GETDATE() + @t)"
        )
        assert _row(cur, sql) == (days,)
        assert _row(cur, "SELECT CAST('2024-01-01 06:00' AS datetime) + '1900-01-03 12:00'") == (
            dt.datetime(2024, 1, 3, 18),
        )
        assert _row(cur, _AT_SIX + "SELECT @d + '1900-01-02', '1900-01-02' + @d") == (
            dt.datetime(2024, 1, 2, 6),
            dt.datetime(2024, 1, 2, 6),
        )


def test_a_string_column_beside_a_datetime_or_smalldatetime_column(
    cursor: closing[pyodbc.Cursor],
) -> None:
    table = f"#dates{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {table} (d datetime, sd smalldatetime, s varchar(30))")
        cur.execute(
            f"INSERT {table} VALUES ('2024-01-01 06:00', '2024-01-01 06:00', '1900-01-03 12:00')"
        )
        row = _row(cur, f"SELECT d + s, s - d, sd + s, sd - '1900-01-02' FROM {table}")
        assert row == (
            dt.datetime(2024, 1, 3, 18),
            dt.datetime(1776, 1, 3, 6),  # 2.5 days less 45290.25: 45287.75 days before 1900
            dt.datetime(2024, 1, 3, 18),
            dt.datetime(2023, 12, 31, 6),
        )
        assert _row(cur, f"SELECT d FROM {table} WHERE d + s > '2024-01-03'") == (
            dt.datetime(2024, 1, 1, 6),
        )


@pytest.mark.parametrize(
    "sql",
    [
        "DECLARE @t varchar(30) = 'not a date'; SELECT GETDATE() + @t",
        "DECLARE @d datetime = GETDATE(), @t varchar(30) = '2024-13-01'; SELECT @d - @t",
        "SELECT GETDATE() + 'abc'",
    ],
)
def test_a_string_that_is_no_date_is_241(cursor: closing[pyodbc.Cursor], sql: str) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match=r"converting date and/or time.*\(241\)"):
        cur.execute(sql).fetchall()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT SYSDATETIME() + '2024-01-02'", "datetime2 is invalid for add operator"),
        (
            "DECLARE @d date = '2024-01-01', @t varchar(30) = '1900-01-02'; SELECT @d - @t",
            "date is invalid for subtract operator",
        ),
    ],
)
def test_a_string_beside_a_newer_date_type_is_8117(
    cursor: closing[pyodbc.Cursor], sql: str, message: str
) -> None:
    with (
        cursor as cur,
        pytest.raises(pyodbc.Error, match=rf"Operand data type {message}.*\(8117\)"),
    ):
        cur.execute(sql).fetchall()
