"""Comparisons with ALL / ANY / SOME (subquery), and PERCENTILE_CONT / PERCENTILE_DISC
... WITHIN GROUP (ORDER BY ...) OVER (PARTITION BY ...), which SQLite lacks.

`x op ALL (q)` becomes NOT EXISTS (a row of q where `x op v` is not true), `x op ANY (q)`
EXISTS (a row where it is); NULLs behave as SQL Server's WHERE sees them. The percentiles
become window aggregates over the whole partition (registered below).
"""

from __future__ import annotations

import math
from typing import Any

from sqlglot import exp

from . import errors

_COMPARISONS = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.NEQ)
_SUB = "__azsql_q"
_VALUE = "__azsql_v"


def rewrite_quantified(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.All, exp.Any)):
        parent = node.parent
        if not isinstance(parent, _COMPARISONS) or parent.expression is not node:
            raise errors.unsupported(
                "ALL/ANY/SOME outside `expression <comparison> ALL|ANY (subquery)`"
            )
        query = node.this.copy()
        if isinstance(query, exp.Subquery):
            query = query.this
        if not isinstance(query, exp.Select) or len(query.selects) != 1:
            raise errors.unsupported("ALL/ANY/SOME over anything but a one-column subquery")
        proj = query.selects[0]
        if isinstance(proj, exp.Star):
            raise errors.unsupported("ALL/ANY/SOME (SELECT * ...); name the column")
        # A name of its own, so an unqualified outer column never resolves inside.
        inner = proj.this if isinstance(proj, exp.Alias) else proj
        proj.replace(exp.alias_(inner.copy(), _VALUE, quoted=True))
        value = exp.column(_VALUE, table=_SUB, quoted=True)
        left = parent.this.copy()
        compare = type(parent)(this=left, expression=value)
        source = exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(_SUB)))
        if isinstance(node, exp.Any):
            test: exp.Expression = exp.Exists(this=exp.select("1").from_(source).where(compare))
        else:
            failing = exp.or_(
                exp.Not(this=exp.paren(compare)),
                exp.Is(this=value.copy(), expression=exp.null()),
                exp.Is(this=left.copy(), expression=exp.null()),
            )
            test = exp.Not(this=exp.Exists(this=exp.select("1").from_(source).where(failing)))
        parent.replace(test)


def rewrite_percentiles(tree: exp.Expression) -> None:
    for group in list(tree.find_all(exp.WithinGroup)):
        func = group.this
        if not isinstance(func, (exp.PercentileCont, exp.PercentileDisc)):
            continue
        window = group.parent
        if not isinstance(window, exp.Window):
            raise errors.unsupported(
                f"{type(func).__name__.upper()} without OVER; SQL Server requires"
                " OVER ([PARTITION BY ...])"
            )
        order = group.expression
        keys = order.expressions if isinstance(order, exp.Order) else []
        if len(keys) != 1:
            raise errors.syntax_error("WITHIN GROUP", "WITHIN GROUP takes one ORDER BY expression.")
        key = keys[0]
        name = (
            "TSQL_PERCENTILE_CONT"
            if isinstance(func, exp.PercentileCont)
            else ("TSQL_PERCENTILE_DISC")
        )
        desc = exp.Literal.number(1 if key.args.get("desc") else 0)
        call = exp.Anonymous(this=name, expressions=[key.this.copy(), func.this.copy(), desc])
        group.replace(call)


class _Percentile:
    """A window aggregate over the whole partition (no ORDER BY in its OVER)."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5
        self.desc = False

    def step(self, value: Any, fraction: Any, desc: Any) -> None:
        self._note(fraction, desc)
        if value is not None:
            self.values.append(value)

    def inverse(self, value: Any, fraction: Any, desc: Any) -> None:
        if value is not None:
            self.values.remove(value)

    def _note(self, fraction: Any, desc: Any) -> None:
        f = float(fraction)
        if not 0 <= f <= 1:
            raise ValueError("The PERCENTILE_CONT/DISC fraction must be between 0.0 and 1.0.")
        self.fraction, self.desc = f, bool(desc)

    def finalize(self) -> Any:
        return self.value()

    def value(self) -> Any:
        raise NotImplementedError


class PercentileCont(_Percentile):
    def value(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(map(float, self.values), reverse=self.desc)
        row = self.fraction * (len(ordered) - 1)
        low, high = math.floor(row), math.ceil(row)
        if low == high:
            return ordered[low]
        return ordered[low] + (row - low) * (ordered[high] - ordered[low])


class PercentileDisc(_Percentile):
    def value(self) -> Any:
        if not self.values:
            return None
        ordered = sorted(self.values, reverse=self.desc)
        # the first value whose cumulative distribution reaches the fraction
        index = max(math.ceil(self.fraction * len(ordered)) - 1, 0)
        return ordered[index]


PERCENTILE_WINDOWS = {
    "TSQL_PERCENTILE_CONT": PercentileCont,
    "TSQL_PERCENTILE_DISC": PercentileDisc,
}
