"""COLLATIONPROPERTY ("COLLATIONPROPERTY (Transact-SQL)"): the server's own collation and
the few others a server may have, through each ODBC driver."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("collation", "code_page", "style"),
    [
        ("SQL_Latin1_General_CP1_CI_AS", 1252, 196609),  # IgnoreCase, KanaType, Width
        ("Latin1_General_CS_AS", 1252, 196608),
        ("Latin1_General_BIN2", 1252, 0),  # 0 for every binary collation
        ("SQL_Latin1_General_CP850_BIN2", 850, 0),
        ("No_Such_Collation", None, None),
    ],
)
def test_code_page_and_comparison_style(
    cursor: closing[pyodbc.Cursor], collation: str, code_page: int | None, style: int | None
) -> None:
    with cursor as c:
        row = c.execute(
            "SELECT CONVERT(int, COLLATIONPROPERTY(?, 'CodePage')),"
            " CONVERT(int, COLLATIONPROPERTY(?, 'ComparisonStyle')),"
            " COLLATIONPROPERTY(?, 'NoSuchProperty')",
            collation,
            collation,
            collation,
        ).fetchone()
        assert tuple(row) == (code_page, style, None)


def test_the_server_collation_ignores_case(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as c:
        style = c.execute(
            "SELECT CONVERT(int, COLLATIONPROPERTY("
            "CONVERT(nvarchar(128), SERVERPROPERTY('Collation')), 'ComparisonStyle'))"
        ).fetchone()[0]
        assert style & 1


def test_literals_variables_and_expressions_compare_as_the_collation_does(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """The default collation is case-insensitive wherever two strings meet, not for a
    column alone: SQLite compares anything but a text column as binary text."""
    with cursor as c:
        c.execute("CREATE TABLE #colors (id int, color nvarchar(15))")
        c.execute("INSERT INTO #colors VALUES (1, N'Black'), (2, N'Red'), (3, NULL)")
        row = c.execute(
            "DECLARE @s varchar(10) = 'ABC'; SELECT"
            " IIF('ABC' = 'abc', 1, 0), IIF(@s = 'abc', 1, 0), IIF(@s <> 'aBc', 1, 0),"
            " IIF('a' < 'B', 1, 0), IIF('b' IN ('A', 'B'), 1, 0), IIF('b' NOT IN ('A', 'B'), 1, 0),"
            " IIF('b' BETWEEN 'A' AND 'C', 1, 0), CASE 'x' WHEN 'X' THEN 1 ELSE 0 END"
        ).fetchone()
        assert tuple(row) == (1, 1, 0, 1, 1, 0, 1, 1)
        found = c.execute("SELECT id FROM #colors WHERE UPPER(color) = 'black'").fetchall()
        assert [r[0] for r in found] == [1]
        found = c.execute("SELECT id FROM #colors WHERE LOWER(color) IN ('RED')").fetchall()
        assert [r[0] for r in found] == [2]
        # a VALUES list's text column is as case-insensitive as a table's
        row = c.execute(
            "SELECT COUNT(DISTINCT x), SUM(IIF(x = 'A', 1, 0)), COUNT(*)"
            " FROM (VALUES ('a'), ('A'), ('b')) AS v(x)"
        ).fetchone()
        assert tuple(row) == (2, 2, 3)
        grouped = c.execute("SELECT COUNT(*) FROM (VALUES ('a'), ('A')) AS v(x) GROUP BY x")
        assert [r[0] for r in grouped.fetchall()] == [2]
        # so is a derived table's or CTE's column an expression computes
        row = c.execute(
            "WITH t AS (SELECT UPPER(color) AS u, LOWER(color) AS l FROM #colors)"
            " SELECT COUNT(DISTINCT u), SUM(IIF(u = 'black', 1, 0)), SUM(IIF(l = 'RED', 1, 0))"
            " FROM t"
        ).fetchone()
        assert tuple(row) == (2, 1, 1)


def test_charindex_and_replace_ignore_case(cursor: closing[pyodbc.Cursor]) -> None:
    """ "CHARINDEX (Transact-SQL)" and "REPLACE (Transact-SQL)" compare by the input's
    collation: under a case-insensitive one 'b' is found in 'ABC'."""
    with cursor as c:
        row = c.execute(
            "SELECT CHARINDEX('b', 'ABC'), CHARINDEX('B', 'abcabc', 3), CHARINDEX('z', 'abc'),"
            " CHARINDEX('', 'abc'), CHARINDEX(NULL, 'abc'), REPLACE('ABC', 'b', 'x'),"
            " REPLACE(N'aAbB', N'A', N''), REPLACE('abc', '', 'x'), REPLACE(NULL, 'a', 'b')"
        ).fetchone()
        assert tuple(row) == (2, 5, 0, 0, None, "AxC", "bB", "abc", None)
