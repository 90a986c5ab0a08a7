"""GROUP BY ROLLUP / CUBE / GROUPING SETS (and WITH ROLLUP / WITH CUBE), which SQLite
lacks: one grouped query per grouping set, joined with UNION ALL. In each branch the
columns the set leaves out read NULL, GROUPING(col) is 1 for them and GROUPING_ID(...)
is the bit mask Microsoft documents (first argument the most significant bit).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, combinations, product

from sqlglot import exp

from . import errors
from .sqlite_dialect import EngineSQLite

_SETS = "__azsql_sets"


def has_grouping_sets(select: exp.Expression) -> bool:
    group = select.args.get("group")
    if not isinstance(group, exp.Group):
        return False
    return bool(
        group.args.get("rollup")
        or group.args.get("cube")
        or any(isinstance(e, (exp.Rollup, exp.Cube, exp.GroupingSets)) for e in group.expressions)
    )


def _key(node: exp.Expr) -> str:
    if isinstance(node, exp.Column):
        return node.name.casefold()
    return node.sql(EngineSQLite).casefold()


def _units(node: exp.Expression) -> list[exp.Expression]:
    """A grouping element's columns: (a, b) is one unit of two columns; () none."""
    if isinstance(node, exp.Tuple):
        return list(node.expressions)
    if isinstance(node, exp.Paren):
        return _units(node.this)
    return [node]


def _flat(groups: Iterable[Iterable[exp.Expression]]) -> list[exp.Expression]:
    return list(chain.from_iterable(groups))


def _sets_of(element: exp.Expression) -> list[list[exp.Expression]]:
    if isinstance(element, exp.Rollup):
        units = [_units(e) for e in element.expressions]
        return [_flat(units[:n]) for n in range(len(units), -1, -1)]
    if isinstance(element, exp.Cube):
        units = [_units(e) for e in element.expressions]
        out = []
        for size in range(len(units), -1, -1):
            for combo in combinations(units, size):
                out.append(_flat(combo))
        return out
    if isinstance(element, exp.GroupingSets):
        out = []
        for e in element.expressions:
            nested = _sets_of(e) if isinstance(e, (exp.Rollup, exp.Cube)) else [_units(e)]
            out.extend(nested)
        return out
    return [[element]]


def grouping_sets(group: exp.Group) -> tuple[list[list[exp.Expression]], list[exp.Expression]]:
    """The grouping sets (the cross product of the elements) and every grouped column."""
    elements = list(group.expressions)
    if group.args.get("rollup"):
        elements = [exp.Rollup(expressions=elements)]
    elif group.args.get("cube"):
        elements = [exp.Cube(expressions=elements)]
    sets = [_flat(combo) for combo in product(*(_sets_of(e) for e in elements))]
    seen: dict[str, exp.Expression] = {}
    for s in sets:
        for col in s:
            seen.setdefault(_key(col), col)
    return sets, list(seen.values())


def rewrite_grouping_sets(select: exp.Select) -> exp.Select:
    """UNION ALL of one query per grouping set; projections must all have names by now."""
    group = select.args["group"]
    sets, grouped = grouping_sets(group)
    if len(sets) > 4096:
        raise errors.unsupported("more than 4096 grouping sets")
    names = [p.alias_or_name for p in select.selects]
    branches: list[exp.Select] = []
    for members in sets:
        present = {_key(c) for c in members}
        absent = {_key(c) for c in grouped} - present
        branch = select.copy()
        branch.set("order", None)
        branch.set("limit", None)
        branch.set("group", exp.Group(expressions=[c.copy() for c in members]) if members else None)
        # every projection keeps its name when it becomes NULL (UNION takes the first's)
        named = [
            p if isinstance(p, exp.Alias) else exp.alias_(p, p.alias_or_name, quoted=True)
            for p in branch.expressions
        ]
        branch.set("expressions", [_fill(p, absent) for p in named])
        having = branch.args.get("having")
        if having is not None:
            branch.set("having", _fill(having, absent))
        branches.append(branch)
    union: exp.Query = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False)
    outer = exp.select(*[exp.column(n, quoted=True) for n in names]).from_(
        exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier(_SETS)))
    )
    order = select.args.get("order")
    if order is not None:
        outer.set(
            "order", exp.Order(expressions=[_order_key(o, select) for o in order.expressions])
        )
    if select.args.get("limit") is not None:
        outer.set("limit", select.args["limit"].copy())
    return outer


def _fill(node: exp.Expr, absent: set[str]) -> exp.Expr:
    """NULL for the grouped columns a set leaves out (outside aggregates); GROUPING values."""
    if isinstance(node, exp.Grouping):
        return exp.Literal.number(int(any(_key(a) in absent for a in node.expressions)))
    if isinstance(node, exp.GroupingId):
        mask = 0
        for arg in node.expressions:
            mask = mask * 2 + int(_key(arg) in absent)
        return exp.Literal.number(mask)
    if isinstance(node, (exp.AggFunc, exp.Window)):
        return node
    if isinstance(node, exp.Column) and _key(node) in absent:
        return exp.null()
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expression):
            node.set(key, _fill(value, absent))
        elif isinstance(value, list):
            node.set(key, [_fill(v, absent) if isinstance(v, exp.Expression) else v for v in value])
    return node


def _order_key(ordered: exp.Ordered, select: exp.Select) -> exp.Ordered:
    """ORDER BY over the union names an output column."""
    target = ordered.this
    for i, proj in enumerate(select.selects):
        inner = proj.this if isinstance(proj, exp.Alias) else proj
        name = proj.alias_or_name
        if (
            (
                isinstance(target, exp.Column)
                and not target.table
                and target.name.casefold() == name.casefold()
            )
            or _key(inner) == _key(target)
            or (
                isinstance(target, exp.Literal)
                and not target.is_string
                and int(target.name) == i + 1
            )
        ):
            out = ordered.copy()
            out.set("this", exp.column(name, quoted=True))
            return out
    raise errors.unsupported(
        f"ORDER BY {target.sql('tsql')} with ROLLUP/CUBE/GROUPING SETS; order by a column of"
        " the select list (add it there, with an alias)"
    )
