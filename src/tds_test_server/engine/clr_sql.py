"""T-SQL on the CLR types: the static methods and instance methods this server runs.

`geography::Point(lat, long, srid)`, `geography::STGeomFromText(wkt, srid)` (and the
geometry one), `hierarchyid::Parse(path)` and `hierarchyid::GetRoot()`; on a value,
`.STAsText()`, `.ToString()`, `.GetLevel()` and `.STSrid`. Each becomes a SQLite function
over the stored serialization (clr_types.py). `col.Lat` and `col.Long` are not supported:
T-SQL spells them like a column of a table named `col`.

The serialization does not say whether it is geography (latitude stored first) or
geometry: `.STAsText()` of a column, or of `geography::...`/`geometry::...`, is written by
the type it is declared with (rewrite_spatial_texts); of any other expression, by its
SRID (one geography accepts is read as geography).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from ..results import ColumnType, TdsError
from .catalog import Catalog
from .clr_types import (
    CLR_TYPES,
    ClrValueError,
    geography_point,
    hierarchyid_level,
    hierarchyid_parse,
    hierarchyid_to_string,
    spatial_from_wkt,
    spatial_to_text,
)
from .temp_tables import table_named


def _clr_error(type_name: str, exc: Exception) -> TdsError:
    return TdsError(
        6522,
        "A .NET Framework error occurred during execution of user-defined routine or"
        f' aggregate "{type_name}": System.FormatException: {exc}',
    )


def _guarded(type_name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        try:
            return fn(*args)
        except (ClrValueError, ValueError, struct.error) as exc:
            raise _clr_error(type_name, exc) from exc

    return call


def _as_text(data: bytes) -> str:
    """.STAsText() / .ToString(): spatial values start with an SRID and version 1."""
    if len(data) >= 6 and data[4] == 1 and data[5] & 0x04:
        srid = struct.unpack_from("<i", data)[0]
        return spatial_to_text(data, geography=4120 <= srid < 5000 or srid == 104001)
    return hierarchyid_to_string(data)


def _spatial_text(data: bytes, type_name: str) -> str:
    return spatial_to_text(data, geography=type_name == "geography")


def _srid(data: bytes) -> int:
    srid: int = struct.unpack_from("<i", data)[0]
    return srid


# SQLite functions: name -> (arity, function, deterministic)
CLR_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    "CLR_GEOGRAPHY_POINT": (
        3,
        _guarded("geography", lambda lat, long, srid: geography_point(lat, long, int(srid))),
        True,
    ),
    "CLR_GEOGRAPHY_FROM_TEXT": (
        2,
        _guarded("geography", lambda w, srid: spatial_from_wkt(w, int(srid), geography=True)),
        True,
    ),
    "CLR_GEOMETRY_FROM_TEXT": (
        2,
        _guarded("geometry", lambda w, srid: spatial_from_wkt(w, int(srid), geography=False)),
        True,
    ),
    "CLR_HIERARCHYID_PARSE": (1, _guarded("hierarchyid", hierarchyid_parse), True),
    "CLR_AS_TEXT": (1, _guarded("clr", _as_text), True),
    "CLR_SPATIAL_TEXT": (2, _guarded("clr", _spatial_text), True),
    "CLR_GET_LEVEL": (1, _guarded("hierarchyid", hierarchyid_level), True),
    "CLR_SRID": (1, _guarded("clr", _srid), True),
}

CLR_FUNCTION_TYPES: dict[str, ColumnType] = {
    "CLR_GEOGRAPHY_POINT": ColumnType("geography"),
    "CLR_GEOGRAPHY_FROM_TEXT": ColumnType("geography"),
    "CLR_GEOMETRY_FROM_TEXT": ColumnType("geometry"),
    "CLR_HIERARCHYID_PARSE": ColumnType("hierarchyid"),
    "CLR_AS_TEXT": ColumnType("nvarchar", -1),
    "CLR_SPATIAL_TEXT": ColumnType("nvarchar", -1),
    "CLR_GET_LEVEL": ColumnType("smallint"),
    "CLR_SRID": ColumnType("int"),
}

_STATIC = {
    ("geography", "point"): "CLR_GEOGRAPHY_POINT",
    ("geography", "stgeomfromtext"): "CLR_GEOGRAPHY_FROM_TEXT",
    ("geography", "stpointfromtext"): "CLR_GEOGRAPHY_FROM_TEXT",
    ("geometry", "stgeomfromtext"): "CLR_GEOMETRY_FROM_TEXT",
    ("geometry", "stpointfromtext"): "CLR_GEOMETRY_FROM_TEXT",
    ("hierarchyid", "parse"): "CLR_HIERARCHYID_PARSE",
}
_METHODS = {"stastext": "CLR_AS_TEXT", "tostring": "CLR_AS_TEXT", "getlevel": "CLR_GET_LEVEL"}


def _call(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def clr_expression_type(node: exp.Expr) -> ColumnType | None:
    """The type of a CLR method call in a select list, before it is rewritten."""
    try:
        call = rewrite_clr(node.copy())
    except TdsError:
        return None
    return CLR_FUNCTION_TYPES.get(call.name) if isinstance(call, exp.Anonymous) else None


def rewrite_clr(node: exp.Expr) -> exp.Expression | None:
    """`type::Method(...)` and `value.Method()` as calls of CLR_FUNCTIONS; None if `node`
    is neither. An unknown method is an error naming it."""
    if isinstance(node, exp.ScopeResolution) and isinstance(node.expression, exp.Anonymous):
        type_name = node.this.name.lower() if node.this is not None else ""
        if type_name not in CLR_TYPES:
            return None
        method = node.expression
        if (type_name, method.name.lower()) == ("hierarchyid", "getroot"):
            return _call("CLR_HIERARCHYID_PARSE", exp.Literal.string("/"))
        function = _STATIC.get((type_name, method.name.lower()))
        if function is None:
            raise TdsError(
                0, f"{type_name}::{method.name} is not supported by the azsql-mcp TDS test server."
            )
        return _call(function, *method.expressions)
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
        function = _METHODS.get(node.expression.name.lower())
        if function is not None and not node.expression.expressions:
            return _call(function, node.this)
    if isinstance(node, exp.Column) and node.name.lower() == "stsrid" and node.table:
        inner = exp.column(node.table, table=node.db) if node.db else exp.column(node.table)
        return _call("CLR_SRID", inner)
    return None


def rewrite_spatial_texts(tree: exp.Expression, catalog: Catalog) -> None:
    """`.STAsText()` / `.ToString()` of a geography or geometry column of a table (or of a
    value built by `geography::`/`geometry::`) as CLR_SPATIAL_TEXT(value, type): written
    by the declared type. Runs before the tables are renamed for SQLite."""
    for call in list(tree.find_all(exp.Dot)):
        method = call.expression
        if not (
            isinstance(method, exp.Anonymous)
            and method.name.lower() in ("stastext", "tostring")
            and not method.expressions
        ):
            continue
        value = call.this
        if isinstance(value, exp.ScopeResolution) and value.this is not None:
            type_name = value.this.name.lower()
        else:
            type_name = _column_type(value, call, catalog)
        if type_name in ("geography", "geometry"):
            call.replace(_call("CLR_SPATIAL_TEXT", value, exp.Literal.string(type_name)))


def _column_type(value: exp.Expression, call: exp.Expression, catalog: Catalog) -> str:
    """The type name of `col` or `alias.col` (as the parser leaves them before a method
    call: identifiers) among the tables of the SELECT around `call`; "" if not found."""
    if isinstance(value, exp.Identifier):
        qualifier, name = "", value.name
    elif isinstance(value, exp.Dot) and isinstance(value.this, exp.Identifier):
        qualifier, name = value.this.name, value.expression.name
    elif isinstance(value, exp.Column):
        qualifier, name = value.table, value.name
    else:
        return ""
    select = call.find_ancestor(exp.Select)
    if select is None:
        return ""
    found = ""
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is not select:
            continue
        if qualifier and qualifier.casefold() not in (
            table.alias_or_name.casefold(),
            table.name.casefold(),
        ):
            continue
        meta = table_named(table, catalog)
        column = meta.column(name) if meta is not None else None
        if column is not None:
            if found:
                return ""  # ambiguous: SQL Server would refuse it
            found = column.type.name
    return found
