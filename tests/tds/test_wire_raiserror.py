"""RAISERROR and THROW (engine/raiserror.py) through both ODBC drivers."""

from __future__ import annotations

import pyodbc
import pytest


def failure(cursor: pyodbc.Cursor, sql: str) -> str:
    with pytest.raises(pyodbc.Error) as caught:
        cursor.execute(sql)
        while cursor.nextset():
            pass
    return str(caught.value)


def test_severity_10_is_a_message_with_its_arguments(cursor):
    with cursor as cur:
        cur.execute("RAISERROR('note %d of %s', 10, 1, 5, 'x') WITH NOWAIT; SELECT 1 AS a")
        assert [text.endswith("note 5 of x") for _, text in cur.messages] == [True]
        assert "(50000)" in cur.messages[0][0]
        assert cur.fetchall()[0][0] == 1


def test_severity_11_and_more_and_throw_are_errors(cursor):
    with cursor as cur:
        assert "bad 42 (50000)" in failure(cur, "SELECT 1 AS a; RAISERROR('bad %d', 16, 2, 42)")
        assert "custom failure (50001)" in failure(cur, "THROW 50001, 'custom failure', 3")
        assert "(35100)" in failure(cur, "THROW 100, 'too low', 1")
        assert "WITH LOG option. (2754)" in failure(cur, "RAISERROR('x', 19, 1)")
