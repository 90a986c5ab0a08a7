"""How write_filters reads an UPDATE's or DELETE's conditions: the table it changes
(Target), what judging them needs at every node (Reading), a table source that holds
every row of that table (Copy); where a node stands (in a subquery, of the changed
table) and what a condition is worth once every test of other tables is taken as true
(`worst`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from azsql_mcp.db import write_sources

if TYPE_CHECKING:
    from sqlglot import exp


@dataclass(frozen=True)
class Target:
    """The table an UPDATE or DELETE changes, as its columns may be written."""

    label: str  # as written after UPDATE/DELETE, for messages
    names: frozenset[str]  # casefolded names or aliases that qualify its columns
    alone: bool  # the statement's only table source: an unqualified column is its own
    # the table's name as written, through an alias to its FROM source; () when that is
    # no table of the database (a CTE, a derived table) or cannot be told
    parts: tuple[str, ...] = ()
    database: str | None = None  # the source's own database; None when not configured


@dataclass(frozen=True)
class Reading:
    """What judging one statement's conditions needs at every node."""

    changed: Target
    non_nullable: frozenset[str]
    nested: bool  # a condition holds a subquery: a name may be bound inside it
    methods: set[str] = field(hash=False)  # `t.Col.m(...)` calls, as written
    # outer-joined or APPLY'd sources whose ON or body reads the changed table: a test
    # of their columns depends on its row (`LEFT JOIN p ON p.id = c.pid WHERE p.id IS NULL`)
    linked: frozenset[str] = frozenset()
    # the statement's common table expressions, in the order written
    ctes: tuple[exp.CTE, ...] = field(default=(), hash=False)
    # the copy each CTE is (by id), read once: a CTE may read an earlier one twice, and
    # reading each again would take time exponential in their number
    cte_copies: dict[int, Copy | None] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Copy:
    """A table source that holds every row of the changed table T under `name`: T by
    name, or a derived table or CTE that reads T whole. `columns`: its columns named
    otherwise than T's (casefolded), each as the expression of T's row it holds (T's
    columns unqualified); `every`: T's columns under their own names as well (T itself,
    `SELECT *`)."""

    name: str
    every: bool
    columns: dict[str, exp.Expr] = field(default_factory=dict, hash=False)


def within_select(node: exp.Expr, root: exp.Expr) -> bool:
    """Whether `node` sits in a subquery of `root`."""
    from sqlglot import exp

    parent = node.parent
    while parent is not None and node is not root:
        if isinstance(parent, exp.Select):
            return True
        node, parent = parent, parent.parent
    return False


def enclosing_subqueries(node: exp.Expr, reading: Reading) -> tuple[bool, set[str]]:
    """Whether `node` sits in a subquery, and the names its subqueries' FROMs bind."""
    from sqlglot import exp

    inside, names = False, set()
    parent = node.parent if reading.nested else None  # no walk up long OR chains
    while parent is not None:
        if isinstance(parent, exp.Select):
            inside = True
            names |= {
                source.alias_or_name.casefold() for source, _ in write_sources.sources(parent)
            }
        parent = parent.parent
    return inside, names


def of_target(qualifier: str, node: exp.Expr, reading: Reading) -> bool:
    """Whether a column written with `qualifier` ("" for none) where `node` stands is
    certainly one of the changed table's (in doubt, not)."""
    inside, bound = enclosing_subqueries(node, reading)
    if not qualifier:
        return reading.changed.alone and not inside  # in a subquery, maybe the subquery's
    folded = qualifier.casefold()
    return (folded in reading.changed.names or folded in reading.linked) and folded not in bound


def reads_target(node: exp.Expr, reading: Reading) -> bool:
    from sqlglot import exp

    for column in node.find_all(exp.Column):
        if of_target(column.table, column, reading):
            return True
    for dot in node.find_all(exp.Dot):
        qualifier = dot.this.this if isinstance(dot.this, exp.Dot) else None
        if (
            isinstance(qualifier, exp.Identifier)
            and dot.sql(dialect="tsql") in reading.methods
            and of_target(qualifier.name, dot, reading)
        ):
            return True
    return False


def worst(node: exp.Expr, reading: Reading, positive: bool) -> bool | None:
    """The value of `node` when each condition that tests no column of the changed
    table lets the most rows through (true; false under a NOT), or None when it still
    depends on a column of the changed table."""
    from sqlglot import exp

    # `simplify` leaves no parentheses around a condition: `flatten` unwraps an
    # operand's, and NOT (a AND b) is NOT a OR NOT b
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Not):
        value = worst(node.this, reading, not positive)
        return None if value is None else not value
    if isinstance(node, exp.And | exp.Or):
        values = [worst(operand, reading, positive) for operand in node.flatten()]
        absorbing = isinstance(node, exp.Or)  # true decides an OR, false an AND
        if any(v is absorbing for v in values):
            return absorbing
        return None if any(v is None for v in values) else not absorbing
    return None if reads_target(node, reading) else positive
