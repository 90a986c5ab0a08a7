"""Columns SQL Server fills itself, named by an INSERT's column list or an UPDATE's SET:
errors 271 (a computed column), 273 and 272 (a rowversion column on INSERT and on
UPDATE), as SQL Server words them ("Database engine events and errors (0 to 999)"),
and 13536 and 13537 (a period column, system_versioning.py), where SQLite would fail
on its generated column with its own words (and store a rowversion value). A rowversion
column is binary(8) here and not filled; which columns are rowversion ones is kept in
__azsql_meta, key `rowversion:<object_id>`, a name a row, and rolls back with the DDL
that made it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sqlglot import exp

from ..results import TdsError
from .catalog import Table
from .ddl_parse import ColumnDef
from .system_versioning import check_writes
from .translate import Query


def _key(object_id: int) -> str:
    return f"rowversion:{object_id}"


def record(conn: sqlite3.Connection, object_id: int, columns: Sequence[ColumnDef]) -> None:
    """Mark a new table's rowversion column (or unmark: an object_id can be used again)."""
    conn.execute("DELETE FROM __azsql_meta WHERE key = ?", (_key(object_id),))
    for column in columns:
        if column.rowversion:
            conn.execute("INSERT INTO __azsql_meta VALUES (?, ?)", (_key(object_id), column.name))


def _rowversion(conn: sqlite3.Connection, object_id: int) -> str | None:
    row = conn.execute("SELECT value FROM __azsql_meta WHERE key = ?", (_key(object_id),))
    found = row.fetchone()
    return None if found is None else str(found[0]).casefold()


def check(conn: sqlite3.Connection, table: Table | None, q: Query, database: str) -> None:
    if table is None:
        return
    if q.kind == "insert":
        names = list(q.insert_columns or ())
    elif q.kind == "update":
        names = [
            eq.this.name
            for update in q.tsql.find_all(exp.Update)
            for eq in update.expressions
            if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column)
        ]
    else:  # a DELETE names no column
        names = []
    rowversion = _rowversion(conn, table.object_id)
    for name in names:
        column = table.column(name)
        if column is None:
            continue
        if column.computed is not None:
            raise TdsError(
                271,
                f'The column "{column.name}" cannot be modified because it is either a'
                " computed column or is the result of a UNION operator.",
            )
        if column.name.casefold() == rowversion:
            if q.kind == "update":
                raise TdsError(272, "Cannot update a timestamp column.")
            raise TdsError(
                273,
                "Cannot insert an explicit value into a timestamp column. Use INSERT with a"
                " column list to exclude the timestamp column, or insert a DEFAULT into the"
                " timestamp column.",
            )
    check_writes(conn, table, q.kind, names, database)
