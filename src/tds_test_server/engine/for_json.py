"""SELECT ... FOR JSON PATH / AUTO, by Microsoft's "Format query results as JSON with FOR
JSON" and the pages it links:

- the result is one nvarchar(max) column, JSON_F52E2B61-18A1-11d1-B105-00805F49916B, an
  array of one object per row; a long text is split across rows, which a client
  concatenates ("Use FOR JSON output in SQL Server and in client apps"); SQL Server
  sends rows of 2,033 characters;
- PATH nests a dotted alias ('Info.Title' -> {"Info": {"Title": ...}}); AUTO over one
  table does not (AUTO's nesting by joined table is not modelled: refused), and without
  a table it is Msg 13600;
- a NULL is left out unless INCLUDE_NULL_VALUES; ROOT('name') wraps the array in an
  object ('root' when no name is given); WITHOUT_ARRAY_WRAPPER drops the brackets;
- types ("How FOR JSON converts SQL Server data types to JSON data types"): numbers and
  bit (true/false) bare, binary as base64, dates as ISO 8601 text (the datetime example of
  "Format Nested JSON Output with PATH Mode" is "2011-05-31T00:00:00", CONVERT style 126),
  everything else a string. money is written bare with four decimals, as that page's
  example shows ("Price": 2024.9940), though its type table says string;
- escaping ("How FOR JSON escapes special characters and control characters"): \\" \\\\
  \\/ \\b \\f \\n \\r \\t, and \\u00xx for the other control characters.

The refusals' numbers and texts (13600 no table for AUTO, 13601 a property twice, 13605 an
unnamed column, 13620 ROOT with WITHOUT_ARRAY_WRAPPER) are as published outside
Microsoft's reference pages; no capture from a server backs them here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from ..results import ColumnType, ResultColumn, ResultSet, TdsError
from . import errors
from .convert import tsql_convert
from .sql_types import DECIMAL_TYPES, INTEGER_TYPES

COLUMN = "JSON_F52E2B61-18A1-11d1-B105-00805F49916B"
ROW_CHARS = 2033

_DATES = ("date", "time", "datetime", "datetime2", "smalldatetime", "datetimeoffset")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_ESCAPES |= {"\r": "\\r", "\t": "\\t"}
_ESCAPES |= {chr(c): f"\\u{c:04x}" for c in range(32) if chr(c) not in _ESCAPES}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


@dataclass(frozen=True)
class JsonShape:
    """A statement's FOR JSON options."""

    path: bool  # PATH (dotted aliases nest), else AUTO
    root: str | None
    array: bool  # False: WITHOUT_ARRAY_WRAPPER
    nulls: bool  # INCLUDE_NULL_VALUES


def take_for_json(tree: exp.Expression) -> JsonShape | None:
    """The top-level SELECT's FOR JSON options, its clause removed; None when it has none
    (a FOR XML or a nested FOR JSON stays, for the translator to refuse)."""
    clause = tree.args.get("for_") if isinstance(tree, exp.Select) else None
    if not isinstance(clause, exp.ForClause) or str(clause.args.get("kind")).upper() != "JSON":
        return None
    options: dict[str, exp.Expression | None] = {}
    for option in clause.expressions:
        inner = option.this
        if isinstance(inner, exp.XMLKeyValueOption):
            options[inner.this.name.upper()] = inner.expression
        else:
            options[inner.name.upper()] = None
    path = "PATH" in options
    if not path and tree.args.get("joins"):
        raise errors.unsupported(
            "FOR JSON AUTO over joined tables (it nests by table); use FOR JSON PATH with"
            " dotted aliases"
        )
    if not path and not tree.args.get("from_"):
        raise TdsError(
            13600,
            "FOR JSON AUTO requires at least one table for generating JSON objects. Use FOR"
            " JSON PATH or add a FROM clause with a table name.",
        )
    if "ROOT" in options and "WITHOUT_ARRAY_WRAPPER" in options:
        raise TdsError(
            13620,
            "ROOT option and WITHOUT_ARRAY_WRAPPER option cannot be used together in FOR"
            " JSON. Remove one of these options.",
        )
    root = options.get("ROOT")
    clause.pop()
    return JsonShape(
        path=path,
        root=(root.name if root is not None else "root") if "ROOT" in options else None,
        array="WITHOUT_ARRAY_WRAPPER" not in options,
        nulls="INCLUDE_NULL_VALUES" in options,
    )


def json_result(
    rows: Iterable[tuple[Any, ...]],
    columns: list[tuple[str, ColumnType | None]],
    shape: JsonShape,
) -> ResultSet:
    """The JSON text of `rows` (stored values of `columns`: name, type) as SQL Server sends
    it: one nvarchar(max) column, 2,033 characters a row; no row for no rows."""
    if any(not name for name, _ in columns):
        raise TdsError(
            13605,
            "Column expressions and data sources without names or aliases cannot be"
            " formatted as JSON text using FOR JSON clause. Add alias to the unnamed column"
            " or table.",
        )
    paths = [name.split(".") if shape.path else [name] for name, _ in columns]
    _check_paths(paths)
    objects = [_object(row, paths, columns, shape.nulls) for row in rows]
    column = ResultColumn(COLUMN, ColumnType("nvarchar", -1))
    if not objects:
        return ResultSet([column], iter([]))
    text = ",".join(objects)
    if shape.array:
        text = f"[{text}]"
    if shape.root is not None:
        text = f'{{"{_escape(shape.root)}":{text}}}'
    return ResultSet([column], _chunks(text))


def _check_paths(paths: list[list[str]]) -> None:
    """Each property once, and none both a value and an object (checked before any row,
    as SQL Server checks the SELECT list)."""
    leaves: set[tuple[str, ...]] = set()
    objects: set[tuple[str, ...]] = set()
    for path in paths:
        key = tuple(path)
        prefixes = {key[:i] for i in range(1, len(key))}
        if key in leaves or key in objects or prefixes & leaves:
            raise TdsError(
                13601,
                f"Property '{'.'.join(path)}' cannot be generated in JSON output due to a"
                " conflict with another column name or alias. Use different names and aliases"
                " for each column in SELECT list.",
            )
        leaves.add(key)
        objects |= prefixes


def _chunks(text: str) -> Iterator[tuple[str]]:
    for start in range(0, len(text), ROW_CHARS):
        yield (text[start : start + ROW_CHARS],)


def _object(
    row: tuple[Any, ...],
    paths: list[list[str]],
    columns: list[tuple[str, ColumnType | None]],
    nulls: bool,
) -> str:
    tree: dict[str, Any] = {}
    for value, path, (_, ctype) in zip(row, paths, columns, strict=True):
        if value is None and not nulls:
            continue
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = "null" if value is None else _value(value, ctype)
    return _render(tree)


def _render(node: dict[str, Any]) -> str:
    parts = (f'"{_escape(k)}":{_render(v) if isinstance(v, dict) else v}' for k, v in node.items())
    return "{" + ",".join(parts) + "}"


def _value(value: Any, ctype: ColumnType | None) -> str:
    """A stored value as JSON text by its T-SQL type (by its Python type where unknown)."""
    name = ctype.name if ctype is not None else ""
    scale, length = (ctype.scale or 0, ctype.length or 0) if ctype is not None else (0, 0)
    if name == "bit":
        return "true" if value else "false"
    if name in DECIMAL_TYPES:
        digits = 4 if name in ("money", "smallmoney") else scale
        return str(tsql_convert(value, "varchar", 0, 0, None, "decimal", digits))
    if name in _DATES:
        return json_string(str(tsql_convert(value, "nvarchar", 0, 0, 126, name, scale)))
    if name in ("char", "nchar") and length > 0:
        return json_string(str(value).ljust(length))  # padded as SQL Server holds it
    if isinstance(value, bytes):
        return json_string(base64.b64encode(value).decode("ascii"))
    if name in INTEGER_TYPES or (not name and isinstance(value, int)):
        return str(int(value))
    if name in ("float", "real") or (not name and isinstance(value, float)):
        return repr(float(value))
    return json_string(str(value))


def json_string(text: str) -> str:
    return f'"{_escape(text)}"'


def _escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)
