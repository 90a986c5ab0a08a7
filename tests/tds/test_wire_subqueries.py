"""Subqueries used as values, through both ODBC drivers. One that returns more than one
row fails the statement with Msg 512 "Subquery returned more than 1 value. ..." in SQL
Server (SQLite would take its first row); no row is NULL; under IN, EXISTS and ANY/ALL
a subquery is a set of rows."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest

_tables = itertools.count()
_512 = r"Subquery returned more than 1 value\. This is not permitted when the subquery.*\(512\)"


def _orders(cur: pyodbc.Cursor) -> str:
    table = f"dbo.sq_{next(_tables)}"
    cur.execute(f"CREATE TABLE {table} (id int, c int, amt int)")
    cur.execute(f"INSERT INTO {table} VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)")
    return table


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, (SELECT amt FROM {t} AS i WHERE i.c = o.c) FROM {t} AS o",
        "SELECT id FROM {t} WHERE amt = (SELECT amt FROM {t} WHERE c = 1)",
        "SELECT (SELECT SUM(amt) FROM {t} GROUP BY c)",
        "SELECT (SELECT amt FROM {t} WHERE c = 2 UNION SELECT 5)",
        "SELECT CASE WHEN (SELECT amt + 1 FROM {t}) > 5 THEN 1 END",
        "UPDATE {t} SET amt = (SELECT amt FROM {t} AS i WHERE i.c = 1) WHERE id = 3",
        "INSERT INTO {t} VALUES (9, 9, (SELECT amt FROM {t}))",
        "DECLARE @x int = (SELECT amt FROM {t}); SELECT @x",
    ],
)
def test_a_subquery_used_as_a_value_with_two_rows_is_512(
    cursor: closing[pyodbc.Cursor], sql: str
) -> None:
    with cursor as cur:
        table = _orders(cur)
        with pytest.raises(pyodbc.Error, match=_512):
            cur.execute(sql.format(t=table)).fetchall()
        assert cur.execute(f"SELECT SUM(amt), COUNT(*) FROM {table}").fetchall()[0][0] == 60


def test_a_subquery_of_one_row_or_none_is_its_value(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _orders(cur)
        got = cur.execute(
            f"SELECT id, (SELECT amt FROM {t} AS i WHERE i.id = o.id),"
            f" (SELECT amt FROM {t} WHERE c = 9), (SELECT amt * 2 FROM {t} WHERE c = 2),"
            f" (SELECT TOP 1 amt FROM {t} ORDER BY amt DESC), (SELECT MAX(amt) FROM {t})"
            f" FROM {t} AS o WHERE amt = (SELECT amt FROM {t} WHERE c = 2)"
        ).fetchall()
        assert [tuple(r) for r in got] == [(3, 30, None, 60, 30, 30)]
        sets = cur.execute(
            f"SELECT COUNT(*) FROM {t} WHERE id IN (SELECT id FROM {t})"
            f" AND EXISTS (SELECT amt FROM {t}) AND amt >= ALL (SELECT amt FROM {t} WHERE c = 1)"
        ).fetchall()
        assert sets[0][0] == 2  # 20 and 30 are >= both of c = 1's
