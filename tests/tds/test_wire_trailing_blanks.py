"""Trailing blanks in comparisons, through both ODBC drivers: SQL Server pads the shorter
string with blanks before it compares ("How SQL Server compares strings with trailing
spaces", the ANSI rule), so `'ab' = 'ab   '` is true and GROUP BY, DISTINCT and UNIQUE
see one value; LEN ignores trailing blanks, DATALENGTH counts them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

_names = itertools.count()


@pytest.fixture
def table(wire_server: ThreadedTdsServer, odbc_driver: str) -> Iterator[tuple[pyodbc.Cursor, str]]:
    name = f"blanks_{next(_names)}"
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, code char(5), v varchar(10))")
        cur.execute(f"INSERT INTO {name} VALUES (1, 'ab', 'ab  '), (2, 'x', 'AB'), (3, 'é', 'É')")
        yield cur, name


def _ids(cur: pyodbc.Cursor, sql: str, *params: object) -> list[int]:
    return [r[0] for r in cur.execute(sql, *params).fetchall()]


def test_equality_ignores_trailing_blanks(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    compared = "SELECT IIF('ab' = 'ab   ', 1, 0), IIF(N'ab ' <> N'ab', 1, 0)"
    assert tuple(cur.execute(compared).fetchone()) == (1, 0)
    assert _ids(cur, f"SELECT id FROM {name} WHERE v = 'ab' ORDER BY id") == [1, 2]
    assert _ids(cur, f"SELECT id FROM {name} WHERE v IN ('ab   ') ORDER BY id") == [1, 2]
    # a char(5) parameter arrives padded ('ab   ') and still finds the row
    cur.setinputsizes([(pyodbc.SQL_CHAR, 5, 0)])
    assert _ids(cur, f"SELECT id FROM {name} WHERE v = ? ORDER BY id", "ab   ") == [1, 2]
    # the default collation ignores case beyond ASCII too
    assert _ids(cur, f"SELECT id FROM {name} WHERE v = 'é'") == [3]


def test_group_by_and_distinct_see_one_value(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    assert cur.execute(f"SELECT COUNT(DISTINCT v) FROM {name}").fetchval() == 2
    grouped = "SELECT COUNT(*) FROM (VALUES ('a'), ('a  '), ('A ')) AS x(s) GROUP BY s"
    assert [r[0] for r in cur.execute(grouped).fetchall()] == [3]


def test_a_unique_key_ignores_trailing_blanks(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    cur.execute(f"CREATE TABLE {name}_k (k varchar(10) PRIMARY KEY)")
    cur.execute(f"INSERT INTO {name}_k VALUES ('k')")
    with pytest.raises(pyodbc.IntegrityError, match=r"duplicate key"):
        cur.execute(f"INSERT INTO {name}_k VALUES ('k  ')")


def test_len_ignores_trailing_blanks_and_datalength_counts_them(
    table: tuple[pyodbc.Cursor, str],
) -> None:
    cur, name = table
    assert tuple(cur.execute("SELECT LEN('ab  '), DATALENGTH('ab  ')").fetchone()) == (2, 4)
    lengths = f"SELECT LEN(code), DATALENGTH(code) FROM {name} WHERE id = 1"
    assert tuple(cur.execute(lengths).fetchone()) == (2, 5)
