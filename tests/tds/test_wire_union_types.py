"""The column types of UNION, EXCEPT and INTERSECT, through both ODBC drivers: the type of
highest precedence among the queries ("Data type precedence (Transact-SQL)"), a decimal
of precision max(s1, s2) + max(p1 - s1, p2 - s2) and scale max(s1, s2), an integer
counting as its type's precision and scale (int: 10, 0), a string of the longest
length ("Precision, scale, and length (Transact-SQL)"). The test server took the first
query's type, so `SELECT 1 UNION ALL SELECT 1.5` gave int 1 twice."""

from __future__ import annotations

import itertools
from contextlib import closing
from decimal import Decimal

import pyodbc

_names = itertools.count()


def _typed(cur: pyodbc.Cursor, sql: str) -> tuple[list[object], tuple[object, ...]]:
    found = [row[0] for row in cur.execute(sql).fetchall()]
    d = cur.description[0]
    return found, (d[1], d[4], d[5])


def test_an_int_constant_beside_a_decimal_is_numeric_10_0(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        found, typed = _typed(cur, "SELECT 1 AS n UNION ALL SELECT 1.5")
        assert found == [Decimal("1.0"), Decimal("1.5")]
        assert typed == (Decimal, 11, 1)  # 1 + max(10 - 0, 2 - 1)
        found, typed = _typed(cur, "SELECT 1 UNION SELECT CAST(2 AS decimal(38, 2))")
        assert found == [Decimal("1.00"), Decimal("2.00")] and typed == (Decimal, 38, 2)
        found, _ = _typed(cur, "SELECT 2 UNION ALL SELECT 2.5e0")
        assert found == [2.0, 2.5] and cur.description[0][1] is float


def test_integer_columns_beside_a_decimal_column(cursor: closing[pyodbc.Cursor]) -> None:
    table = f"#mixed{next(_names)}"
    with cursor as cur:
        cur.execute(
            f"CREATE TABLE {table} (i int NOT NULL, s smallint, b bigint, d decimal(5, 2),"
            " v varchar(3), w nvarchar(5))"
        )
        cur.execute(f"INSERT {table} VALUES (1, 2, 3, 5.25, 'abc', 'de')")
        found, typed = _typed(cur, f"SELECT i FROM {table} UNION ALL SELECT d FROM {table}")
        assert found == [Decimal("1.00"), Decimal("5.25")] and typed == (Decimal, 12, 2)
        found, typed = _typed(cur, f"SELECT s FROM {table} UNION SELECT d FROM {table}")
        assert found == [Decimal("2.00"), Decimal("5.25")] and typed == (Decimal, 7, 2)
        found, typed = _typed(cur, f"SELECT b FROM {table} EXCEPT SELECT d FROM {table}")
        assert found == [Decimal("3.00")] and typed == (Decimal, 21, 2)
        found, _ = _typed(cur, f"SELECT v FROM {table} UNION ALL SELECT w FROM {table}")
        assert found == ["abc", "de"] and cur.description[0][3] == 5  # nvarchar(5)
        found, _ = _typed(cur, f"SELECT i FROM {table} UNION ALL SELECT 7")
        assert found == [1, 7] and cur.description[0][1] is int


def test_a_derived_table_or_cte_of_a_union_is_typed_alike(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        found, typed = _typed(cur, "SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 1.5) AS t")
        assert found == [Decimal("1.0"), Decimal("1.5")] and typed == (Decimal, 11, 1)
        sql = "WITH c AS (SELECT 1 AS x UNION ALL SELECT 1.25) SELECT x AS y FROM c"
        found, typed = _typed(cur, sql)
        assert found == [Decimal("1.00"), Decimal("1.25")] and typed == (Decimal, 12, 2)
        assert cur.description[0][0] == "y"


def test_a_variable_in_a_query_counts_by_its_declared_type(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A @variable's type is known when the statement runs: the column is typed then."""
    with cursor as cur:
        found, typed = _typed(cur, "DECLARE @v int = 3; SELECT @v UNION ALL SELECT 1.5")
        assert found == [Decimal("3.0"), Decimal("1.5")] and typed == (Decimal, 11, 1)
        sql = "DECLARE @d decimal(5, 2) = 1.25; SELECT 1 AS n UNION SELECT @d"
        found, typed = _typed(cur, sql)
        assert found == [Decimal("1.00"), Decimal("1.25")] and typed == (Decimal, 12, 2)
        found, _ = _typed(cur, "DECLARE @s varchar(10) = 'ab'; SELECT @s UNION ALL SELECT 'c'")
        assert found == ["ab", "c"] and cur.description[0][1] is str
