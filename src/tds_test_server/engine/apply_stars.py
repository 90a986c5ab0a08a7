"""`*` and `alias.*` over a rewritten CROSS/OUTER APPLY: SQL Server's list holds the
applied source's own columns, not the keys and helper columns a rewrite adds to it (an
inline function's or a derived table's join keys, json_each's columns)."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from . import errors


def named_columns(names: list[str], alias: str) -> list[exp.Expr]:
    """`alias.name` for each of `names`: a derived table's own columns."""
    return [exp.column(n, table=alias, quoted=True) for n in names]


def write_out_stars(
    select: exp.Select,
    applied: exp.Expression,
    own: Callable[[], list[exp.Expr]],
    qualifier: str,
    refused: str | None = None,
) -> None:
    """`select`'s `*` and `qualifier.*` written out: `applied` (the FROM or join source
    that stands for the APPLY) as `own()` (new nodes at each call), every other source as
    `source.*`. A `*` beside a source without a name stays as it is. `refused`: the
    construct a 40517 names when a star over the APPLY cannot be written out."""
    from_ = select.args.get("from_")
    sources = ([from_.this] if from_ else []) + [j.this for j in select.args.get("joins") or []]
    folded = qualifier.casefold()
    expanded: list[exp.Expr] = []
    for projection in select.expressions:
        over_all = isinstance(projection, exp.Star) and all(
            s is applied or s.alias_or_name for s in sources
        )
        over_own = (
            bool(folded)
            and isinstance(projection, exp.Column)
            and isinstance(projection.this, exp.Star)
            and projection.table.casefold() == folded
        )
        if refused and (over_all or over_own):
            raise errors.unsupported(refused)
        if over_all:
            for source in sources:
                if source is applied:
                    expanded += own()
                else:
                    name = exp.to_identifier(source.alias_or_name)
                    expanded.append(exp.Column(this=exp.Star(), table=name))
        elif over_own:
            expanded += own()
        else:
            expanded.append(projection)
    select.set("expressions", expanded)
