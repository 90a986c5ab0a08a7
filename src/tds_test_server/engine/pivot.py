"""PIVOT and UNPIVOT, which SQLite lacks, rewritten on sqlglot's tree before anything else:
PIVOT to conditional aggregation grouped by the source's other columns, UNPIVOT to a
UNION ALL of one SELECT per listed column (rows whose value is NULL dropped, as SQL
Server does). The source's columns must be known: a table, or a subquery whose select
list names its columns.
"""

from __future__ import annotations

from sqlglot import exp

from . import errors
from .catalog import Catalog
from .temp_tables import table_named

_SOURCE = "__azsql_pivot_src"


def rewrite_pivots(tree: exp.Expression, catalog: Catalog) -> None:
    for source in list(tree.find_all(exp.Subquery, exp.Table)):
        pivots = source.args.get("pivots")
        if not pivots:
            continue
        if len(pivots) != 1:
            raise errors.unsupported("more than one PIVOT/UNPIVOT on one source")
        pivot = pivots[0]
        columns = _source_columns(source, catalog)
        inner = source.copy()
        inner.set("pivots", None)
        if not inner.alias:
            inner.set("alias", exp.TableAlias(this=exp.to_identifier(_SOURCE)))
        query = (
            _unpivot(pivot, inner, columns)
            if pivot.args.get("unpivot")
            else _pivot(pivot, inner, columns)
        )
        alias = pivot.args.get("alias") or exp.TableAlias(this=exp.to_identifier("__azsql_pivot"))
        source.replace(exp.Subquery(this=query, alias=alias.copy()))


def _source_columns(source: exp.Expression, catalog: Catalog) -> list[str]:
    if isinstance(source, exp.Table):
        table = table_named(source, catalog)
        if table is not None:
            return [c.name for c in table.columns]
    if isinstance(source, exp.Subquery) and isinstance(source.this, exp.Select):
        selects = source.this.selects
        if selects and not any(
            isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
            for p in selects
        ):
            return [p.alias_or_name for p in selects]
    raise errors.unsupported(
        "PIVOT/UNPIVOT over a source whose columns are not listed; pivot a subquery that"
        " names its columns: FROM (SELECT a, b, c FROM t) AS s PIVOT (...)"
    )


def _value(item: exp.Expression) -> tuple[exp.Expression, str]:
    """An IN-list entry ([Red], [2024], 'x') as (the value to compare, the column name)."""
    name = item.alias_or_name if isinstance(item, exp.Alias) else item.name
    inner = item.this if isinstance(item, exp.Alias) else item
    if isinstance(inner, exp.Literal):
        return inner.copy(), name
    text = inner.name
    try:
        float(text)
        return exp.Literal.number(text), name
    except ValueError:
        return exp.Literal.string(text), name


def _pivot(pivot: exp.Pivot, inner: exp.Expression, columns: list[str]) -> exp.Select:
    (agg,) = pivot.expressions
    (field,) = pivot.args["fields"]
    pivot_col = field.this
    used = {c.name.casefold() for c in agg.find_all(exp.Column)} | {pivot_col.name.casefold()}
    others = [c for c in columns if c.casefold() not in used]
    projections: list[exp.Expr] = [exp.column(c, quoted=True) for c in others]
    for item in field.expressions:
        value, name = _value(item)
        conditional = agg.copy()
        arg = conditional.this
        case = exp.Case(
            ifs=[
                exp.If(
                    this=exp.EQ(this=exp.column(pivot_col.name, quoted=True), expression=value),
                    true=arg.copy(),
                )
            ]
        )
        arg.replace(case)
        projections.append(exp.alias_(conditional, name, quoted=True))
    query = exp.select(*projections).from_(inner)
    if others:
        query = query.group_by(*[exp.column(c, quoted=True) for c in others])
    return query


def _unpivot(pivot: exp.Pivot, inner: exp.Expression, columns: list[str]) -> exp.Query:
    (value_name,) = pivot.expressions
    (field,) = pivot.args["fields"]
    name_col = field.this.name
    listed = [item.name for item in field.expressions]
    folded = {c.casefold() for c in listed}
    others = [c for c in columns if c.casefold() not in folded]
    branches = []
    for col in listed:
        branch = (
            exp.select(
                *[exp.column(c, quoted=True) for c in others],
                exp.alias_(exp.Literal.string(col), name_col, quoted=True),
                exp.alias_(exp.column(col, quoted=True), value_name.name, quoted=True),
            )
            .from_(inner.copy())
            .where(exp.Not(this=exp.Is(this=exp.column(col, quoted=True), expression=exp.null())))
        )
        branches.append(branch)
    query: exp.Query = branches[0]
    for branch in branches[1:]:
        query = exp.union(query, branch, distinct=False)
    return query
