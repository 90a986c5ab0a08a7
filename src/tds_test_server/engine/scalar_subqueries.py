"""Msg 512 for a subquery used as a value that returns more than one row.

SQLite takes the first row of such a subquery; SQL Server fails the statement with Msg
512 "Subquery returned more than 1 value. This is not permitted when the subquery
follows =, !=, <, <= , >, >= or when the subquery is used as an expression.". Each
subquery used as a value (not under IN, EXISTS, ANY/ALL or as a FROM source) that may
return more rows than one becomes a derived table read through an aggregate that fails
on its second row:

    (SELECT v FROM t WHERE ...)
    -> (SELECT __AZSQL_ONE(__azsql_s.v) FROM (SELECT v FROM t WHERE ...) AS __azsql_s)

A subquery that cannot return two rows (an aggregate without GROUP BY, TOP 1, no FROM)
is left as it is. No row is NULL, as in SQL Server.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from .errors import TdsError
from .functions import SessionContext

ONE_VALUE = "__AZSQL_ONE"
_SOURCE = "__azsql_s"
_VALUE = "__azsql_v"
# the parents under which a subquery is a set of rows, not a value
_ROW_SETS = (exp.From, exp.Join, exp.In, exp.Exists, exp.SetOperation, exp.CTE, exp.Lateral)


def too_many_values() -> TdsError:
    return TdsError(
        512,
        "Subquery returned more than 1 value. This is not permitted when the subquery"
        " follows =, !=, <, <= , >, >= or when the subquery is used as an expression.",
    )


class OneValue:
    """The aggregate __AZSQL_ONE(v): the value of the only row, NULL for none, 512 for two."""

    def __init__(self, ctx: SessionContext) -> None:
        self.ctx, self.rows, self.value = ctx, 0, None

    def step(self, value: Any) -> None:
        self.rows += 1
        if self.rows > 1:
            self.ctx.pending_error = too_many_values()  # SQLite keeps only its own text
            raise self.ctx.pending_error
        self.value = value

    def finalize(self) -> Any:
        return self.value


def rewrite_scalar_subqueries(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.Subquery)):
        if node.alias or isinstance(node.parent, _ROW_SETS) or _one_row(node.this):
            continue
        name = _value_name(node.this)
        if name is None:
            continue
        source = exp.Subquery(this=node.this.copy(), alias=exp.TableAlias(this=_SOURCE))
        value = exp.Anonymous(this=ONE_VALUE, expressions=[exp.column(name, table=_SOURCE)])
        node.set("this", exp.select(value).from_(source))


def _one_row(query: exp.Expression) -> bool:
    if not isinstance(query, exp.Select):
        return False
    if not query.args.get("from_") or _limit_one(query):
        return True
    if query.args.get("group") or len(query.selects) != 1:
        return False
    proj = query.selects[0]
    return any(
        agg.find_ancestor(exp.Window, exp.Subquery, exp.Select) is query
        for agg in proj.find_all(exp.AggFunc)
    )


def _limit_one(query: exp.Select) -> bool:
    limit = query.args.get("limit")
    if not isinstance(limit, exp.Limit) or limit.args.get("percent"):
        return False
    return isinstance(limit.expression, exp.Literal) and limit.expression.this == "1"


def _value_name(query: exp.Expression) -> str | None:
    """The name of the query's one column, given one where it has none; None for `*`."""
    first = query
    while isinstance(first, exp.SetOperation):
        first = first.this
    if not isinstance(first, exp.Select) or len(first.selects) != 1:
        return None
    proj = first.selects[0]
    if isinstance(proj, exp.Star) or (isinstance(proj, exp.Column) and proj.is_star):
        return None
    if isinstance(proj, (exp.Alias, exp.Column)):
        return proj.alias_or_name
    proj.replace(exp.alias_(proj.copy(), _VALUE, quoted=True))
    return _VALUE
