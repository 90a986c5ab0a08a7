"""System-versioned temporal tables as the catalog shows them: CREATE TABLE ... WITH
(SYSTEM_VERSIONING = ON (HISTORY_TABLE = schema.name)) links the table to its history
table, creating that table (the same columns, no constraints) when it does not exist, as
"Create a system-versioned temporal table" describes; sys.tables then says which is
which (temporal_type, temporal_type_desc, history_table_id).

The catalog side: system_versioning.py fills the period columns and writes the history,
system_time.py reads it (FOR SYSTEM_TIME). The link lives in __azsql_meta
(key `history_table:<object_id>`, the history table's object_id) so it rolls back with
the DDL that made it.
"""

from __future__ import annotations

import sqlite3

from sqlglot.tokens import TokenType

from .token_stream import Tokens

_KEY = "history_table:"


def accept_system_versioning(ts: Tokens) -> list[str] | None:
    """The HISTORY_TABLE of a table option list WITH (SYSTEM_VERSIONING = ON (...)) at the
    cursor, consumed; None (nothing consumed) for any other options. A history table
    left unnamed is named MSSQL_TemporalHistoryFor_<object_id> by SQL Server: the caller
    names it so."""
    if ts.peek_word() != "WITH" or ts.peek_word(2) != "SYSTEM_VERSIONING":
        return None
    ts.next()
    ts.expect_type(TokenType.L_PAREN)
    ts.expect("SYSTEM_VERSIONING")
    ts.expect_type(TokenType.EQ)
    ts.expect("ON")
    history: list[str] = []
    if ts.accept_type(TokenType.L_PAREN):
        while not ts.accept_type(TokenType.R_PAREN):
            if ts.accept("HISTORY_TABLE"):
                ts.expect_type(TokenType.EQ)
                history = ts.multipart()
            else:
                ts.next()
    ts.expect_type(TokenType.R_PAREN)
    return history


def link(conn: sqlite3.Connection, object_id: int, history_id: int) -> None:
    conn.execute("INSERT INTO __azsql_meta VALUES (?, ?)", (f"{_KEY}{object_id}", history_id))


def unlink(conn: sqlite3.Connection, object_id: int) -> bool:
    """SYSTEM_VERSIONING = OFF: the table and its history table no longer linked; whether
    they were."""
    gone = conn.execute("DELETE FROM __azsql_meta WHERE key = ?", (f"{_KEY}{object_id}",))
    return gone.rowcount > 0


def is_versioned(conn: sqlite3.Connection, object_id: int) -> bool:
    """Whether the table of `object_id` has SYSTEM_VERSIONING on (is linked to a history
    table)."""
    found = conn.execute("SELECT 1 FROM __azsql_meta WHERE key = ?", (f"{_KEY}{object_id}",))
    return found.fetchone() is not None


def is_history_table(conn: sqlite3.Connection, object_id: int) -> bool:
    """Whether the table of `object_id` is some table's history table."""
    found = conn.execute(
        f"SELECT 1 FROM __azsql_meta WHERE key LIKE '{_KEY}%' AND value = ?", (object_id,)
    )
    return found.fetchone() is not None


def _is_history(object_id: str) -> str:
    # an IN list, built once a statement, not a scan of __azsql_meta a row
    return f"{object_id} IN (SELECT m.value FROM __azsql_meta m WHERE m.key LIKE '{_KEY}%')"


# The link of table `o` to its history table, joined into sys.tables (as `hist`) rather
# than looked up by a subquery a row: a join makes the view one SQLite materializes on
# the right of a LEFT JOIN, once a statement, and the integer history_table_id lets it
# index that. `LEFT JOIN sys.tables AS cur ON cur.history_table_id = o.object_id`
# (azsql-mcp's table list) so probes an index for each table, where a subquery had
# SQLite evaluate it for every pair of tables: 1.5 s of CPU on 2,000 tables.
HISTORY_JOIN = f"LEFT JOIN __azsql_meta hist ON hist.key = '{_KEY}' || o.object_id"

# sys.tables' temporal_type, temporal_type_desc and history_table_id of table `o`.
TEMPORAL_COLUMNS = (
    "CASE WHEN hist.value IS NOT NULL THEN 2"
    f" WHEN {_is_history('o.object_id')} THEN 1 ELSE 0 END,"
    " CASE WHEN hist.value IS NOT NULL THEN 'SYSTEM_VERSIONED_TEMPORAL_TABLE'"
    f" WHEN {_is_history('o.object_id')} THEN 'HISTORY_TABLE' ELSE 'NON_TEMPORAL_TABLE' END,"
    " CAST(hist.value AS INTEGER)"
)


def versioned_tables(conn: sqlite3.Connection) -> dict[int, tuple[str, str, str, str]]:
    """{object_id: (history schema, history name, ROW START column, ROW END column)} of
    the system-versioned tables, for FOR SYSTEM_TIME (system_versioning.py)."""
    rows = conn.execute(
        "SELECT o.object_id, s.name, h.name,"
        " (SELECT c.name FROM __azsql_columns c JOIN __azsql_column_features f"
        "  USING (object_id, column_id) WHERE c.object_id = o.object_id"
        "  AND f.generated_always_type = 1),"
        " (SELECT c.name FROM __azsql_columns c JOIN __azsql_column_features f"
        "  USING (object_id, column_id) WHERE c.object_id = o.object_id"
        "  AND f.generated_always_type = 2)"
        " FROM __azsql_meta m JOIN __azsql_objects o"
        f" ON o.object_id = CAST(substr(m.key, {len(_KEY) + 1}) AS INTEGER)"
        " JOIN __azsql_objects h ON h.object_id = m.value"
        " JOIN __azsql_schemas s ON s.schema_id = h.schema_id"
        # the keys that start with _KEY, a range of the key's index: every reload asks,
        # and a look at __azsql_meta for each object cost as much as the catalog's size
        f" WHERE m.key >= '{_KEY}' AND m.key < '{_KEY[:-1]}{chr(ord(_KEY[-1]) + 1)}'"
    )
    return {oid: (schema, name, start, end) for oid, schema, name, start, end in rows if start}
