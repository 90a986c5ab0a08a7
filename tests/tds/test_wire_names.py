"""Names T-SQL does not reserve, through both ODBC drivers. A word that is a keyword to
SQLite, or to another dialect sqlglot reads, but is not among "Reserved Keywords
(Transact-SQL)" is an ordinary name in SQL Server: `SELECT 1 AS nothing`, a column `glob`,
a table aliased `limit`. SQLite's hidden row id (`rowid`, `oid`, `_rowid_`) is no column
of a SQL Server table: naming it is 207 "Invalid column name 'rowid'."."""

from __future__ import annotations

import itertools
import re
from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

_tables = itertools.count()


@pytest.fixture
def sample_cursor(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> closing[pyodbc.Cursor]:
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=odbc_driver), autocommit=True
    )
    return closing(cnxn.cursor())


# not reserved in T-SQL; each a keyword of SQLite's parser or of sqlglot's tokenizer
_WORDS = (
    "nothing notnull isnull glob regexp abort fail ignore replace pragma vacuum indexed"
    " autoincrement conflict instead temp temporary limit offset deferrable materialized"
    " generated always returning do filter window cast qualify ilike rlike xor lateral"
    " natural recursive semi anti lock"
)
WORDS = _WORDS.split()


@pytest.mark.parametrize("word", WORDS)
def test_a_word_t_sql_does_not_reserve_is_a_name(cursor: closing[pyodbc.Cursor], word: str) -> None:
    table = f"dbo.kw_{next(_tables)}"
    with cursor as cur:
        assert cur.execute(f"SELECT 1 AS {word}").fetchall()[0][0] == 1
        cur.execute(f"CREATE TABLE {table} (id int, {word} int)")
        cur.execute(f"INSERT INTO {table} (id, {word}) VALUES (1, 2)")
        cur.execute(f"UPDATE {table} SET {word} = {word} + 1 WHERE {word} = 2")
        got = cur.execute(
            f"SELECT {word}, {word}.id FROM {table} AS {word} WHERE {word}.{word} > 0"
            f" ORDER BY {word}"
        ).fetchall()
        assert [tuple(r) for r in got] == [(3, 1)]
        with_cte = f"WITH {word} AS (SELECT {word} FROM {table}) SELECT {word} FROM {word}"
        assert cur.execute(with_cte).fetchall()[0][0] == 3
        assert [d[0] for d in cur.description] == [word]


@pytest.mark.parametrize("name", ["rowid", "oid", "_rowid_", "ROWID"])
def test_sqlite_row_id_is_no_column(cursor: closing[pyodbc.Cursor], name: str) -> None:
    table = f"dbo.rid_{next(_tables)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {table} (a int)")
        cur.execute(f"INSERT INTO {table} VALUES (5)")
        for sql in (
            f"SELECT {name} FROM {table}",
            f"SELECT t.{name}, a FROM {table} AS t",
            f"UPDATE {table} SET a = 6 WHERE {name} = 1",
            f"INSERT INTO {table} ({name}, a) VALUES (9, 9)",
        ):
            with pytest.raises(pyodbc.Error, match=rf"Invalid column name '{name}'.*\(207\)"):
                cur.execute(sql)
        assert cur.execute(f"SELECT a FROM {table}").fetchall()[0][0] == 5
        # a column or alias of that name is an ordinary name
        cur.execute(f"CREATE TABLE {table}_c ({name} int)")
        cur.execute(f"INSERT INTO {table}_c VALUES (7)")
        assert cur.execute(f"SELECT {name} FROM {table}_c").fetchall()[0][0] == 7
        derived = f"SELECT {name} FROM (SELECT a AS {name} FROM {table}) AS d"
        assert cur.execute(derived).fetchall()[0][0] == 5


def test_user_functions_without_parentheses(cursor: closing[pyodbc.Cursor]) -> None:
    """USER, SESSION_USER and CURRENT_USER are the database user's name, SYSTEM_USER the
    login's ("CURRENT_USER (Transact-SQL)", "SYSTEM_USER (Transact-SQL)")."""
    with cursor as cur:
        got = cur.execute(
            "SELECT USER, SESSION_USER, CURRENT_USER, SYSTEM_USER, USER_NAME(), SUSER_SNAME()"
        ).fetchall()[0]
    assert got[0] == got[1] == got[2] == got[4]
    assert got[3] == got[5]
    assert got[4] != got[5]


@pytest.mark.parametrize("word", ["key", "file", "plan", "percent", "user", "Current"])
def test_a_reserved_word_is_an_alias_only_delimited(
    cursor: closing[pyodbc.Cursor], word: str
) -> None:
    """ "Reserved Keywords (Transact-SQL)": such a word is a name only as a delimited
    identifier, so a bare alias of one is Msg 156, a bracketed or quoted one a name."""
    with cursor as cur:
        for sql in (
            f"SELECT 1 AS {word}",
            f"SELECT 1 {word}",
            f"SELECT {word}.a FROM (SELECT 1 AS a) AS {word}",
            f"SELECT v.a FROM (SELECT 1) AS v({word})",
        ):
            with pytest.raises(pyodbc.Error, match=r"Incorrect syntax near the keyword.*\(156\)"):
                cur.execute(sql)
        cur.execute(f'SELECT 1 AS [{word}], 2 AS "{word}2"')
        assert [d[0] for d in cur.description] == [word, f"{word}2"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT c.CompanyNam FROM SalesLT.Customer AS c",
        "SELECT SalesLT.Customer.CompanyNam FROM SalesLT.Customer",
        "SELECT Customer.CompanyNam FROM SalesLT.Customer",
        "SELECT h.CompanyNam FROM SalesLT.SalesOrderHeader AS h"
        " JOIN SalesLT.Customer AS c ON c.CustomerID = h.CustomerID",
        "SELECT d.CompanyNam FROM (SELECT CompanyName FROM SalesLT.Customer) AS d",
        "WITH d AS (SELECT CompanyName FROM SalesLT.Customer) SELECT d.CompanyNam FROM d",
    ],
)
def test_a_column_its_table_lacks_is_207_when_the_name_before_it_binds(
    sample_cursor: closing[pyodbc.Cursor], sql: str
) -> None:
    # "Invalid column name": the table or alias is there; the column is not
    missing = r"Invalid column name 'CompanyNam'.*\(207\)"
    with sample_cursor as cur, pytest.raises(pyodbc.Error, match=missing):
        cur.execute(sql)


@pytest.mark.parametrize(
    ("sql", "written"),
    [
        ("SELECT Customer.CustomerID FROM SalesLT.Customer AS cu", "Customer.CustomerID"),
        (
            "SELECT SalesLT.Customer.CompanyNam FROM SalesLT.Customer AS cu",
            "SalesLT.Customer.CompanyNam",
        ),
        (
            "SELECT cu.CustomerID FROM SalesLT.Customer AS cu WHERE Customer.CustomerID > 1",
            "Customer.CustomerID",
        ),
    ],
)
def test_a_table_given_an_alias_is_no_longer_known_by_its_name(
    sample_cursor: closing[pyodbc.Cursor], sql: str, written: str
) -> None:
    # "MSSQLSERVER_4104": once a table has an alias, only the alias qualifies its columns
    unbound = rf'The multi-part identifier "{re.escape(written)}" could not be bound.*\(4104\)'
    with sample_cursor as cur, pytest.raises(pyodbc.Error, match=unbound):
        cur.execute(sql)


def test_a_column_through_a_name_that_binds_to_nothing_is_4104(
    sample_cursor: closing[pyodbc.Cursor],
) -> None:
    with (
        sample_cursor as cur,
        pytest.raises(
            pyodbc.Error,
            match=r'The multi-part identifier "x\.CompanyName" could not be bound.*\(4104\)',
        ),
    ):
        cur.execute("SELECT x.CompanyName FROM SalesLT.Customer AS c")
