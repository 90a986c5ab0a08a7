"""DATETIMEFROMPARTS, DATETIME2FROMPARTS, SMALLDATETIMEFROMPARTS, TIMEFROMPARTS and
DATETIMEOFFSETFROMPARTS, from their "(Transact-SQL)" pages (DATEFROMPARTS is
tsql_functions.py's).

The parser reads each as a CAST of the server's own call to the type it returns (a
datetime2, time or datetimeoffset at the precision its last argument gives), so the
result is typed and stored as that type by the CAST machinery; the call itself gives the
value as ISO 8601 text with a T, which every SET DATEFORMAT reads alike. Any argument
NULL gives NULL; one the type cannot hold (a month 13, fractions of more digits than the
precision, a year before datetime's 1753) is Msg 289.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from ..results import TdsError

# name -> (the type it returns, whether its last argument is that type's precision)
_RETURNS = {
    "DATETIMEFROMPARTS": ("datetime", False),
    "DATETIME2FROMPARTS": ("datetime2", True),
    "SMALLDATETIMEFROMPARTS": ("smalldatetime", False),
    "TIMEFROMPARTS": ("time", True),
    "DATETIMEOFFSETFROMPARTS": ("datetimeoffset", True),
}
_EARLIEST = {"datetime": 1753, "smalldatetime": 1900}


def _invalid(type_name: str) -> TdsError:
    return TdsError(
        289,
        f"Cannot construct data type {type_name}, some of the arguments have values which"
        " are not valid.",
    )


def parser(name: str) -> Callable[[list[exp.Expression]], exp.Expression]:
    """The parser's builder for one of these calls: CAST(call AS its type)."""
    type_name, has_precision = _RETURNS[name]

    def build(args: list[exp.Expression]) -> exp.Expression:
        to = exp.DataType.build(type_name, dialect="tsql")
        if has_precision and args and isinstance(args[-1], exp.Literal):
            to = exp.DataType.build(f"{type_name}({args[-1].name})", dialect="tsql")
        return exp.Cast(this=exp.Anonymous(this=name, expressions=args), to=to)

    return build


def _fraction(fractions: Any, precision: Any, type_name: str) -> int:
    """`fractions` of a second at `precision` digits, in 100 ns units."""
    if not 0 <= int(precision) <= 7 or not 0 <= int(fractions) < 10 ** int(precision):
        raise _invalid(type_name)
    return int(fractions) * 10 ** (7 - int(precision))


def _when(type_name: str, *parts: Any) -> dt.datetime:
    year, month, day, hour, minute, second = (int(p) for p in (*parts, 0, 0, 0)[:6])
    try:
        when = dt.datetime(year, month, day, hour, minute, second)
    except (ValueError, OverflowError):
        raise _invalid(type_name) from None
    if when.year < _EARLIEST.get(type_name, 1):
        raise _invalid(type_name)
    return when


def _text(when: dt.datetime | dt.time, ticks: int) -> str:
    return f"{when.isoformat(timespec='seconds')}.{ticks:07d}"


def _datetime(*args: Any) -> str | None:
    if any(a is None for a in args):
        return None
    *parts, milliseconds = args
    if not 0 <= int(milliseconds) <= 999:
        raise _invalid("datetime")
    when = _when("datetime", *parts).isoformat(timespec="seconds")
    return f"{when}.{int(milliseconds):03d}"  # datetime takes three digits


def _datetime2(*args: Any) -> str | None:
    if any(a is None for a in args):
        return None
    *parts, fractions, precision = args
    ticks = _fraction(fractions, precision, "datetime2")
    return _text(_when("datetime2", *parts), ticks)


def _smalldatetime(*args: Any) -> str | None:
    if any(a is None for a in args):
        return None
    return _when("smalldatetime", *args).isoformat(timespec="seconds")


def _time(*args: Any) -> str | None:
    if any(a is None for a in args):
        return None
    hour, minute, second, fractions, precision = args
    ticks = _fraction(fractions, precision, "time")
    try:
        return _text(dt.time(int(hour), int(minute), int(second)), ticks)
    except ValueError:
        raise _invalid("time") from None


def _datetimeoffset(*args: Any) -> str | None:
    if any(a is None for a in args):
        return None
    *parts, fractions, hours, minutes, precision = args
    ticks = _fraction(fractions, precision, "datetimeoffset")
    offset = int(hours) * 60 + int(minutes)
    if abs(offset) > 14 * 60 or (int(hours) and int(minutes) and (hours < 0) != (minutes < 0)):
        raise _invalid("datetimeoffset")
    sign = "-" if offset < 0 else "+"
    zone = f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return f"{_text(_when('datetimeoffset', *parts), ticks)}{zone}"


DATE_FROM_PARTS_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {
    "DATETIMEFROMPARTS": (7, _datetime, True),
    "DATETIME2FROMPARTS": (8, _datetime2, True),
    "SMALLDATETIMEFROMPARTS": (5, _smalldatetime, True),
    "TIMEFROMPARTS": (5, _time, True),
    "DATETIMEOFFSETFROMPARTS": (10, _datetimeoffset, True),
}
PARSERS = {name: parser(name) for name in _RETURNS}
