"""When two of a write's conditions are one (`a = @p` and `@p = A`, as SQL Server's
case-insensitive default collations read names) or one is the other's opposite (`c OR
NOT c`, `x IS NULL OR x IS NOT NULL`); the column a condition tests IS NOT NULL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from azsql_mcp.db import column_methods
from azsql_mcp.db.write_reading import Reading, enclosing_subqueries

if TYPE_CHECKING:
    from sqlglot import exp


def same(a: exp.Expr | None, b: exp.Expr | None, reading: Reading) -> bool:
    """Both sides one expression: the same on every row, or NULL (then the comparison
    is never true and nothing changes), whatever it reads (`@p = @p`, `1 IN (1, a)`)."""
    return a is not None and b is not None and normal(a, reading) == normal(b, reading)


def normal(node: exp.Expr, reading: Reading) -> exp.Expr:
    """A copy of `node` as SQL Server's case-insensitive default collations read it:
    names casefolded, unquoted, and a column of the changed table written as `t.c` or
    `dbo.T.c` the same as `c` (both mean it, or the statement fails as ambiguous).
    Parameters need nothing: sqlglot compares a parameter's name (a Var, unlike an
    Identifier) lowercased."""
    from sqlglot import exp

    copy = node.copy()
    # in a subquery, t may name the subquery's own table: only outside one is t.c just c
    if not enclosing_subqueries(node, reading)[0]:
        for column in copy.find_all(exp.Column):
            qualifier = column.table.casefold()
            if qualifier in reading.changed.names and not enclosing_subqueries(column, reading)[0]:
                for part in ("table", "db", "catalog"):
                    column.set(part, None)
    for identifier in copy.find_all(exp.Identifier):
        identifier.set("this", identifier.name.casefold())
        identifier.set("quoted", False)
    return copy


def not_null_name(node: exp.Expr) -> str | None:
    """The column of `NOT c IS NULL` (how sqlglot reads `c IS NOT NULL`), else None. A
    method called on a column counts as the column (`Doc.exist('/a') IS NOT NULL` is true
    on every row of a NOT NULL Doc; for value(), which may be NULL, the check is
    stricter than it need be)."""
    from sqlglot import exp

    inner = node.this if isinstance(node, exp.Not) else None
    if isinstance(inner, exp.Paren):
        inner = inner.this
    if not isinstance(inner, exp.Is) or not isinstance(inner.expression, exp.Null):
        return None
    if isinstance(inner.this, exp.Column):
        return inner.this.name
    if isinstance(inner.this, exp.Dot):
        return column_methods.column_of(inner.this)
    return None


def null_or_not_null(disjuncts: list[exp.Expr], reading: Reading) -> bool:
    """`x IS NULL OR ... OR x IS NOT NULL`, in any order: true on every row."""
    from sqlglot import exp

    negated = [d.this for d in disjuncts if isinstance(d, exp.Not) and isinstance(d.this, exp.Is)]
    if not negated:
        return False
    tested = {normal(d, reading) for d in disjuncts if isinstance(d, exp.Is)}
    return any(normal(b, reading) in tested for b in negated)


def complementary(disjuncts: list[exp.Expr], reading: Reading) -> bool:
    """`c OR NOT c`, in any order and spelling (`a = @p OR a <> @p`, `a < 5 OR a >= 5`):
    true on every row where c is not NULL, so taken as true (in doubt, refused)."""
    held = {polar(d, reading) for d in disjuncts}
    return any((atom, not positive) in held for atom, positive in held)


def polar(node: exp.Expr, reading: Reading) -> tuple[object, bool]:
    """A condition as a comparison or other condition and whether it holds or its
    negation does: `a <> b` is `a = b` negated, `a >= b` is `a < b` negated, `b > a` is
    `a < b`."""
    from sqlglot import exp

    positive = True
    while isinstance(node, exp.Not | exp.Paren):
        positive ^= isinstance(node, exp.Not)
        node = node.this
    if isinstance(node, exp.EQ | exp.NEQ):
        sides = frozenset({normal(node.this, reading), normal(node.expression, reading)})
        return ("=", sides), positive ^ isinstance(node, exp.NEQ)
    if isinstance(node, exp.LT | exp.GTE | exp.GT | exp.LTE):
        low, high = (node.this, node.expression)
        if isinstance(node, exp.GT | exp.LTE):
            low, high = high, low
        pair = (normal(low, reading), normal(high, reading))
        return ("<", pair), positive ^ isinstance(node, exp.GTE | exp.LTE)
    return normal(node, reading), positive
