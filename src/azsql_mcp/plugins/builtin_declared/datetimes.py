"""What SQL Server would silently change of a date or time value: a value outside its
type's range, or finer than its type holds ("Date and time data types and functions").

smalldatetime holds 1900-01-01 to 2079-06-06 23:59 in whole minutes (seconds are
rounded to the minute), datetime 1753-01-01 to 9999-12-31 23:59:59.997 in steps of
1/300 s (milliseconds rounded to .000, .003 or .007), datetime2(n), datetimeoffset(n)
and time(n) n decimals of a second (rounded past them). The driver binds a datetime
cut to the millisecond (pyodbc), so a statement's parameter, whose SQL type is the
statement's to decide, holds milliseconds too."""

from __future__ import annotations

import datetime as dt
from typing import Any

_RANGES = {
    "smalldatetime": (dt.datetime(1900, 1, 1), dt.datetime(2079, 6, 6, 23, 59)),
    "datetime": (dt.datetime(1753, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 997000)),
}
_STEPS = "the milliseconds of a datetime end in 0, 3 or 7 (it holds 1/300 s)"
_ODD = frozenset(range(10)) - {0, 3, 7}
FRACTIONS = ("datetime2", "datetimeoffset")


def refuse_untimely(value: Any, name: str, base: str, scale: int) -> str | None:
    """Why SQL Server would change `value` bound for a parameter of type `base` with
    `scale` decimals of a second, or None. An aware value goes in UTC, but for a
    datetimeoffset (tool.sql_value)."""
    if isinstance(value, dt.time):
        if base == "time" and value.microsecond % 10 ** max(0, 6 - scale):
            return _too_fine(name, value.isoformat(), f"time({scale})", scale)
        return None
    if not isinstance(value, dt.date):
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    naive = value.replace(tzinfo=None)
    if value.tzinfo is not None and base != "datetimeoffset":
        try:
            naive = value.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:  # before the year 1 in UTC: sql_value says so
            return None
    if base in _RANGES:
        low, high = _RANGES[base]
        if not low <= naive <= high:
            return (
                f"{name} is {value.isoformat()}, outside the range of {base} ({low.isoformat()}"
                f" to {high.isoformat()}); SQL Server would refuse or change it. Send a value"
                " in that range."
            )
    if base == "smalldatetime" and (value.second or value.microsecond):
        return (
            f"{name} is {value.isoformat()}, and smalldatetime holds whole minutes: SQL Server"
            " would round the seconds away. Send a value with :00 seconds."
        )
    if base == "datetime" and (value.microsecond % 1000 or value.microsecond // 1000 % 10 in _ODD):
        return (
            f"{name} is {value.isoformat()}, and {_STEPS}: SQL Server would round it. Send"
            " such a value."
        )
    if base in FRACTIONS and value.microsecond % 10 ** max(0, 6 - scale):
        return _too_fine(name, value.isoformat(), f"{base}({scale})", scale)
    return None


def _too_fine(name: str, text: str, sql_type: str, scale: int) -> str:
    return (
        f"{name} is {text}, and {sql_type} holds {scale} decimals of a second: SQL Server"
        " would round the rest. Send at most that many."
    )


def refuse_finer_than_milliseconds(value: Any, name: str) -> str | None:
    """Why the driver would cut `value` (a statement's datetime), or None."""
    if isinstance(value, dt.datetime) and value.microsecond % 1000:
        return (
            f"{name} is {value.isoformat()}: a statement's datetime parameter is passed to"
            " the millisecond, and the driver would cut the rest. Send at most 3 decimals"
            " of a second."
        )
    return None
