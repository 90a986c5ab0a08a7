"""TOP (n) PERCENT and TOP n WITH TIES, which SQLite's LIMIT cannot say: the query is
wrapped, a window function numbers its rows in the ORDER BY order, and the outer query
keeps the first n (tied) rows or the first n percent (rounded up, as SQL Server does).
"""

from __future__ import annotations

from sqlglot import exp

from . import errors

_RANK = "__azsql_rank"
_TOTAL = "__azsql_total"


def needs_top_rewrite(tree: exp.Expression) -> bool:
    limit = tree.args.get("limit")
    opts = limit.args.get("limit_options") if isinstance(limit, exp.Limit) else None
    return bool(opts is not None and (opts.args.get("percent") or opts.args.get("with_ties")))


def rewrite_top(select: exp.Select) -> exp.Select:
    """The wrapped query; `select`'s projections must all have names by now."""
    limit = select.args["limit"]
    opts = limit.args["limit_options"]
    ties, percent = bool(opts.args.get("with_ties")), bool(opts.args.get("percent"))
    order = select.args.get("order")
    if ties and order is None:
        raise errors.syntax_error(
            "WITH TIES",
            "The TOP N WITH TIES clause is not allowed without a corresponding ORDER BY clause.",
        )
    if any(isinstance(p, exp.Star) or p.find(exp.Star) is p for p in select.selects):
        raise errors.unsupported(
            "TOP ... PERCENT / WITH TIES with SELECT *; list the columns instead"
        )
    names = [p.alias_or_name for p in select.selects]
    keys = [order_key(o, select) for o in order.expressions] if order is not None else []
    window_order = exp.Order(expressions=keys) if keys else None
    number = exp.Window(
        this=exp.Anonymous(this="RANK" if ties else "ROW_NUMBER"), order=window_order
    )
    inner = select.copy()
    inner.set("limit", None)
    inner.set("order", None)
    inner.select(exp.alias_(number, _RANK, quoted=True), copy=False)
    if percent:
        inner.select(
            exp.alias_(exp.Window(this=exp.Count(this=exp.Star())), _TOTAL, quoted=True),
            copy=False,
        )
    n = limit.expression.copy()
    rank = exp.column(_RANK, quoted=True)
    if percent:  # rank <= ceil(n * total / 100)  <=>  (rank - 1) * 100 < n * total
        cond: exp.Expression = exp.LT(
            this=exp.Mul(
                this=exp.paren(exp.Sub(this=rank, expression=exp.Literal.number(1))),
                expression=exp.Literal.number(100),
            ),
            expression=exp.Mul(this=exp.paren(n), expression=exp.column(_TOTAL, quoted=True)),
        )
    else:
        cond = exp.LTE(this=rank, expression=n)
    outer = (
        exp.select(*[exp.column(name, quoted=True) for name in names])
        .from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("__azsql_top")))
        )
        .where(cond)
        .order_by(exp.Ordered(this=exp.column(_RANK, quoted=True)))
    )
    return outer


def order_key(ordered: exp.Expression, select: exp.Select) -> exp.Expression:
    """An ORDER BY key usable inside the window: output aliases become their expressions."""
    key = ordered.copy()
    target = key.this if isinstance(key, exp.Ordered) else key
    if isinstance(target, exp.Column) and not target.table:
        for proj in select.selects:
            if isinstance(proj, exp.Alias) and proj.alias.casefold() == target.name.casefold():
                target.replace(proj.this.copy())
                break
    elif isinstance(target, exp.Literal) and not target.is_string:  # ORDER BY 2
        proj = select.selects[int(target.name) - 1]
        target.replace((proj.this if isinstance(proj, exp.Alias) else proj).copy())
    return key
