"""CONVERT(...) in a statement -> TSQL_CONVERT(value, type, length, scale, style, source):
the source type is looked up here (base-table columns, literals, casts) because a style's
meaning depends on it and SQLite stores dates as text and money as REAL.
"""

from __future__ import annotations

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .catalog import DEFAULT_SCHEMA, Catalog, Table
from .sql_types import UnknownType, parse_type


def rewrite_converts(tree: exp.Expression, catalog: Catalog) -> None:
    """Replace every CONVERT in `tree` (before its tables are renamed for SQLite)."""
    converts = [c for c in tree.find_all(exp.Convert)]
    if not converts:
        return
    tables = _tables(tree, catalog)
    for node in reversed(converts):  # innermost last found first: replace from the leaves
        node.replace(convert_call(node, source_type(node.expression, tables)))


def convert_call(node: exp.Convert, source: str) -> exp.Expression:
    to = node.this
    try:
        target = parse_type(to.sql("tsql"))
    except (UnknownType, ValueError):
        raise errors.unsupported(f"CONVERT to {to.sql('tsql')}") from None
    value = node.expression
    if isinstance(value, exp.National):
        value = exp.Literal.string(value.name)
    style = node.args.get("style")
    target = convert_target(to)
    length = target.length if target.length is not None else 0
    call = exp.Anonymous(
        this="TSQL_CONVERT",
        expressions=[
            value,
            exp.Literal.string(target.name),
            exp.Literal.number(length),
            exp.Literal.number(target.scale or 0),
            style.copy() if style is not None else exp.null(),
            exp.Literal.string(source),
        ],
    )
    if node.args.get("safe"):  # TRY_CONVERT: NULL instead of a conversion error
        call.set("this", "TSQL_TRY_CONVERT")
    return call


def convert_target(to: exp.Expression) -> ColumnType:
    """The type CONVERT/CAST produces: a length left out is 30 for character types."""
    target = parse_type(to.sql("tsql"))
    if target.name in _CHARS and isinstance(to, exp.DataType) and not to.expressions:
        return ColumnType(target.name, 30)
    return target


_CHARS = ("varchar", "nvarchar", "char", "nchar", "binary", "varbinary")


def _tables(tree: exp.Expression, catalog: Catalog) -> dict[str, Table]:
    """Alias (or name) -> catalog table, for the tables the statement reads."""
    found: dict[str, Table] = {}
    for table in tree.find_all(exp.Table):
        entry = catalog.table(table.db or DEFAULT_SCHEMA, table.name)
        if entry is not None:
            found[(table.alias or table.name).casefold()] = entry
    return found


def source_type(node: exp.Expression, tables: dict[str, Table]) -> str:
    """The T-SQL type name of an expression where it is plain to see, else ''."""
    if isinstance(node, exp.Paren):
        return source_type(node.this, tables)
    if isinstance(node, exp.National):
        return "nvarchar"
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "varchar"
        return "float" if "e" in node.name.lower() else "numeric" if "." in node.name else "int"
    if isinstance(node, (exp.Cast, exp.TryCast)):
        try:
            return parse_type(node.to.sql("tsql")).name
        except (UnknownType, ValueError):
            return ""
    if isinstance(node, exp.Convert):
        return _name_of(node.this)
    if isinstance(node, exp.CurrentTimestamp) or (
        isinstance(node, exp.Anonymous) and node.name.upper() in ("GETDATE", "GETUTCDATE")
    ):
        return "datetime"
    if isinstance(node, exp.Anonymous) and node.name.upper() in ("SYSDATETIME", "SYSUTCDATETIME"):
        return "datetime2"
    if isinstance(node, exp.Column):
        candidates = [tables.get(node.table.casefold())] if node.table else list(tables.values())
        for table in candidates:
            column = table.column(node.name) if table is not None else None
            if column is not None:
                return str(column.type.name)
    return ""


def _name_of(to: exp.Expression) -> str:
    try:
        return parse_type(to.sql("tsql")).name
    except (UnknownType, ValueError):
        return ""
