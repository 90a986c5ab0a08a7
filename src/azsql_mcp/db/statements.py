"""What a statement check returns and is keyed on: the accepted statement in the form
to send (CheckedStatement), its kind, and the Rules one check applies. A module of its
own so that the verdict cache and the guard both use them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from azsql_mcp.db.sqlpolicy import STRICT, ReadPolicy

StatementKind = Literal["select", "insert", "update", "delete"]


@dataclass(frozen=True)
class CheckedStatement:
    """A statement the guard accepted, in the form to send to SQL Server."""

    sql: str  # `?` placeholders in place of @name parameters; comments removed
    named: str  # the same with each parameter written @name (to describe or explain it)
    param_names: tuple[str, ...]  # the parameter for each `?`, in order, without '@'
    kind: StatementKind
    has_where: bool  # a WHERE clause that filters (not always true)
    fingerprint: str  # hash of the normalized statement (literals replaced), for audit
    # Writes: columns the WHERE tests with IS NOT NULL, and the tables named (the parts
    # of each name); if such a column cannot be NULL the test is always true (see
    # check_write's non_nullable).
    not_null_tests: tuple[str, ...] = ()
    tables: tuple[tuple[str, ...], ...] = ()
    updated_columns: tuple[str, ...] = ()  # an UPDATE's SET columns (a cascade's trigger)
    target: tuple[str, ...] = ()  # the parts of the table written; () when not one table


@dataclass(frozen=True)
class Rules:
    """What one check accepts; hashable, so it keys the verdict cache with the text."""

    write_kinds: frozenset[str] | None  # None: a read
    allow_unfiltered: bool
    policy: ReadPolicy
    non_nullable: frozenset[str]  # casefolded columns the catalog says cannot be NULL

    @classmethod
    def read(cls, policy: ReadPolicy = STRICT) -> Rules:
        """The rules of a read (check_select) under `policy`."""
        return cls(None, False, policy, frozenset())
