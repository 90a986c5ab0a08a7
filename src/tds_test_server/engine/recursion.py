"""The recursion limit of a recursive CTE: Msg 530.

SQL Server stops a recursive CTE that recurses more than MAXRECURSION times (100 unless
the statement's `OPTION (MAXRECURSION n)` says otherwise; 0 is no limit) with Msg 530
"The statement terminated. The maximum recursion 100 has been exhausted before statement
completion." ("Query hints (Transact-SQL)", "WITH common_table_expression"). SQLite has
no limit: a CTE without a stop ran until memory ran out. Each recursive CTE here counts
its level in a column of its own, and a view of it without that column takes its name:

    r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
    -> __azsql_rec_r(n, __azsql_level) AS (SELECT 1, 0 UNION ALL
           SELECT n + 1, __AZSQL_LEVEL(r.__azsql_level + 1, 100) FROM __azsql_rec_r AS r),
       r(n) AS (SELECT n FROM __azsql_rec_r)
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from .errors import TdsError

LEVEL = "__AZSQL_LEVEL"
_COLUMN = "__azsql_level"
_DEFAULT = 100
_META = "maxrecursion"
_HINT = re.compile(r"\bMAXRECURSION\s+(\d+)", re.IGNORECASE)


def note_max_recursion(tree: exp.Expression, text: str) -> exp.Expression:
    """`tree`, holding the MAXRECURSION of its statement's OPTION clause (which the
    parser never sees: hints.py takes it away), else SQL Server's 100."""
    found = _HINT.search(text) if "maxrecursion" in text.casefold() else None
    tree.meta[_META] = int(found.group(1)) if found else _DEFAULT
    return tree


def _level(level: Any, limit: Any) -> Any:
    if limit and level > limit:
        raise TdsError(
            530,
            f"The statement terminated. The maximum recursion {limit} has been exhausted"
            " before statement completion.",
        )
    return level


RECURSION_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {LEVEL: (2, _level, True)}


def limit_recursion(tree: exp.Expression) -> None:
    limit = tree.meta.get(_META, _DEFAULT)
    for cte in list(tree.find_all(exp.CTE)):
        name = cte.alias
        members = _members(cte.this)
        recursive = [m for m in members if _self_references(m, name)]
        if not recursive or len(recursive) == len(members):
            continue
        columns = [c.name for c in cte.args["alias"].columns] or [
            p.alias_or_name for p in members[0].selects
        ]
        if not all(columns) or "*" in columns:
            continue
        inner = f"__azsql_rec_{name}"
        for member in members:
            if member not in recursive:
                member.select(exp.Literal.number(0), copy=False)
                continue
            for table in _self_references(member, name):
                ref = table.alias_or_name
                table.set("this", exp.to_identifier(inner))
                table.set("alias", exp.TableAlias(this=exp.to_identifier(ref)))
                level = exp.Add(
                    this=exp.column(_COLUMN, table=ref), expression=exp.Literal.number(1)
                )
            member.select(
                exp.Anonymous(this=LEVEL, expressions=[level, exp.Literal.number(limit)]),
                copy=False,
            )
        ids = [exp.to_identifier(c) for c in columns]
        cte.set(
            "alias",
            exp.TableAlias(
                this=exp.to_identifier(inner), columns=[*ids, exp.to_identifier(_COLUMN)]
            ),
        )
        view = exp.CTE(
            this=exp.select(*[exp.column(c) for c in columns]).from_(inner),
            alias=exp.TableAlias(this=exp.to_identifier(name), columns=[i.copy() for i in ids]),
        )
        with_ = cte.parent
        assert isinstance(with_, exp.With)
        ctes = list(with_.expressions)
        ctes.insert(ctes.index(cte) + 1, view)
        with_.set("expressions", ctes)


def _members(body: exp.Expression) -> list[exp.Select]:
    """The SELECTs a CTE's UNION ALL joins, in order (one for a plain CTE)."""
    if isinstance(body, exp.SetOperation):
        return _members(body.this) + _members(body.expression)
    return [body] if isinstance(body, exp.Select) else []


def _self_references(member: exp.Select, name: str) -> list[exp.Table]:
    return [
        t for t in member.find_all(exp.Table) if not t.db and t.name.casefold() == name.casefold()
    ]
