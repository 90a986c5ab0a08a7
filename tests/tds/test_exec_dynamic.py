"""Dynamic SQL with EXEC through both ODBC drivers: `EXEC ('...')`, `EXECUTE (@sql)` and
strings joined by `+`, in a batch, in sp_executesql's batch and in a procedure's body.

From Microsoft's "EXECUTE (Transact-SQL)" (the "Execute a character string" form),
"SET Statements" (a SET in dynamic SQL is restored when its batch ends), "Ownership
Chains" (dynamic SQL runs with the caller's permissions) and "@@ROWCOUNT"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytest
from wire_logins import connector, set_up
from wire_results import result_sets, unique_name

from tds_test_server import ThreadedTdsServer


def test_strings_and_variables_joined_run_as_a_batch_with_results_in_order(
    cursor: closing[pyodbc.Cursor],
) -> None:
    table = unique_name("dyn")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{table} (id int, name nvarchar(20))")
        cur.execute(f"INSERT dbo.{table} VALUES (1, N'Bikes'), (2, N'Helmets'), (3, N'Locks')")
        cur.execute(
            "SET NOCOUNT ON; SELECT 0 AS first;"
            f" DECLARE @from nvarchar(50) = N' FROM dbo.{table}', @where nvarchar(50);"
            " SET @where = N' WHERE id > 1 ORDER BY id';"
            " EXEC (N'SELECT id, name' + @from + @where);"
            " EXECUTE ('SELECT ''it''''s'' AS quoted; EXEC (''SELECT 2 AS nested'')');"
            " SELECT 9 AS last"
        )
        assert result_sets(cur) == [
            [(0,)],
            [(2, "Helmets"), (3, "Locks")],
            [("it's",)],
            [(2,)],
            [(9,)],
        ]


def test_rowcount_after_exec_is_the_strings_last_statements(
    cursor: closing[pyodbc.Cursor],
) -> None:
    table = unique_name("counted")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{table} (id int)")
        cur.execute(
            "SET NOCOUNT ON;"
            f" EXEC ('INSERT dbo.{table} VALUES (1), (2), (3)'); SELECT @@ROWCOUNT AS n"
        )
        assert result_sets(cur) == [[(3,)]]


def test_the_string_has_its_own_scope_for_variables(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        with pytest.raises(pyodbc.Error, match=r'Must declare the scalar variable "@x"'):
            cur.execute("DECLARE @x int = 1; EXEC ('SELECT @x AS x')")
        with pytest.raises(pyodbc.Error, match=r'Must declare the scalar variable "@y"'):
            cur.execute("EXEC ('DECLARE @y int = 2'); SELECT @y")
        with pytest.raises(pyodbc.Error, match=r'Must declare the scalar variable "@nope"'):
            cur.execute("EXEC (@nope)")


def test_a_table_variable_is_the_callers_or_the_strings_own(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        with pytest.raises(pyodbc.Error, match=r'Must declare the table variable "@t"'):
            cur.execute("DECLARE @t TABLE (a int); EXEC ('SELECT a FROM @t')")
        cur.execute(
            "SET NOCOUNT ON;"
            " EXEC ('DECLARE @t TABLE (a int); INSERT @t VALUES (4); SELECT a FROM @t')"
        )
        assert result_sets(cur) == [[(4,)]]


def test_a_string_may_create_a_procedure_alone_in_its_batch(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """The usual "create it if missing" idiom: CREATE PROCEDURE must start its batch,
    and the string is one."""
    proc = unique_name("made")
    with cursor as cur:
        cur.execute(
            f"SET NOCOUNT ON; EXEC ('CREATE PROCEDURE dbo.{proc} AS SELECT 1 AS one');"
            f" EXEC dbo.{proc}"
        )
        assert result_sets(cur) == [[(1,)]]


def test_temporary_tables_and_set_options_across_the_string(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; CREATE TABLE #kept (n int);"
            " EXEC ('INSERT #kept VALUES (5); CREATE TABLE #made (m int); SET DATEFIRST 1;"
            " SELECT @@DATEFIRST AS inside');"
            " SELECT n, @@DATEFIRST AS after FROM #kept"
        )
        assert result_sets(cur) == [[(1,)], [(5, 7)]]
        # a temporary table the string made ended with it
        with pytest.raises(pyodbc.Error, match=r"Invalid object name '#made'"):
            cur.execute("SELECT m FROM #made")


def test_a_use_in_the_string_lasts_until_it_ends(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        before = cur.execute("SELECT DB_NAME()").fetchone()[0]
        assert before != "tempdb"
        cur.execute("EXEC ('USE tempdb; SELECT DB_NAME() AS inside'); SELECT DB_NAME() AS after")
        assert result_sets(cur) == [[("tempdb",)], [(before,)]]
        assert cur.execute("SELECT DB_NAME()").fetchone()[0] == before


def test_an_error_in_the_string_is_raised_as_in_a_batch(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        with pytest.raises(pyodbc.Error, match=r"Invalid object name 'dbo.nothere'"):
            cur.execute("EXEC ('SELECT * FROM dbo.nothere')")
        with pytest.raises(pyodbc.Error, match=r"Incorrect syntax near 'CAST'"):
            cur.execute("EXEC ('SELECT ' + CAST(1 AS varchar(5)))")


@pytest.mark.parametrize(
    "sql",
    [
        "EXEC ('SELECT 1') AT remote",
        "EXEC ('SELECT 1') AS USER = 'dbo'",
        "EXEC ('SELECT ?', 1)",
        "DECLARE @i int = 1; EXEC (@i)",
    ],
)
def test_forms_this_server_lacks_are_40517(cursor: closing[pyodbc.Cursor], sql: str) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match=r"40517"):
        cur.execute(sql)


def test_exec_in_sp_executesql_and_in_a_procedure_body(cursor: closing[pyodbc.Cursor]) -> None:
    table, proc = unique_name("searched"), unique_name("search")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{table} (id int, name nvarchar(20))")
        cur.execute(f"INSERT dbo.{table} VALUES (1, N'Bikes'), (2, N'Helmets'), (3, N'Locks')")
        cur.execute(
            f"CREATE PROCEDURE dbo.{proc} @name nvarchar(20) = NULL, @min int = NULL AS"
            " BEGIN SET NOCOUNT ON;"
            f" DECLARE @sql nvarchar(400) = N'SELECT id, name FROM dbo.{table} WHERE 1 = 1';"
            " SET @sql = @sql + COALESCE(N' AND name = N''' + @name + N'''', N'')"
            " + COALESCE(N' AND id >= ' + CAST(@min AS nvarchar(10)), N'') + N' ORDER BY id';"
            " EXEC (@sql) END"
        )
        cur.execute(f"EXEC dbo.{proc} @min = 2")
        assert result_sets(cur) == [[(2, "Helmets"), (3, "Locks")]]
        cur.execute(f"{{CALL dbo.{proc} (?, ?)}}", "Bikes", None)
        assert result_sets(cur) == [[(1, "Bikes")]]
        cur.execute(
            "EXEC sp_executesql N'EXEC (N''SELECT '' + @p)', N'@p nvarchar(20)', @p = N'7 AS seven'"
        )
        assert result_sets(cur) == [[(7,)]]


PASSWORD = "Dynamic-Pass1"
connect = connector(PASSWORD)


@pytest.fixture(scope="module")
def reader_server() -> Iterator[ThreadedTdsServer]:
    """`reader` may EXECUTE two procedures reading dbo.Secret; it holds no SELECT on it."""
    with ThreadedTdsServer(sample=True, logins=[f"reader:{PASSWORD}"]) as server:
        set_up(
            server,
            [
                "CREATE TABLE dbo.Secret (id int)",
                "INSERT dbo.Secret VALUES (1)",
                "ALTER ROLE db_datareader DROP MEMBER reader",
                "CREATE PROCEDURE dbo.read_static AS SELECT id FROM dbo.Secret",
                "CREATE PROCEDURE dbo.read_dynamic AS EXEC ('SELECT id FROM dbo.Secret')",
                "GRANT EXECUTE ON OBJECT::dbo.read_static TO reader",
                "GRANT EXECUTE ON OBJECT::dbo.read_dynamic TO reader",
            ],
        )
        yield server


def test_dynamic_sql_runs_with_the_callers_permissions(
    reader_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Ownership chaining lets the procedure's own SELECT through; its EXEC'd string is
    checked against the caller, who holds no SELECT on the table: 229."""
    with connect(reader_server, odbc_driver, "reader") as cnxn:
        cur = cnxn.cursor()
        assert result_sets(cur.execute("EXEC dbo.read_static")) == [[(1,)]]
        denied = (
            r"The SELECT permission was denied on the object 'Secret', database"
            r" 'AdventureWorksLT', schema 'dbo'\. \(229\)"
        )
        with pytest.raises(pyodbc.Error, match=denied):
            cur.execute("EXEC dbo.read_dynamic")
    with connect(reader_server, odbc_driver) as admin:
        assert result_sets(admin.cursor().execute("EXEC dbo.read_dynamic")) == [[(1,)]]
