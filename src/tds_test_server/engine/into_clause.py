"""The INTO clause of SELECT ... INTO new_table, read off sqlglot's tree: the new table's
name and its IDENTITY function columns (take_into, for the translator), and what each of
its columns selects of an identity column (identity_sources, for select_into.py).

"SELECT - INTO clause (Transact-SQL)", Data Types: a column that selects an identity column
inherits its IDENTITY property unless the SELECT has a join, SELECTs are joined by UNION,
the identity column is listed more than once, or it is part of an expression; then the
column is made NOT NULL instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .catalog import Table
from .sql_types import UnknownType, parse_type, type_text
from .temp_tables import Identity


@dataclass(frozen=True)
class IntoClause:
    """The new table, and the columns the IDENTITY function makes ("IDENTITY (Function)
    (Transact-SQL)"): (name as written, type, (seed, increment)) each."""

    table: exp.Table
    identity_functions: tuple[tuple[str, ColumnType, Identity], ...] = ()


def take_into(tree: exp.Expression) -> IntoClause | None:
    """The INTO clause of a top-level SELECT ... INTO, taken out of the tree (a UNION's is
    in its first SELECT), each `IDENTITY(type [, seed, increment])` of its select list
    made a NULL of that type, which the new column's identity fills in; None without
    one."""
    first = _first_select(tree)
    into = first.args.get("into") if first is not None else None
    if first is None or not isinstance(into, exp.Into) or not isinstance(into.this, exp.Table):
        return None
    into.pop()
    made = []
    for proj in first.selects:
        inner = proj.this if isinstance(proj, exp.Alias) else proj
        if not (isinstance(inner, exp.Anonymous) and inner.name.upper() == "IDENTITY"):
            continue
        args = [a.sql("tsql") for a in inner.expressions]
        if len(args) not in (1, 3):
            raise errors.syntax_near("IDENTITY")
        try:
            ctype = parse_type(args[0])
            identity = (int(args[1]), int(args[2])) if len(args) == 3 else (1, 1)
        except (UnknownType, ValueError):
            raise errors.syntax_near("IDENTITY") from None
        made.append((proj.alias_or_name, ctype, identity))
        inner.replace(exp.cast(exp.null(), type_text(ctype), dialect="tsql"))
    return IntoClause(into.this, tuple(made))


@dataclass(frozen=True)
class IdentitySource:
    """What a new column takes of an identity column: its IDENTITY(seed, increment), or,
    where the docs' conditions take that away, NOT NULL (`identity` None)."""

    identity: Identity | None


def identity_sources(
    tree: exp.Expression, lookup: Callable[[exp.Table], Table | None], count: int
) -> list[IdentitySource | None]:
    """For each of the `count` output columns, what it takes of an identity column (None:
    nothing); `lookup` finds the table a FROM names. A select list that cannot be matched
    to the columns (a `*` over a derived table) takes nothing."""
    select = _first_select(tree)
    if select is None:
        return [None] * count
    tables = _tables(select, lookup)
    picked: list[tuple[str, Identity] | bool | None] = []  # bool: in an expression or not
    for proj in select.selects:
        inner = proj.this if isinstance(proj, exp.Alias) else proj
        star = isinstance(inner, exp.Star) or (
            isinstance(inner, exp.Column) and isinstance(inner.this, exp.Star)
        )
        if star:
            qualifier = inner.table.casefold() if isinstance(inner, exp.Column) else ""
            for alias, table in tables.items():
                if qualifier in ("", alias):
                    columns = [exp.column(c.name, alias) for c in table.columns]
                    picked += [_identity_of(c, tables) for c in columns]
        elif isinstance(inner, exp.Column):
            picked.append(_identity_of(inner, tables))
        else:
            picked.append(any(_identity_of(c, tables) for c in inner.find_all(exp.Column)))
    if len(picked) != count:
        return [None] * count
    listed = Counter(p[0] for p in picked if isinstance(p, tuple))
    inherits = select is tree and not select.args.get("joins")
    out: list[IdentitySource | None] = []
    for p in picked:
        if isinstance(p, tuple):
            kept = inherits and listed[p[0]] == 1
            out.append(IdentitySource(p[1] if kept else None))
        else:
            out.append(IdentitySource(None) if p else None)
    return out


def _first_select(tree: exp.Expression) -> exp.Select | None:
    while isinstance(tree, exp.SetOperation):
        tree = tree.this
    return tree if isinstance(tree, exp.Select) else None


def _tables(select: exp.Select, lookup: Callable[[exp.Table], Table | None]) -> dict[str, Table]:
    """The tables a SELECT's FROM and joins name, by alias (or name), folded."""
    found: dict[str, Table] = {}
    for source in [select.args.get("from_"), *(select.args.get("joins") or [])]:
        node = source.this if source is not None else None
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            table = lookup(node)
            if table is not None:
                found[node.alias_or_name.casefold()] = table
    return found


def _identity_of(col: exp.Column, tables: dict[str, Table]) -> tuple[str, Identity] | None:
    """('alias.column', (seed, increment)) where `col` is an identity column."""
    qualifier = col.table.casefold()
    for alias, table in tables.items():
        ident = table.identity
        if qualifier in ("", alias) and ident and ident.name.casefold() == col.name.casefold():
            return f"{alias}.{ident.name.casefold()}", (ident.seed, ident.increment)
    return None
