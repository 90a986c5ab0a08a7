"""A copy of the changed table T in a write's statement (write_filters' `_copy_of`): a
value read through copies as an expression of T's row, what `*` over them selects, and
when a table's name is T's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from azsql_mcp.db import write_sources
from azsql_mcp.db.write_reading import Copy, Reading, Target, enclosing_subqueries, within_select

if TYPE_CHECKING:
    from sqlglot import exp


# The qualifier of a column of the changed row inside a subquery of a condition read
# through a copy of the changed table (`_changed_rows`), where unqualified it could be
# the subquery's own. No statement can write it: the checks refuse control characters.
ROW = "\x00row"
# The qualifier of a column of a table other than T beside a copy of T (`_changed_rows`),
# `OTHER.u` for u's: read as no column of T's, whatever u is called.
OTHER = "\x00other"
# What a SELECT over the changed table may hold and still return a row for each of its
# rows that meets its WHERE: DISTINCT and GROUP BY keep every value of a column selected,
# joins are judged in _changed_rows (TOP, OFFSET, HAVING may drop rows)
WHOLE_SELECT = frozenset({"expressions", "from_", "joins", "where", "distinct", "group"})
# and its table: hints (NOLOCK...) keep every row; TABLESAMPLE, FOR SYSTEM_TIME (but ALL)
# may not; the joins sqlglot hangs on a FROM's first source are judged with that FROM
WHOLE_TABLE = frozenset({"this", "db", "catalog", "alias", "hints", "joins"})
# and a derived table: its SELECT, its alias and the joins hung on it
WHOLE_DERIVED = frozenset({"this", "alias", "joins"})


def qualify(column: exp.Column, qualifier: str | None) -> None:
    from sqlglot import exp

    for part in ("table", "db", "catalog"):
        column.set(part, None)
    if qualifier is not None:
        column.set("table", exp.to_identifier(qualifier))


def named_copy(name: str, values: Sequence[exp.Expr], renamed: Sequence[str]) -> Copy | None:
    """The copy that selects `values` of T's row, its columns `renamed` when listed."""
    from sqlglot import exp

    every = any(value.is_star for value in values)
    if renamed:
        if every or len(renamed) != len(values):
            return None
        pairs = [(new, value.unalias()) for new, value in zip(renamed, values, strict=True)]
    else:
        pairs = [(value.alias_or_name, value.unalias()) for value in values if not every]
        pairs += [(v.alias, v.unalias()) for v in values if every and isinstance(v, exp.Alias)]
    columns = {new.casefold(): value for new, value in pairs if new}
    return Copy(name, every, columns)


def read_selected(value: exp.Expr, copies: Sequence[Copy], reading: Reading) -> exp.Expr:
    """A value a SELECT over `copies` selects, read through them, under the name it is
    selected as (`k` of `SELECT k FROM (SELECT id AS k FROM t) AS y` is `id AS k`)."""
    from sqlglot import exp

    read = through_copies(value, copies, reading)
    if isinstance(value, exp.Alias) or not value.alias_or_name:
        return read
    return exp.alias_(read, value.alias_or_name)


def star(value: exp.Expr, copies: Sequence[Copy]) -> list[exp.Expr]:
    """What `*` or `x.*` over `copies` selects: T's every column (`*`) for a copy that
    holds them, each column a copy holds otherwise under its name."""
    from sqlglot import exp

    qualifier = value.table.casefold() if isinstance(value, exp.Column) else ""
    found: list[exp.Expr] = []
    for copy in copies:
        if qualifier in ("", copy.name):
            found += [exp.Star()] if copy.every else []
            found += [exp.alias_(v.copy(), name) for name, v in copy.columns.items()]
    return found


def through_copies(node: exp.Expr, copies: Sequence[Copy], reading: Reading) -> exp.Expr:
    """A copy of `node` with each column that a copy of T holds as an expression of T's
    row (`x.k`, or `k` outside any subquery that no source but a copy may hold: SQL
    Server refuses a name two sources hold) written as that expression, its columns
    qualified by the copy's name (`x.k` of `(SELECT id AS k FROM t) AS x` is `x.id`)."""
    from sqlglot import exp

    by_name = {copy.name: copy for copy in copies}
    root = node.copy()
    nested = replace(reading, nested=True)
    for column in list(root.find_all(exp.Column)):
        inside, bound = enclosing_subqueries(column, nested)
        qualifier = column.table.casefold()
        if qualifier:
            copy = by_name.get(qualifier) if qualifier not in bound else None
        else:
            held = [c for c in copies if column.name.casefold() in c.columns]
            copy = held[0] if held and not inside else None
        value = copy.columns.get(column.name.casefold()) if copy is not None else None
        if copy is None or value is None:
            continue
        written = value.copy()
        for inner in written.find_all(exp.Column):  # `written` itself too
            # in a subquery, the changed row's columns are ROW's (`_changed_rows`)
            if not within_select(inner, written) and not inner.table.startswith((ROW, OTHER)):
                inner.set("table", exp.to_identifier(copy.name))
        if column is root:
            root = written
        else:
            column.replace(written)
    return root


def one_table(parts: Sequence[str], changed: Target) -> bool:
    """Whether a table written `parts` is the changed table, as far as names tell: the
    same up to case, a `dbo.` schema and the source's own database (a one-part name is
    taken as dbo's, the default schema of users unless set otherwise)."""
    key = write_sources.table_key
    return bool(changed.parts) and key(parts, changed.database) == key(
        changed.parts, changed.database
    )
