"""UPDATE and DELETE through a CTE: `WITH c AS (SELECT ... FROM dbo.t WHERE ...) UPDATE c
SET col = ...` (and `DELETE FROM c`) change the rows of the base table that the CTE
selects, as SQL Server does for a CTE over one table. SQLite has no updatable CTE, so the
statement is rewritten to change the base table's rows whose rowid the CTE gives:

    WITH c AS (SELECT ..., x.rowid AS __azsql_rowid FROM dbo.t AS x WHERE ...)
    UPDATE dbo.t AS __azsql_target SET <base column> = <expression over base columns>
    WHERE __azsql_target.rowid IN (SELECT c.__azsql_rowid FROM c WHERE <the WHERE>)

The CTE's TOP and ORDER BY keep their meaning (the subquery reads the CTE itself); a CTE
with a join, GROUP BY, DISTINCT or a set operation is left alone (error 208 as before).
"""

from __future__ import annotations

from sqlglot import exp

from . import errors

_ROWID = "__azsql_rowid"
_TARGET = "__azsql_target"


def rewrite_cte_target(tree: exp.Expression) -> exp.Expression:
    """The UPDATE or DELETE rewritten to change its CTE target's base table (`tree`
    itself when its target is not such a CTE)."""
    if not isinstance(tree, (exp.Update, exp.Delete)) or tree.args.get("from_"):
        return tree
    if isinstance(tree, exp.Delete) and tree.args.get("tables"):
        return tree
    target = tree.this
    with_ = tree.args.get("with_")
    if not isinstance(target, exp.Table) or target.db or not isinstance(with_, exp.With):
        return tree
    cte = next(
        (c for c in with_.expressions if c.alias_or_name.casefold() == target.name.casefold()), None
    )
    if cte is None or with_.args.get("recursive"):
        return tree
    select = cte.this
    base = _single_table(select, with_)
    if base is None:
        return tree
    columns = _column_map(cte, select)
    star = any(isinstance(p, exp.Star) for p in select.expressions)
    ref = base.alias or base.name
    rowid = exp.alias_(exp.column("rowid", table=exp.to_identifier(ref)), _ROWID)
    select.set("expressions", [*select.expressions, rowid])
    alias_columns = cte.args["alias"].columns
    if alias_columns:
        alias_columns.append(exp.to_identifier(_ROWID))
    cte_name = target.name
    inner = exp.select(exp.column(_ROWID, table=exp.to_identifier(cte_name))).from_(
        exp.Table(this=target.this.copy())
    )
    where = tree.args.get("where")
    if where is not None:
        inner.set("where", where.copy())
    keep = exp.In(
        this=exp.column("rowid", table=exp.to_identifier(_TARGET)),
        query=exp.Subquery(this=inner),
    )
    new_target = exp.Table(
        this=base.this.copy(), db=base.args.get("db"), catalog=base.args.get("catalog")
    )
    new_target.set("alias", exp.TableAlias(this=exp.to_identifier(_TARGET)))
    if isinstance(tree, exp.Update):
        for assignment in tree.expressions:
            column = assignment.this
            if not isinstance(column, exp.Column):
                continue  # left for the translator to report
            found = columns.get(column.name.casefold())
            if found is None and not star:
                raise errors.invalid_column(column.name)
            if found is not None and not isinstance(found, exp.Column):
                raise errors.derived_field(cte_name)
            assignment.set("this", exp.column(found.name if found is not None else column.name))
            assignment.set("expression", _mapped(assignment.expression, columns, star, cte_name))
    tree.set("this", new_target)
    tree.set("where", exp.Where(this=keep))
    return tree


def _single_table(select: exp.Expression, with_: exp.With) -> exp.Table | None:
    """The one base table a plain CTE query reads, else None."""
    if not isinstance(select, exp.Select):
        return None
    if any(select.args.get(k) for k in ("joins", "group", "having", "distinct", "laterals")):
        return None
    from_ = select.args.get("from_")
    if not isinstance(from_, exp.From) or not isinstance(from_.this, exp.Table):
        return None
    table = from_.this
    if table.args.get("joins") or not table.name or isinstance(table.this, exp.Func):
        return None
    if not table.db and any(
        c.alias_or_name.casefold() == table.name.casefold() for c in with_.expressions
    ):
        return None  # another CTE
    if any(
        isinstance(p, exp.AggFunc) or p.find(exp.AggFunc, exp.Window) for p in select.expressions
    ):
        return None
    return table


def _column_map(cte: exp.CTE, select: exp.Select) -> dict[str, exp.Expression]:
    """Each CTE column's expression over the base table (a `*` adds none: the base
    names resolve as they are)."""
    out: dict[str, exp.Expression] = {}
    names = [c.name for c in cte.args["alias"].columns]
    for i, projection in enumerate(select.expressions):
        if isinstance(projection, exp.Star):
            continue
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        name = names[i] if i < len(names) else projection.alias_or_name
        out[name.casefold()] = inner
    return out


def _on_target(expression: exp.Expression) -> exp.Expression:
    """A CTE column's expression with its columns the target's."""
    if isinstance(expression, exp.Column):
        return exp.column(expression.name, table=exp.to_identifier(_TARGET))
    if expression.find(exp.Select):
        raise errors.unsupported("An UPDATE through a CTE reading a CTE column with a subquery")

    def visit(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column):
            return exp.column(n.name, table=exp.to_identifier(_TARGET))
        return n

    return exp.paren(expression.copy().transform(visit), copy=False)


def _mapped(
    node: exp.Expression, columns: dict[str, exp.Expression], star: bool, cte_name: str
) -> exp.Expression:
    """`node` with its references to the CTE's columns made the base table's columns or
    expressions the CTE gives them."""

    def visit(n: exp.Expression) -> exp.Expression:
        if not isinstance(n, exp.Column) or not (star or n.name.casefold() in columns):
            return n
        qualifier = n.table.casefold()
        if qualifier and qualifier != cte_name.casefold():
            return n
        if not qualifier and n.find_ancestor(exp.Select) is not None:
            return n  # a subquery's own column
        found = columns.get(n.name.casefold())
        if found is None:
            return exp.column(n.name, table=exp.to_identifier(_TARGET))
        return _on_target(found)

    return node.copy().transform(visit)
