"""datetime, datetime2, smalldatetime, time and datetimeoffset values as the ODBC drivers
hand them to pyodbc's output converters, to the last digit SQL Server stores.

pyodbc's own conversion keeps microseconds: datetime2(7), time(7) and datetimeoffset(7)
would lose their seventh (100 ns) fraction digit. With a converter registered for the
type, the driver hands over the bytes it holds instead (measured with Driver 18 and
FreeTDS 1.3 alike, against the test server):

- SQL_TYPE_TIMESTAMP (93), datetime2: SQL_TIMESTAMP_STRUCT, 16 bytes, `fraction` in
  nanoseconds; datetime: 8 bytes as TDS sends them (days since 1900-01-01, int32, then
  1/300 s ticks, uint32); smalldatetime: 4 bytes (days since 1900-01-01, then minutes,
  both uint16).
- SQL_SS_TIME2 (-154), time: SQL_SS_TIME2_STRUCT, 12 bytes (hour, minute, second,
  2 bytes of padding, `fraction` in nanoseconds).
- SQL_SS_TIMESTAMPOFFSET (-155), datetimeoffset: SQL_SS_TIMESTAMPOFFSET_STRUCT, 20 bytes.

A value whose 100 ns digit is 0 is a plain datetime or time, as pyodbc would have made
it; one whose digit is not is a Datetime100ns or Time100ns, which is a datetime or time
that writes all seven digits in isoformat() and str(). legacy datetime and smalldatetime
come out as pyodbc made them (to the millisecond, or the minute).

The driver process (driverhost.py) imports this file under this module's name, so that
its classes unpickle on the server's side, but without the azsql_mcp package; it imports
only the standard library.
"""

from __future__ import annotations

import datetime as dt
import functools
import struct
from typing import Any, SupportsIndex, cast

SQL_TYPE_TIMESTAMP = 93
SQL_SS_TIME2 = -154
SQL_SS_TIMESTAMPOFFSET = -155

_TIMESTAMP = struct.Struct("<6hI").unpack
_TIME2 = struct.Struct("<3H2xI").unpack
_TIMESTAMPOFFSET = struct.Struct("<6hI2h").unpack
_DATETIME = struct.Struct("<iI").unpack
_SMALLDATETIME = struct.Struct("<HH").unpack
_EPOCH_1900 = dt.datetime(1900, 1, 1)
_DATETIME_ISO_LENGTH = len("2024-01-02T03:04:05.123456")  # where an offset would start
_TIME_ISO_LENGTH = len("03:04:05.123456")


class _Hundreds:
    """What Datetime100ns and Time100ns share: the digit, how it shows and pickles."""

    __slots__ = ()
    _nanosecond: int  # a slot of each class: unset where arithmetic made the value

    @property
    def nanosecond(self) -> int:
        return getattr(self, "_nanosecond", 0)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, nanosecond={self.nanosecond})"

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        reduced = cast("tuple[Any, ...]", super().__reduce_ex__(protocol))  # (class, args)
        return reduced[0], reduced[1], (None, {"_nanosecond": self.nanosecond})


class Datetime100ns(_Hundreds, dt.datetime):
    """A datetime2(7) or datetimeoffset(7) value whose 100 ns digit is not 0, kept in
    `nanosecond` (100 to 900): isoformat() and str() write seven fraction digits.
    Python's datetime stops at microseconds, so comparisons, hashing and arithmetic see
    the value to the microsecond (arithmetic's result has `nanosecond` 0)."""

    __slots__ = ("_nanosecond",)  # a slot, not a __dict__: half the cost of making one

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        digit = getattr(self, "_nanosecond", 0) // 100
        if timespec != "auto" or not digit:
            return dt.datetime.isoformat(self, sep, timespec)
        text = dt.datetime.isoformat(self, sep, "microseconds")
        return f"{text[:_DATETIME_ISO_LENGTH]}{digit}{text[_DATETIME_ISO_LENGTH:]}"


class Time100ns(_Hundreds, dt.time):
    """A time(7) value whose 100 ns digit is not 0, as Datetime100ns."""

    __slots__ = ("_nanosecond",)

    def isoformat(self, timespec: str = "auto") -> str:
        digit = getattr(self, "_nanosecond", 0) // 100
        if timespec != "auto" or not digit:
            return dt.time.isoformat(self, timespec)
        text = dt.time.isoformat(self, "microseconds")
        return f"{text[:_TIME_ISO_LENGTH]}{digit}{text[_TIME_ISO_LENGTH:]}"


def timestamp(raw: bytes | None) -> dt.datetime | None:
    """A SQL_TYPE_TIMESTAMP value: datetime2, datetime or smalldatetime (by its length)."""
    if raw is None:
        return None
    if len(raw) == 16:
        year, month, day, hour, minute, second, nanos = _TIMESTAMP(raw)
        micros, rest = divmod(nanos, 1000)
        if not rest:
            return dt.datetime(year, month, day, hour, minute, second, micros)
        value = Datetime100ns(year, month, day, hour, minute, second, micros)
        value._nanosecond = rest
        return value
    if len(raw) == 8:
        days, ticks = _DATETIME(raw)
        # to the millisecond, rounded as the drivers convert it (.003, .007, ...)
        millis = (ticks * 10 + 1) // 3
        return _EPOCH_1900 + dt.timedelta(days, 0, 0, millis)  # positional: twice as fast
    if len(raw) == 4:
        days, minutes = _SMALLDATETIME(raw)
        return _EPOCH_1900 + dt.timedelta(days, minutes * 60)
    raise ValueError(
        f"a SQL_TYPE_TIMESTAMP value of {len(raw)} bytes, which neither Microsoft's ODBC"
        " Driver 18 nor FreeTDS sends: use one of those drivers"
    )


def time2(raw: bytes | None) -> dt.time | None:
    """A SQL_SS_TIME2 value (time)."""
    if raw is None:
        return None
    hour, minute, second, nanos = _TIME2(raw)
    micros, rest = divmod(nanos, 1000)
    if not rest:
        return dt.time(hour, minute, second, micros)
    value = Time100ns(hour, minute, second, micros)
    value._nanosecond = rest
    return value


def timestampoffset(raw: bytes | None) -> dt.datetime | None:
    """A SQL_SS_TIMESTAMPOFFSET value (datetimeoffset), as an aware datetime."""
    if raw is None:
        return None
    year, month, day, hour, minute, second, nanos, tz_hour, tz_minute = _TIMESTAMPOFFSET(raw)
    micros, rest = divmod(nanos, 1000)
    zone = _zone(tz_hour, tz_minute)
    if not rest:
        return dt.datetime(year, month, day, hour, minute, second, micros, zone)
    value = Datetime100ns(year, month, day, hour, minute, second, micros, zone)
    value._nanosecond = rest
    return value


@functools.lru_cache(maxsize=64)
def _zone(hours: int, minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes))
