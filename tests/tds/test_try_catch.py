"""TRY...CATCH in batches, dynamic batches and procedures through both ODBC drivers
(engine/try_catch.py; Microsoft's "TRY...CATCH", "THROW", the ERROR_* function pages,
"XACT_STATE" and "SET XACT_ABORT")."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest
from wire_results import result_sets, unique_name

_ERROR = (
    "SELECT ERROR_NUMBER(), ERROR_SEVERITY(), ERROR_STATE(), ERROR_LINE(),"
    " ERROR_PROCEDURE(), ERROR_MESSAGE()"
)


def failure(cur: pyodbc.Cursor, sql: str) -> str:
    with pytest.raises(pyodbc.Error) as caught:
        cur.execute(sql)
        while cur.nextset():
            pass
    return str(caught.value)


def _table(cur: pyodbc.Cursor) -> str:
    """A table with a primary key (2627), a CHECK (547) and one row, id 1."""
    table = unique_name("dbo.accounts")
    cur.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, balance int CHECK (balance >= 0))")
    cur.execute(f"INSERT {table} VALUES (1, 10)")
    return table


def test_caught_constraint_errors_give_the_error_functions(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A duplicate key (2627, severity 14) and a CHECK conflict (547, state 0) run the
    CATCH block, nothing reaches the client, and the batch goes on after END CATCH."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"SET NOCOUNT ON\nBEGIN TRY\n  INSERT {table} VALUES (1, 5)\nEND TRY\n"
            f"BEGIN CATCH\n  {_ERROR}\nEND CATCH\n"
            f"BEGIN TRY\n  UPDATE {table} SET balance = -1 WHERE id = 1\nEND TRY\n"
            f"BEGIN CATCH\n  {_ERROR}\nEND CATCH\nSELECT 'after'"
        )
        duplicate, conflict, after = result_sets(cur)
        assert duplicate[0][:5] == (2627, 14, 1, 3, None)
        assert duplicate[0][5].startswith("Violation of PRIMARY KEY constraint")
        assert f"Cannot insert duplicate key in object '{table}'" in duplicate[0][5]
        assert conflict[0][:5] == (547, 16, 0, 9, None)
        assert conflict[0][5].startswith("The UPDATE statement conflicted with the CHECK")
        assert after == [("after",)]
        cur.execute(f"SELECT ERROR_NUMBER(), ERROR_MESSAGE(), XACT_STATE(), balance FROM {table}")
        assert [tuple(r) for r in cur.fetchall()] == [
            (None, None, 0, 10)
        ]  # NULL outside a CATCH block


def test_throw_without_arguments_raises_the_caught_error_again(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """`THROW;` sends the caught error as it was (its number and text); outside a CATCH
    block it is 10704."""
    with cursor as cur:
        table = _table(cur)
        found = failure(
            cur,
            f"BEGIN TRY INSERT {table} VALUES (1, 1) END TRY BEGIN CATCH PRINT 'caught'; THROW;"
            " END CATCH",
        )
        assert "(2627)" in found and "Violation of PRIMARY KEY constraint" in found
        assert "(10704)" in failure(cur, "THROW;")


def test_a_catch_block_rolls_the_transaction_back(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"SET NOCOUNT ON; BEGIN TRY BEGIN TRAN; INSERT {table} VALUES (2, 2);"
            f" INSERT {table} VALUES (3, -3); COMMIT END TRY"
            " BEGIN CATCH SELECT XACT_STATE(), @@TRANCOUNT; IF @@TRANCOUNT > 0 ROLLBACK;"
            f" END CATCH; SELECT @@TRANCOUNT, count(*) FROM {table}"
        )
        # XACT_ABORT OFF: the transaction may still commit (XACT_STATE 1)
        assert result_sets(cur) == [[(1, 1)], [(0, 1)]]


def test_xact_abort_leaves_the_transaction_uncommittable(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """Under XACT_ABORT ON an error in a TRY block dooms the transaction: XACT_STATE() is
    -1, COMMIT and writes are 3930, ROLLBACK ends it; a batch that ends with it open rolls
    it back with 3998."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"SET NOCOUNT ON; SET XACT_ABORT ON; BEGIN TRY BEGIN TRAN; INSERT {table}"
            f" VALUES (2, 2); INSERT {table} VALUES (1, 1); COMMIT END TRY BEGIN CATCH"
            " SELECT XACT_STATE(), @@TRANCOUNT; BEGIN TRY COMMIT END TRY BEGIN CATCH"
            " SELECT ERROR_NUMBER() END CATCH; IF XACT_STATE() = -1 ROLLBACK;"
            f" SELECT XACT_STATE() END CATCH; SELECT count(*) FROM {table}"
        )
        assert result_sets(cur) == [[(-1, 1)], [(3930,)], [(0,)], [(1,)]]
        found = failure(
            cur,
            f"BEGIN TRY BEGIN TRAN; INSERT {table} VALUES (2, 2); INSERT {table} VALUES (1, 1)"
            " END TRY BEGIN CATCH SELECT 1 END CATCH",
        )
        assert "(3998)" in found
        cur.execute(f"SELECT @@TRANCOUNT, count(*) FROM {table}")
        assert [tuple(r) for r in cur.fetchall()] == [(0, 1)]


def test_nested_try_blocks(cursor: closing[pyodbc.Cursor]) -> None:
    """The innermost TRY's CATCH runs; an error there goes to the outer CATCH, where the
    functions give the outer error; one inside a WHILE and an IF is caught each round."""
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; BEGIN TRY BEGIN TRY SELECT 1 / 0 END TRY BEGIN CATCH"
            " SELECT ERROR_NUMBER(); THROW 50001, 'from the inner CATCH', 5; END CATCH"
            " END TRY BEGIN CATCH SELECT ERROR_NUMBER(), ERROR_STATE(), ERROR_MESSAGE()"
            " END CATCH"
        )
        assert result_sets(cur) == [[(8134,)], [(50001, 5, "from the inner CATCH")]]
        cur.execute(
            "SET NOCOUNT ON; DECLARE @i int = 0; WHILE @i < 3 BEGIN SET @i += 1;"
            " BEGIN TRY IF @i = 2 SELECT 1 / 0 ELSE SELECT @i END TRY"
            " BEGIN CATCH SELECT -ERROR_NUMBER() END CATCH END"
        )
        assert result_sets(cur) == [[(1,)], [(-8134,)], [(3,)]]


def test_a_procedure_that_throws_from_its_catch_block(cursor: closing[pyodbc.Cursor]) -> None:
    """The usual write procedure: its CATCH rolls back and THROWs; the client gets SQL
    Server's error, the caller's own TRY catches it with the procedure's name and the
    line in its definition, and nothing is written."""
    with cursor as cur:
        table = _table(cur)
        proc = unique_name("dbo.transfer")
        cur.execute(
            f"CREATE PROCEDURE {proc} @id int, @amount int AS\nBEGIN\n  SET NOCOUNT ON;\n"
            f"  BEGIN TRY\n    BEGIN TRAN;\n    INSERT {table} VALUES (@id, 0);\n"
            f"    UPDATE {table} SET balance = balance - @amount WHERE id = 1;\n"
            "    COMMIT;\n  END TRY\n  BEGIN CATCH\n    IF @@TRANCOUNT > 0 ROLLBACK;\n"
            "    THROW;\n  END CATCH\nEND"
        )
        found = failure(cur, f"EXEC {proc} @id = 2, @amount = 50")
        assert "(547)" in found and "conflicted with the CHECK constraint" in found
        cur.execute(
            f"SET NOCOUNT ON; BEGIN TRY EXEC {proc} 2, 50 END TRY BEGIN CATCH"
            f" SELECT ERROR_NUMBER(), ERROR_PROCEDURE(), ERROR_LINE(), @@TRANCOUNT END CATCH;"
            f" SELECT id, balance FROM {table}"
        )
        assert result_sets(cur) == [[(547, proc, 7, 0)], [(1, 10)]]
        cur.execute(f"EXEC {proc} 2, 5")  # no error: the transfer is written
        cur.execute(f"SELECT id, balance FROM {table} ORDER BY id")
        assert [tuple(r) for r in cur.fetchall()] == [(1, 5), (2, 0)]


def test_what_a_try_block_does_not_catch(cursor: closing[pyodbc.Cursor]) -> None:
    """Severity 10 is a message and the TRY block runs on; a name that does not bind in
    the TRY block's own statement reaches the client, one in a lower level (EXEC of a
    string) is caught (the TRY...CATCH page's "Errors unaffected")."""
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; BEGIN TRY RAISERROR('only a note', 10, 1); SELECT 'ran on'"
            " END TRY BEGIN CATCH SELECT 'caught' END CATCH"
        )
        assert any(text.endswith("only a note") for _, text in cur.messages)
        assert result_sets(cur) == [[("ran on",)]]
        missing = unique_name("dbo.missing")
        found = failure(
            cur, f"BEGIN TRY SELECT * FROM {missing} END TRY BEGIN CATCH SELECT 1 END CATCH"
        )
        assert "(208)" in found
        cur.execute(
            f"SET NOCOUNT ON; BEGIN TRY EXEC ('SELECT * FROM {missing}') END TRY"
            " BEGIN CATCH SELECT ERROR_NUMBER() END CATCH"
        )
        assert result_sets(cur) == [[(208,)]]


def test_the_syntax_around_try_and_catch(cursor: closing[pyodbc.Cursor]) -> None:
    """A statement between END TRY and BEGIN CATCH, or a TRY block without its CATCH
    block, is a syntax error; an empty CATCH block swallows the error."""
    with cursor as cur:
        assert "Incorrect syntax" in failure(
            cur, "BEGIN TRY SELECT 1 END TRY SELECT 2 BEGIN CATCH SELECT 3 END CATCH"
        )
        assert "Incorrect syntax" in failure(cur, "BEGIN TRY SELECT 1 END TRY")
        cur.execute(
            "SET NOCOUNT ON; BEGIN TRY DECLARE @x int = 1 / 0 END TRY BEGIN CATCH END CATCH;"
            " SELECT 'after'"
        )
        assert result_sets(cur) == [[("after",)]]


def test_a_procedure_called_from_a_catch_block_reads_its_error(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """The ERROR_* functions answer anywhere in the CATCH block's scope, a procedure it
    calls included; in sp_executesql's batch ERROR_LINE is the line in that batch."""
    with cursor as cur:
        proc = unique_name("dbo.log_error")
        cur.execute(f"CREATE PROCEDURE {proc} AS SELECT ERROR_NUMBER(), ERROR_LINE()")
        cur.execute(
            f"SET NOCOUNT ON; BEGIN TRY SELECT CAST('x' AS int) END TRY BEGIN CATCH EXEC {proc}"
            " END CATCH; EXEC sp_executesql N'SELECT 1\nBEGIN TRY\nSELECT 1 / 0\nEND TRY\n"
            "BEGIN CATCH\nSELECT ERROR_LINE()\nEND CATCH'"
        )
        assert result_sets(cur) == [[(245, 1)], [(1,)], [(3,)]]


def test_an_error_in_a_later_row_of_a_result_set_is_caught(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A row past the first the server reads ahead (1000) that fails: the error is met
    while the rows are read, and inside a TRY block that runs the CATCH block too."""
    with cursor as cur:
        table = unique_name("dbo.numbers")
        cur.execute(
            f"SET NOCOUNT ON; CREATE TABLE {table} (i int); WITH c AS (SELECT 1 AS i UNION ALL"
            f" SELECT i + 1 FROM c WHERE i < 3000) INSERT {table} SELECT i FROM c"
            " OPTION (MAXRECURSION 0)"
        )
        cur.execute(
            f"SET NOCOUNT ON; BEGIN TRY SELECT 1 / (i - 2500) FROM {table} END TRY"
            " BEGIN CATCH SELECT ERROR_NUMBER() END CATCH"
        )
        assert result_sets(cur)[-1] == [(8134,)]


def test_an_error_in_a_trigger_inside_a_try_block(cursor: closing[pyodbc.Cursor]) -> None:
    """The CATCH block names the trigger (ERROR_PROCEDURE); XACT_ABORT is ON in a trigger,
    so the session's transaction is left uncommittable rather than rolled back at once."""
    with cursor as cur:
        table = unique_name("dbo.entries")
        trigger = unique_name("dbo.entries_check")
        cur.execute(f"CREATE TABLE {table} (a int)")
        cur.execute(
            f"CREATE TRIGGER {trigger} ON {table} AFTER INSERT AS IF EXISTS (SELECT 1 FROM"
            " inserted WHERE a < 0) THROW 50002, 'no negative entries', 1;"
        )
        cur.execute(
            f"SET NOCOUNT ON; BEGIN TRAN; BEGIN TRY INSERT {table} VALUES (-1) END TRY"
            " BEGIN CATCH SELECT ERROR_NUMBER(), ERROR_PROCEDURE(), XACT_STATE(), @@TRANCOUNT;"
            f" ROLLBACK END CATCH; SELECT @@TRANCOUNT, count(*) FROM {table}"
        )
        assert result_sets(cur) == [[(50002, trigger, -1, 1)], [(0, 0)]]


def test_at_at_error_in_a_catch_block(cursor: closing[pyodbc.Cursor]) -> None:
    """@@ERROR is the last statement's error number: the caught one in the CATCH block's
    first statement, 0 after any statement that ran ("@@ERROR (Transact-SQL)")."""
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; BEGIN TRY SELECT CAST('x' AS int) END TRY BEGIN CATCH"
            " SELECT @@ERROR; SELECT @@ERROR, ERROR_NUMBER() END CATCH"
        )
        assert result_sets(cur) == [[(245,)], [(0, 245)]]


def test_the_types_of_the_error_functions(cursor: closing[pyodbc.Cursor]) -> None:
    """int, nvarchar(4000), nvarchar(128) and smallint, as their pages give them, not
    typed by their values (a NULL ERROR_PROCEDURE is still nvarchar)."""
    with cursor as cur:
        cur.execute(
            "SELECT ERROR_NUMBER() AS n, ERROR_MESSAGE() AS m, ERROR_PROCEDURE() AS p,"
            " XACT_STATE() AS x"
        )
        sizes = [(d[0], d[1], d[3]) for d in cur.description]
        assert sizes == [("n", int, 10), ("m", str, 4000), ("p", str, 128), ("x", int, 5)]
