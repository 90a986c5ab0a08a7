"""Column ids after ALTER TABLE (engine/column_ids.py), through both ODBC drivers:
"sys.columns (Transact-SQL)" (column_id unique within the object, not always
sequential) and "sys.tables (Transact-SQL)" (max_column_id_used, the maximum column ID
ever used by the table)."""

from __future__ import annotations

from contextlib import closing

import pyodbc


def test_a_column_added_after_the_last_was_dropped_takes_a_new_id(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.ColumnIds")
        cur.execute("CREATE TABLE dbo.ColumnIds (a int, x int, b int, z int, y int)")
        cur.execute("INSERT INTO dbo.ColumnIds VALUES (1, 2, 3, 4, 5)")
        cur.execute("ALTER TABLE dbo.ColumnIds DROP COLUMN y")
        cur.execute("ALTER TABLE dbo.ColumnIds ADD w int")
        listed = cur.execute(
            "SELECT name, column_id FROM sys.columns"
            " WHERE object_id = OBJECT_ID('dbo.ColumnIds') ORDER BY column_id"
        ).fetchall()
        assert [tuple(r) for r in listed] == [("a", 1), ("x", 2), ("b", 3), ("z", 4), ("w", 6)]
        used = cur.execute(
            "SELECT max_column_id_used FROM sys.tables WHERE name = 'ColumnIds'"
        ).fetchone()[0]
        assert used == 6
        row = cur.execute("SELECT * FROM dbo.ColumnIds")
        assert [d[0] for d in row.description] == ["a", "x", "b", "z", "w"]
        assert tuple(row.fetchone()) == (1, 2, 3, 4, None)
        # a dropped table's ids go with it: a new table of the same name starts at 1
        cur.execute("DROP TABLE dbo.ColumnIds")
        cur.execute("CREATE TABLE dbo.ColumnIds (a int)")
        cur.execute("ALTER TABLE dbo.ColumnIds ADD b int")
        listed = cur.execute(
            "SELECT name, column_id FROM sys.columns"
            " WHERE object_id = OBJECT_ID('dbo.ColumnIds') ORDER BY column_id"
        ).fetchall()
        assert [tuple(r) for r in listed] == [("a", 1), ("b", 2)]
        cur.execute("DROP TABLE dbo.ColumnIds")
