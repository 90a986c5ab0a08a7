"""Calls of scalar user-defined functions in a T-SQL tree: `dbo.f(a, DEFAULT)`.

SQL Server binds a user function only by a two- or three-part name ("Create
user-defined functions": a scalar function is invoked with at least its two-part
name); a one-part `f(a)` stays an unknown built-in (Msg 195). The translator rewrites
each call to TSQL_UDF(object_id, defaults, args...), which the session runs
(scalar_functions.py); `defaults` marks with '1' each argument given as DEFAULT, passed
as NULL, whose value the session reads from the function's definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlglot import exp

from ..results import ColumnType
from .catalog import Catalog, ObjectRow

UDF = "TSQL_UDF"


def function_calls(
    dots: Iterable[exp.Dot], catalog: Catalog
) -> Iterator[tuple[exp.Dot, ObjectRow]]:
    """Each `schema.f(...)` / `db.schema.f(...)` among a tree's `dots` (its exp.Dot nodes)
    naming a scalar function."""
    for dot in dots:
        method = dot.expression
        if not isinstance(method, exp.Anonymous):
            continue
        qualifier = list(dot.this.flatten()) if isinstance(dot.this, exp.Dot) else [dot.this]
        if len(qualifier) > 2 or not all(isinstance(p, exp.Identifier) for p in qualifier):
            continue
        name = f"[{qualifier[-1].name}].[{method.name}]"
        oid = catalog.resolve_object_id(name)
        row = catalog.object_row(oid) if oid is not None else None
        if row is not None and row.type == "FN":
            yield dot, row


def is_default(arg: exp.Expression) -> bool:
    return isinstance(arg, exp.Var) and arg.name.upper() == "DEFAULT"


def rewrite_user_functions(tree: exp.Expression, catalog: Catalog) -> exp.Expression:
    """`tree` with each scalar function call as TSQL_UDF(...) (the root may be one)."""
    for dot, row in function_calls(list(tree.find_all(exp.Dot)), catalog):
        args = dot.expression.expressions
        defaults = "".join("1" if is_default(a) else "0" for a in args)
        passed = [exp.null() if is_default(a) else a for a in args]
        call = exp.Anonymous(
            this=UDF,
            expressions=[exp.Literal.number(row.object_id), exp.Literal.string(defaults), *passed],
        )
        if dot is tree:
            return call
        dot.replace(call)
    return tree


def call_type(node: exp.Expr, catalog: Catalog) -> ColumnType | None:
    """The return type of the function `node` calls, if it is a call of one."""
    if not isinstance(node, exp.Dot) or not catalog.function_types:
        return None
    found = next(function_calls(node.find_all(exp.Dot), catalog), None)
    if found is None or found[0] is not node:
        return None
    return catalog.function_types.get(found[1].object_id)
