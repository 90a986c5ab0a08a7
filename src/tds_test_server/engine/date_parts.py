"""Dates as the T-SQL date functions read them: parse_datetime reads a stored or written
date, and DATEADD, DATEDIFF, DATEPART and DATENAME work on it by a datepart's name or
abbreviation ("DATEPART (Transact-SQL)", "DATENAME (Transact-SQL)")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..results import TdsError
from . import errors
from .date_numbers import days_since_1900, is_number
from .date_strings import read_datetime
from .languages import week, weekday
from .temporal import format_datetime

# The ISO 8601 forms SQL Server reads, the stored ones among them: yyyy-mm-dd, with a time
# after a blank or a T, and an offset after the time. fromisoformat reads these only: it
# would also take forms SQL Server refuses (2008-06-01X10:00, 2008-W22-1, 20080601T1000).
_ISO_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?: ?[+-]\d{2}:\d{2}|Z)?)?"
)


# The range of the older date types, as stored ('yyyy-mm-dd hh:mi:ss...'): a date outside
# it (a string's, a datetime2's, a date's) is no value of the type (error 242).
DATE_RANGES = {
    "datetime": ("1753-01-01", "9999-12-31 23:59:59.997"),
    "smalldatetime": ("1900-01-01", "2079-06-06 23:59:00"),
}


def in_date_range(stored: Any, type_name: str, source: str) -> Any:
    """`stored` (a value of `type_name`, converted from `source`), or Msg 242."""
    bounds = DATE_RANGES.get(type_name)
    if bounds is not None and isinstance(stored, str):
        low, high = bounds
        if stored < low or stored[: len(high)] > high:
            raise errors.date_out_of_range(source or "varchar", type_name)
    return stored


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if is_number(value, ""):  # int converts to datetime implicitly: days since 1900
        return days_since_1900(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if _ISO_FORM.fullmatch(text):
        try:  # the stored ISO form: C-speed, fractions beyond microseconds truncated
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(trim_fraction(text))
        except ValueError:  # a month, day or hour that does not exist
            raise errors.date_conversion_failed() from None
    return read_datetime(text)  # the other formats SQL Server reads, or Msg 241


def trim_fraction(text: str) -> str:
    """'2024-01-01 10:00:00.1234567 +01:00' -> 6 fraction digits and '+01:00' for Python."""
    dot = text.find(".", 10)
    if dot == -1:
        return text.replace(" +", "+").replace(" -", "-") if len(text) > 19 else text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    frac = text[dot + 1 : end][:6].ljust(3, "0")
    rest = text[end:].strip()
    return text[:dot] + "." + frac + rest


_UNITS = {
    "year": "year",
    "yy": "year",
    "yyyy": "year",
    "quarter": "quarter",
    "qq": "quarter",
    "q": "quarter",
    "month": "month",
    "mm": "month",
    "m": "month",
    "dayofyear": "dayofyear",
    "dy": "dayofyear",
    "y": "dayofyear",
    "day": "day",
    "dd": "day",
    "d": "day",
    "week": "week",
    "wk": "week",
    "ww": "week",
    "weekday": "weekday",
    "dw": "weekday",
    "w": "weekday",
    "dayofweek": "weekday",
    "hour": "hour",
    "hh": "hour",
    "minute": "minute",
    "mi": "minute",
    "n": "minute",
    "second": "second",
    "ss": "second",
    "s": "second",
    "millisecond": "millisecond",
    "ms": "millisecond",
    "microsecond": "microsecond",
    "mcs": "microsecond",
    "nanosecond": "nanosecond",
    "ns": "nanosecond",
    "tzoffset": "tzoffset",
    "tz": "tzoffset",
    "timezone_minute": "tzoffset",  # sqlglot's name for DATEPART(tzoffset, ...)
    "iso_week": "iso_week",
    "isowk": "iso_week",
    "isoww": "iso_week",
    "weekiso": "iso_week",  # sqlglot's name for DATEPART(iso_week, ...)
}
# DATEPART and DATENAME only ("DATEADD (Transact-SQL)", "DATEDIFF (Transact-SQL)": 9810)
_PART_ONLY = ("tzoffset", "iso_week")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _unit(name: str) -> str:
    try:
        return _UNITS[str(name).lower()]
    except KeyError:
        raise TdsError(155, f"'{name}' is not a recognized datepart option.", severity=15) from None


def _render_like(original: Any, value: dt.datetime) -> str:
    if is_number(original, ""):  # a number was a datetime
        return format_datetime(value, "datetime")
    text = str(original)
    if len(text) <= 10:
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return format_datetime(value, "datetime")
    if "." in text[19:]:
        digits = len(text[20:].split(" ")[0].split("+")[0])
        return format_datetime(value, "datetime2", min(digits, 7))
    return value.strftime("%Y-%m-%d %H:%M:%S")


def dateadd(unit: str, number: Any, value: Any) -> str | None:
    if value is None or number is None:
        return None
    u, n, d = _unit(unit), int(number), parse_datetime(value)
    if u in _PART_ONLY:
        raise _part_only(u, "dateadd", value)
    if u in ("year", "quarter", "month"):
        months = n * {"year": 12, "quarter": 3, "month": 1}[u]
        total = d.year * 12 + d.month - 1 + months
        year, month = divmod(total, 12)
        day = min(d.day, _days_in_month(year, month + 1))
        result = d.replace(year=year, month=month + 1, day=day)
    else:
        seconds = {
            "dayofyear": 86400,
            "day": 86400,
            "weekday": 86400,
            "week": 604800,
            "hour": 3600,
            "minute": 60,
            "second": 1,
            "millisecond": 0.001,
            "microsecond": 1e-6,
            "nanosecond": 1e-9,
        }[u]
        result = d + dt.timedelta(seconds=n * seconds)
    return _render_like(value, result)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day


def datediff(unit: str, start: Any, end: Any) -> int | None:
    if start is None or end is None:
        return None
    u, a, b = _unit(unit), parse_datetime(start), parse_datetime(end)
    if u in _PART_ONLY:
        raise _part_only(u, "datediff", start)
    if a.tzinfo is not None or b.tzinfo is not None:
        a = a if a.tzinfo else a.replace(tzinfo=dt.UTC)
        b = b if b.tzinfo else b.replace(tzinfo=dt.UTC)
        a, b = a.astimezone(dt.UTC), b.astimezone(dt.UTC)
    if u == "year":
        return b.year - a.year
    if u == "quarter":
        return (b.year - a.year) * 4 + (b.month - 1) // 3 - (a.month - 1) // 3
    if u == "month":
        return (b.year - a.year) * 12 + b.month - a.month
    if u in ("day", "dayofyear", "weekday"):
        return (b.date() - a.date()).days
    if u == "week":  # week boundaries are Sundays

        def sunday(x: dt.date) -> dt.date:
            return x - dt.timedelta(days=(x.weekday() + 1) % 7)

        return (sunday(b.date()) - sunday(a.date())).days // 7
    div = {"hour": 3600, "minute": 60, "second": 1}.get(u)
    if div is not None:
        base = dt.datetime(1900, 1, 1, tzinfo=a.tzinfo)
        return int((b - base).total_seconds() // div) - int((a - base).total_seconds() // div)
    delta = b - a
    micro = delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
    return {"millisecond": micro // 1000, "microsecond": micro, "nanosecond": micro * 1000}[u]


def datepart(unit: str, value: Any) -> int | None:
    if value is None:
        return None
    u, d = _unit(unit), parse_datetime(value)
    return {
        "year": d.year,
        "quarter": (d.month - 1) // 3 + 1,
        "month": d.month,
        "dayofyear": d.timetuple().tm_yday,
        "day": d.day,
        "week": week(d),  # both by the session's SET DATEFIRST
        "weekday": weekday(d),
        "hour": d.hour,
        "minute": d.minute,
        "second": d.second,
        "millisecond": d.microsecond // 1000,
        "microsecond": d.microsecond,
        "nanosecond": d.microsecond * 1000,
        "tzoffset": _offset_minutes(d),
        "iso_week": d.isocalendar().week,
    }[u]


def _offset_minutes(d: dt.datetime) -> int:
    """A datetimeoffset's offset in minutes; 0 for a value without one."""
    offset = d.utcoffset()
    return 0 if offset is None else int(offset.total_seconds()) // 60


def _part_only(unit: str, function: str, value: Any) -> TdsError:
    kind = "datetimeoffset" if parse_datetime(value).tzinfo else "datetime"
    return TdsError(
        9810,
        f"The datepart {unit} is not supported by date function {function} for data type {kind}.",
    )


def datename(unit: str, value: Any) -> str | None:
    if value is None:
        return None
    u, d = _unit(unit), parse_datetime(value)
    if u == "month":
        return _MONTHS[d.month - 1]
    if u == "weekday":
        return _DAYS[d.weekday()]
    if u == "tzoffset":  # +05:30
        sign, minutes = "-" if _offset_minutes(d) < 0 else "+", abs(_offset_minutes(d))
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    part = datepart(unit, value)
    return None if part is None else str(part)
