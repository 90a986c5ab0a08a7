"""Built-ins of SQL Server 2022 and 2025 (and Azure SQL Database) that SQLite lacks,
written from their "(Transact-SQL)" pages: the bit functions, the REGEXP_ family,
DATE_BUCKET, GENERATE_SERIES's values, ISJSON with a type, JSON_PATH_EXISTS, the JSON
constructors' null clauses, UNISTR, BASE64_ENCODE/DECODE, EDIT_DISTANCE and its
similarity, JARO_WINKLER_DISTANCE/SIMILARITY, and the PRODUCT aggregate.

SQLite keeps no column's declared type, so the bit functions take the width of an
integer argument from a CAST around it (`BIT_COUNT(CAST(-1 AS smallint))` is 16) and
otherwise from its value (int when it fits, else bigint). Regular expressions are
Python's, which agree with SQL Server's RE2 on the common syntax (classes, groups,
quantifiers, anchors, \\d \\w \\s) but not on every construct.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .date_parts import parse_datetime

# ---------------------------------------------------------------- rewrites

_REGEX_NODES: dict[type[exp.Expr], str] = {
    exp.RegexpLike: "REGEXP_LIKE",
    exp.RegexpReplace: "REGEXP_REPLACE",
    exp.RegexpSubstr: "REGEXP_SUBSTR",
    exp.RegexpCount: "REGEXP_COUNT",
    exp.RegexpInstr: "REGEXP_INSTR",
    exp.Base64Encode: "BASE64_ENCODE",
    exp.Getbit: "GET_BIT",
}
_WIDTHS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}
_BIT_FUNCTIONS = frozenset({"BIT_COUNT", "LEFT_SHIFT", "RIGHT_SHIFT", "GET_BIT", "SET_BIT"})
# calls whose first (DATE_BUCKET) or second (ISJSON) argument is a keyword, which sqlglot
# reads as a column
_KEYWORD_ARGUMENT = {"DATE_BUCKET": 0, "ISJSON": 1}


def _call(name: str, *args: exp.Expr | None) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=[a for a in args if a is not None])


def rewrite_newer(node: exp.Expr) -> exp.Expression | None:
    """The call SQLite should make for one sqlglot node of these built-ins, or None."""
    if isinstance(node, exp.JSONArray | exp.JSONObject | exp.JSONObjectAgg):
        return _json_constructor(node)
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.Anonymous):
        return _approx_percentile(node)
    call: exp.Expr = node
    if (name := _REGEX_NODES.get(type(node))) is not None:
        # the arguments in T-SQL's order, which sqlglot's argument names follow
        call = _call(name, *(node.args.get(key) for key in node.arg_types))
    if not isinstance(call, exp.Anonymous):
        return None
    upper, args = call.name.upper(), list(call.expressions)
    at = _KEYWORD_ARGUMENT.get(upper, len(args))
    if at < len(args) and isinstance(args[at], exp.Column) and not args[at].table:
        args[at] = exp.Literal.string(args[at].name.upper())
    elif upper in _BIT_FUNCTIONS and args:
        args.insert(0, exp.Literal.number(_declared_width(args[0])))
    elif call is node:
        return None
    return _call(upper, *args)


def _approx_percentile(node: exp.WithinGroup) -> exp.Expression | None:
    """APPROX_PERCENTILE_CONT/DISC(p) WITHIN GROUP (ORDER BY v [DESC]): the aggregate of
    that name over (v, p, desc?), exact here (the approximation is SQL Server's)."""
    name = node.this.name.upper()
    order = node.expression
    if name not in NEWER_AGGREGATES or not isinstance(order, exp.Order):
        return None
    if len(order.expressions) != 1 or len(node.this.expressions) != 1:
        raise errors.syntax_error(name, f"{name} takes one fraction and one ORDER BY column.")
    fraction = node.this.expressions[0]
    if fraction.is_number and not 0 <= float(fraction.name) <= 1:
        raise errors.unsupported(f"a percentile of {fraction.name} (outside 0 to 1)")
    key = order.expressions[0]
    desc = exp.Literal.number(1 if key.args.get("desc") else 0)
    return _call(name, key.this, fraction, desc)


def _declared_width(value: exp.Expr) -> int:
    """The bits of the integer type a CAST names around `value`, else 0."""
    to = value.args.get("to") if isinstance(value, exp.Cast) else None
    return _WIDTHS.get(to.sql(dialect="tsql").lower(), 0) if isinstance(to, exp.DataType) else 0


def _json_constructor(
    node: exp.JSONArray | exp.JSONObject | exp.JSONObjectAgg,
) -> exp.Expression:
    """JSON_ARRAY leaves out NULLs unless NULL ON NULL, JSON_OBJECT and JSON_OBJECTAGG
    keep them unless ABSENT ON NULL (their pages); SQLite's json_array, json_object and
    json_group_object keep them, and json() keeps the result JSON for a constructor
    around it."""
    handling = str(node.args.get("null_handling") or "").upper()
    if isinstance(node, exp.JSONArray):
        inner = _call("json_array", *node.expressions)
        absent = handling != "NULL ON NULL"
    else:
        pairs: list[exp.Expr | None] = []
        for pair in node.expressions:
            pairs += [pair.this, pair.expression] if isinstance(pair, exp.JSONKeyValue) else [pair]
        name = "json_object" if isinstance(node, exp.JSONObject) else "json_group_object"
        inner = _call(name, *pairs)
        absent = handling == "ABSENT ON NULL"
    return _call("json", _call("TSQL_JSON_ABSENT", inner)) if absent else inner


# ---------------------------------------------------------------- bits


def _width(value: int, declared: int) -> int:
    if declared:
        return declared
    return 32 if -(2**31) <= value < 2**31 else 64


def _unsigned(value: int, width: int) -> int:
    return value & ((1 << width) - 1)


def _signed(pattern: int, width: int) -> int:
    pattern &= (1 << width) - 1
    if width == 8:  # tinyint is unsigned
        return pattern
    return pattern - (1 << width) if pattern >> (width - 1) else pattern


def _bits(value: Any, declared: Any) -> tuple[int, int, bool]:
    """(bit pattern, width, binary?) of an integer or binary argument."""
    if isinstance(value, bytes):
        return int.from_bytes(value, "big"), 8 * len(value), True
    number = int(value)
    width = _width(number, int(declared))
    return _unsigned(number, width), width, False


def _back(pattern: int, width: int, binary: bool) -> int | bytes:
    return pattern.to_bytes(width // 8, "big") if binary else _signed(pattern, width)


def _bit_count(declared: Any, value: Any) -> int | None:
    if value is None:
        return None
    pattern, _, _ = _bits(value, declared)
    return bin(pattern).count("1")


def _shift(declared: Any, value: Any, amount: Any, left: bool) -> int | bytes | None:
    if value is None or amount is None:
        return None
    pattern, width, binary = _bits(value, declared)
    by = int(amount)
    if by < 0:  # a negative amount shifts the other way
        left, by = not left, -by
    shifted = pattern << by if left else pattern >> by
    return _back(shifted & ((1 << width) - 1), width, binary)


def _get_bit(declared: Any, value: Any, offset: Any) -> int | None:
    if value is None or offset is None:
        return None
    pattern, width, _ = _bits(value, declared)
    return _offset_bit(pattern, width, offset)


def _offset_bit(pattern: int, width: int, offset: Any) -> int:
    at = int(offset)
    if not 0 <= at < width:
        raise errors.unsupported(f"a bit offset of {at} outside the value's {width} bits")
    return (pattern >> at) & 1


def _set_bit(declared: Any, value: Any, offset: Any, bit: Any = 1) -> int | bytes | None:
    if value is None or offset is None or bit is None:
        return None
    pattern, width, binary = _bits(value, declared)
    _offset_bit(pattern, width, offset)
    mask = 1 << int(offset)
    pattern = pattern | mask if int(bit) else pattern & ~mask
    return _back(pattern, width, binary)


# ---------------------------------------------------------------- regular expressions


def _flags(flags: Any) -> int:
    """c (case-sensitive, the default), i, m, s; the last of c and i wins."""
    found = 0
    for ch in str(flags or "c"):
        if ch == "i":
            found |= re.IGNORECASE
        elif ch == "c":
            found &= ~re.IGNORECASE
        elif ch == "m":
            found |= re.MULTILINE
        elif ch == "s":
            found |= re.DOTALL
        elif ch != " ":
            raise errors.unsupported(f"the regular expression flag {ch!r} (only c, i, m, s)")
    return found


def _compile(pattern: Any, flags: Any) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern), _flags(flags))
    except re.error as exc:
        raise errors.unsupported(f"the regular expression {pattern!r} ({exc})") from None


def _start(start: Any) -> int:
    at = 1 if start is None else int(start)
    if at < 1:
        raise errors.unsupported(f"a start position of {at} (the first character is 1)")
    return at - 1


def _regexp_like(text: Any, pattern: Any, flags: Any = None) -> int | None:
    if text is None or pattern is None:
        return None
    return int(_compile(pattern, flags).search(str(text)) is not None)


def _regexp_replace(
    text: Any,
    pattern: Any,
    replacement: Any = "",
    start: Any = 1,
    occurrence: Any = 0,
    flags: Any = None,
) -> str | None:
    if text is None or pattern is None:
        return None
    source = str(text)
    at = _start(start)
    regex, wanted = _compile(pattern, flags), int(occurrence)
    seen = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        if wanted and seen != wanted:
            return match.group(0)
        return match.expand("" if replacement is None else str(replacement))

    return source[:at] + regex.sub(swap, source[at:])


def _matches(text: Any, pattern: Any, start: Any, flags: Any) -> list[re.Match[str]]:
    source = str(text)
    return list(_compile(pattern, flags).finditer(source, _start(start)))


def _regexp_substr(
    text: Any, pattern: Any, start: Any = 1, occurrence: Any = 1, flags: Any = None, group: Any = 0
) -> str | None:
    if text is None or pattern is None:
        return None
    found = _matches(text, pattern, start, flags)
    n = int(occurrence)
    return found[n - 1].group(int(group)) if 0 < n <= len(found) else None


def _regexp_count(text: Any, pattern: Any, start: Any = 1, flags: Any = None) -> int | None:
    if text is None or pattern is None:
        return None
    return len(_matches(text, pattern, start, flags))


def _regexp_instr(
    text: Any,
    pattern: Any,
    start: Any = 1,
    occurrence: Any = 1,
    option: Any = 0,
    flags: Any = None,
    group: Any = 0,
) -> int | None:
    if text is None or pattern is None:
        return None
    found = _matches(text, pattern, start, flags)
    n = int(occurrence)
    if not 0 < n <= len(found):
        return 0
    match, g = found[n - 1], int(group)
    return (match.end(g) if int(option) else match.start(g)) + 1


# ---------------------------------------------------------------- dates, series, JSON


_BUCKET_UNITS = {
    "YEAR": "year",
    "YY": "year",
    "YYYY": "year",
    "QUARTER": "quarter",
    "QQ": "quarter",
    "Q": "quarter",
    "MONTH": "month",
    "MM": "month",
    "M": "month",
    "WEEK": "week",
    "WK": "week",
    "WW": "week",
    "DAY": "day",
    "DD": "day",
    "D": "day",
    "HOUR": "hour",
    "HH": "hour",
    "MINUTE": "minute",
    "MI": "minute",
    "N": "minute",
    "SECOND": "second",
    "SS": "second",
    "S": "second",
    "MILLISECOND": "millisecond",
    "MS": "millisecond",
}
_SPANS = {
    "week": dt.timedelta(weeks=1),
    "day": dt.timedelta(days=1),
    "hour": dt.timedelta(hours=1),
    "minute": dt.timedelta(minutes=1),
    "second": dt.timedelta(seconds=1),
    "millisecond": dt.timedelta(milliseconds=1),
}
_MONTHS = {"year": 12, "quarter": 3, "month": 1}


def _date_bucket(unit: Any, number: Any, value: Any, origin: Any = None) -> str | None:
    """DATE_BUCKET: the start of the bucket of `number` units, counted from `origin`
    (1900-01-01 00:00:00, a Monday), that holds `value`; of `value`'s type."""
    if unit is None or number is None or value is None:
        return None
    part = _BUCKET_UNITS.get(str(unit).upper())
    if part is None:
        raise errors.unsupported(f"DATE_BUCKET({str(unit).lower()}, ...)")
    width = int(number)
    if width <= 0:
        raise errors.unsupported(f"a DATE_BUCKET width of {width} (it must be positive)")
    when = parse_datetime(value)
    start = parse_datetime(origin) if origin is not None else dt.datetime(1900, 1, 1)
    if part in _MONTHS:
        months = (when.year - start.year) * 12 + when.month - start.month
        shifted = _add_months(start, months)
        if shifted > when:
            months -= 1
        months = months // (width * _MONTHS[part]) * (width * _MONTHS[part])
        bucket = _add_months(start, months)
    else:
        span = _SPANS[part] * width
        bucket = start + (when - start) // span * span
    return _like(value, bucket)


def _add_months(when: dt.datetime, months: int) -> dt.datetime:
    year, month = divmod(when.month - 1 + months, 12)
    return when.replace(year=when.year + year, month=month + 1)


def _like(value: Any, when: dt.datetime) -> str:
    """`when` written as `value` is (a date, or a date and time to its digits)."""
    text = str(value)
    if len(text) == 10:
        return when.date().isoformat()
    body = when.isoformat(" ", "microseconds")
    frac = text[19:].split(" ")[0] if len(text) > 19 and text[19] == "." else ""
    digits = len(frac) - 1 if frac else 0
    return body[:19] + ("." + body[20 : 20 + digits].ljust(digits, "0") if digits else "")


def series_json(start: Any, stop: Any, step: Any = None) -> str:
    """GENERATE_SERIES's values as a JSON array for json_each (tvf.py): from start
    towards stop by step (1 or -1 by default); none where step points away from stop."""
    if start is None or stop is None:
        return "[]"
    by = (1 if stop >= start else -1) if step is None else step
    if by == 0:
        raise errors.unsupported("GENERATE_SERIES with a step of 0")
    count = math.floor((stop - start) / by) + 1
    if count <= 0:
        return "[]"
    values = [start + i * by for i in range(count)]
    if all(isinstance(v, float) for v in (start, stop, by)):  # decimals: no binary digits
        places = max(_places(v) for v in (start, stop, by))
        values = [round(v, places) for v in values]
    return json.dumps(values)


def _places(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _isjson(value: Any, kind: Any = None) -> int | None:
    if value is None:
        return None
    try:
        parsed = json.loads(str(value))
    except ValueError:
        return 0
    wanted = "" if kind is None else str(kind).upper()
    if wanted == "VALUE":
        return 1
    if wanted == "SCALAR":
        return int(isinstance(parsed, str | int | float) and not isinstance(parsed, bool))
    if wanted == "ARRAY":
        return int(isinstance(parsed, list))
    if wanted == "OBJECT":
        return int(isinstance(parsed, dict))
    return int(isinstance(parsed, list | dict))


def _json_path_exists(value: Any, path: Any) -> int | None:
    """1 when the lax path finds a value (JSON null counts), else 0."""
    if value is None or path is None:
        return None
    try:
        node: Any = json.loads(str(value))
    except ValueError:
        raise errors.unsupported("JSON_PATH_EXISTS on text that is not JSON") from None
    steps = re.findall(r"\.(?:\"([^\"]*)\"|([^.\[]+))|\[(\d+)\]", str(path).strip().lstrip("$"))
    for quoted, name, index in steps:
        key = quoted or name
        if index:
            if not isinstance(node, list) or int(index) >= len(node):
                return 0
            node = node[int(index)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return 0
    return 1


def _json_absent(text: Any) -> str | None:
    """The JSON array or object without its top-level nulls."""
    if text is None:
        return None
    value = json.loads(str(text))
    if isinstance(value, list):
        value = [v for v in value if v is not None]
    elif isinstance(value, dict):
        value = {k: v for k, v in value.items() if v is not None}
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------- strings


def _unistr(text: Any, escape: Any = "\\") -> str | None:
    """\\xxxx and \\+xxxxxx escapes (surrogate pairs joined), and the escape doubled."""
    if text is None:
        return None
    mark = "\\" if escape is None else str(escape)
    escaped = re.escape(mark)
    pattern = escaped + r"(?:(" + escaped + r")|\+([0-9A-Fa-f]{6})|([0-9A-Fa-f]{4}))"

    def decode(match: re.Match[str]) -> str:
        if match.group(1):
            return mark
        return chr(int(match.group(2) or match.group(3), 16))

    units = re.sub(pattern, decode, str(text))
    return units.encode("utf-16", "surrogatepass").decode("utf-16")


def _base64_encode(value: Any, url_safe: Any = 0) -> str | None:
    if value is None:
        return None
    data = value if isinstance(value, bytes) else str(value).encode()
    if url_safe:
        return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    return base64.b64encode(data).decode("ascii")


def _base64_decode(text: Any) -> bytes | None:
    if text is None:
        return None
    value = str(text)
    alphabet = value.translate(str.maketrans("-_", "+/"))
    try:
        return base64.b64decode(alphabet + "=" * (-len(alphabet) % 4), validate=True)
    except binascii.Error:
        raise errors.unsupported("BASE64_DECODE of text that is not Base64") from None


def _osa_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance by optimal string alignment."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(row[j - 1] + 1, rows[-1][j] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _edit_distance(a: Any, b: Any, most: Any = None) -> int | None:
    if a is None or b is None:
        return None
    distance = _osa_distance(str(a), str(b))
    return distance if most is None else min(distance, int(most))


def _edit_similarity(a: Any, b: Any) -> int | None:
    if a is None or b is None:
        return None
    longest = max(len(str(a)), len(str(b)))
    if longest == 0:
        return 100
    return int((1 - _osa_distance(str(a), str(b)) / longest) * 100)


def _jaro_winkler(a: str, b: str) -> float:
    if a == b:
        return 1.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    used = [False] * len(b)
    matched: list[str] = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not used[j] and b[j] == ch:
                used[j] = True
                matched.append(ch)
                break
    if not matched:
        return 0.0
    other = [b[j] for j in range(len(b)) if used[j]]
    transpositions = sum(x != y for x, y in zip(matched, other, strict=True)) / 2
    m = len(matched)
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _jw_similarity(a: Any, b: Any) -> float | None:
    return None if a is None or b is None else _jaro_winkler(str(a), str(b))


def _jw_distance(a: Any, b: Any) -> float | None:
    return None if a is None or b is None else 1 - _jaro_winkler(str(a), str(b))


# ---------------------------------------------------------------- aggregates


class Product:
    """PRODUCT(value): the product of the non-NULL values, NULL when there are none."""

    def __init__(self) -> None:
        self.result: float | int | None = None

    def step(self, value: Any) -> None:
        if value is not None:
            self.result = value if self.result is None else self.result * value

    def finalize(self) -> float | int | None:
        return self.result


NEWER_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {
    "BIT_COUNT": (2, _bit_count, True),
    "LEFT_SHIFT": (3, lambda w, v, n: _shift(w, v, n, True), True),
    "RIGHT_SHIFT": (3, lambda w, v, n: _shift(w, v, n, False), True),
    "GET_BIT": (3, _get_bit, True),
    "SET_BIT": (-1, _set_bit, True),
    "REGEXP_LIKE": (-1, _regexp_like, True),
    "REGEXP_REPLACE": (-1, _regexp_replace, True),
    "REGEXP_SUBSTR": (-1, _regexp_substr, True),
    "REGEXP_COUNT": (-1, _regexp_count, True),
    "REGEXP_INSTR": (-1, _regexp_instr, True),
    "DATE_BUCKET": (-1, _date_bucket, True),
    "ISJSON": (-1, _isjson, True),
    "JSON_PATH_EXISTS": (2, _json_path_exists, True),
    "TSQL_JSON_ABSENT": (1, _json_absent, True),
    "UNISTR": (-1, _unistr, True),
    "BASE64_ENCODE": (-1, _base64_encode, True),
    "BASE64_DECODE": (1, _base64_decode, True),
    "EDIT_DISTANCE": (-1, _edit_distance, True),
    "EDIT_DISTANCE_SIMILARITY": (2, _edit_similarity, True),
    "JARO_WINKLER_SIMILARITY": (2, _jw_similarity, True),
    "JARO_WINKLER_DISTANCE": (2, _jw_distance, True),
}


class _Percentile:
    """APPROX_PERCENTILE_CONT/DISC(fraction) over the values in the ORDER BY's order."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.fraction = 0.0
        self.desc = False

    def step(self, value: Any, fraction: Any, desc: Any) -> None:
        self.fraction, self.desc = float(fraction), bool(desc)
        if not 0 <= self.fraction <= 1:
            raise errors.unsupported(f"a percentile of {self.fraction} (outside 0 to 1)")
        if value is not None:
            self.values.append(value)

    def ordered(self) -> list[Any]:
        return sorted(self.values, reverse=self.desc)


class _PercentileCont(_Percentile):
    def finalize(self) -> float | None:
        values = self.ordered()
        if not values:
            return None
        at = self.fraction * (len(values) - 1)
        low, high = math.floor(at), math.ceil(at)
        return float(values[low]) + (at - low) * (float(values[high]) - float(values[low]))


class _PercentileDisc(_Percentile):
    def finalize(self) -> Any:
        values = self.ordered()
        if not values:
            return None
        return values[max(math.ceil(self.fraction * len(values)) - 1, 0)]


NEWER_AGGREGATES: dict[str, type] = {
    "PRODUCT": Product,
    "APPROX_PERCENTILE_CONT": _PercentileCont,
    "APPROX_PERCENTILE_DISC": _PercentileDisc,
}

# Result types the pages give, where the value alone does not tell them.
_TYPES: dict[str, ColumnType] = {
    "BIT_COUNT": ColumnType("tinyint"),
    "GET_BIT": ColumnType("tinyint"),
    "REGEXP_COUNT": ColumnType("int"),
    "REGEXP_INSTR": ColumnType("int"),
    "REGEXP_REPLACE": ColumnType("nvarchar", -1),
    "REGEXP_SUBSTR": ColumnType("nvarchar", -1),
    "ISJSON": ColumnType("int"),
    "CHECKSUM": ColumnType("int"),
    "BINARY_CHECKSUM": ColumnType("int"),
    "JSON_MODIFY": ColumnType("nvarchar", -1),
    "JSON_PATH_EXISTS": ColumnType("bit"),
    "UNISTR": ColumnType("nvarchar", -1),
    "BASE64_ENCODE": ColumnType("varchar", 8000),
    "BASE64_DECODE": ColumnType("varbinary", 8000),
    "EDIT_DISTANCE": ColumnType("int"),
    "EDIT_DISTANCE_SIMILARITY": ColumnType("int"),
    "JARO_WINKLER_DISTANCE": ColumnType("float"),
    "JARO_WINKLER_SIMILARITY": ColumnType("float"),
}
# Calls whose result has the type of one of their arguments (its position).
_ARGUMENT_TYPED = {"DATE_BUCKET": 2}


def newer_type(
    node: exp.Expr, type_of: Callable[[exp.Expr], ColumnType | None]
) -> ColumnType | None:
    """The result type of one of these built-ins (`type_of` types its arguments)."""
    if isinstance(node, exp.Getbit):
        return _TYPES["GET_BIT"]
    if isinstance(node, exp.RegexpCount | exp.RegexpInstr):
        return ColumnType("int")
    if isinstance(node, exp.RegexpReplace | exp.RegexpSubstr):
        return ColumnType("nvarchar", -1)
    if isinstance(node, exp.Base64Encode):
        return _TYPES["BASE64_ENCODE"]
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.Anonymous):
        name, order = node.this.name.upper(), node.expression
        if name == "APPROX_PERCENTILE_CONT":
            return ColumnType("float")
        if name == "APPROX_PERCENTILE_DISC" and isinstance(order, exp.Order):
            return type_of(order.expressions[0].this)
    if not isinstance(node, exp.Anonymous):
        return None
    name = node.name.upper()
    at = _ARGUMENT_TYPED.get(name)
    if at is not None and at < len(node.expressions):
        return type_of(node.expressions[at])
    return _TYPES.get(name)
