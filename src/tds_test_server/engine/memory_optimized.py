"""Memory-optimized tables, as far as a client can tell them apart: `CREATE TABLE ...
WITH (MEMORY_OPTIMIZED = ON)` marks the table (sys.tables.is_memory_optimized), and a
statement in a user transaction (BEGIN TRANSACTION, or a driver's with autocommit off)
that touches one without an isolation hint fails with error 41368, as SQL Server's does
under READ COMMITTED ("Transactions with Memory-Optimized Tables"): an autocommit
statement may read it, a user transaction must say WITH (SNAPSHOT), REPEATABLEREAD or
SERIALIZABLE, unless the database has MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT ON, which
`ALTER DATABASE CURRENT SET MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = ON` sets here.

The marks live in __azsql_meta (key `memory_optimized:<object_id>`, and
`elevate_to_snapshot`), so they roll back with the DDL that made them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from sqlglot import exp

from ..results import TdsError
from .batches import Statement
from .catalog import Catalog
from .temp_tables import table_named

IMPLICIT_AND_EXPLICIT_TX_NOT_SUPPORTED = 41368
# the table hints that give a memory-optimized table an isolation level of its own
_ISOLATION_HINTS = frozenset({"SNAPSHOT", "REPEATABLEREAD", "SERIALIZABLE"})
_ELEVATE = "elevate_to_snapshot"


def _key(object_id: int) -> str:
    return f"memory_optimized:{object_id}"


def _words(stmt: Statement) -> list[str]:
    return [t.text.upper() for t in stmt.tokens]


def declared(stmt: Statement) -> bool:
    """Whether a CREATE TABLE says MEMORY_OPTIMIZED = ON."""
    words = _words(stmt)
    return any(words[i : i + 3] == ["MEMORY_OPTIMIZED", "=", "ON"] for i in range(len(words) - 2))


def record(conn: sqlite3.Connection, object_id: int, on: bool) -> None:
    """Mark (or unmark: an object_id can be used again) a new table."""
    conn.execute("DELETE FROM __azsql_meta WHERE key = ?", (_key(object_id),))
    if on:
        conn.execute("INSERT INTO __azsql_meta VALUES (?, 1)", (_key(object_id),))


def is_elevate_option(stmt: Statement) -> bool:
    """ALTER DATABASE ... SET MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = ON | OFF."""
    words = _words(stmt)
    return words[:2] == ["ALTER", "DATABASE"] and "MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT" in words


def set_elevate(conn: sqlite3.Connection, stmt: Statement) -> None:
    on = _words(stmt)[-1] == "ON"
    conn.execute("INSERT OR REPLACE INTO __azsql_meta VALUES (?, ?)", (_ELEVATE, int(on)))


def _marked(conn: sqlite3.Connection, key: str) -> bool:
    row = conn.execute("SELECT value FROM __azsql_meta WHERE key = ?", (key,)).fetchone()
    return row is not None and bool(row[0])


def check(conn: sqlite3.Connection, catalog: Catalog, tables: Iterable[exp.Table]) -> None:
    """Error 41368 for a statement of a user transaction that names a memory-optimized
    table without an isolation hint (`tables`: the statement's, Query.nodes)."""
    for table in tables:
        found = table_named(table, catalog)
        if found is None or found.object_id <= 0:
            continue
        if not _marked(conn, _key(found.object_id)) or _hinted(table):
            continue
        if _marked(conn, _ELEVATE):
            return
        raise TdsError(
            IMPLICIT_AND_EXPLICIT_TX_NOT_SUPPORTED,
            "Accessing memory optimized tables using the READ COMMITTED isolation level is"
            " supported only for autocommit transactions. It is not supported for explicit"
            " or implicit transactions. Provide a supported isolation level for the memory"
            " optimized table using a table hint, such as WITH (SNAPSHOT).",
            state=1,
        )


def _hinted(table: exp.Table) -> bool:
    return any(
        isinstance(hint, exp.WithTableHint)
        and any(e.name.upper() in _ISOLATION_HINTS for e in hint.expressions)
        for hint in table.args.get("hints") or []
    )
