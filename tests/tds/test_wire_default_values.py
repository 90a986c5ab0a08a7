"""The keyword DEFAULT as a value of INSERT ... VALUES, through both ODBC drivers: the
column's default, NULL where it has none ("INSERT (Transact-SQL)"); a row of nothing but
DEFAULT is DEFAULT VALUES. What the test server leaves out (DEFAULT in some rows of a
column only, `UPDATE ... SET a = DEFAULT`) is 40517, not a misleading 207."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest

_tables = itertools.count()


@pytest.mark.parametrize("temporary", [False, True])
def test_default_in_values_is_the_columns_default(
    cursor: closing[pyodbc.Cursor], temporary: bool
) -> None:
    table = "#dv" if temporary else f"dbo.dv_{next(_tables)}"
    with cursor as cur:
        cur.execute(
            f"CREATE TABLE {table} (id int IDENTITY, a int DEFAULT 5,"
            " b varchar(5) DEFAULT 'x', c int NULL)"
        )
        cur.execute(f"INSERT INTO {table} (a, b) VALUES (DEFAULT, 'y')")
        cur.execute(f"INSERT INTO {table} VALUES (7, DEFAULT, DEFAULT)")
        cur.execute(f"INSERT INTO {table} VALUES (DEFAULT, DEFAULT, DEFAULT)")
        cur.execute(f"INSERT INTO {table} (a, b) VALUES (DEFAULT, 'p'), (DEFAULT, 'q')")
        got = cur.execute(f"SELECT a, b, c FROM {table} ORDER BY id").fetchall()
    assert [tuple(r) for r in got] == [
        (5, "y", None),
        (7, "x", None),
        (5, "x", None),
        (5, "p", None),
        (5, "q", None),
    ]


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("INSERT INTO {t} (a, b) VALUES (DEFAULT, 'p'), (1, 'q')", "DEFAULT in some rows"),
        ("UPDATE {t} SET a = DEFAULT", "SET column = DEFAULT"),
    ],
)
def test_what_is_left_out_is_40517(cursor: closing[pyodbc.Cursor], sql: str, named: str) -> None:
    table = f"dbo.dv_{next(_tables)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {table} (a int DEFAULT 5, b varchar(5))")
        with pytest.raises(pyodbc.Error, match="40517") as raised:
            cur.execute(sql.format(t=table))
    assert named in str(raised.value)
