"""T-SQL built-ins analysts use that SQLite lacks, written from Microsoft's function pages:
the sqlglot nodes they parse to are rewritten to calls of the Python functions here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import statistics
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from sqlglot import exp

from ..results import TdsError
from . import errors
from .date_parts import parse_datetime
from .languages import week_start
from .like_patterns import rewrite_like
from .sqltext import split_name

# ---------------------------------------------------------------- rewrites


def _call(name: str, *args: exp.Expression | None) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=[a for a in args if a is not None])


def rewrite_function(node: exp.Expr) -> exp.Expression | None:
    """The call SQLite should make for one sqlglot function node, or None."""
    if isinstance(node, (exp.Like, exp.Escape)):  # a call where the pattern needs one
        return rewrite_like(node)
    if isinstance(node, exp.SessionUser):  # USER, SESSION_USER, CURRENT_USER
        return _call("USER_NAME")
    if isinstance(node, exp.LastDay):  # EOMONTH(d [, n]): n months already added by DATEADD
        return _call("EOMONTH", node.this)
    if isinstance(node, exp.DateFromParts):
        return _call("DATEFROMPARTS", node.args["year"], node.args["month"], node.args["day"])
    if isinstance(node, exp.TimestampTrunc):
        unit = node.args.get("unit")
        return _call(
            "DATETRUNC", exp.Literal.string(unit.name.upper() if unit else "DAY"), node.this
        )
    if isinstance(node, exp.NumberToStr):
        return _call("FORMAT_NUMBER", node.this, node.args.get("format"), node.args.get("culture"))
    if isinstance(node, exp.ConcatWs):
        return _call("CONCAT_WS", *node.expressions)
    if isinstance(node, exp.Translate):
        return _call("TRANSLATE", node.this, node.args.get("from_"), node.args.get("to"))
    if isinstance(node, exp.Stuff):
        return _call(
            "STUFF", node.this, node.args.get("start"), node.args.get("length"), node.expression
        )
    if isinstance(node, (exp.Left, exp.Right)):  # LEFT/RIGHT are keywords to SQLite
        name = "TSQL_LEFT" if isinstance(node, exp.Left) else "TSQL_RIGHT"
        return _call(name, node.this, node.expression)
    if isinstance(node, exp.Substring) and node.args.get("length") is not None:
        return _call("TSQL_SUBSTRING", node.this, node.args.get("start"), node.args["length"])
    if isinstance(node, (exp.Upper, exp.Lower)):  # SQLite's change ASCII letters only
        return _call("TSQL_UPPER" if isinstance(node, exp.Upper) else "TSQL_LOWER", node.this)
    if isinstance(node, exp.Round):
        return _call(
            "TSQL_ROUND",
            node.this,
            node.args.get("decimals") or exp.Literal.number(0),
            node.args.get("truncate") or exp.Literal.number(0),
        )
    if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order):
        order = node.this
        key = order.expressions[0]
        return _call(
            "TSQL_STRING_AGG",
            order.this,
            node.args.get("separator") or exp.Literal.string(","),
            key.this,
            exp.Literal.number(1 if key.args.get("desc") else 0),
        )
    if isinstance(node, exp.Stddev):
        return _call("STDEV", node.this)
    if isinstance(node, exp.Rand):  # SQLite's RANDOM() is a 64-bit integer
        return _call("TSQL_RAND", *([node.this] if node.this is not None else []))
    if isinstance(node, exp.ApproxDistinct):  # APPROX_COUNT_DISTINCT: exact here
        return exp.Count(this=exp.Distinct(expressions=[node.this]))
    if isinstance(node, exp.StrPosition):  # SQLite's INSTR and REPLACE match case
        return _call("CHARINDEX", node.args.get("substr"), node.this, node.args.get("position"))
    if isinstance(node, exp.Replace):
        return _call("TSQL_REPLACE", node.this, node.expression, node.args.get("replacement"))
    return None


# ---------------------------------------------------------------- scalars


def _eomonth(value: Any) -> str | None:
    if value is None:
        return None
    day = parse_datetime(value).date()
    first_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return (first_next - dt.timedelta(days=1)).isoformat()


def _datefromparts(year: Any, month: Any, day: Any) -> str | None:
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise TdsError(
            289,
            "Cannot construct data type date, some of the arguments have values which are"
            " not valid.",
        ) from None


_TRUNC = {"YEAR", "QUARTER", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "WEEK", "DAYOFYEAR"}


def _datetrunc(unit: str, value: Any) -> str | None:
    """DATETRUNC keeps the input's type: the stored text is cut at the unit."""
    if value is None:
        return None
    unit = {"YY": "YEAR", "YYYY": "YEAR", "QQ": "QUARTER", "MM": "MONTH", "DD": "DAY"}.get(
        unit, unit
    )
    if unit not in _TRUNC:
        raise errors.unsupported(f"DATETRUNC({unit.lower()}, ...)")
    text = str(value)
    when = parse_datetime(value)
    if unit == "YEAR":
        when = when.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "QUARTER":
        month = (when.month - 1) // 3 * 3 + 1
        when = when.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "MONTH":
        when = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "WEEK":  # on the session's first day of the week (@@DATEFIRST)
        when = week_start(when)
    elif unit in ("DAY", "DAYOFYEAR"):
        when = when.replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit == "HOUR":
        when = when.replace(minute=0, second=0, microsecond=0)
    elif unit == "MINUTE":
        when = when.replace(second=0, microsecond=0)
    else:
        when = when.replace(microsecond=0)
    if len(text) == 10:
        return when.date().isoformat()
    body = when.isoformat(" ")[:19]
    frac = text[19:].split(" ")[0] if len(text) > 19 and text[19] == "." else ""
    zone = text[text.rfind(" ") :] if len(text) > 26 and text[-6] in "+-" else ""
    return body + ("." + "0" * (len(frac) - 1) if frac else "") + zone


def _stuff(text: Any, start: Any, length: Any, insert: Any) -> str | None:
    """STUFF: NULL when start is outside the string or length is negative."""
    if text is None or start is None or length is None:
        return None
    value, first, count = str(text), int(start), int(length)
    if first < 1 or first > len(value) or count < 0:
        return None
    return value[: first - 1] + ("" if insert is None else str(insert)) + value[first - 1 + count :]


def _str(value: Any, length: Any = 10, decimals: Any = 0) -> str | None:
    """STR(float [, length [, decimals]]): right-aligned; '*' * length when it cannot fit."""
    if value is None:
        return None
    width, places = int(length), int(decimals)
    text = f"{float(value):.{places}f}"
    if len(text) > width:
        whole = f"{float(value):.0f}"
        return whole.rjust(width) if len(whole) <= width else "*" * width
    return text.rjust(width)


def _round(value: Any, length: Any, truncate: Any) -> float | int | None:
    """ROUND on the exact decimal value (1.255 is 1.255, not the float below it)."""
    if value is None or length is None:
        return None
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    mode = ROUND_DOWN if truncate else ROUND_HALF_UP
    rounded = exact.quantize(Decimal(1).scaleb(-int(length)), rounding=mode)
    return int(rounded) if isinstance(value, int) else float(rounded)


def format_value(value: Any, fmt: Any, culture: Any = None) -> str | None:
    """FORMAT: numbers by .NET numeric formats, dates by the (already strftime) pattern."""
    if value is None or fmt is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _format_number(value, fmt, culture)
    return parse_datetime(value).strftime(str(fmt))


def _choose(index: Any, *values: Any) -> Any:
    if index is None:
        return None
    i = int(index)
    return values[i - 1] if 1 <= i <= len(values) else None


def _concat_ws(sep: Any, *values: Any) -> str:
    """CONCAT_WS skips NULL arguments (and their separators)."""
    return ("" if sep is None else str(sep)).join(_text(v) for v in values if v is not None)


def _translate(text: Any, source: Any, target: Any) -> str | None:
    if text is None or source is None or target is None:
        return None
    if len(str(source)) != len(str(target)):
        raise TdsError(
            9828,
            "The second and third arguments of the TRANSLATE built-in function must contain"
            " an equal number of characters.",
        )
    return str(text).translate(str.maketrans(str(source), str(target)))


def _patindex(pattern: Any, text: Any) -> int | None:
    if pattern is None or text is None:
        return None
    regex = like_regex(str(pattern))
    found = re.search(regex, str(text), re.IGNORECASE | re.DOTALL)
    return found.start() + 1 if found else 0


def like_regex(pattern: str) -> str:
    """A LIKE/PATINDEX pattern (% _ [set] [^set]) as a regular expression."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%":
            out.append(".*?")
        elif ch == "_":
            out.append(".")
        elif ch == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            neg = body.startswith("^")
            body = body[1:] if neg else body
            out.append("[" + ("^" if neg else "") + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    regex = "".join(out)
    regex = regex[3:] if regex.startswith(".*?") else "^" + regex
    if regex.endswith(".*?"):
        regex = regex[:-3]
    else:
        regex += "$"
    return regex


def _isnumeric(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return 1
    text = str(value).strip().replace(",", "")
    text = text.lstrip("$")
    try:
        float(text)
    except ValueError:
        return 0
    return 1 if text and text.lower() not in ("inf", "nan", "infinity") else 0


def _isdate(value: Any) -> int:
    if value is None:
        return 0
    try:
        parse_datetime(value)
    except Exception:  # any failure to read it is "not a date"
        return 0
    return 1


_SOUNDEX_CODES = {
    **dict.fromkeys("BFPV", "1"),
    **dict.fromkeys("CGJKQSXZ", "2"),
    **dict.fromkeys("DT", "3"),
    "L": "4",
    **dict.fromkeys("MN", "5"),
    "R": "6",
}


def _soundex(value: Any) -> str | None:
    if value is None:
        return None
    letters = [c for c in str(value).upper() if c.isalpha()]
    if not letters:
        return "0000"
    first, code = letters[0], ""
    last = _SOUNDEX_CODES.get(first, "")
    for ch in letters[1:]:
        digit = _SOUNDEX_CODES.get(ch, "")
        if digit and digit != last:
            code += digit
        if ch not in "HW":
            last = digit
    return (first + code + "000")[:4]


def _difference(a: Any, b: Any) -> int | None:
    sa, sb = _soundex(a), _soundex(b)
    if sa is None or sb is None:
        return None
    return sum(1 for x, y in zip(sa, sb, strict=True) if x == y)


def _format_number(value: Any, fmt: Any, culture: Any = None) -> str | None:
    """FORMAT(number, 'N2' | 'P' | 'C' | 'D5' | 'F1' | 'X' | '#,##0.00'), en-US only."""
    if value is None or fmt is None:
        return None
    if culture not in (None, "en-US", "en-us", "", "iv"):
        raise errors.unsupported(f"FORMAT with culture '{culture}' (only en-US)")
    spec = str(fmt)
    kind, digits = spec[:1].upper(), spec[1:]
    number = float(value)
    if kind in "NCPFDXE" and (not digits or digits.isdigit()):
        places = int(digits) if digits else None
        if kind == "N":
            return f"{number:,.{2 if places is None else places}f}"
        if kind == "F":
            return f"{number:.{2 if places is None else places}f}"
        if kind == "C":
            text = f"{abs(number):,.{2 if places is None else places}f}"
            return f"-${text}" if number < 0 else f"${text}"
        if kind == "P":
            return f"{number * 100:,.{2 if places is None else places}f}%"
        if kind == "D":
            return f"{int(number):0{places or 1}d}"
        if kind == "X":
            return f"{int(number):0{places or 1}X}"
        mantissa, _, power = f"{number:.{6 if places is None else places}E}".partition("E")
        return f"{mantissa}E{power[0]}{int(power[1:]):03d}"
    return _custom_number(number, spec)


def _custom_number(number: float, spec: str) -> str:
    """Custom numeric formats: 0 and # placeholders, a group comma and a decimal point."""
    whole, _, frac = spec.partition(".")
    places = sum(1 for c in frac if c in "0#")
    required = sum(1 for c in frac if c == "0")
    grouped = "," in whole
    text = f"{abs(number):{',' if grouped else ''}.{places}f}"
    if places > required:
        head, _, tail = text.partition(".")
        tail = tail.rstrip("0").ljust(required, "0")
        text = head + ("." + tail if tail else "")
    min_int = sum(1 for c in whole if c == "0")
    head, dot, tail = text.partition(".")
    if min_int == 0 and head == "0":
        head = ""
    text = head.rjust(min_int, "0") + dot + tail
    prefix = whole[: len(whole) - len(whole.lstrip("$"))]
    return ("-" if number < 0 else "") + prefix + text


def _folded(text: str) -> str:
    """`text` with each letter in one case, character for character: CHARINDEX and
    REPLACE find a string as the case-insensitive default collation compares it."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _charindex(find: Any, text: Any, start: Any = 1) -> int | None:
    if find is None or text is None or start is None:
        return None
    find, text = _folded(_text(find)), _folded(_text(text))
    if not find:
        return 0
    return text.find(find, max(int(start), 1) - 1) + 1


def _replace(text: Any, find: Any, replacement: Any) -> str | None:
    if text is None or find is None or replacement is None:
        return None
    text, find = _text(text), _text(find)
    if not find:
        return text
    folded, key, at, parts = _folded(text), _folded(find), 0, []
    while (found := folded.find(key, at)) >= 0:
        parts += [text[at:found], _text(replacement)]
        at = found + len(key)
    return "".join(parts) + text[at:]


def _log10(value: Any) -> float | None:
    if value is None:
        return None
    if float(value) <= 0:
        raise TdsError(3623, "An invalid floating point operation occurred.")
    return math.log10(float(value))


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _parsename(name: Any, piece: Any) -> Any:
    """PARSENAME(name, piece): piece 1 the object, 2 its schema, 3 its database, 4 its
    server; NULL for a part not written, past four parts, or an empty object name."""
    if name is None or piece is None:
        return None
    parts, at = split_name(str(name)), int(piece)
    if not parts or len(parts) > 4 or not parts[-1] or not 1 <= at <= len(parts):
        return None
    return parts[-at] or None


def _rand(seed: Any = None) -> float:
    """RAND([seed]): "a pseudo-random float value from 0 through 1, exclusive"; a seed
    gives the same value each time ("RAND (Transact-SQL)"). The calls after a seeded one
    do not continue its sequence here (SQL Server's do, on the connection)."""
    return random.random() if seed is None else random.Random(int(seed)).random()


TSQL_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {
    "TSQL_RAND": (-1, _rand, False),
    "EOMONTH": (1, _eomonth, True),
    "DATEFROMPARTS": (3, _datefromparts, True),
    "DATETRUNC": (2, _datetrunc, True),
    "CHOOSE": (-1, _choose, True),
    "STUFF": (4, _stuff, True),
    "TSQL_ROUND": (3, _round, True),
    "TSQL_FORMAT": (-1, format_value, True),
    "STR": (-1, _str, True),
    "NCHAR": (1, lambda n: None if n is None else chr(int(n)), True),
    "ASCII": (1, lambda t: None if not t else ord(str(t)[0].encode("cp1252", "replace")[:1]), True),
    "CONCAT_WS": (-1, _concat_ws, True),
    "TRANSLATE": (3, _translate, True),
    "CHARINDEX": (-1, _charindex, True),
    "TSQL_REPLACE": (3, _replace, True),
    "PATINDEX": (2, _patindex, True),
    "ISNUMERIC": (1, _isnumeric, True),
    "ISDATE": (1, _isdate, True),
    "SOUNDEX": (1, _soundex, True),
    "DIFFERENCE": (2, _difference, True),
    "FORMAT_NUMBER": (-1, _format_number, True),
    "SQUARE": (1, lambda v: None if v is None else float(v) * float(v), True),
    "LOG10": (1, _log10, True),  # SQLite's divides two logarithms: 2.9999999999999996
    "PI": (0, lambda: math.pi, True),
    "PARSENAME": (2, _parsename, True),
}


# ---------------------------------------------------------------- aggregates


class _Collect:
    """An aggregate over the values of its group or window frame (`OVER (...)`: SQLite
    calls inverse as a row leaves the frame, and value for each row)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: Any) -> None:
        if value is not None:
            self.values.append(float(value))

    def inverse(self, value: Any) -> None:
        if value is not None:
            self.values.remove(float(value))

    def value(self) -> float | None:
        return self.finalize()

    def finalize(self) -> float | None:
        raise NotImplementedError


class _Stdev(_Collect):
    def finalize(self) -> float | None:
        return statistics.stdev(self.values) if len(self.values) > 1 else None


class _StdevP(_Collect):
    def finalize(self) -> float | None:
        return statistics.pstdev(self.values) if self.values else None


class _Var(_Collect):
    def finalize(self) -> float | None:
        return statistics.variance(self.values) if len(self.values) > 1 else None


class _VarP(_Collect):
    def finalize(self) -> float | None:
        return statistics.pvariance(self.values) if self.values else None


class StringAgg:
    """STRING_AGG(value, sep) WITHIN GROUP (ORDER BY key [DESC]) (SQLite 3.40 has no
    ORDER BY inside aggregates)."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, str]] = []
        self.sep = ","
        self.desc = False

    def step(self, value: Any, sep: Any, key: Any, desc: Any) -> None:
        self.sep, self.desc = "" if sep is None else str(sep), bool(desc)
        if value is not None:
            self.items.append((key, _text(value)))

    def finalize(self) -> str | None:
        if not self.items:
            return None
        present = sorted((i for i in self.items if i[0] is not None), key=_sort_key)
        nulls = [i for i in self.items if i[0] is None]
        ordered = nulls + present  # NULLs sort first ascending, as in SQL Server
        if self.desc:
            ordered.reverse()
        return self.sep.join(v for _, v in ordered)


def _sort_key(item: tuple[Any, str]) -> Any:
    """A key as the default collation sorts it: text case-insensitively."""
    return item[0].casefold() if isinstance(item[0], str) else item[0]


TSQL_AGGREGATES: dict[str, type[_Collect]] = {
    "STDEV": _Stdev,
    "STDEVP": _StdevP,
    "VAR": _Var,
    "VARP": _VarP,
}
