"""Append-only ledger tables: `CREATE TABLE ... WITH (LEDGER = ON (APPEND_ONLY = ON))`
takes INSERTs only; an UPDATE or DELETE of one fails with error 37359, as SQL Server's
does ("Append-only ledger tables"). The table is otherwise an ordinary one here: no
ledger columns, views or digests. The mark lives in __azsql_meta, key
`append_only_ledger:<object_id>`, and rolls back with the DDL that made it."""

from __future__ import annotations

import sqlite3

from ..results import TdsError
from .batches import Statement
from .catalog import Table

APPEND_ONLY_UPDATE = 37359


def _key(object_id: int) -> str:
    return f"append_only_ledger:{object_id}"


def declared(stmt: Statement) -> bool:
    """Whether a CREATE TABLE says APPEND_ONLY = ON (inside LEDGER = ON (...))."""
    words = [t.text.upper() for t in stmt.tokens]
    return any(words[i : i + 3] == ["APPEND_ONLY", "=", "ON"] for i in range(len(words) - 2))


def record(conn: sqlite3.Connection, object_id: int, on: bool) -> None:
    """Mark (or unmark: an object_id can be used again) a new table."""
    conn.execute("DELETE FROM __azsql_meta WHERE key = ?", (_key(object_id),))
    if on:
        conn.execute("INSERT INTO __azsql_meta VALUES (?, 1)", (_key(object_id),))


def check(conn: sqlite3.Connection, table: Table | None, kind: str) -> None:
    if table is None or kind not in ("update", "delete"):
        return
    found = conn.execute("SELECT 1 FROM __azsql_meta WHERE key = ?", (_key(table.object_id),))
    if found.fetchone() is not None:
        raise TdsError(
            APPEND_ONLY_UPDATE,
            "Updates are not allowed for the append only Ledger table"
            f" '{table.schema}.{table.name}'.",
        )
