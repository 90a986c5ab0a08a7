"""Dynamic Data Masking on the values a SELECT returns, from Microsoft's "Dynamic data
masking": a login without UNMASK on a column (Principal.unmasks) reads its values masked
by the column's MASKED WITH function (column_features.py keeps it).

Only a masked column read directly in the select list is masked, also through a derived
table; an expression over it (CONCAT, CAST, an aggregate...) returns the data, where SQL
Server masks it too (docs/test-server-limits.md). NULL stays NULL, as in SQL Server.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from ..principals import Principal
from ..results import ColumnType
from .functions import ColumnConverter
from .translate import OutputColumn

_STRINGS = frozenset(["char", "varchar", "nchar", "nvarchar", "text", "ntext", "sysname"])
_INTEGERS = frozenset(["bigint", "int", "smallint", "tinyint", "bit"])
_DECIMALS = frozenset(["decimal", "numeric", "money", "smallmoney"])
_FLOATS = frozenset(["float", "real"])
_DATES = frozenset(["datetime", "datetime2", "smalldatetime", "datetimeoffset"])

_PARTIAL = re.compile(r'partial\(\s*(\d+)\s*,\s*"(.*)"\s*,\s*(\d+)\s*\)', re.I | re.S)
_RANDOM = re.compile(r"random\(\s*([-+.\d]+)\s*,\s*([-+.\d]+)\s*\)", re.I)

Mask = Callable[[Any], Any]


def _default(ctype: ColumnType) -> Mask:
    """default(): xxxx for strings (fewer x when the column is shorter), 0 for numbers,
    1900-01-01 00:00 for dates and times, one 0x00 byte for binary, <masked /> for xml."""
    name = ctype.name
    if name in _STRINGS:
        length = ctype.length if ctype.length and ctype.length > 0 else 4
        text = "x" * min(4, length)
        return lambda _: text
    if name in _INTEGERS:
        return lambda _: 0
    if name in _DECIMALS:
        return lambda _: Decimal(0)
    if name in _FLOATS:
        return lambda _: 0.0
    if name == "date":
        return lambda _: dt.date(1900, 1, 1)
    if name == "time":
        return lambda _: dt.time(0)
    if name in _DATES:
        return lambda _: dt.datetime(1900, 1, 1)
    if name in ("binary", "varbinary", "image"):
        return lambda _: b"\x00"
    if name == "xml":
        return lambda _: "<masked />"
    if name == "uniqueidentifier":
        return lambda _: "00000000-0000-0000-0000-000000000000"
    return lambda _: None


def _email(value: Any) -> str:
    """email(): the first letter, then XXX@XXXX.com whatever the address."""
    return f"{str(value)[:1]}XXX@XXXX.com"


def _partial(prefix: int, padding: str, suffix: int) -> Mask:
    """partial(prefix, "padding", suffix): the first and last letters around the padding;
    a value too short for both shows the padding alone (a choice: Microsoft says only
    that part of the prefix or suffix is then not exposed)."""

    def mask(value: Any) -> str:
        text = str(value)
        if len(text) <= prefix + suffix:
            return padding
        return text[:prefix] + padding + (text[len(text) - suffix :] if suffix else "")

    return mask


def _random(low: Decimal, high: Decimal, ctype: ColumnType) -> Mask:
    """random(low, high): a number between the two, of the column's type."""
    lo, hi = min(low, high), max(low, high)
    if ctype.name in _INTEGERS:
        return lambda _: random.randint(int(lo), int(hi))
    if ctype.name in _DECIMALS:
        quantum = Decimal(1).scaleb(-(ctype.scale if ctype.scale is not None else 4))
        return lambda _: Decimal(random.uniform(float(lo), float(hi))).quantize(quantum)
    return lambda _: random.uniform(float(lo), float(hi))


def mask_for(function: str, ctype: ColumnType) -> Mask:
    """The mask a MASKED WITH (FUNCTION = '...') text puts on values of `ctype`."""
    text = function.strip().strip("'").strip()
    if (partial := _PARTIAL.fullmatch(text)) is not None:
        return _partial(int(partial[1]), partial[2], int(partial[3]))
    if (rnd := _RANDOM.fullmatch(text)) is not None and ctype.name in (
        _INTEGERS | _DECIMALS | _FLOATS
    ):
        return _random(Decimal(rnd[1]), Decimal(rnd[2]), ctype)
    if text.lower().replace(" ", "") == "email()" and ctype.name in _STRINGS:
        return _email
    return _default(ctype)  # default(), and a function the type does not take


def _column(mask: Mask) -> ColumnConverter:
    def convert(values: Sequence[Any]) -> list[Any]:
        return [None if v is None else mask(v) for v in values]

    return convert


def maskers(
    conn: sqlite3.Connection,
    principal: Principal,
    columns: Sequence[OutputColumn] | None,
    types: Sequence[ColumnType],
) -> list[tuple[int, ColumnConverter]]:
    """(index, converter) for each output column the principal reads masked; run after
    the type converters, so the masks see and return values of the column's type."""
    if principal.privileged or not columns or len(columns) != len(types):
        return []
    origins = {c.origin for c in columns if c.origin is not None}
    if not origins:
        return []
    objects = sorted({object_id for object_id, _ in origins})
    marks = ", ".join("?" for _ in objects)
    rows = conn.execute(
        "SELECT f.object_id, f.column_id, f.masking_function, o.schema_id"
        " FROM __azsql_column_features f JOIN __azsql_objects o ON o.object_id = f.object_id"
        f" WHERE f.masking_function IS NOT NULL AND f.object_id IN ({marks})",
        objects,
    ).fetchall()
    functions = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    out: list[tuple[int, ColumnConverter]] = []
    for i, (column, ctype) in enumerate(zip(columns, types, strict=True)):
        if column.origin is None or (found := functions.get(column.origin)) is None:
            continue
        function, schema_id = found
        object_id, column_id = column.origin
        if not principal.unmasks(conn, object_id, schema_id, column_id):
            out.append((i, _column(mask_for(function, ctype))))
    return out
