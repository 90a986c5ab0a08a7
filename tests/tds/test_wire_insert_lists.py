"""An INSERT's column list that does not fit, through both ODBC drivers: an undelimited
reserved keyword in it is the parser's Msg 156 ("Reserved Keywords (Transact-SQL)"),
before anything is counted; a list longer or shorter than a VALUES row is 109 or 110,
than a SELECT's select list 120 or 121, and a name the table lacks 207 (the texts of
sys.messages; Microsoft's INSERT page says only that the values must match the list)."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

_TABLE = "CREATE TABLE #pairs (a int, b int)"


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("INSERT #pairs (a, b, from) VALUES (1, 2)", 156, "near the keyword 'FROM'."),
        ("INSERT #pairs (a, key) VALUES (1, 2, 3)", 156, "near the keyword 'KEY'."),
        (
            "INSERT #pairs (a, b) VALUES (1)",
            109,
            "There are more columns in the INSERT statement than values specified in the"
            " VALUES clause. The number of values in the VALUES clause must match the number"
            " of columns specified in the INSERT statement.",
        ),
        (
            "INSERT #pairs (a) VALUES (1, 2)",
            110,
            "There are fewer columns in the INSERT statement than values specified in the"
            " VALUES clause. The number of values in the VALUES clause must match the number"
            " of columns specified in the INSERT statement.",
        ),
        (
            "INSERT #pairs (a, b) VALUES (1, 2), (3)",
            109,
            "There are more columns in the INSERT statement than values",
        ),
        (
            "INSERT #pairs (a, b) SELECT 1",
            120,
            "The select list for the INSERT statement contains fewer items than the insert"
            " list. The number of SELECT values must match the number of INSERT columns.",
        ),
        (
            "INSERT #pairs (a) SELECT 1, 2 UNION ALL SELECT 3, 4",
            121,
            "The select list for the INSERT statement contains more items than the insert"
            " list. The number of SELECT values must match the number of INSERT columns.",
        ),
        ("INSERT #pairs (a, c) VALUES (1, 2)", 207, "Invalid column name 'c'."),
    ],
)
def test_an_insert_list_that_does_not_fit_is_sql_servers_error(
    cursor: closing[pyodbc.Cursor], sql: str, number: int, text: str
) -> None:
    with cursor as cur:
        cur.execute(_TABLE)
        with pytest.raises(pyodbc.Error, match=rf"\({number}\)") as raised:
            cur.execute(sql)
        assert text in str(raised.value)
        assert cur.execute("SELECT COUNT(*) FROM #pairs").fetchone()[0] == 0


def test_a_list_that_fits_inserts(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        cur.execute(_TABLE)
        cur.execute("INSERT #pairs (b, [a]) VALUES (1, 2), (3, 4)")
        cur.execute("INSERT #pairs (a, b) SELECT 5, 6 UNION ALL SELECT 7, 8")
        found = [tuple(r) for r in cur.execute("SELECT a, b FROM #pairs ORDER BY a").fetchall()]
        assert found == [(2, 1), (4, 3), (5, 6), (7, 8)]
