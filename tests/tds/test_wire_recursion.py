"""The recursion limit of a recursive CTE through both ODBC drivers: 100 levels unless
`OPTION (MAXRECURSION n)` says otherwise (0: none), then Msg 530 "The statement
terminated. The maximum recursion 100 has been exhausted before statement completion."
("Query hints (Transact-SQL)"). A CTE without a stop ends with it, not a hang."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

_COUNT = (
    "WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < {top}) SELECT MAX(n) FROM r"
)


def _530(limit: int) -> str:
    return rf"The maximum recursion {limit} has been exhausted before statement completion.*\(530\)"


def test_a_hundred_levels_is_the_default_limit(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert cur.execute(_COUNT.format(top=101)).fetchall()[0][0] == 101
        with pytest.raises(pyodbc.Error, match=_530(100)):
            cur.execute(_COUNT.format(top=102)).fetchall()
        with pytest.raises(pyodbc.Error, match=_530(100)):
            cur.execute(
                "WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT n FROM r"
            ).fetchall()


def test_maxrecursion_sets_the_limit(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for hint in ("OPTION (MAXRECURSION 300)", "OPTION (MAXRECURSION 0)"):
            assert cur.execute(_COUNT.format(top=250) + f" {hint}").fetchall()[0][0] == 250
        with pytest.raises(pyodbc.Error, match=_530(10)):
            cur.execute(_COUNT.format(top=20) + " OPTION (MAXRECURSION 10)").fetchall()


def test_a_hierarchy_keeps_its_columns(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        rows = cur.execute(
            "WITH e AS (SELECT * FROM (VALUES (1, NULL), (2, 1), (3, 2)) AS t(id, boss)),"
            " tree (id, lvl) AS (SELECT id, 0 FROM e WHERE boss IS NULL"
            " UNION ALL SELECT e.id, t.lvl + 1 FROM e JOIN tree AS t ON e.boss = t.id)"
            " SELECT * FROM tree ORDER BY id"
        ).fetchall()
        assert [tuple(r) for r in rows] == [(1, 0), (2, 1), (3, 2)]
        assert [d[0] for d in cur.description] == ["id", "lvl"]
