"""What SQL Server's binding refuses in a query and SQLite runs, through both ODBC
drivers (engine/query_rules.py): a column outside an aggregate and the GROUP BY (8120),
a constant in GROUP BY (164), ORDER BY past the select list (108), of what DISTINCT or a
UNION's first query does not select (145, 104) or in a derived table or CTE (1033), a
select list's alias in WHERE or GROUP BY (207), a condition as a selected value (102,
156), aggregates and window functions where they may not stand (147, 130, 4108), and
OFFSET ... FETCH's rules (10741, 10742, 10744)."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest

_tables = itertools.count()


def _sales(cur: pyodbc.Cursor) -> str:
    table = f"sales_{next(_tables)}"
    cur.execute(f"CREATE TABLE dbo.{table} (region varchar(10), product varchar(10), qty int)")
    cur.execute(
        f"INSERT INTO dbo.{table} VALUES ('north', 'a', 1), ('north', 'b', 2), ('south', 'a', 3)"
    )
    return table


_8120 = "is invalid in the {clause} because it is not contained in either an aggregate"


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        (
            "SELECT region, product, SUM(qty) FROM dbo.{t} GROUP BY region",
            8120,
            "Column 'dbo.{t}.product' " + _8120.format(clause="select list"),
        ),
        (
            "SELECT s.region, s.product FROM dbo.{t} AS s GROUP BY s.region",
            8120,
            "Column 's.product' " + _8120.format(clause="select list"),
        ),
        (
            "SELECT region, COUNT(*) FROM dbo.{t}",
            8120,
            "Column 'dbo.{t}.region' " + _8120.format(clause="select list"),
        ),
        (
            "SELECT region FROM dbo.{t} GROUP BY region HAVING qty > 1",
            8121,
            "Column 'dbo.{t}.qty' " + _8120.format(clause="HAVING clause"),
        ),
        (
            "SELECT region, SUM(qty) FROM dbo.{t} GROUP BY region ORDER BY product",
            8127,
            'Column "dbo.{t}.product" ' + _8120.format(clause="ORDER BY clause"),
        ),
        (
            "SELECT region, COUNT(*) FROM dbo.{t} GROUP BY 1",
            164,
            "Each GROUP BY expression must contain at least one column that is not an outer",
        ),
        (
            "SELECT region FROM dbo.{t} ORDER BY 2",
            108,
            "The ORDER BY position number 2 is out of range of the number of items",
        ),
        ("SELECT region FROM dbo.{t} WHERE SUM(qty) > 1", 147, "An aggregate may not appear"),
        (
            "SELECT region, SUM(COUNT(*)) FROM dbo.{t} GROUP BY region",
            130,
            "Cannot perform an aggregate function on an expression containing an aggregate",
        ),
        (
            "SELECT region FROM dbo.{t} WHERE ROW_NUMBER() OVER (ORDER BY qty) = 1",
            4108,
            "Windowed functions can only appear in the SELECT or ORDER BY clauses.",
        ),
        ("SELECT qty > 1 FROM dbo.{t}", 102, "Incorrect syntax near '>'."),
        ("SELECT product IS NULL AS p FROM dbo.{t}", 156, "near the keyword 'IS'."),
        (
            "SELECT DISTINCT region FROM dbo.{t} ORDER BY qty",
            145,
            "ORDER BY items must appear in the select list if SELECT DISTINCT is specified.",
        ),
        (
            "SELECT region FROM dbo.{t} UNION SELECT product FROM dbo.{t} ORDER BY qty",
            104,
            "ORDER BY items must appear in the select list if the statement contains a UNION",
        ),
        (
            "SELECT region FROM (SELECT region FROM dbo.{t} ORDER BY qty) AS d",
            1033,
            "The ORDER BY clause is invalid in views, inline functions, derived tables,",
        ),
        (
            "WITH c AS (SELECT region FROM dbo.{t} ORDER BY region) SELECT * FROM c",
            1033,
            "unless TOP, OFFSET or FOR XML is also specified.",
        ),
        (
            "SELECT qty * 2 AS twice FROM dbo.{t} WHERE twice > 2",
            207,
            "Invalid column name 'twice'.",
        ),
        (
            "SELECT UPPER(region) AS r, COUNT(*) FROM dbo.{t} GROUP BY r",
            207,
            "Invalid column name 'r'.",
        ),
        (
            "SELECT region FROM dbo.{t} ORDER BY SUM(qty)",
            8120,
            "Column 'dbo.{t}.region' " + _8120.format(clause="select list"),
        ),
        (
            "SELECT TOP 1 region FROM dbo.{t} ORDER BY qty OFFSET 1 ROWS",
            10741,
            "A TOP cannot be used in the same query or sub-query as an OFFSET.",
        ),
        (
            "SELECT region FROM dbo.{t} ORDER BY qty OFFSET -1 ROWS",
            10742,
            "The offset specified in an OFFSET clause may not be negative.",
        ),
        (
            "SELECT region FROM dbo.{t} ORDER BY qty OFFSET 0 ROWS FETCH NEXT 0 ROWS ONLY",
            10744,
            "The number of rows provided for a FETCH clause must be greater then zero.",
        ),
    ],
)
def test_sql_server_refuses_what_sqlite_would_run(
    cursor: closing[pyodbc.Cursor], sql: str, number: int, text: str
) -> None:
    with cursor as cur:
        table = _sales(cur)
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(sql.format(t=table)).fetchall()
    message = str(raised.value)
    assert f"({number})" in message, message
    assert text.format(t=table) in message, message


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT region AS r, COUNT(*) AS n FROM dbo.{t} GROUP BY region ORDER BY n DESC, r",
            [("north", 2), ("south", 1)],
        ),
        (
            "SELECT UPPER(region), SUM(qty) FROM dbo.{t} GROUP BY UPPER(region) ORDER BY 1",
            [("NORTH", 3), ("SOUTH", 3)],
        ),
        (
            "SELECT s.region, MAX(s.qty) FROM dbo.{t} AS s GROUP BY region HAVING COUNT(*) > 1",
            [("north", 2)],
        ),
        ("SELECT COUNT(*), 'all' FROM dbo.{t}", [(3, "all")]),
        ("SELECT total = SUM(qty), n = COUNT(*) FROM dbo.{t}", [(6, 3)]),
        (
            "SELECT region, SUM(qty), RANK() OVER (ORDER BY SUM(qty) DESC, region)"
            " FROM dbo.{t} GROUP BY region ORDER BY region",
            [("north", 3, 1), ("south", 3, 2)],
        ),
        (
            "SELECT o.region, (SELECT COUNT(*) FROM dbo.{t} AS i WHERE i.region = o.region)"
            " FROM dbo.{t} AS o WHERE o.product = 'b'",
            [("north", 2)],
        ),
        (
            "SELECT region, product, SUM(qty) FROM dbo.{t} GROUP BY ROLLUP (region, product)"
            " HAVING GROUPING(product) = 1 ORDER BY region",
            [(None, None, 6), ("north", None, 3), ("south", None, 3)],
        ),
        (
            "SELECT DISTINCT region AS r FROM dbo.{t} ORDER BY r DESC",
            [("south",), ("north",)],
        ),
        (
            "SELECT region AS r FROM dbo.{t} WHERE product = 'b'"
            " UNION SELECT product FROM dbo.{t} ORDER BY r",
            [("a",), ("b",), ("north",)],
        ),
        (
            "SELECT region FROM (SELECT TOP 2 region FROM dbo.{t} ORDER BY qty DESC) AS d"
            " ORDER BY region",
            [("north",), ("south",)],
        ),
        (
            "SELECT qty AS region FROM dbo.{t} WHERE region = 'south'",
            [(3,)],
        ),
        (
            "SELECT d.region, COUNT(*) FROM (SELECT region FROM dbo.{t}) AS d GROUP BY d.region"
            " ORDER BY d.region OFFSET 1 ROWS FETCH NEXT 5 ROWS ONLY",
            [("south", 1)],
        ),
    ],
)
def test_valid_grouping_runs(
    cursor: closing[pyodbc.Cursor], sql: str, expected: list[tuple[object, ...]]
) -> None:
    with cursor as cur:
        table = _sales(cur)
        assert [tuple(r) for r in cur.execute(sql.format(t=table)).fetchall()] == expected
