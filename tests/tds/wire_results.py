"""What the wire tests of T-SQL bodies share: every result set a statement sent, and
names no other test of the session uses (the test server lives for the module)."""

from __future__ import annotations

import itertools

import pyodbc

_names = itertools.count()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{next(_names)}"


def result_sets(cur: pyodbc.Cursor) -> list[list[tuple[object, ...]]]:
    """Every result set of the statement that ran, skipping the row counts."""
    out: list[list[tuple[object, ...]]] = []
    while True:
        if cur.description is not None:
            out.append([tuple(r) for r in cur.fetchall()])
        if not cur.nextset():
            return out
