"""CAST and CONVERT of columns to text through both ODBC drivers: a column's type is the
one its own scope gives it (a derived table or CTE may shadow a base table's column with
another type), and LEN sees the text the CAST gives. Values from the "CAST and CONVERT"
page: float's style 0 shows 2.5, decimal keeps its scale, date is yyyy-mm-dd and
datetime is style 0 (mon dd yyyy hh:miAM)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as server:
        cnxn = pyodbc.connect(server.odbc_connection_string(driver="freetds"), autocommit=True)
        with closing(cnxn):
            cur = cnxn.cursor()
            cur.execute(
                "CREATE TABLE dbo.Items (Id int, Price decimal(19,4), Added datetime2(7),"
                " At datetime)"
            )
            cur.execute(
                "INSERT INTO dbo.Items VALUES (1, 2.5, '2024-01-01', '2024-01-02 03:04:05.123')"
            )
            cur.execute("CREATE TABLE dbo.Notes (Id int, Note varchar(40))")
            cur.execute("INSERT INTO dbo.Notes VALUES (1, NULL)")
        yield server


@pytest.fixture
def cursor(server: ThreadedTdsServer, odbc_driver: str) -> Iterator[pyodbc.Cursor]:
    odbc = server.odbc_connection_string(driver=odbc_driver)
    with closing(pyodbc.connect(odbc, autocommit=True, timeout=10)) as cnxn:
        yield cnxn.cursor()


def _one(cur: pyodbc.Cursor, sql: str) -> object:
    (row,) = cur.execute(sql).fetchall()
    return row[0]


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        (
            "SELECT CAST(Added AS varchar(40))"
            " FROM (SELECT CAST(Added AS date) AS Added FROM dbo.Items) s",
            "2024-01-01",
        ),
        (
            "WITH s AS (SELECT CAST(Added AS date) AS Added FROM dbo.Items)"
            " SELECT CAST(Added AS varchar(40)) FROM s",
            "2024-01-01",
        ),
        (
            "SELECT CAST(Price AS varchar(40))"
            " FROM (SELECT CAST(Price AS float) AS Price FROM dbo.Items) s",
            "2.5",
        ),
        (
            "WITH s AS (SELECT CAST(Price AS float) AS Price FROM dbo.Items)"
            " SELECT CONVERT(varchar(40), s.Price) FROM s",
            "2.5",
        ),
        # The base table's column, through a derived table's plain column or star.
        ("SELECT CAST(At AS varchar(40)) FROM (SELECT * FROM dbo.Items) s", "Jan  2 2024  3:04AM"),
        ("SELECT CAST(s.Price AS varchar(40)) FROM (SELECT Price FROM dbo.Items) s", "2.5000"),
        # A correlated subquery's column is the outer table's.
        (
            "SELECT (SELECT CAST(i.Price AS varchar(40)) FROM dbo.Notes n WHERE n.Id = i.Id)"
            " FROM dbo.Items i",
            "2.5000",
        ),
    ],
)
def test_a_column_has_its_own_scope_s_type(cursor: pyodbc.Cursor, sql: str, text: str) -> None:
    assert _one(cursor, sql) == text


def test_an_update_converts_its_own_table_s_column(cursor: pyodbc.Cursor) -> None:
    cursor.execute(
        "UPDATE dbo.Notes SET Note = (SELECT CAST(Price AS varchar(40)) FROM dbo.Items)"
        " WHERE Id = 1"
    )
    assert _one(cursor, "SELECT Note FROM dbo.Notes") == "2.5000"


@pytest.mark.parametrize(
    ("sql", "length"),
    [
        ("LEN(CAST(Price AS varchar(40)))", len("2.5000")),
        ("LEN(CAST(Added AS varchar(40)))", len("2024-01-01 00:00:00.0000000")),
        ("LEN(CONVERT(varchar(40), Added))", len("2024-01-01 00:00:00.0000000")),
        ("LEN(TRY_CAST(Price AS varchar(40)))", len("2.5000")),
        ("LEN(CAST(At AS varchar))", len("Jan  2 2024  3:04AM")),
    ],
)
def test_len_measures_the_text_the_cast_gives(cursor: pyodbc.Cursor, sql: str, length: int) -> None:
    assert _one(cursor, f"SELECT {sql} FROM dbo.Items") == length
