"""Control flow in a trigger's body through both ODBC drivers, as the IF...ELSE,
BEGIN...END, UPDATE(), COLUMNS_UPDATED() and RAISERROR pages describe it: IF UPDATE(col)
is TRUE for every column of an INSERT and the SET list of an UPDATE, COLUMNS_UPDATED() has
a bit per column_id, IF EXISTS (SELECT ... FROM inserted) and IF @@ROWCOUNT = 0 RETURN
guard the body, DECLARE and SET hold values, RAISERROR of severity 16 sends its error and
the body runs on."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest
from wire_logins import rows, scalar

_names = itertools.count()


def _tables(cur: pyodbc.Cursor) -> tuple[str, str]:
    n = next(_names)
    cur.execute(
        f"CREATE TABLE dbo.flow_{n} (Id int NOT NULL PRIMARY KEY, Qty int NOT NULL,"
        " Note nvarchar(20) NULL)"
    )
    cur.execute(f"CREATE TABLE dbo.flow_log_{n} (Id int, What nvarchar(20))")
    return f"dbo.flow_{n}", f"dbo.flow_log_{n}"


def test_if_update_tests_the_columns_the_statement_writes(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        t, log = _tables(cur)
        cur.execute(
            f"CREATE TRIGGER dbo.{t[4:]}_qty ON {t} AFTER INSERT, UPDATE AS\n"
            "SET NOCOUNT ON;\n"
            "IF UPDATE(Qty)\n"
            "BEGIN\n"
            f"  INSERT INTO {log} SELECT Id, 'qty' FROM inserted;\n"
            "  IF NOT UPDATE(Note) AND (COLUMNS_UPDATED() & 2) = 2\n"
            f"    INSERT INTO {log} SELECT Id, 'qty only' FROM inserted;\n"
            "END\n"
            f"ELSE INSERT INTO {log} SELECT Id, 'other' FROM inserted"
        )
        cur.execute(f"INSERT INTO {t} (Id, Qty) VALUES (1, 10)")  # every column: UPDATE() TRUE
        cur.execute(f"UPDATE {t} SET Qty = Qty WHERE Id = 1")  # TRUE though nothing changed
        cur.execute(f"UPDATE {t} SET Note = N'x' WHERE Id = 1")
        assert rows(cur.connection, f"SELECT Id, What FROM {log}") == [
            (1, "qty"),
            (1, "qty"),
            (1, "qty only"),
            (1, "other"),
        ]


def test_columns_updated_is_a_varbinary_substring_takes_its_bytes(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A table of ten columns: COLUMNS_UPDATED() has two bytes, the second for columns 9
    and 10 (the COLUMNS_UPDATED page's SUBSTRING(COLUMNS_UPDATED(), n, 1) & mask)."""
    with cursor as cur:
        n = next(_names)
        t, log = f"dbo.wide_{n}", f"dbo.wide_log_{n}"
        cols = ", ".join(f"C{i} int NULL" for i in range(2, 11))
        cur.execute(f"CREATE TABLE {t} (Id int NOT NULL PRIMARY KEY, {cols})")
        cur.execute(f"CREATE TABLE {log} (What nvarchar(20))")
        cur.execute(
            f"CREATE TRIGGER dbo.wide_{n}_cols ON {t} AFTER UPDATE AS\n"
            "SET NOCOUNT ON;\n"
            "IF SUBSTRING(COLUMNS_UPDATED(), 2, 1) & 2 = 2\n"
            f"  INSERT INTO {log} VALUES ('C10');\n"
            "IF SUBSTRING(COLUMNS_UPDATED(), 1, 1) & 6 = 6\n"
            f"  INSERT INTO {log} VALUES ('C2 and C3');\n"
            "IF DATALENGTH(COLUMNS_UPDATED()) <> 2\n"
            f"  INSERT INTO {log} VALUES ('not two bytes');"
        )
        cur.execute(f"INSERT INTO {t} (Id) VALUES (1)")
        cur.execute(f"UPDATE {t} SET C10 = 1")
        cur.execute(f"UPDATE {t} SET C2 = 1, C3 = 1")
        cur.execute(f"UPDATE {t} SET C2 = 1")
        assert rows(cur.connection, f"SELECT What FROM {log}") == [
            ("C10",),
            ("C2 and C3",),
        ]


def test_guards_variables_and_raiserror_in_a_body(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t, log = _tables(cur)
        name = t[4:]
        cur.execute(
            f"CREATE TRIGGER dbo.{name}_guard ON {t} AFTER INSERT, UPDATE AS\n"
            "BEGIN\n"
            "  IF @@ROWCOUNT = 0 RETURN;\n"
            "  SET NOCOUNT ON;\n"
            "  DECLARE @n int;\n"
            "  SELECT @n = COUNT(*) FROM inserted;\n"
            f"  INSERT INTO {log} VALUES (@n, 'rows');\n"
            "  IF EXISTS (SELECT 1 FROM inserted WHERE Qty < 0)\n"
            "  BEGIN\n"
            "    RAISERROR(N'Qty must not be negative (%d rows).', 16, 1, @n);\n"
            "    ROLLBACK TRANSACTION;\n"
            "    RETURN;\n"
            "  END;\n"
            "END"
        )
        cur.execute(f"INSERT INTO {t} (Id, Qty) VALUES (1, 1), (2, 2)")
        cur.execute(f"UPDATE {t} SET Qty = 3 WHERE Id = 99")  # no row: the guard returns
        with pytest.raises(pyodbc.Error, match=r"Qty must not be negative \(1 rows\)"):
            cur.execute(f"UPDATE {t} SET Qty = -1 WHERE Id = 2")
        assert rows(cur.connection, f"SELECT Id, Qty FROM {t} ORDER BY Id") == [(1, 1), (2, 2)]
        assert rows(cur.connection, f"SELECT Id, What FROM {log}") == [(2, "rows")]


def test_raiserror_alone_leaves_the_statement_done(cursor: closing[pyodbc.Cursor]) -> None:
    """RAISERROR neither ends a trigger nor rolls back: the row stays, the error is sent."""
    with cursor as cur:
        t, log = _tables(cur)
        cur.execute(
            f"CREATE TRIGGER dbo.{t[4:]}_warn ON {t} AFTER INSERT AS\n"
            "RAISERROR(N'Noted.', 16, 1);\n"
            f"INSERT INTO {log} VALUES (1, 'after')"
        )
        with closing(cur.connection.cursor()) as other, pytest.raises(pyodbc.Error, match="Noted"):
            other.execute(f"INSERT INTO {t} (Id, Qty) VALUES (1, 1)")
            while other.nextset():
                pass
        assert scalar(cur.connection, f"SELECT COUNT(*) FROM {t}") == 1
        assert rows(cur.connection, f"SELECT What FROM {log}") == [("after",)]


def test_update_of_an_unknown_column_is_207(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t, _ = _tables(cur)
        cur.execute(f"CREATE TRIGGER dbo.{t[4:]}_bad ON {t} AFTER UPDATE AS IF UPDATE(Nope) RETURN")
        cur.execute(f"INSERT INTO {t} (Id, Qty) VALUES (1, 1)")
        with pytest.raises(pyodbc.Error, match=r"Invalid column name 'Nope'.*207"):
            cur.execute(f"UPDATE {t} SET Qty = 2")
        assert scalar(cur.connection, f"SELECT Qty FROM {t}") == 1


def test_while_with_break_and_continue(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t, log = _tables(cur)
        cur.execute(
            f"CREATE TRIGGER dbo.{t[4:]}_loop ON {t} AFTER INSERT AS\n"
            "SET NOCOUNT ON;\n"
            "DECLARE @i int = 0;\n"
            "WHILE @i < (SELECT MAX(Qty) FROM inserted)\n"
            "BEGIN\n"
            "  SET @i = @i + 1;\n"
            "  IF @i = 2 CONTINUE;\n"
            "  IF @i = 4 BREAK;\n"
            f"  INSERT INTO {log} VALUES (@i, 'round');\n"
            "END"
        )
        cur.execute(f"INSERT INTO {t} (Id, Qty) VALUES (1, 9)")
        assert rows(cur.connection, f"SELECT Id FROM {log} ORDER BY Id") == [(1,), (3,)]
        cur.execute(f"CREATE TRIGGER dbo.{t[4:]}_stray ON {t} AFTER UPDATE AS BREAK")
        with pytest.raises(pyodbc.Error, match=r"Incorrect syntax near .*BREAK"):
            cur.execute(f"UPDATE {t} SET Qty = 1")
