"""The tables `azsql-mcp check` looks for in a declared statement
(diagnostics/table_access.py): the write's target with its permission, every other table
with SELECT, each once; no CTE, alias, temporary table or other database's table."""

from __future__ import annotations

from azsql_mcp.diagnostics.table_access import needed_permissions


def test_reads_and_a_writes_target() -> None:
    assert sorted(
        needed_permissions(
            "WITH recent AS (SELECT id FROM Sales.Orders) SELECT c.Name FROM dbo.Customer AS c"
            " JOIN recent AS r ON r.id = c.id JOIN [Sales].[Lines] l ON l.id = r.id"
        )
    ) == [
        ("[Sales].[Lines]", "SELECT", "Sales"),
        ("[Sales].[Orders]", "SELECT", "Sales"),
        ("[dbo].[Customer]", "SELECT", "dbo"),
    ]
    assert needed_permissions("INSERT INTO dbo.Notes (a) SELECT a FROM dbo.Src") == [
        ("[dbo].[Notes]", "INSERT", "dbo"),
        ("[dbo].[Src]", "SELECT", "dbo"),
    ]
    assert needed_permissions("DELETE FROM Items WHERE id IN (SELECT id FROM dbo.Gone)") == [
        ("[Items]", "DELETE", ""),
        ("[dbo].[Gone]", "SELECT", "dbo"),
    ]


def test_an_update_of_an_alias_needs_update_on_its_table() -> None:
    assert needed_permissions("UPDATE a SET n = 1 FROM dbo.Items AS a WHERE a.id = @id") == [
        ("[dbo].[Items]", "UPDATE", "dbo")
    ]


def test_tables_that_need_no_permission_here_are_left_out() -> None:
    assert needed_permissions("SELECT * FROM #t JOIN ##g ON 1 = 1") == []
    assert needed_permissions("SELECT * FROM OtherDb.dbo.T") == []
    assert needed_permissions("SELECT * FROM OPENJSON(@doc)") == []
    assert needed_permissions("SELECT * FROM sys.dm_exec_requests, INFORMATION_SCHEMA.TABLES") == []
    assert needed_permissions("SELECT (((") == []
