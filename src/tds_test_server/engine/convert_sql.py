"""CAST(...) and CONVERT(...) in a statement -> TSQL_CONVERT(value, type, length, scale,
style, source type, source scale): the source type is looked up here (columns, resolved
in their scope by column_sources; literals, casts; a @variable's declaration, bound when
the statement runs: variable_types.py) because the result depends on it (a
style's meaning; decimal's scale and a date type's default layout in text) and SQLite
stores dates as text and decimals as REAL.
"""

from __future__ import annotations

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .catalog import Catalog
from .column_sources import ColumnSources
from .json_read import json_read_type
from .result_types import (
    ARITHMETIC_OPERATORS,
    arithmetic,
    constant_operands,
    number_literal_type,
    replicate_type,
)
from .sql_types import UnknownType, parse_type
from .variable_types import SCALE_SUFFIX, declared, variable_name

# Where rewrite_converts leaves a CAST's source type for the translator.
SOURCE = "azsql_source"


def rewrite_converts(tree: exp.Expression, catalog: Catalog) -> None:
    """Replace every CONVERT in `tree` and note every CAST's source type (before its
    tables are renamed for SQLite). CASTs stay for the translator, which unwraps the ones
    sqlglot adds itself (LEN's, DATENAME's)."""
    nodes = list(tree.find_all(exp.Convert, exp.Cast))
    if not nodes:
        return
    columns = ColumnSources(tree, catalog)
    # every source before any replacement, so an outer node still sees its inner CONVERT
    sources = [
        (n, source_type(n.expression if isinstance(n, exp.Convert) else n.this, columns))
        for n in nodes
    ]
    for node, source in reversed(sources):  # innermost last found first: from the leaves
        if isinstance(node, exp.Convert):
            node.replace(convert_call(node, source))
        else:
            node.meta[SOURCE] = source


def convert_call(node: exp.Convert, source: ColumnType | None) -> exp.Expression:
    style = node.args.get("style")
    return conversion_call(
        node.expression, node.this, style, source, safe=bool(node.args.get("safe"))
    )


def cast_call(node: exp.Cast) -> exp.Expression:
    return conversion_call(
        node.this, node.to, None, node.meta.get(SOURCE), safe=isinstance(node, exp.TryCast)
    )


def conversion_call(
    value: exp.Expression,
    to: exp.Expression,
    style: exp.Expression | None,
    source: ColumnType | None,
    *,
    safe: bool,
) -> exp.Expression:
    """TSQL_CONVERT, or TSQL_TRY_CONVERT (NULL instead of a conversion error) when `safe`."""
    try:
        target = convert_target(to)
    except (UnknownType, ValueError):
        raise errors.unsupported(f"CONVERT to {to.sql('tsql')}") from None
    if isinstance(value, exp.National):
        value = exp.Literal.string(value.name)
    variable = variable_name(value) if source is None else None
    if variable is not None:  # a @variable converts as its declared type (a datetime's days)
        source_name: exp.Expression = declared(variable)
        source_scale: exp.Expression = declared(variable, SCALE_SUFFIX)
    else:
        source_name = exp.Literal.string(source.name if source is not None else "")
        source_scale = exp.Literal.number((source.scale or 0) if source is not None else 0)
    call = exp.Anonymous(
        this="TSQL_TRY_CONVERT" if safe else "TSQL_CONVERT",
        expressions=[
            value,
            exp.Literal.string(target.name),
            exp.Literal.number(_length(target)),
            exp.Literal.number(target.scale or 0),
            style.copy() if style is not None else exp.null(),
            source_name,
            source_scale,
        ],
    )
    if style is None or (isinstance(style, exp.Literal) and not style.is_string):
        return call
    # A style of NULL (written so, or a NULL variable) makes the result NULL; the call
    # itself takes a NULL style as none given.
    is_null = exp.Is(this=style.copy(), expression=exp.null())
    return exp.Case(ifs=[exp.If(this=is_null, true=exp.null())], default=call)


def _length(target: ColumnType) -> int:
    """The length argument: a decimal's precision (decimal has no length)."""
    if target.name in ("decimal", "numeric"):
        return target.precision or 18
    return target.length if target.length is not None else 0


def convert_target(to: exp.Expression) -> ColumnType:
    """The type CONVERT/CAST produces: a length left out is 30 for character types."""
    target = parse_type(to.sql("tsql"))
    if target.name in _CHARS and isinstance(to, exp.DataType) and not to.expressions:
        return ColumnType(target.name, 30)
    return target


_CHARS = ("varchar", "nvarchar", "char", "nchar", "binary", "varbinary")

# The clock functions sqlglot leaves as calls ("Date and time data types and functions").
_CLOCKS = {
    "GETUTCDATE": ColumnType("datetime"),
    "SYSDATETIME": ColumnType("datetime2", scale=7),
    "SYSUTCDATETIME": ColumnType("datetime2", scale=7),
    "SYSDATETIMEOFFSET": ColumnType("datetimeoffset", scale=7),
}


def source_type(node: exp.Expr, columns: ColumnSources) -> ColumnType | None:
    """The T-SQL type of an expression where it is plain to see, else None."""
    if isinstance(node, exp.Paren):
        return source_type(node.this, columns)
    if isinstance(node, exp.National):
        return ColumnType("nvarchar")
    if isinstance(node, exp.Literal):
        return _literal_type(node)
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return _type_of(node.to)
    if isinstance(node, exp.Convert):
        return _type_of(node.this)
    if isinstance(node, exp.CurrentTimestamp):  # GETDATE(), CURRENT_TIMESTAMP
        return ColumnType("datetime")
    if isinstance(node, exp.CurrentTimestampLTZ):  # SYSDATETIMEOFFSET()
        return ColumnType("datetimeoffset", scale=7)
    if isinstance(node, exp.Anonymous) and node.name.upper() in _CLOCKS:
        return _CLOCKS[node.name.upper()]
    if isinstance(node, (exp.LastDay, exp.DateFromParts)):  # EOMONTH, DATEFROMPARTS
        return ColumnType("date")
    if (json_text := json_read_type(node)) is not None:  # JSON_VALUE, JSON_QUERY: nvarchar
        return json_text
    if isinstance(node, exp.Repeat):  # REPLICATE
        inner = source_type(node.this, columns)
        return replicate_type(inner) if inner is not None else None
    if type(node) in ARITHMETIC_OPERATORS:  # 1.0 / 3 is decimal(7, 6): its text has 6 places
        left, right = source_type(node.this, columns), source_type(node.expression, columns)
        if left is not None and right is not None:
            operator = ARITHMETIC_OPERATORS[type(node)]
            return arithmetic(operator, *constant_operands(node, left, right))
        return None
    if isinstance(node, exp.Neg):
        return source_type(node.this, columns)
    if isinstance(node, exp.Column):
        found = columns.source(node)
        if isinstance(found, exp.Expr):  # a derived table's or CTE's projection
            return source_type(found, columns)
        return found
    return None


def _literal_type(node: exp.Literal) -> ColumnType:
    if node.is_string:
        return ColumnType("varchar")
    return number_literal_type(node.name)


def _type_of(to: exp.Expression) -> ColumnType | None:
    try:
        return parse_type(to.sql("tsql"))
    except (UnknownType, ValueError):
        return None
