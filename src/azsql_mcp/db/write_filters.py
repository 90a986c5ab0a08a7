"""Whether the WHERE clause of an UPDATE or DELETE really filters.

`allow_unfiltered_writes = false` asks for a WHERE clause that can be false for some
row. A clause is treated as always true when, after sqlglot's `simplify`, it names no
column (a method of a column of a table the statement names, `d.Doc.exist('/a')`,
counts as naming it), or it is true once every self-comparison (`a = a`, `a >= a`,
`a IN (a)`, `a LIKE a`) and every `c IS NOT NULL` on a column that cannot be NULL is
taken as true. This catches the usual bypasses, not every tautology (`id > 0` on an
identity key passes): `max_affected_rows` is the bound that holds whatever the WHERE
says.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from azsql_mcp.db import column_methods

if TYPE_CHECKING:
    from sqlglot import exp


def filters(where: exp.Expr | None, non_nullable: Collection[str] = ()) -> bool:
    """False when `where` is missing or always true; `non_nullable` casefolded names."""
    from sqlglot import exp
    from sqlglot.optimizer.simplify import simplify

    if where is None:
        return False
    # `d.Doc.exist('/a')` with d a table of the statement reads a column; `Doc.exist(...)`
    # may as well be the function exist of schema Doc, which reads none. Told apart here,
    # where the clause still sits in its statement (the simplified copy does not).
    methods = {
        dot.sql(dialect="tsql") for dot in where.find_all(exp.Dot) if column_methods.in_scope(dot)
    }
    if not _names_a_column(where, methods):
        return False
    condition = where.this if isinstance(where, exp.Where) else where
    simplified = simplify(condition.copy(), dialect="tsql")
    replaced = simplified.transform(lambda node: _true_if_tautology(node, non_nullable))
    result = simplify(replaced, dialect="tsql")
    if isinstance(result, exp.Boolean) and result.this:
        return False
    return _names_a_column(result, methods)


def _names_a_column(node: exp.Expr, methods: set[str]) -> bool:
    from sqlglot import exp

    if node.find(exp.Column) is not None:
        return True
    return any(dot.sql(dialect="tsql") in methods for dot in node.find_all(exp.Dot))


def _reads_a_column(node: exp.Expr) -> bool:
    """Whether `node` names a column or is written like a method of one (to refuse more,
    never to accept: `Doc.exist(...)` may be a function of schema Doc)."""
    from sqlglot import exp

    if node.find(exp.Column) is not None:
        return True
    return any(column_methods.column_of(dot) is not None for dot in node.find_all(exp.Dot))


def not_null_tests(where: exp.Expr) -> tuple[str, ...]:
    """Names of the columns the clause tests with IS NOT NULL, as written."""
    from sqlglot import exp

    names = (_not_null_name(node) for node in where.find_all(exp.Not))
    return tuple(sorted({name for name in names if name is not None}))


def table_names(tree: exp.Expr) -> tuple[tuple[str, ...], ...]:
    """The tables a write names, each as the parts written (CTE names left out)."""
    from sqlglot import exp

    ctes = {cte.alias_or_name.casefold() for cte in tree.find_all(exp.CTE)}
    names: set[tuple[str, ...]] = set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.name.casefold() in ctes:
            continue
        names.add(tuple(part.name for part in table.parts))
    return tuple(sorted(names))


def object_name(parts: Sequence[str]) -> str:
    """A name's parts bracket-quoted and joined, as OBJECT_ID takes it."""
    return ".".join("[" + part.replace("]", "]]") + "]" for part in parts)


def _true_if_tautology(node: exp.Expr, non_nullable: Collection[str]) -> exp.Expr:
    from sqlglot import exp

    comparisons = (exp.EQ, exp.GTE, exp.LTE, exp.NullSafeEQ, exp.Like)
    if isinstance(node, comparisons) and _same(node.this, node.expression):
        return exp.true()
    if isinstance(node, exp.In) and any(_same(node.this, e) for e in node.expressions):
        return exp.true()
    name = _not_null_name(node)
    if name is not None and name.casefold() in non_nullable:
        return exp.true()
    if isinstance(node, exp.Or) and _null_or_not_null(list(node.flatten())):
        return exp.true()
    return node


def _same(a: exp.Expr | None, b: exp.Expr | None) -> bool:
    return a is not None and a == b and _reads_a_column(a)


def _not_null_name(node: exp.Expr) -> str | None:
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


def _null_or_not_null(disjuncts: list[exp.Expr]) -> bool:
    """`x IS NULL OR ... OR x IS NOT NULL`, in any order: true on every row."""
    from sqlglot import exp

    tested = [d for d in disjuncts if isinstance(d, exp.Is)]
    negated = [d.this for d in disjuncts if isinstance(d, exp.Not) and isinstance(d.this, exp.Is)]
    return any(_same(a, b) for a in tested for b in negated)
