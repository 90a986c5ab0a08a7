"""Sequence objects (engine/sequences.py): CREATE/ALTER/DROP SEQUENCE, NEXT VALUE FOR in a
SELECT, an INSERT's VALUES and SELECT and a column's DEFAULT, and sys.sequences, as
"CREATE SEQUENCE (Transact-SQL)" and "sys.sequences" describe them. Both ODBC drivers."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer


def _fresh(cur: pyodbc.Cursor) -> None:
    for table in ("dbo.SeqRow", "dbo.SeqCopy"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute("DROP SEQUENCE IF EXISTS dbo.Ticket, dbo.Tiny")


def test_next_value_for_numbers_rows_in_every_place(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        _fresh(cur)
        cur.execute("CREATE SEQUENCE dbo.Ticket AS int START WITH 10 INCREMENT BY 5")
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 10
        cur.execute(
            "CREATE TABLE dbo.SeqRow (ID int DEFAULT (NEXT VALUE FOR dbo.Ticket), Note int)"
        )
        cur.execute("INSERT INTO dbo.SeqRow (Note) VALUES (1), (2)")
        cur.execute("CREATE TABLE dbo.SeqCopy (ID int, Note int)")
        cur.execute("INSERT INTO dbo.SeqCopy VALUES (NEXT VALUE FOR dbo.Ticket, 0)")
        cur.execute("INSERT INTO dbo.SeqCopy SELECT NEXT VALUE FOR Ticket, Note FROM dbo.SeqRow")
        assert [tuple(r) for r in cur.execute("SELECT * FROM dbo.SeqRow ORDER BY Note")] == [
            (15, 1),
            (20, 2),
        ]
        assert [r[0] for r in cur.execute("SELECT ID FROM dbo.SeqCopy ORDER BY ID")] == [
            25,
            30,
            35,
        ]
        row = cur.execute(
            "SELECT name, type_desc, start_value, increment, minimum_value, maximum_value,"
            " is_cycling, system_type_id, precision, current_value, last_used_value"
            " FROM sys.sequences WHERE name = 'Ticket'"
        ).fetchone()
        assert tuple(row) == ("Ticket", "SEQUENCE_OBJECT", 10, 5, -(2**31), 2**31 - 1, False,
                              56, 10, 35, 35)  # fmt: skip


def test_a_sequence_stops_at_its_bound_or_cycles(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        _fresh(cur)
        cur.execute("CREATE SEQUENCE dbo.Tiny AS tinyint MAXVALUE 2")
        assert [cur.execute("SELECT NEXT VALUE FOR dbo.Tiny").fetchval() for _ in range(3)] == [
            0,
            1,
            2,
        ]
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute("SELECT NEXT VALUE FOR dbo.Tiny")
        assert "(11728)" in str(raised.value)
        assert "'Tiny' has reached its minimum or maximum value" in str(raised.value)
        assert cur.execute("SELECT is_exhausted FROM sys.sequences").fetchval() == 1
        cur.execute("ALTER SEQUENCE dbo.Tiny RESTART WITH 2 CYCLE")
        assert [cur.execute("SELECT NEXT VALUE FOR dbo.Tiny").fetchval() for _ in range(2)] == [
            2,
            0,  # a cycle starts again at the minimum, not at START WITH
        ]


@pytest.mark.parametrize(
    ("statement", "number"),
    [
        ("CREATE SEQUENCE dbo.Tiny AS varchar(10)", 11702),
        ("CREATE SEQUENCE dbo.Tiny INCREMENT BY 0", 11700),
        ("CREATE SEQUENCE dbo.Tiny START WITH 5 MAXVALUE 3", 11703),
        ("CREATE SEQUENCE dbo.Tiny MINVALUE 5 MAXVALUE 3", 11705),
        ("SELECT NEXT VALUE FOR dbo.Tiny", 208),
        ("DROP SEQUENCE dbo.Tiny", 3701),
    ],
)
def test_sequence_errors(cursor: closing[pyodbc.Cursor], statement: str, number: int) -> None:
    with cursor as cur:
        _fresh(cur)
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement)
        assert f"({number})" in str(raised.value)


def test_a_value_handed_out_stays_used_after_a_rollback(cursor: closing[pyodbc.Cursor]) -> None:
    """ "Sequence Numbers", Limitations: values are made outside the transaction, used
    whether it commits or rolls back; a failed statement's too."""
    with cursor as cur:
        _fresh(cur)
        cur.execute("CREATE SEQUENCE dbo.Ticket AS int START WITH 1")
        cur.execute("CREATE TABLE dbo.SeqRow (ID int PRIMARY KEY, Note int)")
        cur.execute("BEGIN TRANSACTION")
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 1
        cur.execute("INSERT INTO dbo.SeqRow VALUES (NEXT VALUE FOR dbo.Ticket, 0)")
        cur.execute("ROLLBACK TRANSACTION")
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 3
        cur.execute("INSERT INTO dbo.SeqRow VALUES (5, 0)")
        cur.execute("INSERT INTO dbo.SeqRow SELECT NEXT VALUE FOR dbo.Ticket, 1")  # 4
        with pytest.raises(pyodbc.Error, match=r"\(2627\)"):  # 5 is taken
            cur.execute("INSERT INTO dbo.SeqRow SELECT NEXT VALUE FOR dbo.Ticket, 1")
        cur.execute("BEGIN TRANSACTION")
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 6
        with pytest.raises(pyodbc.Error, match=r"\(2627\)"):
            cur.execute("INSERT INTO dbo.SeqRow VALUES (5 + 0 * NEXT VALUE FOR dbo.Ticket, 1)")
        cur.execute("COMMIT TRANSACTION")
        row = cur.execute(
            "SELECT current_value, last_used_value FROM sys.sequences WHERE name = 'Ticket'"
        ).fetchone()
        assert tuple(row) == (7, 7)
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 8


def test_a_failed_procedure_call_keeps_its_values_used(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        _fresh(cur)
        cur.execute("DROP PROCEDURE IF EXISTS dbo.TakeTicket")
        cur.execute("CREATE SEQUENCE dbo.Ticket AS int START WITH 1")
        cur.execute("CREATE TABLE dbo.SeqRow (ID int PRIMARY KEY, Note int)")
        cur.execute("INSERT INTO dbo.SeqRow VALUES (1, 0)")
        cur.execute(
            "CREATE PROCEDURE dbo.TakeTicket AS"
            " INSERT INTO dbo.SeqRow VALUES (NEXT VALUE FOR dbo.Ticket, 1)"
        )
        with pytest.raises(pyodbc.Error, match=r"\(2627\)"):
            cur.execute("{CALL dbo.TakeTicket}")  # an RPC: 1 is taken
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 2


def test_a_failed_statement_leaves_another_sessions_values_alone(
    cursor: closing[pyodbc.Cursor], wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Values one session handed out outside a transaction are committed: a later failed
    statement of that session does not move the sequence past what another session made
    of it since (a RESTART, and its values)."""
    other = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with cursor as cur, closing(other):
        _fresh(cur)
        cur.execute("CREATE SEQUENCE dbo.Ticket AS int START WITH 1")
        assert [cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() for _ in range(3)] == [
            1,
            2,
            3,
        ]
        other.execute("ALTER SEQUENCE dbo.Ticket RESTART WITH 2")
        assert other.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 2
        with pytest.raises(pyodbc.Error, match=r"\(8134\)"):
            cur.execute("SELECT 1 / 0")
        assert cur.execute("SELECT NEXT VALUE FOR dbo.Ticket").fetchval() == 3
