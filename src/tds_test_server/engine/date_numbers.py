"""A number converted to a date or time type, as SQL Server converts it.

datetime and smalldatetime are stored as days since 1900-01-01 plus the time of day
("datetime (Transact-SQL)"), and a number converts to them as such a count: `CAST(5 AS
datetime)` is 1900-01-06 00:00:00.000, a fraction is the time of day (rounded to 1/300 s
for datetime, to the minute for smalldatetime), a negative number a day before 1900
(datetime only). A count past the type's range is Msg 8115 "Arithmetic overflow error
converting expression to data type datetime.". The newer types (date, time, datetime2,
datetimeoffset) take no number: CAST refuses it with Msg 529 ("Explicit conversion from
data type int to date is not allowed."), an INSERT, UPDATE or comparison with Msg 206
("Operand type clash: int is incompatible with date").

The other way, CAST or CONVERT of a datetime or smalldatetime to a number gives the same
count (date_to_number): CAST(GETDATE() AS float) is the days since 1900-01-01 with the
time of day as the fraction, an integer type rounds it to the nearest day. The newer
types do not convert to a number (529: "Explicit conversion from data type date to
float is not allowed.").
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..results import TdsError
from . import errors
from .temporal import format_datetime
from .text_numbers import INTEGER_RANGES, MONEY_TYPES, NUMBER_TYPES, fit_decimal

# The date types a number converts to, with the smallest part of a day each one keeps.
_PARTS_PER_DAY = {"datetime": 86_400 * 300, "smalldatetime": 1_440}
_BASE = dt.datetime(1900, 1, 1)
_RANGES = {
    "datetime": (dt.datetime(1753, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 997_000)),
    "smalldatetime": (_BASE, dt.datetime(2079, 6, 6, 23, 59)),
}


def is_number(value: Any, source: str) -> bool:
    """Whether `value` is a number: of a number or money type where its type is known,
    else by its value (a bool is no SQL value)."""
    if source:
        return source in NUMBER_TYPES or source in MONEY_TYPES
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def number_type(value: Any, source: str) -> str:
    """The type a message names for a number: its own where known, else by its value."""
    if source == "decimal" or (not source and isinstance(value, Decimal)):
        return "numeric"  # SQL Server's messages name both numeric
    return source or ("int" if isinstance(value, int) else "float")


def number_to_date(value: Any, type_name: str, source: str, *, implicit: bool) -> str:
    """`value`, a number (a decimal may be its exact text), as the text `type_name` stores."""
    if type_name not in _PARTS_PER_DAY:
        named = number_type(value, source)
        if implicit:
            raise errors.operand_clash(named, type_name)
        raise errors.explicit_conversion(named, type_name)
    return format_datetime(days_since_1900(value, type_name), type_name)


def days_since_1900(value: Any, type_name: str = "datetime") -> dt.datetime:
    """`value`, a number of days since 1900-01-01, as a datetime (or smalldatetime) holds
    it: what a date function (DATEADD(day, 1, 0)) reads a number as."""
    parts = _PARTS_PER_DAY[type_name]
    try:
        count = math.floor(Decimal(value) * parts + Decimal("0.5"))  # to the nearest part
        day, part = divmod(count, parts)
        if type_name == "datetime":  # 1/300 s as whole milliseconds: format rounds back
            when = _BASE + dt.timedelta(days=day, milliseconds=(part * 10 + 1) // 3)
        else:
            when = _BASE + dt.timedelta(days=day, minutes=part)
    except (OverflowError, ValueError, InvalidOperation):
        raise _overflow(type_name) from None
    low, high = _RANGES[type_name]
    if not low <= when <= high:
        raise _overflow(type_name)
    return when


def _overflow(type_name: str) -> TdsError:
    return TdsError(
        8115, f"Arithmetic overflow error converting expression to data type {type_name}."
    )


def date_to_number(value: Any, type_name: str, source: str, precision: int, scale: int) -> Any:
    """`value`, stored text of the date type `source`, as the number type `type_name`
    (not money: see docs/test-server-limits.md): a float for float and real, an int rounded to
    the nearest day for the integer types and bit, a Decimal fitted to decimal's
    precision and scale."""
    parts = _PARTS_PER_DAY.get(source)
    if parts is None:  # date, time, datetime2, datetimeoffset
        raise errors.explicit_conversion(source, type_name)
    if type_name in MONEY_TYPES:
        raise errors.unsupported(
            f"CAST or CONVERT of {source} to {type_name} (its value is not documented;"
            " convert to float or decimal instead)"
        )
    when = dt.datetime.fromisoformat(str(value))
    since = when - _BASE
    # the time of day in the type's own parts (1/300 s, minutes): what the type stores
    seconds = Decimal(since.seconds) + Decimal(since.microseconds) / 1_000_000
    part = (seconds * parts / 86_400).to_integral_value(ROUND_HALF_UP)
    exact = since.days + part / parts
    if type_name in ("float", "real"):
        return float(exact)
    if type_name in ("decimal", "numeric"):
        return fit_decimal(exact, precision or 18, scale, source)
    whole = int(exact.to_integral_value(ROUND_HALF_UP))
    if type_name == "bit":
        return int(whole != 0)
    low, high = INTEGER_RANGES[type_name]
    if not low <= whole <= high:
        raise _overflow(type_name)
    return whole
