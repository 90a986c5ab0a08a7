"""Column ids of a table. "sys.columns (Transact-SQL)": column_id is unique within the
object and might not be sequential; "sys.tables (Transact-SQL)": max_column_id_used is
the maximum column ID ever used by the table. So a column added by ALTER TABLE takes
the id after the largest ever used, not after the largest left: one added after the
last column was dropped does not take the dropped column's id. Once a DROP COLUMN
removes the largest id from __azsql_columns, __azsql_meta keeps it.
"""

from __future__ import annotations

import sqlite3

_KEY = "max_column_id_used:"

# sys.tables.max_column_id_used of the table `o` (SQLite's max() of two values).
MAX_USED_SQL = (
    "max(coalesce((SELECT max(column_id) FROM __azsql_columns c"
    " WHERE c.object_id = o.object_id), 0), coalesce((SELECT value FROM __azsql_meta m"
    f" WHERE m.key = '{_KEY}' || o.object_id), 0))"
)

# Forgets a dropped table's largest id (an object_id can be used again); binds its id.
FORGET_SQL = f"DELETE FROM __azsql_meta WHERE key = '{_KEY}' || ?"


def max_used(conn: sqlite3.Connection, object_id: int) -> int:
    row = conn.execute(f"SELECT {MAX_USED_SQL} FROM (SELECT ? AS object_id) o", (object_id,))
    return int(row.fetchone()[0])


def keep_max_used(conn: sqlite3.Connection, object_id: int) -> None:
    """Before a DROP COLUMN deletes a column's row: remember the largest id used."""
    conn.execute(
        "INSERT OR REPLACE INTO __azsql_meta VALUES (?, ?)",
        (f"{_KEY}{object_id}", max_used(conn, object_id)),
    )
