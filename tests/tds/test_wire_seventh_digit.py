"""datetime2, time and datetimeoffset of scale 7 carry their 100 ns digit on the wire
([MS-TDS] 2.2.5.4.3: a count of 10^-scale seconds), as SQL Server sends them.

Each driver hands an output converter the ODBC struct, whose `fraction` is in
nanoseconds: the digit shows there (pyodbc's own conversion would drop it)."""

from __future__ import annotations

import struct
import uuid
from contextlib import closing
from typing import Any

import pyodbc
import pytest

SQL_TYPE_TIMESTAMP, SQL_SS_TIME2, SQL_SS_TIMESTAMPOFFSET = 93, -154, -155


def _nanos(raw: bytes | None) -> Any:
    """The struct's `fraction` (nanoseconds), or the raw bytes of another layout."""
    if raw is None:
        return None
    if len(raw) == 16:  # SQL_TIMESTAMP_STRUCT
        return struct.unpack("<6hI", raw)[6]
    if len(raw) == 12:  # SQL_SS_TIME2_STRUCT: hour, minute, second, 2 bytes padding
        return struct.unpack("<3H2xI", raw)[3]
    if len(raw) == 20:  # SQL_SS_TIMESTAMPOFFSET_STRUCT
        return struct.unpack("<6hI2h", raw)[6]
    return raw


@pytest.fixture
def raw_cursor(cursor: closing[pyodbc.Cursor]) -> pyodbc.Cursor:
    cnxn = cursor.thing.connection
    for sql_type in (SQL_TYPE_TIMESTAMP, SQL_SS_TIME2, SQL_SS_TIMESTAMPOFFSET):
        cnxn.add_output_converter(sql_type, _nanos)
    return cursor.thing


def test_stored_values_of_scale_7_keep_the_seventh_digit(raw_cursor: pyodbc.Cursor) -> None:
    table = f"seventh_{uuid.uuid4().hex[:8]}"  # the tests share one database
    raw_cursor.execute(
        f"CREATE TABLE {table} (d7 datetime2(7), t7 time(7), o7 datetimeoffset(7),"
        " d6 datetime2(6), d3 datetime2(3), o2 datetimeoffset(2))"
    )
    raw_cursor.execute(
        f"INSERT INTO {table} VALUES ('2024-01-02 03:04:05.1234567', '03:04:05.0000001',"
        " '2024-01-02 03:04:05.9999999 +05:30', '2024-01-02 03:04:05.1234567',"
        " '2024-01-02 03:04:05.1234567', '2024-01-02 03:04:05.1234567 -01:00'),"
        " (NULL, NULL, NULL, NULL, NULL, NULL)"
    )
    rows = raw_cursor.execute(f"SELECT * FROM {table}").fetchall()
    assert [tuple(r) for r in rows] == [
        (123456700, 100, 999999900, 123457000, 123000000, 120000000),
        (None,) * 6,
    ]


def test_cast_to_scale_7_keeps_the_seventh_digit(raw_cursor: pyodbc.Cursor) -> None:
    row = raw_cursor.execute(
        "SELECT CAST('2024-01-02 03:04:05.1234567' AS datetime2),"
        " CAST('23:59:59.9999999' AS time(7)),"
        " CAST('0001-01-01 00:00:00.0000009 +00:00' AS datetimeoffset(7))"
    ).fetchone()
    assert tuple(row) == (123456700, 999999900, 900)
