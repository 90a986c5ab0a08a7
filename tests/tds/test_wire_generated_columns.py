"""Columns SQL Server fills itself, named by an INSERT's column list or an UPDATE's
SET: error 271 for a computed column, 273 and 272 for a rowversion one, through both
ODBC drivers; the other columns stay writable."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("statement", "number", "text"),
    [
        (
            "INSERT INTO dbo.Priced (Qty, Price, Total) VALUES (1, 1, 1)",
            271,
            'The column "Total" cannot be modified because it is either a computed column',
        ),
        (
            "UPDATE dbo.Priced SET Total = 3 WHERE ID = 1",
            271,
            'The column "Total" cannot be modified because it is either a computed column',
        ),
        (
            "UPDATE p SET p.Total = 3 FROM dbo.Priced AS p WHERE p.ID = 1",
            271,
            'The column "Total" cannot be modified because it is either a computed column',
        ),
        (
            "INSERT INTO dbo.Priced (Qty, Price, Version) VALUES (1, 1, 0x01)",
            273,
            "Cannot insert an explicit value into a timestamp column. Use INSERT with a"
            " column list to exclude the timestamp column",
        ),
        (
            "UPDATE dbo.Priced SET version = 0x01 WHERE ID = 1",
            272,
            "Cannot update a timestamp column.",
        ),
    ],
)
def test_a_column_sql_server_fills_is_refused(
    cursor: closing[pyodbc.Cursor], statement: str, number: int, text: str
) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Priced")
        cur.execute(
            "CREATE TABLE dbo.Priced (ID int IDENTITY PRIMARY KEY, Qty int, Price int,"
            " Total AS Qty * Price, Version rowversion)"
        )
        cur.execute("INSERT INTO dbo.Priced (Qty, Price) VALUES (2, 5)")
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement)
        assert f"({number})" in str(raised.value) and text in str(raised.value)
        cur.execute("UPDATE dbo.Priced SET Qty = 3 WHERE ID = 1")
        assert cur.execute("SELECT Total FROM dbo.Priced").fetchval() == 15
