"""Driver values as JSON values: the rules azsql_mcp.values documents and exports to
plugins, in one module that both the server and the driver process use.

The driver process converts rows where it fetches them (Database.read(json_values=True));
it runs driverhost.py as a script and imports this file without the azsql_mcp package,
so this file imports only the standard library.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import operator
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

DEFAULT_MAX_BINARY_BYTES = 256
# The one column of a FOR JSON or FOR XML result, whose document the driver process
# joins into one value (driverrows.fetch_page) and the text shows whole (values.py).
DOCUMENT_COLUMNS = frozenset(
    f"{kind}_F52E2B61-18A1-11d1-B105-00805F49916B" for kind in ("JSON", "XML")
)
JsonValue = None | bool | int | float | str
# Types that are already JSON (an int within MAX_SAFE_INTEGER); checked by exact type
# first because this runs per value.
_NONE = type(None)
_PLAIN = frozenset({_NONE, bool, int, str})
# The integers a JSON number carries exactly to every client: those that read numbers as
# IEEE 754 doubles (JavaScript, so every MCP client on the TypeScript SDK) round a bigint
# beyond 2**53 - 1. I-JSON (RFC 7493, 2.2) asks for such an integer as a string.
MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER


def to_json_value(value: Any, *, max_binary_bytes: int = DEFAULT_MAX_BINARY_BYTES) -> JsonValue:
    """One driver value as a JSON-safe value (see azsql_mcp.values for the rules)."""
    kind = type(value)
    if kind in _PLAIN:
        return _int_value(value) if kind is int else value
    convert = _BY_TYPE.get(kind)
    if convert is not None:
        return convert(value)
    # Subclasses and the rarer types.
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return _int_value(int(value))
    if isinstance(value, decimal.Decimal):
        return _decimal_text(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return _uuid_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _binary_text(bytes(value), max_binary_bytes)
    if isinstance(value, float):
        return _float_value(value)
    return str(value)


def _int_value(value: int) -> int | str:
    return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)


def _decimal_text(value: decimal.Decimal) -> str:
    text = str(value)
    # Plain notation: Decimal("1E+3") would otherwise print in scientific form.
    return format(value, "f") if "E" in text and value.is_finite() else text


def _uuid_text(value: uuid.UUID) -> str:
    h = value.hex.upper()  # faster than str(value).upper(), which matters per row
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _binary_value(
    value: bytes | bytearray | memoryview, max_bytes: int, cut_at: int | None = None
) -> str:
    return _binary_text(bytes(value), max_bytes, cut_at)


def _float_value(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)  # JSON has no NaN or Infinity


def _binary_text(data: bytes, max_bytes: int, cut_at: int | None = None) -> str:
    if len(data) <= max_bytes:
        return "0x" + data.hex().upper()
    # the server sends no more than SET TEXTSIZE bytes of a varbinary(max) or image
    cut = "at least " if cut_at is not None and len(data) >= cut_at else ""
    return f"0x{data[:max_bytes].hex().upper()}...({cut}{len(data)} bytes)"


# Exact types with a converter that needs no options; this runs once per value.
_BY_TYPE: dict[type, Callable[[Any], JsonValue]] = {
    decimal.Decimal: _decimal_text,
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    uuid.UUID: _uuid_text,
    float: _float_value,
}
_BINARY = frozenset({bytes, bytearray, memoryview})
# A column of dates and times of more than one class: odbc_temporal's values with a
# 100 ns digit among plain ones (they write the digit in their own isoformat()).
_TEMPORAL = (dt.date, dt.time)
_ISOFORMAT: Callable[[Any], JsonValue] = operator.methodcaller("isoformat")


class ConvertedRows(list[list[JsonValue]]):
    """Rows as rows_to_json returned them, which it returns as they are when given them
    again: read_data's rows, converted in the driver process where they were fetched,
    need not be checked value by value once more to become structured content."""

    __slots__ = ()


def rows_to_json(
    rows: Iterable[Sequence[Any]],
    *,
    max_binary_bytes: int = DEFAULT_MAX_BINARY_BYTES,
    cut_at: int | None = None,
) -> list[list[JsonValue]]:
    """Driver rows as JSON rows, converted column by column: the values of one column
    nearly always share one type, so its converter is chosen once, not per value.
    `cut_at`: the session's TEXTSIZE; a binary value that long may have been cut by the
    server, so its size is said to be at least that."""
    if type(rows) is ConvertedRows:
        return rows
    rows = list(rows)
    if not rows or not rows[0]:
        return ConvertedRows([] for _ in rows)
    columns = [
        _column_to_json(column, max_binary_bytes, cut_at) for column in zip(*rows, strict=True)
    ]
    return ConvertedRows(map(list, zip(*columns, strict=True)))


def _column_to_json(
    column: Sequence[Any], max_binary_bytes: int, cut_at: int | None
) -> Sequence[JsonValue]:
    kinds = set(map(type, column))
    if kinds <= _PLAIN:
        if int not in kinds or _safe_ints(column, kinds):
            return column
        return [_int_value(v) if type(v) is int else v for v in column]
    has_null = _NONE in kinds
    kinds.discard(_NONE)
    convert = _converter(next(iter(kinds)), max_binary_bytes, cut_at) if len(kinds) == 1 else None
    if convert is None and all(issubclass(kind, _TEMPORAL) for kind in kinds):
        convert = _ISOFORMAT
    if convert is None:  # mixed types (sql_variant) or subclasses: value by value
        return [to_json_value(v, max_binary_bytes=max_binary_bytes) for v in column]
    if has_null:
        return [None if v is None else convert(v) for v in column]
    return list(map(convert, column))


def _safe_ints(column: Sequence[Any], kinds: set[type]) -> bool:
    """Whether every int of `column` is within MAX_SAFE_INTEGER, at C speed where it can
    be: None and str do not compare with an int, so they are set aside first
    (filter(None, ...) also drops 0 and False, which are within it)."""
    if str in kinds:
        ints: Sequence[Any] = [v for v in column if type(v) is int]
    elif _NONE in kinds:
        ints = list(filter(None, column))
    else:
        ints = column
    return not ints or (min(ints) >= -MAX_SAFE_INTEGER and max(ints) <= MAX_SAFE_INTEGER)


def _converter(
    kind: type, max_binary_bytes: int, cut_at: int | None
) -> Callable[[Any], JsonValue] | None:
    """The converter for values of exactly type `kind`, if it has one."""
    if kind in _BINARY:
        return functools.partial(_binary_value, max_bytes=max_binary_bytes, cut_at=cut_at)
    return _BY_TYPE.get(kind)
