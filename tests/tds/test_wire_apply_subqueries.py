"""CROSS/OUTER APPLY of a derived table correlated by equalities (the top rows per group),
through both drivers: the rows per outer row SQL Server's APPLY gives (the right input
read for each row of the left, "FROM clause plus JOIN, APPLY, PIVOT"), TOP (n), WITH
TIES and PERCENT per group, NULL keys, the result's column types, and 40517 naming the
shapes the test server cannot rewrite."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pyodbc
import pytest
from wire_logins import connector, rows, set_up

from tds_test_server import ThreadedTdsServer

connect = connector("unused-Pass1")

SETUP = [
    "CREATE TABLE dbo.Grp (Id int PRIMARY KEY, Code varchar(5))",
    "INSERT INTO dbo.Grp VALUES (1, 'a'), (2, 'b'), (3, NULL), (4, 'd')",
    "CREATE TABLE dbo.Amt (Id int PRIMARY KEY, GrpId int, Code varchar(5), Amount decimal(9, 2))",
    "INSERT INTO dbo.Amt VALUES (10, 1, 'a', 5.00), (11, 1, 'a', 7.00), (12, 1, 'a', 7.00),"
    " (13, 1, 'A', 1.00), (20, 2, 'b', 3.00), (30, NULL, NULL, 9.00), (40, 4, 'x', 2.00)",
    "CREATE TABLE dbo.Team (TeamId int PRIMARY KEY, Region varchar(5))",
    "INSERT INTO dbo.Team VALUES (1, 'north'), (2, 'south'), (4, 'north')",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as server:
        set_up(server, SETUP)
        yield server


def test_top_n_per_group(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor().execute(
            "SELECT g.Id, o.Id, o.Amount FROM dbo.Grp AS g CROSS APPLY (SELECT TOP (2) a.Id,"
            " a.Amount FROM dbo.Amt AS a WHERE a.GrpId = g.Id ORDER BY a.Amount DESC, a.Id)"
            " AS o ORDER BY g.Id, o.Amount DESC, o.Id"
        )
        assert [(d[0], d[1], d[4], d[5]) for d in cur.description] == [
            ("Id", int, 10, 0),
            ("Id", int, 10, 0),
            ("Amount", Decimal, 9, 2),
        ]
        found = [tuple(r) for r in cur.fetchall()]
        # group 3's NULL key and the row with a NULL GrpId never match
        assert found == [
            (1, 11, Decimal("7.00")),
            (1, 12, Decimal("7.00")),
            (2, 20, Decimal("3.00")),
            (4, 40, Decimal("2.00")),
        ]


def test_outer_apply_keeps_the_outer_rows(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        found = rows(
            cnxn,
            "SELECT g.Id, o.* FROM dbo.Grp g OUTER APPLY (SELECT TOP 1 a.Id AS AmtId FROM"
            " dbo.Amt a WHERE g.Id = a.GrpId AND a.Amount > 2 ORDER BY a.Amount) o ORDER BY g.Id",
        )
        assert found == [(1, 10), (2, 20), (3, None), (4, None)]
        # no TOP: every matching row; two equalities, compared by the default collation
        found = rows(
            cnxn,
            "SELECT g.Id, o.Id FROM dbo.Grp g CROSS APPLY (SELECT a.Id FROM dbo.Amt a"
            " WHERE a.GrpId = g.Id AND a.Code = g.Code) o ORDER BY o.Id",
        )
        assert found == [(1, 10), (1, 11), (1, 12), (1, 13), (2, 20)]


def test_a_window_runs_over_the_outer_rows_rows(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        found = rows(
            cnxn,
            "SELECT g.Id, o.Id, o.n, o.total FROM dbo.Grp g CROSS APPLY (SELECT a.Id,"
            " ROW_NUMBER() OVER (ORDER BY a.Id) AS n, COUNT(*) OVER () AS total"
            " FROM dbo.Amt a WHERE a.GrpId = g.Id) o WHERE g.Id IN (1, 2) ORDER BY o.Id",
        )
        assert found == [(1, 10, 1, 4), (1, 11, 2, 4), (1, 12, 3, 4), (1, 13, 4, 4), (2, 20, 1, 1)]


def test_with_ties_and_percent_per_group(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        ties = rows(
            cnxn,
            "SELECT g.Id, o.Id FROM dbo.Grp g CROSS APPLY (SELECT TOP (1) WITH TIES a.Id FROM"
            " dbo.Amt a WHERE a.GrpId = g.Id ORDER BY a.Amount DESC) o ORDER BY 1, 2",
        )
        assert ties == [(1, 11), (1, 12), (2, 20), (4, 40)]
        # 30 percent of group 1's four rows is 1.2, rounded up to two
        percent = rows(
            cnxn,
            "SELECT g.Id, o.Id FROM dbo.Grp g CROSS APPLY (SELECT TOP (30) PERCENT a.Id FROM"
            " dbo.Amt a WHERE a.GrpId = g.Id ORDER BY a.Id) o ORDER BY 1, 2",
        )
        assert percent == [(1, 10), (1, 11), (2, 20), (4, 40)]


def test_a_derived_table_without_correlation_is_a_join(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        crossed = rows(
            cnxn,
            "SELECT g.Id, o.Id FROM dbo.Grp g CROSS APPLY (SELECT TOP 1 a.Id FROM dbo.Amt a"
            " ORDER BY a.Amount) o WHERE g.Id < 3 ORDER BY 1",
        )
        assert crossed == [(1, 13), (2, 13)]
        united = rows(
            cnxn,
            "SELECT g.Id, o.x FROM dbo.Grp g OUTER APPLY (SELECT 1 AS x UNION ALL SELECT 2) o"
            " WHERE g.Id = 1 ORDER BY 2",
        )
        assert united == [(1, 1), (1, 2)]


def test_grouped_per_outer_row(server: ThreadedTdsServer, odbc_driver: str) -> None:
    """GROUP BY groups each outer row's rows; an outer row without any has no group."""
    with connect(server, odbc_driver) as cnxn:
        found = rows(
            cnxn,
            "SELECT g.Id, o.Amount, o.n FROM dbo.Grp g OUTER APPLY (SELECT TOP 1 a.Amount,"
            " COUNT(*) AS n FROM dbo.Amt a WHERE a.GrpId = g.Id GROUP BY a.Amount"
            " ORDER BY COUNT(*) DESC) o ORDER BY g.Id",
        )
        assert found == [
            (1, Decimal("7.00"), 2),
            (2, Decimal("3.00"), 1),
            (3, None, None),
            (4, Decimal("2.00"), 1),
        ]


def test_an_aggregate_gives_one_row_per_outer_row(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Without GROUP BY: COUNT 0 and SUM NULL for an outer row without rows (a NULL key
    included), under CROSS APPLY too; HAVING may refuse the row."""
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor().execute(
            "SELECT g.Id, o.n, o.total FROM dbo.Grp g CROSS APPLY (SELECT COUNT(*) AS n,"
            " SUM(a.Amount) AS total FROM dbo.Amt a WHERE a.GrpId = g.Id AND a.Amount > 1)"
            " AS o ORDER BY g.Id"
        )
        assert [(d[0], d[1], d[4], d[5]) for d in cur.description][1:] == [
            ("n", int, 10, 0),
            ("total", Decimal, 38, 2),
        ]
        assert [tuple(r) for r in cur.fetchall()] == [
            (1, 3, Decimal("19.00")),
            (2, 1, Decimal("3.00")),
            (3, 0, None),
            (4, 1, Decimal("2.00")),
        ]
        having = (
            "SELECT g.Id, o.n FROM dbo.Grp g {} APPLY (SELECT COUNT(*) AS n FROM dbo.Amt a"
            " WHERE a.GrpId = g.Id HAVING COUNT(*) > 1) o ORDER BY g.Id"
        )
        assert rows(cnxn, having.format("CROSS")) == [(1, 4)]
        assert rows(cnxn, having.format("OUTER")) == [(1, 4), (2, None), (3, None), (4, None)]


def test_an_unqualified_name_binds_to_the_nearest_scope_that_has_it(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """A name only the outer table has is the outer row's, as in a correlated subquery
    ("Subqueries (SQL Server)"); one the derived table's sources have is theirs."""
    with connect(server, odbc_driver) as cnxn:
        found = rows(
            cnxn,
            "SELECT t.TeamId, o.n FROM dbo.Team AS t CROSS APPLY (SELECT COUNT(*) AS n FROM"
            " dbo.Amt AS a WHERE a.GrpId = t.TeamId AND Region = 'north') AS o ORDER BY t.TeamId",
        )
        assert found == [(1, 4), (2, 0), (4, 1)]
        found = rows(
            cnxn,
            "SELECT t.TeamId, o.Id FROM dbo.Team AS t OUTER APPLY (SELECT TOP (1) a.Id FROM"
            " dbo.Amt AS a WHERE a.GrpId = TeamId AND Region = 'north' ORDER BY a.Amount DESC,"
            " a.Id) AS o ORDER BY t.TeamId",
        )
        assert found == [(1, 11), (2, None), (4, 40)]
        # Code is Amt's too: a.Code, not g.Code
        found = rows(
            cnxn,
            "SELECT g.Id, o.n FROM dbo.Grp AS g CROSS APPLY (SELECT COUNT(*) AS n FROM dbo.Amt"
            " AS a WHERE a.GrpId = g.Id AND Code = 'x') AS o ORDER BY g.Id",
        )
        assert found == [(1, 0), (2, 0), (3, 0), (4, 1)]


def test_update_and_delete_join_their_target_to_an_apply(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """UPDATE ... FROM and DELETE ... FROM take any table source ("UPDATE (Transact-SQL)",
    "DELETE (Transact-SQL)"), a derived table under CROSS or OUTER APPLY among them, and an
    outer join keeps the target's unmatched rows."""
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute("DROP TABLE IF EXISTS dbo.Latest")
        cur.execute("CREATE TABLE dbo.Latest (GrpId int PRIMARY KEY, Amount decimal(9, 2))")
        cur.execute("INSERT INTO dbo.Latest (GrpId) VALUES (1), (2), (3)")
        cur.execute(
            "UPDATE l SET l.Amount = o.Amount FROM dbo.Latest AS l CROSS APPLY (SELECT TOP (1)"
            " a.Amount FROM dbo.Amt AS a WHERE a.GrpId = l.GrpId ORDER BY a.Amount DESC, a.Id)"
            " AS o"
        )
        assert cur.rowcount == 2
        assert rows(cnxn, "SELECT GrpId, Amount FROM dbo.Latest ORDER BY GrpId") == [
            (1, Decimal("7.00")),
            (2, Decimal("3.00")),
            (3, None),
        ]
        # OUTER APPLY and LEFT JOIN: the target's unmatched rows take the NULLs
        cur.execute(
            "UPDATE l SET Amount = o.Amount FROM dbo.Latest AS l OUTER APPLY (SELECT TOP (1)"
            " a.Amount FROM dbo.Amt AS a WHERE a.GrpId = l.GrpId ORDER BY a.Amount) AS o"
            " WHERE l.GrpId > 1"
        )
        assert cur.rowcount == 2
        assert rows(cnxn, "SELECT GrpId, Amount FROM dbo.Latest ORDER BY GrpId") == [
            (1, Decimal("7.00")),
            (2, Decimal("3.00")),
            (3, None),
        ]
        cur.execute(
            "UPDATE l SET l.Amount = ISNULL(a.Amount, 0) + l.GrpId FROM dbo.Latest AS l"
            " LEFT JOIN dbo.Amt AS a ON a.GrpId = l.GrpId AND a.Id = 20"
        )
        assert cur.rowcount == 3
        assert rows(cnxn, "SELECT GrpId, Amount FROM dbo.Latest ORDER BY GrpId") == [
            (1, Decimal("1.00")),
            (2, Decimal("5.00")),
            (3, Decimal("3.00")),
        ]
        cur.execute(
            "DELETE l FROM dbo.Latest AS l CROSS APPLY (SELECT COUNT(*) AS n FROM dbo.Amt AS a"
            " WHERE a.GrpId = l.GrpId) AS o WHERE o.n = 0"
        )
        assert cur.rowcount == 1
        assert rows(cnxn, "SELECT GrpId FROM dbo.Latest ORDER BY GrpId") == [(1,), (2,)]
        # the derived table itself as the target: not emulated, and said so
        with pytest.raises(pyodbc.Error, match="40517") as raised:
            cur.execute(
                "UPDATE o SET o.Amount = 0 FROM dbo.Latest AS l CROSS APPLY (SELECT TOP (1)"
                " a.Amount FROM dbo.Amt AS a WHERE a.GrpId = l.GrpId) AS o"
            )
        assert "name the table to change" in str(raised.value)
        cur.execute("DROP TABLE dbo.Latest")


@pytest.mark.parametrize(
    ("inner", "named"),
    [
        ("SELECT a.Id FROM dbo.Amt a WHERE a.GrpId > g.Id", "a.GrpId > g.Id"),
        ("SELECT TOP 1 COUNT(*) AS n FROM dbo.Amt a WHERE a.GrpId = g.Id", "under TOP"),
        ("SELECT a.Id, g.Code AS c FROM dbo.Amt a WHERE a.GrpId = g.Id", "outer column"),
        ("SELECT a.Id FROM dbo.Amt a WHERE a.GrpId = g.Id OR a.Id = 40", "OR"),
    ],
)
def test_other_correlations_are_refused(
    server: ThreadedTdsServer, odbc_driver: str, inner: str, named: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        with pytest.raises(pyodbc.Error, match="40517") as raised:
            cnxn.cursor().execute(f"SELECT g.Id FROM dbo.Grp g CROSS APPLY ({inner}) o")
        assert named in str(raised.value)
