"""A character string read as a date, through both ODBC drivers: CAST and CONVERT, a date
column compared with a string, and a string INSERT or UPDATE stores in a date column all
read the formats "datetime (Transact-SQL)" lists for us_english (DATEFORMAT mdy), and
fail with Msg 241 "Conversion failed when converting date and/or time from character
string." on a string that is no date."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing

import pyodbc
import pytest

JUNE_1 = dt.datetime(2008, 6, 1)
READ = {
    "2008-06-01": JUNE_1,
    "20080601": JUNE_1,
    "080601": JUNE_1,
    "2008-06-01T10:00:00": JUNE_1.replace(hour=10),
    "2008/06/01": JUNE_1,
    "2008-6-1": JUNE_1,
    "06/01/2008": JUNE_1,
    "6/1/08": JUNE_1,
    "06-01-2008": JUNE_1,
    "6.1.2008": JUNE_1,
    "Jun 1 2008": JUNE_1,
    "June 1, 2008": JUNE_1,
    "1 June 2008": JUNE_1,
    "2008 June 1": JUNE_1,
    "1 Jun 08": JUNE_1,
    "June 2008": JUNE_1,
    "2008-06-01 10:00": JUNE_1.replace(hour=10),
    "2008-06-01 10:00:00.123": JUNE_1.replace(hour=10, microsecond=123000),
    "20080601 10:00:00:30": JUNE_1.replace(hour=10, microsecond=30000),  # :30 is 30 ms
    "Jun 1 2008 10AM": JUNE_1.replace(hour=10),
    "06/01/2008 4 pm": JUNE_1.replace(hour=16),
    "Jun  1 2008 10:30PM": JUNE_1.replace(hour=22, minute=30),
    "12AM": dt.datetime(1900, 1, 1),
    "10:00": dt.datetime(1900, 1, 1, 10),
    "": dt.datetime(1900, 1, 1),  # no date and no time: 1900-01-01 at midnight
}
NOT_DATES = ["2008-13-01", "02/30/2008", "x1", "Jun 32 2008", "1/2", "24:00", "13AM", "2008"]
# ISO 8601 forms Python's fromisoformat reads and SQL Server does not: another separator
# than T or a blank, week dates, the basic time format, an hour alone.
NOT_DATES += ["2008-06-01X10:00", "2008-W22-1", "2008-W22", "20080601T100000", "2008-06-01T10"]
_names = itertools.count()


@pytest.mark.parametrize(("text", "expected"), list(READ.items()))
def test_cast_reads_the_formats_sql_server_reads(
    cursor: closing[pyodbc.Cursor], text: str, expected: dt.datetime
) -> None:
    with cursor as cur:
        row = cur.execute(
            "SELECT CAST(? AS datetime2(3)), CONVERT(datetime, ?), CAST(? AS date)",
            text,
            text,
            text,
        ).fetchone()
        assert list(row) == [expected, expected, expected.date()]


def test_a_time_reads_the_same_formats(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        row = cur.execute(
            "SELECT CAST('10AM' AS time), CAST('4:30 PM' AS time(0)), CAST('10:00:00:5' AS time)"
        ).fetchone()
        assert [str(v) for v in row] == ["10:00:00", "16:30:00", "10:00:00.005000"]


@pytest.mark.parametrize("text", NOT_DATES)
def test_a_string_that_is_no_date_is_241(cursor: closing[pyodbc.Cursor], text: str) -> None:
    with cursor as cur:
        for sql in ("SELECT CAST(? AS date)", "SELECT CONVERT(datetime, ?)"):
            with pytest.raises(pyodbc.Error, match=r"character string\..*\(241\)"):
                cur.execute(sql, text).fetchall()
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute(f"SELECT CAST('{text}' AS datetime2)").fetchall()
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):  # compared with a date
            cur.execute("SELECT 1 WHERE CAST('2008-06-01' AS date) = ?", text).fetchall()


def test_a_date_column_compares_with_a_string_by_its_date(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """The string converts to the column's type ("Data type precedence"), whatever
    format each side was written in; INSERT and UPDATE read their strings the same way."""
    name = f"dated_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (id int, at datetime, day date, t datetime2(3))")
        cur.execute(
            f"INSERT INTO {name} VALUES (1, '2008-06-01', 'Jun 1 2008', '06/01/2008 10:00'),"
            " (2, '20080602 10:30', '2008/06/02', '2008-06-02T00:00:00')"
        )
        cur.execute("INSERT INTO " + name + " VALUES (3, ?, ?, ?)", JUNE_1, JUNE_1.date(), JUNE_1)

        def ids(where: str) -> list[int]:
            return [r[0] for r in cur.execute(f"SELECT id FROM {name} WHERE {where} ORDER BY id")]

        assert ids("at = '2008-06-01'") == [1, 3]
        assert ids("at = '06/01/2008'") == [1, 3]
        assert ids("day = 'June 1, 2008'") == [1, 3]
        assert ids("at = '2008-06-02 10:30'") == [2]
        assert ids("t = '20080601 10:00'") == [1]
        assert ids("at >= '2008-06-02' AND day < '2008-06-03'") == [2]
        assert ids("day IN ('06/02/2008', '1900-01-01')") == [2]
        assert ids("day BETWEEN 'Jun 1 2008' AND 'Jun 1 2008'") == [1, 3]
        cur.execute(f"UPDATE {name} SET at = 'Jun 5 2008 10AM' WHERE id = 3")
        assert ids("at = '2008-06-05T10:00:00'") == [3]
        cur.execute(f"INSERT INTO {name} (id, at) SELECT 4, '6/7/2008'")
        assert ids("at = '2008-06-07'") == [4]
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute(f"SELECT id FROM {name} WHERE at = '2008-13-01'").fetchall()
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute(f"INSERT INTO {name} (id, day) VALUES (5, '02/30/2008')")


def test_a_date_column_default_is_stored_as_its_type(cursor: closing[pyodbc.Cursor]) -> None:
    name = f"defaulted_{next(_names)}"
    with cursor as cur:
        cur.execute(
            f"CREATE TABLE {name} (id int, at datetime DEFAULT '2020-01-01',"
            " day date DEFAULT ('Jan 2 2020'))"
        )
        cur.execute(f"INSERT INTO {name} (id) VALUES (1)")
        row = cur.execute(
            f"SELECT id FROM {name} WHERE at = '01/01/2020' AND day = '2020-01-02'"
        ).fetchone()
        assert row is not None and row[0] == 1


def test_dates_of_different_types_compare_by_their_instants(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """Two date and time types meet by data type precedence: the lower converts to the
    higher and the values compare, not their texts (a date is its day's midnight as a
    datetime; a datetimeoffset is its instant in UTC)."""
    name = f"mixed_{next(_names)}"
    with cursor as cur:
        cur.execute(
            f"CREATE TABLE {name} (id int, day date, at datetime, small smalldatetime,"
            " t7 datetime2, t0 datetime2(0), off datetimeoffset, off0 datetimeoffset(0))"
        )
        cur.execute(
            f"INSERT INTO {name} VALUES (1, '2024-05-31', '2024-05-31', '2024-05-31',"
            " '2024-05-31', '2024-05-31', '2024-05-31 02:00 +02:00', '2024-05-31'),"
            " (2, '2024-05-31', '2024-05-31 10:00', '2024-05-31 10:00',"
            " '2024-05-31 10:00:00.5', '2024-05-31 10:00', '2024-05-31 10:00 +00:00',"
            " '2024-05-31 12:00 +02:00')"
        )

        def ids(where: str) -> list[int]:
            return [r[0] for r in cur.execute(f"SELECT id FROM {name} WHERE {where} ORDER BY id")]

        assert ids("day = at") == [1]
        assert ids("day = small AND day = t7 AND day = t0") == [1]
        assert ids("at = small AND small = t0 AND t0 = off0") == [1, 2]
        assert ids("day < at") == [2]
        assert ids("t7 > at") == [2]  # 10:00:00.5 against 10:00:00.000
        assert ids("t7 = off") == [1]  # 02:00 +02:00 is midnight in UTC, as t7 is
        assert ids("off = off0") == [
            1,
            2,
        ]  # 02:00 +02:00 is 00:00 +00:00, 10:00 +00:00 is 12:00 +02:00
        assert ids("off = '2024-05-31 00:00 +00:00'") == [1]
        # a variable's type is known when the statement runs: it converts (or the column
        # does) by the same precedence
        declare = "DECLARE @v datetimeoffset = '2024-05-31 02:00 +02:00';"
        rows = cur.execute(f"{declare} SELECT id FROM {name} WHERE at = @v").fetchall()
        assert [r[0] for r in rows] == [1]
        declare = "DECLARE @v datetime2 = '2024-05-31 00:00:00.0000001';"
        rows = cur.execute(f"{declare} SELECT id FROM {name} WHERE day = @v OR day > @v")
        assert rows.fetchall() == []
        assert ids("EOMONTH(day) >= at") == [1]
        assert ids("at BETWEEN day AND t7") == [1, 2]
        assert ids("day IN (at, t0)") == [1]
        assert ids("'2024-05-31' = CAST('2024-05-31' AS datetime)") == [1, 2]
        assert ids("CAST('2024-5-31' AS date) = CAST('2024-05-31T00:00:00' AS datetime2)") == [
            1,
            2,
        ]


def test_an_expression_put_into_a_date_column_becomes_the_column_s_type(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """Not only a literal or a parameter: CONCAT, CASE and another type's column are
    converted to the column's type as they are stored (Msg 241 where a string is no
    date), so the column compares with a string by date."""
    name = f"computed_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (id int, at datetime, t datetime2(3), day date)")
        cur.execute(
            f"INSERT INTO {name} VALUES (1, CONCAT('2024-', '05-01'),"
            " CASE WHEN 1 = 1 THEN '06/01/2008 10:00' END, CONCAT('Jun ', '2 2008'))"
        )
        cur.execute(f"INSERT INTO {name} (id, at, day) SELECT 2, t, at FROM {name} WHERE id = 1")
        cur.execute(f"UPDATE {name} SET t = CONCAT(?, ' 10:30') WHERE id = 2", "2024-05-02")

        def ids(where: str) -> list[int]:
            return [r[0] for r in cur.execute(f"SELECT id FROM {name} WHERE {where} ORDER BY id")]

        assert ids("at = '2024-05-01'") == [1]
        assert ids("t = '2008-06-01 10:00'") == [1]
        assert ids("day = '2008-06-02'") == [1]
        assert ids("at = '2008-06-01T10:00:00'") == [2]  # the datetime2(3) column's value
        assert ids("day = '2024-05-01'") == [2]  # the datetime's day
        assert ids("t = '2024-05-02 10:30'") == [2]
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute(f"INSERT INTO {name} (id, day) VALUES (3, CONCAT('x', 'y'))")
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute(f"UPDATE {name} SET at = CASE WHEN id = 1 THEN 'no date' END")
