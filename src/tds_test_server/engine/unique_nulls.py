"""One NULL per unique key, as SQL Server allows ("Unique constraints and check
constraints": "only one null value is allowed per column"; two keys whose values are all
equal, NULLs counted as equal, are duplicates). SQLite's UNIQUE lets any number of NULLs
through, so each unique index whose key has a nullable column gets a second one over the
rows whose key holds a NULL: each column as (value or 0, value IS NULL), which no NULL is
left in, so SQLite compares those keys whole. The SQLite unique index stays as it is (a
FOREIGN KEY needs one on the plain columns)."""

from __future__ import annotations

import sqlite3

from .catalog import Table
from .session_state import _q
from .sql_types import affinity

_PREFIX = "__azsql_nulls."
_FAILED = "UNIQUE constraint failed: index '"


def create_null_key_index(
    conn: sqlite3.Connection,
    table: Table,
    sqlite_name: str,
    columns: list[str],
    row_filter: str | None = None,
) -> None:
    """The index that refuses a second key holding a NULL for the unique index (or key
    constraint) `sqlite_name` on `columns`; a filtered one's rows are those its (SQLite)
    `row_filter` keeps. None if no column of the key allows NULL."""
    nullable = [c for c in columns if (col := table.column(c)) is not None and col.type.nullable]
    if not nullable:
        return
    key = []
    for name in columns:
        col = table.column(name)
        collation = "NOCASE" if col and affinity(col.type).endswith("NOCASE") else "BINARY"
        key.append(f"ifnull({_q(name)}, 0) COLLATE {collation}, {_q(name)} IS NULL")
    rows = " OR ".join(f"{_q(c)} IS NULL" for c in nullable)
    if row_filter:
        rows = f"({rows}) AND ({row_filter})"
    conn.execute(
        f"CREATE UNIQUE INDEX {_q(_PREFIX + sqlite_name)} ON {_q(table.sqlite_name)}"
        f" ({', '.join(key)}) WHERE {rows}"
    )


def drop_null_key_index(conn: sqlite3.Connection, sqlite_name: str) -> None:
    conn.execute(f"DROP INDEX IF EXISTS {_q(_PREFIX + sqlite_name)}")


def null_key_index_of(text: str) -> str | None:
    """The SQLite name of the unique index a "UNIQUE constraint failed: index '...'"
    message's NULL-key index belongs to, or None for another message."""
    if not text.startswith(_FAILED + _PREFIX):
        return None
    return text[len(_FAILED + _PREFIX) :].removesuffix("'").replace("''", "'")
