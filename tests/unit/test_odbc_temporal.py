"""Dates and times from the bytes the ODBC drivers hand an output converter (measured
with Driver 18 and FreeTDS: see db/odbc_temporal.py), to the 100 ns digit."""

from __future__ import annotations

import datetime as dt
import pickle
import struct

import pytest

from azsql_mcp.db import driverserve, odbc_types
from azsql_mcp.db.odbc_temporal import (
    Datetime100ns,
    Time100ns,
    time2,
    timestamp,
    timestampoffset,
)
from azsql_mcp.values import rows_to_json, to_json_value

PLUS_0530 = dt.timezone(dt.timedelta(hours=5, minutes=30))


def stamp(nanos: int, year: int = 2024) -> bytes:
    return struct.pack("<6hI", year, 1, 2, 3, 4, 5, nanos)


def test_the_structs_decode_to_the_100_ns_digit() -> None:
    at = timestamp(stamp(123456700))
    assert isinstance(at, Datetime100ns) and at.nanosecond == 700
    assert at.isoformat() == "2024-01-02T03:04:05.1234567"
    assert str(at) == "2024-01-02 03:04:05.1234567"
    clock = time2(struct.pack("<3H2xI", 23, 59, 59, 100))  # 2 bytes of padding
    assert isinstance(clock, Time100ns) and str(clock) == "23:59:59.0000001"
    offset = timestampoffset(struct.pack("<6hI2h", 1, 1, 1, 0, 0, 0, 999999900, 5, 30))
    assert offset is not None and offset.tzinfo == PLUS_0530
    assert offset.isoformat() == "0001-01-01T00:00:00.9999999+05:30"
    assert offset.isoformat(" ") == "0001-01-01 00:00:00.9999999+05:30"
    negative = timestampoffset(struct.pack("<6hI2h", 2024, 1, 2, 3, 4, 5, 100, -8, 0))
    assert str(negative) == "2024-01-02 03:04:05.0000001-08:00"
    assert timestamp(None) is None and time2(None) is None and timestampoffset(None) is None


def test_a_zero_seventh_digit_gives_the_plain_value_pyodbc_gave() -> None:
    for value, plain in [
        (timestamp(stamp(123456000)), dt.datetime(2024, 1, 2, 3, 4, 5, 123456)),
        (timestamp(stamp(0)), dt.datetime(2024, 1, 2, 3, 4, 5)),
        (time2(struct.pack("<3H2xI", 1, 2, 3, 4000)), dt.time(1, 2, 3, 4)),
        (
            timestampoffset(struct.pack("<6hI2h", 2024, 1, 2, 3, 4, 5, 0, 5, 30)),
            dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=PLUS_0530),
        ),
    ]:
        assert type(value) is type(plain) and value == plain
        assert value.isoformat() == plain.isoformat()


def test_legacy_datetime_and_smalldatetime_come_as_the_driver_converted_them() -> None:
    """TDS bytes: days since 1900-01-01 and 1/300 s ticks, or days and minutes."""
    datetime_of = struct.Struct("<iI").pack
    assert timestamp(datetime_of(45291, 3313537)) == dt.datetime(2024, 1, 2, 3, 4, 5, 123000)
    assert timestamp(datetime_of(0, 1)) == dt.datetime(1900, 1, 1, 0, 0, 0, 3000)
    assert timestamp(datetime_of(0, 2)) == dt.datetime(1900, 1, 1, 0, 0, 0, 7000)
    last = datetime_of(0, 300 * 86400 - 1)
    assert timestamp(last) == dt.datetime(1900, 1, 1, 23, 59, 59, 997000)
    assert timestamp(datetime_of(-53690, 0)) == dt.datetime(1753, 1, 1)
    small = struct.pack("<HH", 45291, 184)
    assert timestamp(small) == dt.datetime(2024, 1, 2, 3, 4)
    with pytest.raises(ValueError, match="of 5 bytes"):
        timestamp(b"\x00" * 5)


def test_a_value_with_the_digit_is_a_datetime_to_the_microsecond_elsewhere() -> None:
    at = timestamp(stamp(123456700))
    assert isinstance(at, dt.datetime) and at == dt.datetime(2024, 1, 2, 3, 4, 5, 123456)
    later = at + dt.timedelta(seconds=1)  # arithmetic: the digit is not carried
    assert later.nanosecond == 0 and later.isoformat() == "2024-01-02T03:04:06.123456"
    assert at.isoformat(timespec="microseconds") == "2024-01-02T03:04:05.123456"
    assert repr(at) == "Datetime100ns(2024, 1, 2, 3, 4, 5, 123456, nanosecond=700)"


def test_values_with_the_digit_cross_the_driver_process_socket() -> None:
    values = [timestamp(stamp(100)), time2(struct.pack("<3H2xI", 0, 0, 0, 900))]
    back = pickle.loads(driverserve.frame(values)[driverserve.HEADER.size :])
    assert [type(v) for v in back] == [Datetime100ns, Time100ns]
    assert [v.nanosecond for v in back] == [100, 900]


def test_json_values_write_seven_digits_in_one_representation() -> None:
    """A column mixing values with and without the digit: ISO 8601 text either way."""
    rows = [[timestamp(stamp(n))] for n in (123456700, 123456000, 0)] + [[None]]
    expected = [
        ["2024-01-02T03:04:05.1234567"],
        ["2024-01-02T03:04:05.123456"],
        ["2024-01-02T03:04:05"],
        [None],
    ]
    assert rows_to_json(rows) == expected
    assert [[to_json_value(v) for v in row] for row in rows] == expected


def test_columns_are_named_from_their_values_or_their_size() -> None:
    """A converter makes pyodbc describe the column as str; the values tell the type,
    and so do the column size and scale of a column of NULLs (but for scale 0)."""

    def named(size: int, scale: int, sample: object) -> str:
        return odbc_types.sql_type_name(("c", str, None, size, size, scale, True), sample)

    assert named(27, 7, timestamp(stamp(100))) == "datetime2(7)"
    assert named(23, 3, dt.datetime(2024, 1, 2)) == "datetime"
    assert named(16, 0, dt.datetime(2024, 1, 2)) == "smalldatetime"
    assert named(19, 0, dt.datetime(2024, 1, 2)) == "datetime2(0)"
    assert named(16, 7, dt.time()) == "time(7)"
    assert named(34, 7, dt.datetime(2024, 1, 2, tzinfo=dt.UTC)) == "datetimeoffset(7)"
    assert [named(size, scale, None) for size, scale in [(27, 7), (23, 3), (16, 7), (34, 7)]] == [
        "datetime2(7)",
        "datetime",
        "time(7)",
        "datetimeoffset(7)",
    ]
    assert named(16, 0, None) == "nvarchar(16)"  # smalldatetime or nvarchar(16): alike
