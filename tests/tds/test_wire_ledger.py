"""Append-only ledger tables take INSERT only: UPDATE and DELETE fail with error 37359,
as SQL Server's do; an updatable ledger table takes all three. Both ODBC drivers."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    "statement", ["UPDATE dbo.Audit SET Note = 'b' WHERE ID = 1", "DELETE FROM dbo.Audit"]
)
def test_an_append_only_ledger_table_refuses_changes(
    cursor: closing[pyodbc.Cursor], statement: str
) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Audit")
        cur.execute("DROP TABLE IF EXISTS dbo.Kept")
        cur.execute(
            "CREATE TABLE dbo.Audit (ID int, Note nvarchar(10))"
            " WITH (LEDGER = ON (APPEND_ONLY = ON))"
        )
        cur.execute("CREATE TABLE dbo.Kept (ID int, Note nvarchar(10)) WITH (LEDGER = ON)")
        cur.execute("INSERT INTO dbo.Audit VALUES (1, 'a')")
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement)
        assert "Updates are not allowed for the append only Ledger table 'dbo.Audit'." in str(
            raised.value
        )
        assert "37359" in str(raised.value)
        cur.execute("INSERT INTO dbo.Kept VALUES (1, 'a')")
        cur.execute(statement.replace("Audit", "Kept"))
        assert cur.execute("SELECT COUNT(*) FROM dbo.Audit").fetchval() == 1
