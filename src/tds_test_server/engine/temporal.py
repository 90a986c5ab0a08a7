"""Dates and times in the ISO text SQLite stores for each T-SQL type, with the fraction
of a second rounded as SQL Server rounds it:

- datetime: to 1/300 s, shown as .000/.003/.007 ("datetime (Transact-SQL)", "Rounding of
  datetime fractional second precision");
- smalldatetime: to the minute, 29.998 s or less down, 29.999 s or more up
  ("smalldatetime (Transact-SQL)");
- datetime2, datetimeoffset, time: to their scale, from 100 ns (a string's 7th digit
  counts, which Python's datetime cannot hold).

Values of scale 7 read from the store keep that digit on their way to the wire as
`nanosecond` (Datetime100ns, Time100ns): [MS-TDS] 2.2.5.4.3 sends these types as a count
of 10^-scale seconds, so the 100 ns digit travels.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_FRACTION = re.compile(r":\d{1,2}\.(\d+)")
_MINUTE = dt.timedelta(minutes=1)
_SMALLDATETIME_UP = 299_990_000  # 29.999 s in 100 ns units
_UNITS_PER_SECOND = 10**7


def text_fraction(text: str) -> str:
    """The digits after the seconds' decimal point of a date/time string ('' if none)."""
    found = _FRACTION.search(text)
    return found.group(1) if found else ""


def seventh_digit(value: Any) -> int:
    """The 100 ns digit of a date/time string (0 for other values)."""
    digit = text_fraction(value)[6:7] if isinstance(value, str) else ""
    return int(digit) if digit else 0


class Datetime100ns(dt.datetime):
    """A datetime with the 100 ns digit of the text it was read from, in `nanosecond`
    (a multiple of 100). Arithmetic on it drops the digit (the class default)."""

    nanosecond = 0


class Time100ns(dt.time):
    """A time with the 100 ns digit of its text, as Datetime100ns."""

    nanosecond = 0


def with_seventh(value: Any, text: Any) -> Any:
    """`value` (a datetime or time read from `text`) with the 100 ns digit of `text`."""
    digit = seventh_digit(text)
    if not digit:
        return value
    precise: Datetime100ns | Time100ns
    if isinstance(value, dt.datetime):
        precise = Datetime100ns.combine(value.date(), value.timetz())
    else:
        precise = Time100ns(value.hour, value.minute, value.second, value.microsecond)
    precise.nanosecond = digit * 100
    return precise


def format_datetime(
    value: dt.datetime, type_name: str, scale: int | None = None, seventh: int = 0
) -> str:
    """How a datetime is stored for a T-SQL type; `seventh`: its 100 ns digit."""
    clock = value.replace(tzinfo=None) if value.tzinfo is not None else value
    if type_name == "date":
        return clock.isoformat()[:10]
    units = clock.microsecond * 10 + seventh
    whole, fraction = _rounded(clock.replace(microsecond=0), units, type_name, scale)
    base = whole.isoformat(" ") + (f".{fraction}" if fraction else "")
    if type_name == "datetimeoffset":
        offset = value.utcoffset() or dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        base += f" {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return base


def format_time(value: dt.time, scale: int | None, seventh: int = 0) -> str:
    """How a time is stored (a fraction rounding up past midnight wraps, as a clock does)."""
    day = dt.datetime.combine(dt.date(1900, 1, 1), value.replace(microsecond=0, tzinfo=None))
    whole, fraction = _rounded(day, value.microsecond * 10 + seventh, "time", scale)
    return whole.strftime("%H:%M:%S") + (f".{fraction}" if fraction else "")


def _rounded(
    whole: dt.datetime, units: int, type_name: str, scale: int | None
) -> tuple[dt.datetime, str]:
    """`whole` (no fraction) plus `units` of 100 ns as the type holds them: the time
    carried into the next second or minute where rounding goes up, and the digits."""
    if type_name == "smalldatetime":
        up = whole.second * _UNITS_PER_SECOND + units >= _SMALLDATETIME_UP
        return whole.replace(second=0) + (_MINUTE if up else dt.timedelta(0)), ""
    if type_name == "datetime":
        ticks = (units * 3 + 50_000) // 100_000  # 1/300 s, half up
        carry, millis = divmod((ticks * 10 + 1) // 3, 1000)
        return whole + dt.timedelta(seconds=carry), f"{millis:03d}"
    digits = 7 if scale is None else scale
    step = 10 ** (7 - digits)
    carry, kept = divmod((units + step // 2) // step, 10**digits)
    return whole + dt.timedelta(seconds=carry), f"{kept:0{digits}d}" if digits else ""
