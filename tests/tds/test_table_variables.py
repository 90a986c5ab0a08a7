"""Table variables (`DECLARE @t TABLE (...)`) through both ODBC drivers: in a batch, a
procedure (by EXEC and by {CALL}) and a trigger; their columns' types, their constraints'
errors, their scope ("table (Transact-SQL)", "DECLARE @local_variable (Transact-SQL)") and
a ROLLBACK that leaves them as they were ("Variables (Transact-SQL)")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest
from engine_helpers import rows
from wire_results import result_sets, unique_name

from tds_test_server.engine.engine import Engine
from tds_test_server.results import SessionInfo, TdsError


def test_a_batch_fills_reads_updates_and_deletes_a_table_variable(
    cursor: closing[pyodbc.Cursor],
) -> None:
    source = unique_name("source")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{source} (id int PRIMARY KEY, name nvarchar(20))")
        cur.execute(f"INSERT dbo.{source} VALUES (1, N'Bikes'), (2, N'Helmets'), (3, N'Locks')")
        cur.execute(
            "SET NOCOUNT ON;"
            " DECLARE @t TABLE (n int IDENTITY(10, 5) PRIMARY KEY, id int NOT NULL,"
            " label nvarchar(20) DEFAULT N'none', price decimal(9, 2) CHECK (price >= 0),"
            " INDEX ix_id (id));"
            f" INSERT INTO @t (id, price) SELECT id, id * 1.5 FROM dbo.{source} WHERE id < 3;"
            " INSERT @t (id, label, price) VALUES (3, N'three', 0);"
            f" UPDATE a SET label = s.name FROM @t AS a JOIN dbo.{source} AS s ON s.id = a.id"
            " WHERE a.id = 1;"
            " DELETE FROM @t WHERE id = 2;"
            " SELECT t.n, t.id, t.label, t.price, s.name"
            f" FROM @t AS t JOIN dbo.{source} s ON s.id = t.id ORDER BY t.n"
        )
        assert [(d[0], d[1], d[4], d[5]) for d in cur.description] == [
            ("n", int, 10, 0),
            ("id", int, 10, 0),
            ("label", str, 20, 0),
            ("price", Decimal, 9, 2),
            ("name", str, 20, 0),
        ]
        assert [tuple(r) for r in cur.fetchall()] == [
            (10, 1, "Bikes", Decimal("1.50"), "Bikes"),
            (20, 3, "three", Decimal("0.00"), "Locks"),
        ]
        cur.execute(f"DROP TABLE dbo.{source}")


def test_values_are_converted_to_the_declared_column_types(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A string into a date, datetime2 or decimal column is converted as for a table, and
    a SELECT is typed by the declaration."""
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; DECLARE @t TABLE (d date, at datetime2(3), n decimal(10, 4),"
            " s varchar(5), b bit);"
            " INSERT @t VALUES ('2024-01-02', '2024-01-02 10:00:00.125', '2.5', 'abc', 1);"
            " UPDATE @t SET d = '03/04/2025';"
            " SELECT d, at, n, s, b FROM @t"
        )
        assert [(d[0], d[1], d[5]) for d in cur.description] == [
            ("d", dt.date, 0),
            ("at", dt.datetime, 3),
            ("n", Decimal, 4),
            ("s", str, 0),
            ("b", bool, 0),
        ]
        assert tuple(cur.fetchone()) == (
            dt.date(2025, 3, 4),
            dt.datetime(2024, 1, 2, 10, 0, 0, 125000),
            Decimal("2.5000"),
            "abc",
            True,
        )
        with pytest.raises(pyodbc.Error, match=r"\(245\)"):
            result_sets(cur.execute("DECLARE @t TABLE (a int); INSERT @t VALUES ('x')"))
        # PRINT reads it too (its text is read again as a batch's reader reads it)
        cur.execute(
            "DECLARE @t TABLE (a int); INSERT @t VALUES (4); PRINT (SELECT max(a) FROM @t)"
            " SELECT a FROM @t"
        )
        assert result_sets(cur) == [[(4,)]]


def test_a_table_variable_lives_for_its_batch_only(cursor: closing[pyodbc.Cursor]) -> None:
    """Out of its scope, or before its DECLARE, the name is Msg 1087; a second DECLARE in
    one scope is Msg 134 ("Database Engine events and errors (0 to 999)", "(1000 to
    1999)")."""
    with cursor as cur:
        cur.execute("DECLARE @t TABLE (a int); INSERT @t VALUES (1)")
        with pytest.raises(pyodbc.Error, match=r'Must declare the table variable "@t"\. \(1087\)'):
            result_sets(cur.execute("SELECT a FROM @t"))
        with pytest.raises(pyodbc.Error, match=r"\(1087\)"):
            result_sets(cur.execute("INSERT INTO @t VALUES (1); DECLARE @t TABLE (a int)"))
        # FROM in TRIM or IS DISTINCT FROM is no table's: an undeclared @s there is a
        # scalar variable's 137
        for sql in ("SELECT TRIM(' ' FROM @s)", "SELECT 1 WHERE 1 IS DISTINCT FROM @s"):
            with pytest.raises(pyodbc.Error, match=r'scalar variable "@s"\. \(137\)'):
                result_sets(cur.execute(sql))
        with pytest.raises(pyodbc.Error, match=r"'@t' has already been declared.*\(134\)"):
            result_sets(cur.execute("DECLARE @t TABLE (a int); DECLARE @t TABLE (b int)"))
        with pytest.raises(pyodbc.Error, match=r"\(134\)"):
            result_sets(cur.execute("DECLARE @t TABLE (a int); DECLARE @t int"))
        # sp_executesql's batch is a scope of its own: it does not see its caller's
        with pytest.raises(pyodbc.Error, match=r"\(1087\)"):
            result_sets(
                cur.execute("DECLARE @t TABLE (a int); EXEC sp_executesql N'SELECT a FROM @t'")
            )
        cur.execute(
            "EXEC sp_executesql N'DECLARE @t TABLE (a int); INSERT @t VALUES (@x);"
            " SELECT a FROM @t', N'@x int', @x = 4"
        )
        assert result_sets(cur) == [[(4,)]]
        # the same name in the next batch is a new, empty table
        cur.execute("DECLARE @t TABLE (a int); SELECT count(*) FROM @t")
        assert cur.fetchval() == 0


def test_constraint_errors_name_the_table_variable(cursor: closing[pyodbc.Cursor]) -> None:
    """2627 names the table 'dbo.@t' and its system-named key 'PK__#' and the object's
    hex name, 515 the table '@t', as messages captured from SQL Server show."""
    with cursor as cur:
        with pytest.raises(pyodbc.Error) as dup:
            result_sets(
                cur.execute(
                    "DECLARE @t TABLE (a int PRIMARY KEY, b int); INSERT @t VALUES (1, 1);"
                    " INSERT @t VALUES (1, 2)"
                )
            )
        assert "(2627)" in str(dup.value)
        assert "Violation of PRIMARY KEY constraint 'PK__#" in str(dup.value)
        assert (
            "Cannot insert duplicate key in object 'dbo.@t'. The duplicate key value is (1)."
            in str(dup.value)
        )
        with pytest.raises(pyodbc.Error, match=r"Violation of UNIQUE KEY constraint.*\(2627\)"):
            result_sets(cur.execute("DECLARE @u TABLE (a int UNIQUE); INSERT @u VALUES (1), (1)"))
        with pytest.raises(pyodbc.Error) as null:
            result_sets(cur.execute("DECLARE @t TABLE (a int NOT NULL); INSERT @t VALUES (NULL)"))
        assert (
            "Cannot insert the value NULL into column 'a', table '@t'; column does not allow"
            " nulls. INSERT fails. (515)" in str(null.value)
        )
        with pytest.raises(pyodbc.Error, match=r"CHECK constraint.*\(547\)"):
            result_sets(cur.execute("DECLARE @t TABLE (a int CHECK (a > 0)); INSERT @t VALUES (0)"))


def test_a_rollback_leaves_table_variables_as_they_were(cursor: closing[pyodbc.Cursor]) -> None:
    """ "Variables (Transact-SQL)": changes to variables are not affected by the rollback of
    a transaction; a table variable declared inside it stays too."""
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; DECLARE @t TABLE (a int PRIMARY KEY); INSERT @t VALUES (1);"
            " BEGIN TRAN; INSERT @t VALUES (2);"
            " DECLARE @u TABLE (n int IDENTITY, v int); INSERT @u (v) VALUES (5);"
            " ROLLBACK;"
            " INSERT @u (v) VALUES (6);"
            " SELECT a FROM @t ORDER BY a; SELECT n, v FROM @u ORDER BY n"
        )
        assert result_sets(cur) == [[(1,), (2,)], [(1, 5), (2, 6)]]


@pytest.fixture
def filled_procedure(cursor: closing[pyodbc.Cursor]) -> Iterator[tuple[pyodbc.Cursor, str]]:
    """A procedure that fills a table variable from its argument and returns its rows."""
    name = unique_name("dbo.fill_rows")
    with cursor as cur:
        cur.execute(
            f"CREATE PROCEDURE {name} @count int AS BEGIN SET NOCOUNT ON;"
            " DECLARE @rows TABLE (n int IDENTITY PRIMARY KEY, label nvarchar(10) NOT NULL);"
            " INSERT @rows (label) VALUES (N'one'), (N'two'), (N'three');"
            " SELECT n, label FROM @rows WHERE n <= @count ORDER BY n; END"
        )
        try:
            yield cur, name
        finally:
            cur.execute(f"DROP PROCEDURE {name}")


def test_a_procedure_fills_and_returns_a_table_variable(
    filled_procedure: tuple[pyodbc.Cursor, str],
) -> None:
    """By EXEC and by {CALL} (an RPC), each call with a new table variable (its identity
    starts again); the caller's table variable is not the procedure's."""
    cur, name = filled_procedure
    cur.execute(f"EXEC {name} 2")
    assert [tuple(r) for r in cur.fetchall()] == [(1, "one"), (2, "two")]
    assert [d[1] for d in cur.description] == [int, str]
    cur.execute(f"EXEC {name} @count = 3")
    assert [tuple(r) for r in cur.fetchall()] == [(1, "one"), (2, "two"), (3, "three")]
    assert [tuple(r) for r in cur.execute(f"{{CALL {name} (?)}}", 1).fetchall()] == [(1, "one")]
    # the caller's @rows stays its own, with its own columns
    cur.execute(
        f"SET NOCOUNT ON; DECLARE @rows TABLE (x int); INSERT @rows VALUES (7); EXEC {name} 1;"
        " SELECT x FROM @rows"
    )
    assert result_sets(cur) == [[(1, "one")], [(7,)]]


def test_a_procedure_naming_an_undeclared_table_variable_is_not_created(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """SQL Server refuses it at CREATE PROCEDURE (1087, severity 16): a procedure cannot
    see its caller's table variables, and its own are declared before they are used."""
    name = unique_name("dbo.read_callers")
    with cursor as cur:
        for body in ("SELECT a FROM @t", "INSERT @t VALUES (1); DECLARE @t TABLE (a int)"):
            with pytest.raises(pyodbc.Error, match=r'table variable "@t"\. \(1087\)'):
                cur.execute(f"CREATE PROCEDURE {name} AS {body}")
        with pytest.raises(pyodbc.Error, match=r"\(2812\)"):
            cur.execute(f"EXEC {name}")


def test_a_trigger_body_declares_a_table_variable(cursor: closing[pyodbc.Cursor]) -> None:
    """In its statements and in an IF's condition."""
    table, audit = unique_name("watched"), unique_name("audit")
    with cursor as cur:
        cur.execute(f"CREATE TABLE dbo.{table} (id int IDENTITY, name nvarchar(20))")
        cur.execute(f"CREATE TABLE dbo.{audit} (n int)")
        cur.execute(
            f"CREATE TRIGGER dbo.tr_{table} ON dbo.{table} AFTER INSERT AS BEGIN"
            " DECLARE @k TABLE (id int); INSERT @k SELECT id FROM inserted WHERE name <> N'skip';"
            f" IF EXISTS (SELECT 1 FROM @k) INSERT dbo.{audit} SELECT count(*) FROM @k;"
            f" ELSE INSERT dbo.{audit} VALUES (-1); END"
        )
        cur.execute(f"INSERT dbo.{table} (name) VALUES (N'a'), (N'b')")
        cur.execute(f"BEGIN TRAN; INSERT dbo.{table} (name) VALUES (N'skip'); COMMIT")
        assert [r[0] for r in cur.execute(f"SELECT n FROM dbo.{audit}").fetchall()] == [2, -1]
        cur.execute(f"DROP TABLE dbo.{table}; DROP TABLE dbo.{audit}")


def test_a_batchs_table_variables_are_gone_when_it_ends() -> None:
    """Each batch's table variables go with it, so the session keeps no table of them."""
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="db"))
        for _ in range(3):
            assert rows(s, "DECLARE @t TABLE (a int); INSERT @t VALUES (1); SELECT a FROM @t") == [
                (1,)
            ]
        with pytest.raises(TdsError):  # a failing batch ends its scope too
            rows(s, "DECLARE @t TABLE (a int PRIMARY KEY); INSERT @t VALUES (1), (1)")
        assert s.temp_tables == {}
        left = s.conn.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE '#%'")
        assert left.fetchall() == []
        s.close()


@pytest.mark.parametrize("ddl", ["", " CREATE TABLE #made (a int);"])
def test_a_rollback_does_not_bring_back_a_table_variable_whose_batch_ended(ddl: str) -> None:
    """A batch that ends inside a transaction drops its table variables in it; the
    ROLLBACK that undoes the drop (and, after DDL, puts back the temporary tables of
    BEGIN) drops them again."""
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="db"))
        rows(s, f"DECLARE @t TABLE (a int); INSERT @t VALUES (1); BEGIN TRAN;{ddl}")
        rows(s, "ROLLBACK")
        assert s.temp_tables == {}
        left = s.conn.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE '#%'")
        assert left.fetchall() == []
        assert rows(s, "DECLARE @t TABLE (b int); SELECT count(*) FROM @t") == [(0,)]
        s.close()
