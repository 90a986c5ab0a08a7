"""A computed column named by an INSERT's column list or an UPDATE's SET: SQL Server's
error 271, through both ODBC drivers; the other columns stay writable."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

COMPUTED = "cannot be modified because it is either a computed column"


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO dbo.Priced (Qty, Price, Total) VALUES (1, 1, 1)",
        "UPDATE dbo.Priced SET Total = 3 WHERE ID = 1",
        "UPDATE p SET p.Total = 3 FROM dbo.Priced AS p WHERE p.ID = 1",
    ],
)
def test_a_computed_column_is_refused_with_271(
    cursor: closing[pyodbc.Cursor], statement: str
) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Priced")
        cur.execute(
            "CREATE TABLE dbo.Priced (ID int IDENTITY PRIMARY KEY, Qty int, Price int,"
            " Total AS Qty * Price)"
        )
        cur.execute("INSERT INTO dbo.Priced (Qty, Price) VALUES (2, 5)")
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement)
        assert "(271)" in str(raised.value) and COMPUTED in str(raised.value)
        cur.execute("UPDATE dbo.Priced SET Qty = 3 WHERE ID = 1")
        assert cur.execute("SELECT Total FROM dbo.Priced").fetchval() == 15
