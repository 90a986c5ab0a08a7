"""A string longer than its char, varchar, nchar or nvarchar column ends the INSERT or
UPDATE with Msg 2628 (engine/string_stores.py), through both ODBC drivers."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

TABLE = "dbo.fits"


@pytest.fixture
def cursor(wire_server: ThreadedTdsServer, odbc_driver: str) -> closing[pyodbc.Cursor]:
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    cur = cnxn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cur.execute(f"CREATE TABLE {TABLE} (id int PRIMARY KEY, code varchar(3), name nvarchar(4))")
    return closing(cur)


def truncated(cur: pyodbc.Cursor, sql: str, *params: object) -> str:
    with pytest.raises(pyodbc.Error) as caught:
        cur.execute(sql, *params)
    return str(caught.value)


def test_a_value_too_long_is_2628_naming_the_column_and_what_fits(cursor):
    with cursor as cur:
        text = truncated(cur, f"INSERT INTO {TABLE} (id, code) VALUES (1, 'ABCD')")
        assert (
            "String or binary data would be truncated in table 'master.dbo.fits', column"
            " 'code'. Truncated value: 'ABC'. (2628)"
        ) in text, text
        cur.execute(f"INSERT INTO {TABLE} (id, code, name) VALUES (1, 'ABC', N'wxyz')")
        text = truncated(cur, f"UPDATE {TABLE} SET name = ? WHERE id = 1", "vwxyz")
        assert "column 'name'. Truncated value: 'vwxy'. (2628)" in text, text
        assert [tuple(r) for r in cur.execute(f"SELECT code, name FROM {TABLE}")] == [
            ("ABC", "wxyz")
        ]


def test_blanks_past_the_length_are_dropped_and_an_emoji_counts_two(cursor):
    with cursor as cur:
        cur.execute(f"INSERT INTO {TABLE} (id, code, name) VALUES (1, 'AB   ', N'ab😀')")
        assert [tuple(r) for r in cur.execute(f"SELECT code, name FROM {TABLE}")] == [
            ("AB", "ab😀")
        ]
        text = truncated(cur, f"UPDATE {TABLE} SET name = N'abc😀' WHERE id = 1")
        assert "Truncated value: 'abc'. (2628)" in text, text
