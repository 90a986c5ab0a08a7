"""CAST(value AS type) and CONVERT(type, value, style): the date, time and number styles
of Microsoft's "CAST and CONVERT (Transact-SQL)" page, to and from character strings.

Registered as TSQL_CONVERT(value, type, length (a decimal's precision), scale, style,
source type, source scale); the source type is what the translator could tell ('' when
unknown: the stored value decides). A string to a number type: text_numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..results import TdsError
from . import errors
from .binary_text import binary_to_text, is_binary, text_to_binary
from .date_numbers import date_to_number, is_number, number_to_date
from .date_parts import DATE_RANGES, parse_datetime
from .date_strings import in_date_order
from .functions import decimal_number, decimal_of_scale, tsql_cast
from .sql_types import DATE_TYPES
from .temporal import text_fraction
from .text_numbers import FAILURES, MONEY_TYPES, NUMBER_TYPES

_CHAR_TYPES = ("char", "varchar", "nchar", "nvarchar")
_BINARY_TYPES = ("binary", "varbinary")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# style -> (date part, time part); two-digit-year styles are the style + 100 with 'yy'.
# Date tokens: yyyy yy mm dd mon; time tokens: see _time_text.
_DATE_STYLES: dict[int, tuple[str, str]] = {
    100: ("mon dd yyyy", "hh:miAM"),
    101: ("mm/dd/yyyy", ""),
    102: ("yyyy.mm.dd", ""),
    103: ("dd/mm/yyyy", ""),
    104: ("dd.mm.yyyy", ""),
    105: ("dd-mm-yyyy", ""),
    106: ("dd mon yyyy", ""),
    107: ("Mon dd, yyyy", ""),
    108: ("", "hh:mi:ss"),
    109: ("mon dd yyyy", "hh:mi:ss:mmmAM"),
    110: ("mm-dd-yyyy", ""),
    111: ("yyyy/mm/dd", ""),
    112: ("yyyymmdd", ""),
    113: ("dd mon yyyy", "hh:mi:ss:mmm"),
    114: ("", "hh:mi:ss:mmm"),
    20: ("yyyy-mm-dd", "hh:mi:ss"),
    120: ("yyyy-mm-dd", "hh:mi:ss"),
    21: ("yyyy-mm-dd", "hh:mi:ss.mmm"),
    25: ("yyyy-mm-dd", "hh:mi:ss.mmm"),
    121: ("yyyy-mm-dd", "hh:mi:ss.mmm"),
    22: ("mm/dd/yy", "hh:mi:ss AM"),
    23: ("yyyy-mm-dd", ""),
    24: ("", "hh:mi:ss"),
    126: ("yyyy-mm-ddT", "hh:mi:ss.mmm"),
    127: ("yyyy-mm-ddT", "hh:mi:ss.mmmZ"),
}
for _style in (1, 2, 3, 4, 5, 6, 7, 10, 11, 12):  # the same layouts with a two-digit year
    _d, _t = _DATE_STYLES[_style + 100]
    _DATE_STYLES[_style] = (_d.replace("yyyy", "yy"), _t)
for _style in (0, 8, 9, 13, 14):  # 0, 9, 13 always have a four-digit year
    _DATE_STYLES[_style] = _DATE_STYLES[_style + 100]

# Hijri calendar styles: refused with a suggestion rather than approximated.
_HIJRI = (130, 131)

# Text without a style: "CAST and CONVERT", date and time styles (0 is the default for
# datetime and smalldatetime; the newer types keep their ISO form) and float and money
# styles (0 is the default).
_STYLE_0_DEFAULT = ("datetime", "smalldatetime", "money", "smallmoney", "float", "real")
_ISO_DEFAULT = ("date", "time", "datetime2", "datetimeoffset")
_FLOAT_STYLES = {0: 6, 1: 8, 2: 16, 3: 17, 126: 16, 128: 17, 129: 17}
_MONEY_STYLES = (0, 1, 2, 126)


def tsql_convert(
    value: Any,
    type_name: str,
    length: int,
    scale: int,
    style: int | None,
    source: str,
    source_scale: int,
    *,
    implicit: bool = False,
) -> Any:
    """CAST and CONVERT. Without a style, text gets each source type's default layout
    (style 0, or the ISO form of the newer date types); a style that does not apply to
    the types is ignored, as SQL Server ignores it. `implicit`: the conversion an INSERT
    or UPDATE makes, where types that never convert clash (Msg 206) instead of being
    refused (529)."""
    if value is None:
        return None
    source = source or ""  # a variable declared without a type binds NULL
    style = None if style is None else int(style)
    if type_name in _CHAR_TYPES and is_binary(value):
        return tsql_cast(binary_to_text(value, type_name, style), type_name, length, scale)
    if type_name in _BINARY_TYPES and isinstance(value, str):
        data = text_to_binary(value, source, style, type_name)
        return tsql_cast(data, type_name, length, scale)
    if type_name in _CHAR_TYPES:
        text = _to_text(value, style, source, int(source_scale))
        if text is not None:
            return tsql_cast(text, type_name, length, scale)
    elif type_name in DATE_TYPES and isinstance(value, str) and source in (*_CHAR_TYPES, ""):
        if type_name == "datetime" and source and len(text_fraction(value)) > 3:
            raise errors.date_conversion_failed()  # datetime takes 0 to 3 digits
        parsed: Any = value
        if style is not None:
            if style in _HIJRI:
                raise _hijri(style)
            if style not in _DATE_STYLES:
                raise _bad_style(style, type_name)
            parsed = _parse_styled(value, style, type_name)
        else:  # the session's SET DATEFORMAT (a style has its own order)
            parsed = in_date_order(value, type_name, plain_string=source in _CHAR_TYPES)
        try:
            stored = tsql_cast(parsed, type_name, length, scale, source or "varchar")
        except TdsError as exc:
            if exc.number == _NOT_A_DATE and _rounds_past_the_end(parsed, type_name):
                raise errors.date_out_of_range(source or "varchar", type_name) from None
            raise
        return stored
    elif type_name in DATE_TYPES and is_number(value, source):
        return number_to_date(value, type_name, source, implicit=implicit)
    elif source in DATE_TYPES and type_name in (*NUMBER_TYPES, *MONEY_TYPES) and not implicit:
        number = date_to_number(value, type_name, source, length, scale)
        return decimal_number(number) if isinstance(number, Decimal) else number
    # a string of unknown type is varchar; a number keeps its type for Msg 8115
    return tsql_cast(value, type_name, length, scale, source or "varchar")


_NOT_A_DATE = 241


def _rounds_past_the_end(value: Any, type_name: str) -> bool:
    """A date on the type's last day that failed to convert: its time rounded past the
    end (`'9999-12-31 23:59:59.999'` is 10000-01-01 as a datetime), which SQL Server
    calls out of range (242), not a failed conversion (241)."""
    bounds = DATE_RANGES.get(type_name)
    if bounds is None:
        return False
    try:
        parsed = parse_datetime(value)
    except (TdsError, ValueError, OverflowError):
        return False
    return parsed.date().isoformat() == bounds[1][:10]


def tsql_implicit_convert(
    value: Any,
    type_name: str,
    length: int,
    scale: int,
    style: int | None,
    source: str,
    source_scale: int,
) -> Any:
    """The conversion of a value an INSERT or UPDATE stores in a column of `type_name`."""
    return tsql_convert(value, type_name, length, scale, style, source, source_scale, implicit=True)


def tsql_try_convert(
    value: Any,
    type_name: str,
    length: int,
    scale: int,
    style: int | None,
    source: str,
    source_scale: int,
) -> Any:
    """TRY_CONVERT and TRY_CAST: NULL where CONVERT would fail to convert the value."""
    try:
        return tsql_convert(value, type_name, length, scale, style, source, source_scale)
    except TdsError as exc:
        if exc.number in (*FAILURES, 241, 242, 8169, 9807):
            return None
        raise


def _to_text(value: Any, style: int | None, source: str, source_scale: int) -> str | None:
    if source in ("decimal", "numeric"):  # the scale's digits, whatever the style
        return _decimal_text(value, source_scale)
    if source in DATE_TYPES:  # as the type holds it (datetime rounded to 1/300 s, ...)
        value = tsql_cast(value, source, 0, source_scale)
    if style is None:
        if source in _ISO_DEFAULT:
            return str(value)
        if source not in _STYLE_0_DEFAULT:
            return None
        style = 0
    if source in DATE_TYPES or (not source and isinstance(value, str) and _is_datetime(value)):
        if style in _HIJRI:
            raise _hijri(style)
        if style not in _DATE_STYLES:
            raise _bad_style(style, source or "datetime")
        return _date_text(value, style, source or "datetime")
    if source in ("money", "smallmoney"):
        if style not in _MONEY_STYLES:
            raise _bad_style(style, source)
        return _money_text(Decimal(repr(value) if isinstance(value, float) else str(value)), style)
    if source in ("float", "real") or (not source and isinstance(value, float)):
        if style not in _FLOAT_STYLES:
            raise _bad_style(style, source or "float")
        return _float_text(float(value), style, source == "real")
    return None  # other sources ignore the style, as SQL Server does


def _decimal_text(value: Any, scale: int) -> str:
    try:
        return f"{decimal_of_scale(scale)(value):f}"
    except InvalidOperation:
        raise errors.conversion_failed(value, "varchar", "decimal") from None


def _is_datetime(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return len(text) >= 10 and text[4] == "-"


def _date_text(value: Any, style: int, source: str) -> str:
    if source == "time":
        when = dt.datetime.combine(dt.date(1900, 1, 1), _time_of(value))
    else:
        when = parse_datetime(value)
    date_part, time_part = _DATE_STYLES[style]
    if source == "date":
        time_part = ""
        if not date_part:  # a time-only style on a date: SQL Server refuses
            raise _bad_style(style, source)
    if source == "time":
        date_part = ""
    fraction = _fraction(when, source, value)
    pieces = []
    if date_part:
        pieces.append(_date_piece(when, date_part))
    if time_part:
        pieces.append(_time_piece(when, time_part, fraction, source, date_part.endswith("T")))
    if date_part.endswith("T"):
        return "".join(pieces) if time_part else pieces[0][:-1]
    return " ".join(pieces)


def _time_of(value: Any) -> dt.time:
    text = str(value)
    return dt.time.fromisoformat(text[:15]) if "." in text else dt.time.fromisoformat(text)


def _fraction(when: dt.datetime, source: str, value: Any) -> str:
    """The fraction digits as the source type holds them (datetime: 3, others: their scale)."""
    if source in ("datetime", "smalldatetime"):
        return f"{when.microsecond // 1000:03d}"
    text = str(value)
    dot = text.rfind(".")
    if dot == -1 or not text[dot + 1 : dot + 2].isdigit():
        return ""
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[dot + 1 : end]


def _date_piece(when: dt.datetime, layout: str) -> str:
    mon = _MONTHS[when.month - 1]
    out = layout.replace("yyyy", f"{when.year:04d}").replace("yy", f"{when.year % 100:02d}")
    out = out.replace("Mon dd", f"{mon} {when.day:02d}")
    out = out.replace("mon dd", f"{mon} {when.day:2d}").replace("mon", mon)
    return out.replace("mm", f"{when.month:02d}").replace("dd", f"{when.day:02d}")


def _time_piece(when: dt.datetime, layout: str, fraction: str, source: str, iso: bool) -> str:
    twelve = layout.endswith("AM")
    hour = when.hour % 12 or 12 if twelve else when.hour
    body = layout.removesuffix("AM").rstrip().removesuffix("Z")
    hh = f"{hour:2d}" if twelve else f"{hour:02d}"  # 12-hour styles pad with a space
    out = body.replace("hh", hh).replace("mi", f"{when.minute:02d}")
    out = out.replace("ss", f"{when.second:02d}")
    if ".mmm" in out:
        # datetime shows milliseconds (126/127 drop a zero fraction); the newer types
        # show their own scale's digits.
        if source in ("datetime", "smalldatetime"):
            digits = fraction[:3].ljust(3, "0")
            if iso and not digits.strip("0"):
                digits = ""
        else:
            digits = fraction
        out = out.replace(".mmm", f".{digits}" if digits else "")
    out = out.replace(":mmm", f":{fraction[:3].ljust(3, '0')}")
    if layout.endswith("Z"):
        out += "Z"
    if twelve:
        marker = "AM" if when.hour < 12 else "PM"
        out += (" " if layout.endswith(" AM") else "") + marker
    return out


def _parse_styled(text: str, style: int, type_name: str) -> dt.datetime:
    """A string in `style`'s layout; ISO forms are accepted under every style, as in SQL Server."""
    text = text.strip()
    try:
        return parse_datetime(text) if style not in (3, 103, 4, 104, 5, 105) else _dmy(text)
    except TdsError:
        pass
    date_part, _ = _DATE_STYLES[style]
    layout = date_part.rstrip("T")
    formats = {
        "mm/dd/yyyy": "%m/%d/%Y",
        "mm/dd/yy": "%m/%d/%y",
        "yyyy.mm.dd": "%Y.%m.%d",
        "yy.mm.dd": "%y.%m.%d",
        "mm-dd-yyyy": "%m-%d-%Y",
        "mm-dd-yy": "%m-%d-%y",
        "yyyy/mm/dd": "%Y/%m/%d",
        "yy/mm/dd": "%y/%m/%d",
        "yyyymmdd": "%Y%m%d",
        "yymmdd": "%y%m%d",
        "dd mon yyyy": "%d %b %Y",
        "dd mon yy": "%d %b %y",
        "Mon dd, yyyy": "%b %d, %Y",
        "Mon dd, yy": "%b %d, %y",
        "mon dd yyyy": "%b %d %Y",
    }
    fmt = formats.get(layout)
    head = " ".join(text.split()[:3]) if layout.startswith(("mon", "Mon")) else text.split()[0]
    if fmt is not None:
        try:
            return dt.datetime.strptime(head, fmt)
        except ValueError:
            pass
    raise errors.conversion_failed(text, "varchar", type_name)


def _dmy(text: str) -> dt.datetime:
    date_text, _, time_text = text.partition(" ")
    for sep in "/.-":
        parts = date_text.split(sep)
        if len(parts) == 3:
            day, month, year = (int(p) for p in parts)
            year += 2000 if year < 50 else 1900 if year < 100 else 0
            base = dt.datetime(year, month, day)
            if time_text:
                clock = dt.time.fromisoformat(time_text.strip())
                base = dt.datetime.combine(base.date(), clock)
            return base
    raise errors.conversion_failed(text, "varchar", "datetime")


def _money_text(value: Decimal, style: int) -> str:
    if style in (2, 126):
        return str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{rounded:,}" if style == 1 else str(rounded)


def _float_text(value: float, style: int, real: bool) -> str:
    digits = _FLOAT_STYLES[style]
    if real and style == 0:
        digits = 6
    text = f"{value:.{digits}g}" if style == 0 else f"{value:.{digits - 1}e}"
    mantissa, e, exponent = text.partition("e")
    if not e:
        return mantissa
    sign = exponent[0]
    return f"{mantissa}e{sign}{int(exponent[1:]):03d}"


def _bad_style(style: int, type_name: str) -> TdsError:
    return TdsError(
        281,
        f"{style} is not a valid style number when converting from {type_name} to a"
        " character string.",
    )


def _hijri(style: int) -> TdsError:
    return errors.unsupported(
        f"CONVERT style {style} (Hijri calendar); use FORMAT(value, 'd', 'ar-SA') on a real"
        " SQL Server or a Gregorian style such as 121"
    )


CONVERT_FUNCTIONS = {
    "TSQL_CONVERT": (7, tsql_convert, True),
    "TSQL_TRY_CONVERT": (7, tsql_try_convert, True),
    "TSQL_IMPLICIT_CONVERT": (7, tsql_implicit_convert, True),
}
