"""The clock functions through both ODBC drivers, each of its own type as "Date and time
data types and functions (Transact-SQL)" lists them: GETDATE(), GETUTCDATE() and
CURRENT_TIMESTAMP are datetime; SYSDATETIME() and SYSUTCDATETIME() datetime2(7);
SYSDATETIMEOFFSET() datetimeoffset(7). So the SYS ones carry a 100 ns digit on the wire
and, as the newer date types do, refuse a number type (Msg 529, "Database Engine events
and errors (0 to 999)")."""

from __future__ import annotations

import struct
from contextlib import closing
from typing import Any

import pyodbc
import pytest

SQL_TYPE_TIMESTAMP, SQL_SS_TIMESTAMPOFFSET = 93, -155


def _nanos(raw: bytes | None) -> Any:
    """The ODBC struct's `fraction` (nanoseconds): what the wire's digits became."""
    assert raw is not None
    if len(raw) == 16:  # SQL_TIMESTAMP_STRUCT
        return struct.unpack("<6hI", raw)[6]
    return struct.unpack("<6hI2h", raw)[6]  # SQL_SS_TIMESTAMPOFFSET_STRUCT


def test_each_clock_function_has_its_own_type(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        cur.connection.add_output_converter(SQL_SS_TIMESTAMPOFFSET, _nanos)
        cur.execute(
            "SELECT GETDATE(), GETUTCDATE(), CURRENT_TIMESTAMP, SYSDATETIME(),"
            " SYSUTCDATETIME(), SYSDATETIMEOFFSET(), DATEADD(day, 1, SYSDATETIME()),"
            " DATEADD(day, 1, GETDATE())"
        )
        # (column size, decimal digits): datetime is 23, 3; datetime2(7) 27, 7;
        # datetimeoffset(7) 34, 7
        assert [(d[4], d[5]) for d in cur.description] == [
            *[(23, 3)] * 3,
            (27, 7),
            (27, 7),
            (34, 7),
            (27, 7),  # DATEADD returns its date argument's type
            (23, 3),
        ]
        cur.fetchall()


def test_the_sys_functions_carry_their_100_ns_digit(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for sql_type in (SQL_TYPE_TIMESTAMP, SQL_SS_TIMESTAMPOFFSET):
            cur.connection.add_output_converter(sql_type, _nanos)
        calls = ", ".join(["SYSDATETIME(), SYSUTCDATETIME(), SYSDATETIMEOFFSET()"] * 8)
        row = cur.execute(f"SELECT {calls}").fetchone()
        # a 100 ns digit of 0 in each of 24 readings of the clock would be a 1 in 10^24 chance
        assert any(nanos % 1000 for nanos in row)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CONVERT(int, SYSDATETIME())", "from data type datetime2 to int"),
        ("SELECT CAST(SYSUTCDATETIME() AS float)", "from data type datetime2 to float"),
        ("SELECT CAST(SYSDATETIMEOFFSET() AS int)", "from data type datetimeoffset to int"),
    ],
)
def test_the_sys_functions_refuse_a_number_type_with_529(
    cursor: closing[pyodbc.Cursor], sql: str, message: str
) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match=rf"{message} is not allowed.*\(529\)"):
        cur.execute(sql).fetchall()


def test_getdate_converts_to_a_number(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        row = cur.execute(
            "SELECT CONVERT(int, GETDATE()) - DATEDIFF(day, 0, GETDATE()),"
            " CAST(CURRENT_TIMESTAMP AS float) - DATEDIFF(day, 0, CURRENT_TIMESTAMP)"
        ).fetchone()
        assert row[0] in (0, 1)  # rounded to the nearest day
        assert 0 <= row[1] < 1  # the time of day
