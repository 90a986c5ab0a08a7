"""A character string read as a date and time: the formats SQL Server reads for its date
and time types ("datetime (Transact-SQL)", "Supported string literal formats for
datetime"), under us_english, whose DATEFORMAT is mdy (in_date_order, below, reads a
numeric date under the session's SET DATEFORMAT first). ISO 8601's extended form
(2008-06-01, with a time after a blank or a T, and an offset after the time), which the
test server also stores, goes through datetime.fromisoformat before this
(date_parts.parse_datetime); this module reads the others:

- unseparated: 20080601, 080601;
- numeric, month first: 6/1/2008, 06-01-08, 6.1.2008; a four-digit year first:
  2008/06/01, 2008-6-1;
- alphabetical, the month by name or its first three letters, commas optional: Jun 1
  2008, June 1, 2008, 1 June 2008, 2008 June 1, 1 Jun 08, Jun 2008 (the first);
- ISO 8601 with a T: 2008-06-01T10:00:00.123;
- a time before or after the date, or alone (1900-01-01): 10:00, 10:00:00, 10:00:00.1234567
  (a fraction of a second), 10:00:00:123 (milliseconds, after a colon), 10AM, 4 pm;
- nothing (an empty string): 1900-01-01 at midnight ("CAST and CONVERT": an unspecified
  date is 1900-01-01, an unspecified time 00:00:00.000).

A two-digit year is 1950 to 2049 (the default two digit year cutoff, 2049). A string in
no such format, and a date or time that does not exist (month 13, 30 February, 24:00),
is Msg 241 "Conversion failed when converting date and/or time from character string."
"""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar

from . import errors

# The running session's SET DATEFORMAT (engine.py sets it at each request, statements.py at
# SET DATEFORMAT): the conversions run inside SQLite's calls, which know no session.
DATE_ORDER: ContextVar[str] = ContextVar("date_order", default="mdy")
DATE_ORDERS = ("mdy", "dmy", "ymd", "ydm", "myd", "dym")

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_NUMBERS = {name: i for i, full in enumerate(_MONTHS, 1) for name in (full, full[:3])}

# hh:mi[:ss[.fraction | :milliseconds]] [AM|PM], or hh AM|PM; at the start, after a blank
# or after the T of an ISO date.
_TIME = re.compile(
    r"(?:(?<=^)|(?<=\s)|(?<=\dT))(\d{1,2})"
    r"(?::(\d{1,2})(?::(\d{1,2})(?:([.:])(\d+))?)?\s*([AP]M)?|\s*([AP]M))(?=\s|$)",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def read_datetime(text: str) -> dt.datetime:
    """`text` as a date and time (midnight where it has no time, 1900-01-01 where it has
    no date); Msg 241 where SQL Server could not read it."""
    found = _TIME.search(text)
    date_text = text
    clock = dt.time()
    if found is not None:
        date_text = (text[: found.start()] + " " + text[found.end() :]).strip()
        if date_text.endswith("T"):  # 2008-06-01T10:00
            date_text = date_text[:-1]
            if not _ISO_DATE.fullmatch(date_text):
                raise errors.date_conversion_failed()
        clock = _clock(found)
    try:
        return dt.datetime.combine(_date(date_text.strip()), clock)
    except ValueError:
        raise errors.date_conversion_failed() from None


def _clock(found: re.Match[str]) -> dt.time:
    hour_text, minute, second, separator, fraction, marker, bare_marker = found.groups()
    hour = int(hour_text)
    marker = (marker or bare_marker or "").upper()
    if marker == "AM":  # 12AM is midnight; 13 to 23 are no morning hours
        if hour > 12:
            raise errors.date_conversion_failed()
        hour %= 12
    elif marker == "PM" and hour < 12:  # 13PM to 23PM are the afternoon as they are
        hour += 12
    micro = 0
    if fraction:
        if separator == ":":  # milliseconds: 10:00:00:5 is 5 ms
            if int(fraction) > 999:
                raise errors.date_conversion_failed()
            micro = int(fraction) * 1000
        else:
            micro = int(fraction[:6].ljust(6, "0"))
    try:
        return dt.time(hour, int(minute or 0), int(second or 0), micro)
    except ValueError:
        raise errors.date_conversion_failed() from None


def _date(text: str) -> dt.date:
    if not text:
        return dt.date(1900, 1, 1)
    if text.isdigit() and len(text) in (6, 8):  # yyyymmdd, yymmdd
        year = _year(text[:-4])
        return dt.date(year, int(text[-4:-2]), int(text[-2:]))
    numeric = _NUMERIC.fullmatch(text)
    if numeric is not None:
        first, _, second, third = numeric.groups()
        if len(first) == 4:  # y/m/d
            if len(third) > 2:
                raise errors.date_conversion_failed()
            return dt.date(int(first), int(second), int(third))
        if len(first) > 2 or len(third) not in (1, 2, 4):
            raise errors.date_conversion_failed()
        return dt.date(_year(third), int(first), int(second))  # m/d/y
    return _alphabetical(text)


def _alphabetical(text: str) -> dt.date:
    words = text.replace(",", " ").split()
    months = [w for w in words if not w.isdigit()]
    numbers = [w for w in words if w.isdigit()]
    if len(months) != 1 or months[0].lower() not in _MONTH_NUMBERS or not 1 <= len(numbers) <= 2:
        raise errors.date_conversion_failed()
    month = _MONTH_NUMBERS[months[0].lower()]
    years = [n for n in numbers if len(n) == 4]
    if years:  # a four-digit number is the year; the other one, if any, the day
        days = [n for n in numbers if n is not years[0]]
        day = int(days[0]) if days else 1
        if days and len(days[0]) > 2:
            raise errors.date_conversion_failed()
        return dt.date(int(years[0]), month, day)
    if len(numbers) != 2 or any(len(n) > 2 for n in numbers):
        raise errors.date_conversion_failed()
    return dt.date(_year(numbers[1]), month, int(numbers[0]))  # the day, then the year


def _year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    if len(text) != 2:
        raise errors.date_conversion_failed()
    year = int(text)
    return year + (2000 if year < 50 else 1900)


# A numeric date at the start of a string, before a blank or the end (not ISO 8601's T).
_LEADING_NUMERIC = re.compile(r"\s*(\d{1,4})([/.-])(\d{1,4})\2(\d{1,4})(?=\s|$)")


def in_date_order(text: str, type_name: str, *, plain_string: bool) -> str:
    """`text` with its numeric date read in the session's DATEFORMAT and written as
    yyyy-mm-dd, for CAST, CONVERT, a comparison or INSERT to `type_name` (the reader
    above then reads it); unchanged under mdy, which the reader reads itself.

    From "SET DATEFORMAT (Transact-SQL)" (the parts' order, ydm not supported for date,
    datetime2 and datetimeoffset, ISO 8601 independent of it) and SQL Server's observed
    answers: a four-digit year is found wherever it is, and for datetime and
    smalldatetime the other two parts follow the order's month and day (under dmy,
    '2008-06-01' is 6 January); date, datetime2 and datetimeoffset read a year first as
    year, month, day under every order, and a year elsewhere only where the order puts
    it (ymd takes month/day/year as mdy does). `plain_string`: the value is known to be a
    character string; else one in the form the other date types are stored in
    (yyyy-mm-dd) is taken for such a value and read as year, month, day."""
    order = DATE_ORDER.get()
    found = _LEADING_NUMERIC.match(text)
    if order == "mdy" or found is None:
        return text
    parts = [found.group(1), found.group(3), found.group(4)]
    years = [i for i, part in enumerate(parts) if len(part) == 4]
    if any(len(part) == 3 for part in parts) or len(years) > 1:
        raise errors.date_conversion_failed()
    older = type_name in ("datetime", "smalldatetime")
    stored = found.group(2) == "-" and len(parts[1]) == len(parts[2]) == 2
    if years == [0] and not (older and (plain_string or not stored)):
        return text  # year, month, day
    if years and (older or order.index("y") == years[0]):
        rest = [part for i, part in enumerate(parts) if i != years[0]]
        named = dict(zip(order.replace("y", ""), rest, strict=True), y=parts[years[0]])
    elif years == [2] and order == "ymd":
        named = dict(zip("mdy", parts, strict=True))
    elif years:
        raise errors.date_conversion_failed()
    else:
        named = dict(zip(order, parts, strict=True))
    if len(named["m"]) > 2 or len(named["d"]) > 2:
        raise errors.date_conversion_failed()
    date = f"{_year(named['y']):04d}-{int(named['m']):02d}-{int(named['d']):02d}"
    return date + text[found.end() :]
