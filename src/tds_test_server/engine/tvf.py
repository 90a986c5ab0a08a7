"""STRING_SPLIT, OPENJSON and GENERATE_SERIES, in FROM and in CROSS/OUTER APPLY, on
SQLite's json_each (which may take columns of the tables before it, the way APPLY does).

In FROM they become a subquery with SQL Server's columns (value [, ordinal]; key, value,
type; or the WITH schema). Under APPLY they stay json_each itself (SQLite cannot correlate
a subquery in FROM), and the query's references to OPENJSON's key, value and type become
the expressions the subquery would give (json_each's type is a word, its value a number
where the JSON has one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .apply_stars import write_out_stars
from .newer_builtins import series_json

# OPENJSON's default schema ("OPENJSON (Transact-SQL)")
_OPENJSON_COLUMNS = {
    "key": ColumnType("nvarchar", 4000),
    "value": ColumnType("nvarchar", -1),
    "type": ColumnType("tinyint"),
}


def is_table_function(node: exp.Expression) -> bool:
    return isinstance(node, exp.OpenJSON | exp.GenerateSeries) or (
        isinstance(node, exp.Anonymous) and node.name.upper() == "STRING_SPLIT"
    )


def _each(func: exp.Expression) -> exp.Anonymous:
    """json_each(...) over what the T-SQL function reads."""
    if isinstance(func, exp.OpenJSON):
        args = [func.this]
        path = func.args.get("path")
        if isinstance(path, exp.Expression):
            args.append(path)
        return exp.Anonymous(this="json_each", expressions=args)
    if isinstance(func, exp.GenerateSeries):
        bounds = [func.args.get(key) for key in ("start", "end", "step")]
        series = exp.Anonymous(this="TSQL_SERIES_JSON", expressions=[b for b in bounds if b])
        return exp.Anonymous(this="json_each", expressions=[series])
    if len(func.expressions) < 2:
        raise errors.syntax_error(
            "STRING_SPLIT",
            "STRING_SPLIT takes a string, a one-character separator and optionally enable_ordinal.",
        )
    split = exp.Anonymous(this="TSQL_SPLIT_JSON", expressions=func.expressions[:2])
    return exp.Anonymous(this="json_each", expressions=[split])


def _column(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def from_subquery(table: exp.Table) -> None:
    """FROM STRING_SPLIT(...) / OPENJSON(...) [WITH (...)] -> a subquery with its columns."""
    func = table.this
    alias = table.alias or "__azsql_tvf"
    src = "__azsql_each"
    each = exp.Table(this=_each(func), alias=exp.TableAlias(this=exp.to_identifier(src)))
    if isinstance(func, exp.OpenJSON) and func.expressions:
        projections: list[exp.Expr] = [_with_column(c, src) for c in func.expressions]
    elif isinstance(func, exp.OpenJSON):
        projections = [
            exp.alias_(_text(_column("key", src)), "key", quoted=True),
            exp.alias_(_text(_json_value(src)), "value", quoted=True),
            exp.alias_(_type_of(src), "type", quoted=True),
        ]
    else:
        projections = [exp.alias_(_column("value", src), "value", quoted=True)]
        if _with_ordinal(func):
            ordinal = exp.Add(this=_column("key", src), expression=exp.Literal.number(1))
            projections.append(exp.alias_(ordinal, "ordinal", quoted=True))
    sub = exp.select(*projections).from_(each)
    table.replace(exp.Subquery(this=sub, alias=exp.TableAlias(this=exp.to_identifier(alias))))


def apply_join(lateral: exp.Lateral) -> exp.Join:
    """CROSS/OUTER APPLY STRING_SPLIT(...) / OPENJSON(...) -> [LEFT] JOIN json_each(...)."""
    func = lateral.this
    if isinstance(func, exp.OpenJSON) and func.expressions:
        raise errors.unsupported(
            "OPENJSON ... WITH (...) under APPLY; use JSON_VALUE(j.value, '$.name') on"
            " OPENJSON without WITH"
        )
    alias = lateral.alias or "__azsql_each"
    if isinstance(func, exp.OpenJSON):
        _openjson_references(lateral, alias)
    table = exp.Table(this=_each(func), alias=exp.TableAlias(this=exp.to_identifier(alias)))
    side = None if lateral.args.get("cross_apply") else "LEFT"
    return exp.Join(this=table, side=side, on=exp.true() if side else None)


def expand_apply_stars(tree: exp.Expression) -> None:
    """`*` and `j.*` over CROSS/OUTER APPLY of one of these functions as the columns SQL
    Server gives (json_each has eight), the other sources' by their names: before the
    result columns are typed and apply_join rewrites the APPLY."""
    for lateral in list(tree.find_all(exp.Lateral)):
        if is_table_function(lateral.this):
            _expand_stars(lateral)


def _expand_stars(lateral: exp.Lateral) -> None:
    select = lateral.find_ancestor(exp.Select)
    if select is None:
        return
    alias = lateral.alias or "__azsql_each"  # as apply_join names json_each
    write_out_stars(select, lateral, lambda: _own_columns(lateral.this, alias), lateral.alias)


def _own_columns(func: exp.Expr, alias: str) -> list[exp.Expr]:
    """The columns of SQL Server's function: OPENJSON's key, value and type (which
    _openjson_references then rewrites), STRING_SPLIT's value [and ordinal], or
    GENERATE_SERIES's value."""
    if isinstance(func, exp.OpenJSON):  # by the name _openjson_references looks for
        qualifier = alias if alias != "__azsql_each" else None
        return [exp.column(name, table=qualifier, quoted=True) for name in _OPENJSON_COLUMNS]
    own: list[exp.Expr] = [exp.alias_(_column("value", alias), "value", quoted=True)]
    if not isinstance(func, exp.GenerateSeries) and _with_ordinal(func):
        ordinal = exp.Add(this=_column("key", alias), expression=exp.Literal.number(1))
        own.append(exp.alias_(ordinal, "ordinal", quoted=True))
    return own


def _with_ordinal(split: exp.Expr) -> bool:
    return len(split.expressions) > 2 and split.expressions[2].name not in ("0", "")


def table_function_type(
    func: exp.Expr, name: str, type_of: Callable[[exp.Expr], ColumnType | None]
) -> ColumnType | None:
    """The type of column `name` of OPENJSON (default schema) or STRING_SPLIT in FROM.

    "STRING_SPLIT (Transact-SQL)": value is "nvarchar if any of the input arguments are
    either nvarchar or nchar. Otherwise, returns varchar. The length of the return type
    is the same as the length of the string argument."; ordinal is bigint."""
    if isinstance(func, exp.OpenJSON):
        return None if func.expressions else _OPENJSON_COLUMNS.get(name.casefold())
    if not (isinstance(func, exp.Anonymous) and func.name.upper() == "STRING_SPLIT"):
        return None
    if name.casefold() == "ordinal":
        return ColumnType("bigint")
    if name.casefold() != "value" or len(func.expressions) < 2:
        return None
    string, separator = (type_of(a) for a in func.expressions[:2])
    if string is None or string.name not in ("char", "varchar", "nchar", "nvarchar"):
        return None
    unicode = any(t is not None and t.name in ("nchar", "nvarchar") for t in (string, separator))
    return ColumnType("nvarchar" if unicode else "varchar", string.length)


def openjson_type(source: exp.Expr, name: str) -> ColumnType | None:
    """The type of column `name` of an OPENJSON under APPLY (None for another source)."""
    if isinstance(source, exp.Lateral) and isinstance(source.this, exp.OpenJSON):
        return None if source.this.expressions else _OPENJSON_COLUMNS.get(name.casefold())
    return None


def _openjson_references(lateral: exp.Lateral, alias: str) -> None:
    """key, value and type of the OPENJSON `lateral` in its query, by the alias (or
    unqualified where it has none), as the expressions of from_subquery's columns."""
    select = lateral.find_ancestor(exp.Select)
    if select is None:
        return
    qualifier = lateral.alias.casefold()
    for column in list(select.find_all(exp.Column)):
        name = column.name.casefold()
        if name not in _OPENJSON_COLUMNS or column.table.casefold() != qualifier:
            continue
        if column.find_ancestor(exp.Lateral) is lateral:
            continue
        value = {"key": _text(_column("key", alias)), "value": _text(_json_value(alias))}
        found = value.get(name) or _type_of(alias)
        if column.parent is select and column in select.expressions:  # keeps its name
            found = exp.alias_(found, column.name, quoted=True)
        column.replace(found)


def _text(node: exp.Expr) -> exp.Expr:
    """nvarchar, as OPENJSON returns key and value (json_each gives numbers as numbers)."""
    return exp.Cast(this=node, to=exp.DataType.build("TEXT"))


def _type_of(src: str) -> exp.Expr:
    return exp.Case(
        this=_column("type", src),
        ifs=[
            exp.If(this=exp.Literal.string(k), true=exp.Literal.number(v))
            for k, v in (
                ("null", 0),
                ("text", 1),
                ("integer", 2),
                ("real", 2),
                ("true", 3),
                ("false", 3),
                ("array", 4),
                ("object", 5),
            )
        ],  # no default: OUTER APPLY's row without a match has NULL
    )


def _json_value(src: str) -> exp.Expr:
    """OPENJSON's value: true/false as words, objects and arrays as JSON text."""
    return exp.Case(
        this=_column("type", src),
        ifs=[
            exp.If(this=exp.Literal.string("true"), true=exp.Literal.string("true")),
            exp.If(this=exp.Literal.string("false"), true=exp.Literal.string("false")),
        ],
        default=_column("value", src),
    )


def _with_column(coldef: exp.Expression, src: str) -> exp.Expr:
    name = coldef.name
    path = coldef.args.get("path")
    path_text = path.name if isinstance(path, exp.Literal) else f"$.{name}"
    lax = path_text.removeprefix("lax ").strip()
    value: exp.Expression = exp.Anonymous(
        this="json_extract", expressions=[_column("value", src), exp.Literal.string(lax)]
    )
    kind = coldef.args.get("kind")
    if isinstance(kind, exp.DataType) and not coldef.args.get("as_json"):
        value = exp.Cast(this=value, to=kind.copy())
    return exp.alias_(value, name, quoted=True)


def split_json(text: Any, separator: Any) -> str | None:
    """STRING_SPLIT's pieces as a JSON array for json_each."""
    if text is None:
        return json.dumps([])
    sep = "" if separator is None else str(separator)
    if len(sep) != 1:
        raise errors.syntax_error(
            "STRING_SPLIT",
            "Procedure expects parameter 'separator' of type 'nchar(1)/nvarchar(1)'.",
        )
    return json.dumps(str(text).split(sep))


TVF_FUNCTIONS = {
    "TSQL_SPLIT_JSON": (2, split_json, True),
    "TSQL_SERIES_JSON": (-1, series_json, True),
}
