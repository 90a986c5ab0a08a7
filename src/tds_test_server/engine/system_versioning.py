"""System-versioned temporal tables at work, written from "Temporal tables" and "Modify data in a
system-versioned temporal table" (temporal_tables.py keeps the catalog side):

- the period columns (GENERATED ALWAYS AS ROW START / END) fill themselves: the start
  with the UTC time of the statement (SQL Server: of the transaction's start), the end
  with datetime2's last moment, 9999-12-31 23:59:59.9999999 at scale 7;
- UPDATE and DELETE copy each row as it was into the history table, its end set to the
  time of the change, and an UPDATE gives the row that time as its new start (SQLite
  triggers on the current table);
- naming a period column in an INSERT's column list (other than with DEFAULT) is 13536,
  in an UPDATE's SET 13537; writing to a history table is 13559, 13561 or 13560.

system_time.py reads them back (FOR SYSTEM_TIME).
"""

from __future__ import annotations

import sqlite3

from ..results import ColumnType, TdsError
from .catalog import Table
from .session_state import _q
from .temporal_tables import is_history_table, is_versioned, unlink

# The time of the statement, in the text SQLite keeps datetime2 as (scale 3 here).
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
_START, _END = 1, 2  # sys.columns.generated_always_type


def period_columns(conn: sqlite3.Connection, object_id: int) -> dict[int, int]:
    """{column_id: 1 (ROW START) or 2 (ROW END)} of a table's period columns."""
    rows = conn.execute(
        "SELECT column_id, generated_always_type FROM __azsql_column_features"
        " WHERE object_id = ? AND generated_always_type IN (1, 2)",
        (object_id,),
    )
    return dict(rows.fetchall())


def _now(ctype: ColumnType) -> str:
    """The statement's time at the column's scale (datetime2(0) keeps no fraction)."""
    scale = 7 if ctype.scale is None else ctype.scale
    if scale <= 3:
        return f"substr({_NOW}, 1, {19 + (scale + 1 if scale else 0)})"
    return f"({_NOW} || '{'0' * (scale - 3)}')"


def period_default(kind: int, ctype: ColumnType) -> str:
    """The DEFAULT that fills a period column: now for the start, the end of time for the end."""
    if kind == _START:
        return _now(ctype)
    scale = 7 if ctype.scale is None else ctype.scale
    return "'9999-12-31 23:59:59" + ("." + "9" * scale if scale else "") + "'"


def version(conn: sqlite3.Connection, table: Table, history: Table | None) -> None:
    """The triggers that keep `table`'s history in `history`: the old row, ended now, on
    UPDATE (of a column other than the period, identity and computed ones: an identity's
    own trigger updates its column after an INSERT) and on DELETE. Without a history
    (SYSTEM_VERSIONING = OFF) an UPDATE still moves the row's start ("Stop
    system-versioning on a system-versioned temporal table")."""
    periods = period_columns(conn, table.object_id)
    start = next((c for c in table.columns if periods.get(c.column_id) == _START), None)
    end = next((c for c in table.columns if periods.get(c.column_id) == _END), None)
    if start is None or end is None:
        return
    copy = ""
    if history is not None:
        kept = [c for c in table.columns if history.column(c.name) is not None]
        names = ", ".join(_q(c.name) for c in kept)
        old = ", ".join(_now(c.type) if c is end else f"OLD.{_q(c.name)}" for c in kept)
        copy = f"INSERT INTO {_q(history.sqlite_name)} ({names}) VALUES ({old});"
    changed = [
        _q(c.name)
        for c in table.columns
        if c.column_id not in periods and not c.is_identity and c.computed is None
    ]
    t = _q(table.sqlite_name)
    if changed:
        conn.execute(
            f"CREATE TRIGGER {_q(table.sqlite_name + '.__history_update')} AFTER UPDATE OF"
            f" {', '.join(changed)} ON {t} BEGIN {copy} UPDATE {t} SET {_q(start.name)} ="
            f" {_now(start.type)} WHERE rowid = NEW.rowid; END"
        )
    if history is not None:
        conn.execute(
            f"CREATE TRIGGER {_q(table.sqlite_name + '.__history_delete')} AFTER DELETE ON {t}"
            f" BEGIN {copy} END"
        )


def stop_versioning(conn: sqlite3.Connection, table: Table, database: str) -> None:
    """ALTER TABLE ... SET (SYSTEM_VERSIONING = OFF): two tables on their own, the history
    one a plain table; the period columns still fill themselves. 13591 on a table
    without SYSTEM_VERSIONING (a history table too)."""
    if not unlink(conn, table.object_id):
        raise TdsError(
            13591,
            "SYSTEM_VERSIONING is not turned ON for table"
            f" '{database}.{table.schema}.{table.name}'.",
        )
    for trigger in ("__history_update", "__history_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {_q(table.sqlite_name + '.' + trigger)}")
    version(conn, table, None)


def check_drop(conn: sqlite3.Connection, table: Table, database: str, truncate: bool) -> None:
    """DROP TABLE of a system-versioned table or its history table is 13552, TRUNCATE
    TABLE of a system-versioned table 13545, until SYSTEM_VERSIONING is OFF."""
    where = f"'{database}.{table.schema}.{table.name}'"
    if truncate and is_versioned(conn, table.object_id):
        raise TdsError(
            13545,
            f"Truncate failed on table {where} because it is not a supported operation on"
            " system-versioned tables.",
        )
    if not truncate and (
        is_versioned(conn, table.object_id) or is_history_table(conn, table.object_id)
    ):
        raise TdsError(
            13552,
            f"Drop table operation failed on table {where} because it is not a supported"
            " operation on system-versioned temporal tables.",
        )


_HISTORY_WRITES = {
    "insert": (13559, "Cannot insert rows in a temporal history table"),
    "update": (13561, "Cannot update rows in a temporal history table"),
    "delete": (13560, "Cannot delete rows from a temporal history table"),
}


def check_writes(
    conn: sqlite3.Connection, table: Table, kind: str, names: list[str], database: str
) -> None:
    """A write SQL Server refuses on a temporal table: any to a history table (13559,
    13561, 13560), and one naming a period column (13536 in an INSERT's column list,
    13537 in an UPDATE's SET). The history triggers write below this check."""
    where = f"{database}.{table.schema}.{table.name}"
    if kind in _HISTORY_WRITES and is_history_table(conn, table.object_id):
        number, text = _HISTORY_WRITES[kind]
        raise TdsError(number, f"{text} '{where}'.")
    periods = period_columns(conn, table.object_id)
    written = {n.casefold() for n in names}
    if not any(c.name.casefold() in written for c in table.columns if c.column_id in periods):
        return
    if kind == "update":
        raise TdsError(13537, f"Cannot update GENERATED ALWAYS columns in table '{where}'.")
    raise TdsError(
        13536,
        f"Cannot insert an explicit value into a GENERATED ALWAYS column in table '{where}'."
        " Use INSERT with a column list to exclude the GENERATED ALWAYS column, or insert a"
        " DEFAULT into GENERATED ALWAYS column.",
    )
