"""PARSE and TRY_PARSE: a string read as a date, time or number the way a culture writes it.

"PARSE (Transact-SQL)": `PARSE(string AS type [USING culture])` reads numbers with .NET's
NumberStyles.Number (integers, decimal, numeric), Float (float, real) or Currency (money,
smallmoney), and dates and times with DateTimeStyles.AllowWhiteSpaces | AssumeUniversal;
without USING, the session's language names the culture (us_english is en-US, British is
en-GB, by the page's table). TRY_PARSE gives NULL where PARSE fails; a NULL value gives
NULL.

The test server knows four cultures: en-US, en-GB, de-DE and fr-FR (their decimal and
group separators, currency symbol, short-date order and month and day names); another is
Msg 40517. A date is read from numbers in the culture's order (`12/16/2010` in en-US,
`16.12.2010` in de-DE, an ISO `2010-12-16` in any), or from a month's name and two
numbers (`Monday, 13 December 2010`; a day's name must be that date's), with an optional
time (`14:05[:07[.1234567]] [AM|PM]`). A value neither form reads is Msg 9819. The
value read is then converted as CONVERT converts its invariant text, so each type's
range, precision and rounding are the ones CAST applies.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlglot import exp

from ..results import TdsError
from . import errors
from .convert import tsql_convert
from .convert_sql import convert_target
from .sql_types import DATE_TYPES, UnknownType

PARSE_FUNCTIONS = ("PARSE", "TRY_PARSE")

_EN_MONTHS = "January February March April May June July August September October November December"
_EN_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"


@dataclass(frozen=True)
class Culture:
    name: str
    day_first: bool  # short dates d/M/y (else M/d/y)
    decimal: str
    groups: str  # the group separators read in a number's whole part
    currency: str
    months: tuple[str, ...]  # January first, casefolded
    days: tuple[str, ...]  # Monday first, casefolded


def _culture(
    name: str, day_first: bool, decimal: str, groups: str, currency: str, months: str, days: str
) -> Culture:
    return Culture(
        name,
        day_first,
        decimal,
        groups,
        currency,
        tuple(months.casefold().split()),
        tuple(days.casefold().split()),
    )


CULTURES: dict[str, Culture] = {
    c.name.casefold(): c
    for c in (
        _culture("en-US", False, ".", ",", "$", _EN_MONTHS, _EN_DAYS),
        _culture("en-GB", True, ".", ",", "£", _EN_MONTHS, _EN_DAYS),
        _culture(
            "de-DE",
            True,
            ",",
            ".",
            "€",
            "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
            "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
        ),
        _culture(
            "fr-FR",
            True,
            ",",
            " \u00a0\u202f",
            "€",
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
            "lundi mardi mercredi jeudi vendredi samedi dimanche",
        ),
    )
}
# The session languages the test server knows, and their cultures (the PARSE page's table).
LANGUAGE_CULTURES = {"us_english": "en-US", "british": "en-GB"}

_INTEGERS = ("bigint", "int", "smallint", "tinyint")
_FLOATS = ("float", "real")
_MONEY = ("money", "smallmoney")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_FLOAT = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_CLOCK = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?(?:\s*([AaPp][Mm]))?(?![\w:])"
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})T?")
_PIECE = re.compile(r"(\d+)|([^\W\d_]+\.?)|([\s/.,\-]+)|(.)")


def rewrite_parse(node: exp.Expr) -> exp.Expression | None:
    """`PARSE(v AS type [USING culture])` (tsql_dialect.py's call) as TSQL_PARSE(v, type,
    length, scale, the type's name as written, culture, language, safe); None for any
    other node."""
    if not (isinstance(node, exp.Anonymous) and node.name.upper() in PARSE_FUNCTIONS):
        return None
    value, to, *culture = node.expressions
    target = result_type(node)
    if target is None:
        raise errors.unsupported(f"{node.name.upper()} to {to.sql('tsql')}")
    return exp.Anonymous(
        this="TSQL_PARSE",
        expressions=[
            value,
            exp.Literal.string(target.name),
            exp.Literal.number(target.precision or target.length or 0),
            exp.Literal.number(target.scale or 0),
            exp.Literal.string(to.this.value.lower() if isinstance(to, exp.DataType) else ""),
            culture[0] if culture else exp.null(),
            exp.Anonymous(this="AZSQL_GLOBAL", expressions=[exp.Literal.string("LANGUAGE")]),
            exp.Literal.number(int(node.name.upper() == "TRY_PARSE")),
        ],
    )


def result_type(node: exp.Expr) -> Any:
    """The type a PARSE call returns: its AS type (None if not one the test server has)."""
    try:
        return convert_target(node.expressions[1])
    except (UnknownType, ValueError, IndexError):
        return None


def tsql_parse(
    value: Any,
    type_name: str,
    length: int,
    scale: int,
    written: str,
    culture_name: Any,
    language: Any,
    safe: int,
) -> Any:
    """TSQL_PARSE: the value as CONVERT stores the type; NULL (TRY_PARSE, `safe`) or Msg
    9819 where the culture does not read it; Msg 40517 for a culture not known here."""
    if value is None:
        return None
    named = (
        culture_name
        if culture_name is not None
        else LANGUAGE_CULTURES.get(str(language).casefold(), str(language))
    )
    culture = CULTURES.get(str(named).casefold())
    if culture is None:
        known = ", ".join(c.name for c in CULTURES.values())
        raise errors.unsupported(f"PARSE with culture '{named}' (the test server knows {known})")
    text = str(value)
    try:
        invariant = _invariant(text, type_name, culture)
        return tsql_convert(invariant, type_name, length, scale, None, "nvarchar", 0)
    except (TdsError, ValueError, InvalidOperation):
        if safe:
            return None
        raise TdsError(
            9819,
            f"Error converting string value '{text}' into data type {written} using culture"
            f" '{culture.name}'.",
        ) from None


def _invariant(text: str, type_name: str, culture: Culture) -> str:
    """`text` as the invariant text CONVERT reads; ValueError where the culture does not
    read it as the type."""
    if type_name in DATE_TYPES:
        return _date_text(text, type_name, culture)
    if type_name in _INTEGERS:
        number = Decimal(_number_text(text, culture, currency=False))
        if number != number.to_integral_value():
            raise ValueError(text)  # .NET: an integer's fraction must be zeros
        return str(int(number))
    if type_name in _FLOATS:
        found = text.strip().replace(culture.decimal, ".")
        sign = found[:1] if found[:1] in "+-" else ""
        if not _FLOAT.fullmatch(found[len(sign) :]):
            raise ValueError(text)
        return found
    if type_name in ("decimal", "numeric", *_MONEY):
        return _number_text(text, culture, currency=type_name in _MONEY)
    raise errors.unsupported(f"PARSE to {type_name} (only date, time and number types)")


def _number_text(text: str, culture: Culture, *, currency: bool) -> str:
    """NumberStyles.Number (and Currency's symbol and parentheses): white space, a leading
    or trailing sign, group separators in the whole part, the culture's decimal mark."""
    found = text.strip()
    negative = False
    if currency:
        if found.startswith("(") and found.endswith(")"):
            negative, found = True, found[1:-1].strip()
        found = found.replace(culture.currency, "").strip()
    if found[:1] in ("-", "+"):
        negative, found = negative or found[0] == "-", found[1:].strip()
    elif found[-1:] in ("-", "+"):
        negative, found = negative or found[-1] == "-", found[:-1].strip()
    whole, mark, fraction = found.partition(culture.decimal)
    for group in culture.groups:
        whole = whole.replace(group, "")
    number = whole + ("." + fraction if mark else "")
    if not _NUMBER.fullmatch(number):
        raise ValueError(text)
    return ("-" if negative else "") + number


def _date_text(text: str, type_name: str, culture: Culture) -> str:
    rest = text.strip()
    clock = _CLOCK.search(rest)
    hour = minute = second = 0
    fraction = ""
    if clock is not None:
        hour, minute = int(clock[1]), int(clock[2])
        second, fraction = int(clock[3] or 0), clock[4] or ""
        if clock[5]:
            if not 1 <= hour <= 12:
                raise ValueError(text)
            hour = hour % 12 + (12 if clock[5].upper() == "PM" else 0)
        rest = (rest[: clock.start()] + " " + rest[clock.end() :]).strip()
    day = _day(rest, culture) if rest else dt.date(1900, 1, 1)
    moment = dt.datetime.combine(day, dt.time(hour, minute, second))
    digits = fraction[:3] if type_name == "datetime" else fraction
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{digits}" if digits else "")


def _day(text: str, culture: Culture) -> dt.date:
    iso = _ISO_DATE.fullmatch(text)
    if iso is not None:
        return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
    numbers: list[str] = []
    month: int | None = None
    weekday: int | None = None
    for piece in _PIECE.finditer(text):
        number, word, _separator, other = piece.groups()
        if other is not None:
            raise ValueError(text)
        if number is not None:
            numbers.append(number)
        elif word is not None:
            name = word.rstrip(".").casefold()
            if name in culture.days:
                weekday = culture.days.index(name)
                continue
            matches = [
                i for i, m in enumerate(culture.months) if len(name) >= 3 and m.startswith(name)
            ]
            if len(matches) != 1 or month is not None:
                raise ValueError(text)
            month = matches[0] + 1
    if month is not None:  # 13 December 2010, December 13, 2010
        if len(numbers) != 2:
            raise ValueError(text)
        first, second = numbers
        day_text, year_text = (second, first) if len(first) > 2 else (first, second)
        found = dt.date(_year(year_text), month, int(day_text))
    elif len(numbers) == 3:
        if len(numbers[0]) > 2:  # year first: 2010/12/13
            year_text, month_text, day_text = numbers
        elif culture.day_first:
            day_text, month_text, year_text = numbers
        else:
            month_text, day_text, year_text = numbers
        found = dt.date(_year(year_text), int(month_text), int(day_text))
    else:
        raise ValueError(text)
    if weekday is not None and found.weekday() != weekday:
        raise ValueError(text)  # .NET: the day's name must be the date's
    return found


def _year(text: str) -> int:
    """A two-digit year as .NET's calendars read it (TwoDigitYearMax 2049)."""
    year = int(text)
    if len(text) <= 2:
        return year + (2000 if year <= 49 else 1900)
    return year


PARSE_CALLS = {"TSQL_PARSE": (8, tsql_parse, True)}
