"""INSTEAD OF triggers on tables through both ODBC drivers, as CREATE TRIGGER describes
them: the trigger runs in the statement's place with `inserted` and `deleted` holding the
rows the statement would have changed; a write of its own to the table does not fire it
again but fires the table's AFTER triggers; the statement still reports the rows it would
have changed (SQL Server 2012 Bible, "INSTEAD OF triggers": an INSERT a PRINT-only
INSTEAD OF trigger replaced reports "(1 row(s) affected)" and no row is there)."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest
from wire_logins import rows, scalar

_names = itertools.count()


def _table(cur: pyodbc.Cursor) -> str:
    t = f"dbo.instead_{next(_names)}"
    cur.execute(
        f"CREATE TABLE {t} (Id int NOT NULL PRIMARY KEY, Qty int NOT NULL,"
        " Deleted bit NOT NULL DEFAULT 0)"
    )
    cur.execute(f"INSERT INTO {t} (Id, Qty) VALUES (1, 1), (2, 2), (3, 3)")
    return t


def _last_count(cur: pyodbc.Cursor, sql: str) -> int:
    cur.execute(sql)
    count = cur.rowcount
    while cur.nextset():
        count = cur.rowcount
    return count


def test_a_soft_delete_reports_the_rows_it_replaced(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        log = f"{t}_log"
        cur.execute(f"CREATE TABLE {log} (Id int, Deleted bit)")
        cur.execute(
            f"CREATE TRIGGER {t}_soft ON {t} INSTEAD OF DELETE AS\n"
            "BEGIN\n"
            "  SET NOCOUNT ON;\n"
            "  UPDATE t SET Deleted = 1 FROM " + t + " AS t JOIN deleted AS d ON d.Id = t.Id;\n"
            "END"
        )
        cur.execute(
            f"CREATE TRIGGER {t}_after ON {t} AFTER UPDATE, DELETE AS\n"
            f"INSERT INTO {log} SELECT Id, Deleted FROM inserted"
        )
        assert _last_count(cur, f"DELETE FROM {t} WHERE Id <= 2") == 2
        assert scalar(cur.connection, "SELECT @@ROWCOUNT") == 2  # the statement's own
        assert rows(cur.connection, f"SELECT Id, Deleted FROM {t} ORDER BY Id") == [
            (1, True),
            (2, True),
            (3, False),
        ]
        # the AFTER trigger fired for the body's UPDATE, not for the DELETE
        assert rows(cur.connection, f"SELECT Id, Deleted FROM {log} ORDER BY Id") == [
            (1, True),
            (2, True),
        ]
        assert rows(
            cur.connection,
            "SELECT name, is_instead_of_trigger FROM sys.triggers"
            f" WHERE parent_id = OBJECT_ID('{t}') ORDER BY name",
        ) == [(f"{t[4:]}_after", False), (f"{t[4:]}_soft", True)]


def test_an_insert_a_trigger_replaced_reports_its_rows(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(
            f"CREATE TRIGGER {t}_ins ON {t} INSTEAD OF INSERT, UPDATE AS\n"
            "IF EXISTS (SELECT 1 FROM inserted WHERE Qty < 0)\n"
            "  THROW 50001, N'Qty must not be negative.', 1;\n"
            "ELSE IF NOT EXISTS (SELECT 1 FROM deleted)\n"
            f"  INSERT INTO {t} (Id, Qty) SELECT Id, Qty * 10 FROM inserted;\n"
        )
        assert _last_count(cur, f"INSERT INTO {t} (Id, Qty) VALUES (4, 4), (5, 5)") == 2
        # an UPDATE the trigger does nothing for: no row changes, its count is still 3
        assert _last_count(cur, f"UPDATE {t} SET Qty = 0 WHERE Id <= 3") == 3
        assert rows(cur.connection, f"SELECT Id, Qty FROM {t} ORDER BY Id") == [
            (1, 1),
            (2, 2),
            (3, 3),
            (4, 40),
            (5, 50),
        ]
        with pytest.raises(pyodbc.Error, match=r"Qty must not be negative.*50001"):
            cur.execute(f"INSERT INTO {t} (Id, Qty) VALUES (6, -1)")
        assert scalar(cur.connection, f"SELECT COUNT(*) FROM {t}") == 5


def test_instead_of_on_a_view_is_not_modelled(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(f"CREATE VIEW {t}_v AS SELECT Id, Qty FROM {t}")
        with pytest.raises(pyodbc.Error, match=r"INSTEAD OF triggers on views.*40517"):
            cur.execute(f"CREATE TRIGGER {t}_vi ON {t}_v INSTEAD OF INSERT AS RETURN")


def test_one_instead_of_trigger_per_action(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(f"CREATE TRIGGER {t}_a ON {t} INSTEAD OF DELETE AS RETURN")
        with pytest.raises(pyodbc.Error, match=r"an INSTEAD OF DELETE trigger already.*2111"):
            cur.execute(f"CREATE TRIGGER {t}_b ON {t} INSTEAD OF UPDATE, DELETE AS RETURN")
        cur.execute(f"CREATE TRIGGER {t}_b ON {t} INSTEAD OF UPDATE AS RETURN")
        cur.execute(f"CREATE OR ALTER TRIGGER {t}_a ON {t} INSTEAD OF DELETE, INSERT AS RETURN")


def test_no_instead_of_delete_on_a_table_whose_key_cascades(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(
            f"CREATE TABLE {t}_lines (Id int NOT NULL PRIMARY KEY, ItemId int"
            f" REFERENCES {t} (Id) ON DELETE CASCADE)"
        )
        with pytest.raises(pyodbc.Error, match=r"FOREIGN KEY with cascading.*2113"):
            cur.execute(f"CREATE TRIGGER {t}_l ON {t}_lines INSTEAD OF DELETE AS RETURN")
        # an UPDATE action it has not: INSTEAD OF UPDATE is allowed
        cur.execute(f"CREATE TRIGGER {t}_l ON {t}_lines INSTEAD OF UPDATE AS RETURN")
