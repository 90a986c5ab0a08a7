"""ALTER INDEX { name | ALL } ON table { DISABLE | REBUILD }: sys.indexes.is_disabled.

From Microsoft's "Disable indexes and constraints" and "Enable indexes and
constraints": a disabled index stays in the catalog (sys.indexes.is_disabled = 1)
until it is rebuilt or dropped; ALTER INDEX ... REBUILD enables it again. Only
nonclustered, non-unique indexes can be disabled here: disabling a clustered index
makes the table unreadable, and disabling a unique one disables the constraints and
foreign keys that depend on it, neither of which this test server models. Other
ALTER INDEX options (REORGANIZE, SET, REBUILD WITH ...) are refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..results import TdsError
from . import errors
from .batches import Statement
from .catalog import Catalog
from .token_stream import Tokens


def alter_index(
    conn: sqlite3.Connection,
    catalog: Catalog,
    resolve: Callable[[list[str]], tuple[str, str]],
    stmt: Statement,
) -> None:
    ts = Tokens(stmt)
    ts.expect("ALTER")
    ts.expect("INDEX")
    every = ts.accept("ALL")
    index_name = None if every else ts.name()
    ts.expect("ON")
    table_parts = ts.multipart()
    action = ts.peek_word() or ""
    if action not in ("DISABLE", "REBUILD"):
        raise errors.unsupported(f"ALTER INDEX ... {ts.peek_text('without an action')}")
    ts.next()
    if not ts.at_end():
        raise errors.unsupported(f"ALTER INDEX ... {action} with options")
    schema, name = resolve(table_parts)
    table = catalog.table(schema, name)
    if table is None or table.kind != "U":
        raise errors.invalid_object(".".join(table_parts))
    rows = conn.execute(
        "SELECT index_id, name, type, is_unique FROM __azsql_indexes"
        " WHERE object_id = ? AND index_id > 0 AND (? IS NULL OR name = ?)",
        (table.object_id, index_name, index_name),
    ).fetchall()
    if not rows:
        raise TdsError(
            1088,
            f'Cannot find the object "{index_name}" because it does not exist or you do not'
            " have permissions.",
        )
    if action == "DISABLE":
        for _, found, kind, unique in rows:
            if kind == 1 or unique:
                raise errors.unsupported(
                    f"Disabling the {'clustered' if kind == 1 else 'unique'} index '{found}'"
                )
    conn.executemany(
        "UPDATE __azsql_indexes SET is_disabled = ? WHERE object_id = ? AND index_id = ?",
        [(int(action == "DISABLE"), table.object_id, row[0]) for row in rows],
    )
