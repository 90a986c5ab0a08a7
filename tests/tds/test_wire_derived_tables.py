"""A derived table's column list (`FROM (SELECT 1, 2) AS o(a, b)`, also under CROSS
APPLY), SQL Server's errors for a list that does not fit its select list (8155, 8156,
8158, 8159, texts of "Database engine events and errors"), and the column types of a
VALUES derived table (`(VALUES (1, 'x')) AS t(n, s)`: int, varchar(1), by UNION ALL's
rules, "Table Value Constructor (Transact-SQL)"), through both drivers."""

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
    "INSERT INTO dbo.Grp VALUES (1, 'a'), (2, 'b'), (3, NULL)",
    "CREATE TABLE dbo.Amt (Id int PRIMARY KEY, GrpId int, Amount decimal(9, 2))",
    "INSERT INTO dbo.Amt VALUES (10, 1, 5.00), (11, 1, 7.00), (20, 2, 3.00)",
    "CREATE FUNCTION dbo.Pairs(@n int) RETURNS TABLE AS RETURN"
    " SELECT o.a, o.b FROM (SELECT @n, @n + 1) AS o(a, b)",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as server:
        set_up(server, SETUP)
        yield server


def _described(cnxn: pyodbc.Connection, sql: str) -> list[tuple[str, str]]:
    """(name, system_type_name) of each column sp_describe_first_result_set gives."""
    quoted = sql.replace("'", "''")
    return [(r[2], r[5]) for r in rows(cnxn, f"EXEC sp_describe_first_result_set N'{quoted}'")]


def test_a_column_list_names_the_derived_tables_columns(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor().execute("SELECT o.a, o.b FROM (SELECT 1, 'xy') AS o(a, b)")
        assert [(d[0], d[1], d[4]) for d in cur.description] == [("a", int, 10), ("b", str, 2)]
        assert [tuple(r) for r in cur.fetchall()] == [(1, "xy")]
        assert _described(cnxn, "SELECT * FROM (SELECT 1 AS x, 'xy' AS y) AS o(a, b)") == [
            ("a", "int"),
            ("b", "varchar(2)"),
        ]
        # the list renames an alias ORDER BY names, and a set operation's first SELECT
        found = rows(
            cnxn,
            "SELECT * FROM (SELECT TOP (2) Id AS q, Code FROM dbo.Grp ORDER BY q DESC)"
            " AS o(a, b) ORDER BY a",
        )
        assert found == [(2, "b"), (3, None)]
        assert rows(cnxn, "SELECT n FROM (SELECT 1 UNION ALL SELECT 2) AS o(n) ORDER BY n") == [
            (1,),
            (2,),
        ]
        found = rows(
            cnxn,
            "SELECT g.Id, o.top_amount FROM dbo.Grp AS g CROSS APPLY (SELECT TOP (1) a.Amount"
            " FROM dbo.Amt AS a WHERE a.GrpId = g.Id ORDER BY a.Amount DESC) AS o(top_amount)"
            " ORDER BY g.Id",
        )
        assert found == [(1, Decimal("7.00")), (2, Decimal("3.00"))]
        assert rows(cnxn, "SELECT * FROM dbo.Pairs(3)") == [(3, 4)]  # in an inline function


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        (
            "SELECT * FROM (SELECT 1, 2) AS o(a)",
            8158,
            "'o' has more columns than were specified in the column list.",
        ),
        (
            "SELECT * FROM (SELECT 1) AS o(a, b)",
            8159,
            "'o' has fewer columns than were specified in the column list.",
        ),
        (
            "SELECT * FROM (VALUES (1, 2)) AS t(a)",
            8158,
            "'t' has more columns than were specified in the column list.",
        ),
        (
            "WITH c(a, b) AS (SELECT 1) SELECT * FROM c",
            8159,
            "'c' has fewer columns than were specified in the column list.",
        ),
        (
            "SELECT * FROM (SELECT 1, 2) AS o(a, A)",
            8156,
            "The column 'A' was specified multiple times for 'o'.",
        ),
        (
            "SELECT COUNT(*) FROM (SELECT Id, Id + 1 FROM dbo.Grp) AS o",
            8155,
            "No column name was specified for column 2 of 'o'.",
        ),
    ],
)
def test_a_column_list_that_does_not_fit_is_sql_servers_error(
    server: ThreadedTdsServer, odbc_driver: str, sql: str, number: int, text: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        with pytest.raises(pyodbc.Error, match=f"\\({number}\\)") as raised:
            cnxn.cursor().execute(sql)
        assert text in str(raised.value)


def test_values_columns_are_typed_by_their_values(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        plain = "SELECT n, s FROM (VALUES (1, 'x'), (2, 'y')) AS t(n, s)"
        assert _described(cnxn, plain) == [("n", "int"), ("s", "varchar(1)")]
        cur = cnxn.cursor().execute(plain)
        assert [(d[0], d[1], d[4]) for d in cur.description] == [("n", int, 10), ("s", str, 1)]
        assert [tuple(r) for r in cur.fetchall()] == [(1, "x"), (2, "y")]
        # the type of highest precedence, the longest string; a NULL takes no part. The
        # int is decimal(10, 0) beside numeric(2, 1): UNION's precision is max(s1, s2) +
        # max(p1 - s1, p2 - s2) ("Precision, scale, and length (Transact-SQL)")
        mixed = "SELECT * FROM (VALUES (1, 'x'), (2.5, N'yz'), (NULL, NULL)) AS t(n, s)"
        assert _described(cnxn, mixed) == [("n", "numeric(11,1)"), ("s", "nvarchar(2)")]
        assert rows(cnxn, mixed) == [
            (Decimal("1.0"), "x"),
            (Decimal("2.5"), "yz"),
            (None, None),
        ]
        assert _described(cnxn, "SELECT v FROM (VALUES (NULL)) AS t(v)") == [("v", "int")]


def test_string_functions_keep_a_derived_columns_type(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """UPPER, LOWER, LTRIM, RTRIM, TRIM, LEFT, RIGHT and SUBSTRING return "varchar or
    nvarchar" of their argument ("UPPER (Transact-SQL)" and the others), ISNULL "the same
    type as check_expression" and COALESCE the type of highest precedence, the longest
    string: over a VALUES column varchar(2) (a derived table's nvarchar(3), nested one
    level deeper too), not the length-less varchar a column sqlglot cannot see into was."""
    with connect(server, odbc_driver) as cnxn:
        functions = (
            "SELECT UPPER(t.s) AS u, LOWER(t.s) AS l, LTRIM(t.s) AS lt, RTRIM(t.s) AS rt,"
            " TRIM(t.s) AS tr, LEFT(t.s, 1) AS lf, RIGHT(t.s, 1) AS rg,"
            " SUBSTRING(t.s, 1, 1) AS sb, ISNULL(t.s, 'x') AS i, COALESCE(t.s, 'xyz') AS c"
            " FROM (VALUES ('ab'), ('c')) AS t(s)"
        )
        names = ["u", "l", "lt", "rt", "tr", "lf", "rg", "sb", "i", "c"]
        expected = [(n, "varchar(2)") for n in names[:-1]] + [("c", "varchar(3)")]
        assert _described(cnxn, functions) == expected
        cur = cnxn.cursor().execute(functions)
        assert [d[4] for d in cur.description] == [2] * 9 + [3]
        first = cur.fetchall()[0]
        assert tuple(first) == ("AB", "ab", "ab", "ab", "ab", "a", "b", "a", "ab", "ab")
        nested = (
            "SELECT UPPER(d.s) AS a, w.u FROM (SELECT N'abc' AS s) AS d"
            " CROSS JOIN (SELECT LOWER(v.s) AS u FROM (VALUES (N'XY')) AS v(s)) AS w"
        )
        assert _described(cnxn, nested) == [("a", "nvarchar(3)"), ("u", "nvarchar(2)")]
        assert rows(cnxn, nested) == [("ABC", "xy")]
