"""`FOR SYSTEM_TIME` on a system-versioned temporal table (system_versioning.py keeps the
history it reads), written from "Query data in a system-versioned temporal table": the
current and the history table's rows together, those whose period the clause selects.
"""

from __future__ import annotations

from sqlglot import exp

from ..results import TdsError
from .catalog import DEFAULT_SCHEMA, Catalog

# The comparison of a row's start and of its end with the clause's first (0) or last (1)
# bound: AS OF a is start <= a AND end > a, and so on.
_CONDITIONS: dict[str, tuple[tuple[type[exp.Binary], int], tuple[type[exp.Binary], int]]] = {
    "AS OF": ((exp.LTE, 0), (exp.GT, 0)),
    "FROM": ((exp.LT, 1), (exp.GT, 0)),
    "BETWEEN": ((exp.LTE, 1), (exp.GT, 0)),
    "CONTAINED IN": ((exp.GTE, 0), (exp.LTE, 1)),
}


def rewrite_system_time(tree: exp.Expression, catalog: Catalog) -> None:
    """`t FOR SYSTEM_TIME ...` as a derived table of t's and its history's rows that were
    current then, by "Query data in a system-versioned temporal table": AS OF t is start
    <= t AND end > t; FROM a TO b is start < b AND end > a; BETWEEN a AND b is start <= b
    AND end > a; CONTAINED IN (a, b) is start >= a AND end <= b; ALL every row."""
    for table in list(tree.find_all(exp.Table)):
        when = table.args.get("version")
        if not isinstance(when, exp.Version):
            continue
        current = catalog.table(table.db or DEFAULT_SCHEMA, table.name)
        found = None if current is None else catalog.versioned.get(current.object_id)
        if current is None or found is None:
            raise TdsError(
                13544,
                "Temporal FOR SYSTEM_TIME clause can only be used with system-versioned"
                f" tables. '{table.name}' is not a system-versioned table.",
            )
        history_schema, history_name, start_name, end_name = found
        start, end = exp.column(start_name, quoted=True), exp.column(end_name, quoted=True)
        kind = str(when.args.get("kind", "")).upper()
        value = when.args.get("expression")
        given = value.expressions if isinstance(value, exp.Tuple) else [value]
        bounds: list[exp.Expression] = [b for b in given if b is not None]
        condition = None
        if kind != "ALL" and bounds:
            (on_start, i), (on_end, j) = _CONDITIONS[kind]
            condition = exp.and_(
                on_start(this=start, expression=(bounds[-1] if i else bounds[0]).copy()),
                on_end(this=end, expression=(bounds[-1] if j else bounds[0]).copy()),
            )
        parts = []
        for schema, name in ((current.schema, current.name), (history_schema, history_name)):
            select = exp.select(*[exp.column(c.name, quoted=True) for c in current.columns])
            select = select.from_(exp.table_(name, db=schema, quoted=True))
            parts.append(select.where(condition.copy()) if condition is not None else select)
        rows = exp.Subquery(
            this=exp.union(parts[0], parts[1], distinct=False),
            alias=exp.TableAlias(this=exp.to_identifier(table.alias or table.name)),
        )
        table.replace(rows)
