"""A reserved keyword in a derived table's, VALUES' or CTE's column list, through both
ODBC drivers: "Reserved Keywords (Transact-SQL)" says they are part of the grammar SQL
Server parses by, usable as names only delimited, so the parser's Msg 156 comes before
any check of the list against the select list (8156, 8158, 8159), which needs a parsed
statement."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("sql", "keyword"),
    [
        ("SELECT * FROM (SELECT 1, 2) AS t(a, b, from)", "FROM"),
        ("SELECT * FROM (SELECT 1, 2, 3) AS t(a, key)", "KEY"),
        ("SELECT * FROM (VALUES (1, 2)) AS t(a, b, file)", "FILE"),
        ("SELECT * FROM (SELECT 1, 2) AS t(from, from)", "FROM"),
        ("WITH c(a, b, from) AS (SELECT 1, 2) SELECT * FROM c", "FROM"),
        (
            "SELECT * FROM (SELECT 1 AS x) AS o CROSS APPLY (SELECT 1, 2) AS t(a, b, from)",
            "FROM",
        ),
    ],
)
def test_a_reserved_word_in_a_column_list_is_156_before_its_length(
    cursor: closing[pyodbc.Cursor], sql: str, keyword: str
) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match=r"\(156\)") as raised:
        cur.execute(sql).fetchall()
    assert f"Incorrect syntax near the keyword '{keyword}'." in str(raised.value)


def test_a_delimited_reserved_word_is_a_name_and_the_length_is_checked(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        row = cur.execute("SELECT * FROM (SELECT 1, 2) AS t(a, [from])").fetchone()
        assert tuple(row) == (1, 2) and cur.description[1][0] == "from"
        with pytest.raises(pyodbc.Error, match=r"\(8159\)"):
            cur.execute("SELECT * FROM (SELECT 1, 2) AS t(a, b, [from])").fetchall()
