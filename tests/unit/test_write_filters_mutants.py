"""Cases of the write filters (write_filters.py: is the WHERE clause of an UPDATE or
DELETE a filter on the changed table, and which table is that) that mutants of it
survived: each test fails against at least one of them."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.sqlguard import check_write
from azsql_mcp.db.sqlpolicy import ReadPolicy

KINDS = ("insert", "update", "delete")
ALWAYS_TRUE = "whose WHERE clause is always true"
NO_COLUMN = "tests no column of"


def refusal(sql: str, policy: ReadPolicy | None = None) -> str:
    with pytest.raises(QueryRefused) as caught:
        if policy is None:
            check_write(sql, KINDS, allow_unfiltered=False)
        else:
            check_write(sql, KINDS, allow_unfiltered=False, policy=policy)
    return caught.value.reason


# --- which table a write changes, as written ---------------------------------------------


@pytest.mark.parametrize(
    ("sql", "target"),
    [
        ("UPDATE t SET a = 1 WHERE id = 1", ("t",)),
        ("UPDATE dbo.T SET a = 1 WHERE id = 1", ("dbo", "T")),
        ("INSERT INTO dbo.t (a) VALUES (1)", ("dbo", "t")),
        # through the alias to its FROM source
        ("UPDATE t SET a = 1 FROM dbo.T AS t WHERE t.id = 1", ("dbo", "T")),
        ("DELETE d FROM dbo.T AS d JOIN dbo.U AS u ON u.id = d.uid WHERE d.id = 1", ("dbo", "T")),
        (
            "UPDATE dbo.T SET a = 1 FROM dbo.T AS x JOIN dbo.U AS u ON u.id = x.uid WHERE x.id = 1",
            ("dbo", "T"),
        ),
        # the target joined implicitly: its FROM names only other tables
        ("UPDATE dbo.T SET a = 1 FROM dbo.U AS u WHERE T.id = u.id", ("dbo", "T")),
        # a common table expression is no table of the database: one that reads a table
        # whole, each column under its name, changes that table ...
        ("WITH c AS (SELECT * FROM t) UPDATE c SET a = 1 WHERE id = 1", ("t",)),
        ("WITH C AS (SELECT * FROM t) UPDATE c SET a = 1 WHERE id = 1", ("t",)),
        ("WITH c (id) AS (SELECT id FROM dbo.t) DELETE c WHERE id = 1", ("dbo", "t")),
        ("UPDATE x SET a = 1 FROM (SELECT id, a FROM t) AS x WHERE x.id = 1", ("t",)),
        # ... another cannot be told
        ("WITH c AS (SELECT * FROM t WHERE a = 1) UPDATE c SET a = 1 WHERE id = 1", ()),
        ("WITH c AS (SELECT id AS k FROM t) UPDATE c SET a = 1 WHERE k = 1", ()),
        ("WITH c (k) AS (SELECT id FROM t) UPDATE c SET a = 1 WHERE k = 1", ()),
        ("WITH c AS (SELECT t.* FROM t JOIN u ON u.id = t.id) UPDATE c SET a = 1 WHERE id = 1", ()),
        ("WITH b AS (SELECT * FROM t), c AS (SELECT * FROM b) UPDATE c SET a = 1 WHERE id = 1", ()),
        # a source named as a CTE is the CTE
        ("WITH c AS (SELECT * FROM t WHERE a = 1) UPDATE c SET a = 1 FROM c WHERE c.id = 1", ()),
        # ... but dbo.c is one, whatever the CTEs are called
        ("WITH c AS (SELECT * FROM t) UPDATE dbo.c SET a = 1 WHERE id = 1", ("dbo", "c")),
        # an alias written twice cannot be told (SQL Server refuses the statement)
        ("UPDATE x SET a = 1 FROM dbo.T AS x JOIN dbo.U AS x ON x.id = 1 WHERE x.id = 1", ()),
    ],
)
def test_the_target_is_the_changed_tables_name_as_written(
    sql: str, target: tuple[str, ...]
) -> None:
    assert check_write(sql, KINDS, allow_unfiltered=False).target == target


def test_an_unqualified_column_is_the_targets_when_its_alias_is_the_only_source() -> None:
    checked = check_write(
        "UPDATE t SET a = 1 FROM dbo.T AS t WHERE id = 1", KINDS, allow_unfiltered=False
    )
    assert checked.has_where


def test_a_target_that_is_no_table_name_owns_no_column() -> None:
    # a table variable: nothing counts as its column, so nothing filters it
    assert f"{NO_COLUMN} @tv" in refusal("UPDATE @tv SET a = 1 WHERE a = 2")


def test_the_refusal_names_the_target_as_written() -> None:
    assert f"{NO_COLUMN} t " in refusal("UPDATE t SET a = 1 WHERE u.x = 1")


# --- names bound inside subqueries and APPLY bodies ------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        # t inside the subquery is its JOINed dbo.V, not the changed dbo.T
        "UPDATE t SET a = 1 FROM dbo.T AS t WHERE EXISTS"
        " (SELECT 1 FROM dbo.U AS u JOIN dbo.V AS t ON t.k = u.k WHERE t.a = 1)",
        # t is bound by the inner subquery, whatever the outer one binds
        "UPDATE t SET a = 1 FROM dbo.T AS t WHERE EXISTS"
        " (SELECT 1 FROM dbo.U AS u WHERE EXISTS (SELECT 1 FROM dbo.V AS t WHERE t.k = u.k))",
        # the APPLY body's c is its own dbo.P: a is not tied to the changed row
        "UPDATE c SET flag = 1 FROM dbo.C AS c"
        " OUTER APPLY (SELECT TOP (1) c.x FROM dbo.P AS c) AS a WHERE a.x IS NULL",
        # a method of another table's column
        "UPDATE t SET a = 1 FROM dbo.T AS t CROSS JOIN dbo.U AS u WHERE u.Doc.exist('/a') = 1",
    ],
)
def test_a_name_bound_to_another_table_tests_no_column_of_the_target(sql: str) -> None:
    assert NO_COLUMN in refusal(sql)


def test_a_method_of_a_bracketed_column_of_the_target_filters() -> None:
    sql = "DELETE FROM dbo.T WHERE T.[Doc].exist(N'/a') = 1"
    assert check_write(sql, KINDS, allow_unfiltered=False).has_where


# --- always true ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "policy"),
    [
        ("DELETE FROM t WHERE dbo.fn(1) = 1", None),  # a function of schema dbo reads no column
        ("UPDATE t SET a = 1 WHERE t.a = a AND EXISTS (SELECT 1 FROM u)", None),
        ("DELETE FROM Sales.dbo.T WHERE Sales.dbo.T.id = id", ReadPolicy.of("Sales")),
    ],
)
def test_a_where_clause_true_on_every_row_is_refused_as_always_true(
    sql: str, policy: ReadPolicy | None
) -> None:
    assert ALWAYS_TRUE in refusal(sql, policy)


def test_is_null_of_one_column_or_is_not_null_of_another_filters() -> None:
    sql = "DELETE FROM t WHERE a IS NULL OR b IS NOT NULL"
    assert check_write(sql, KINDS, allow_unfiltered=False).has_where


@pytest.mark.parametrize(
    "sql", ["DELETE FROM t WHERE id IS NULL OR x = 1", "DELETE FROM t WHERE id IS NULL AND x = 1"]
)
def test_is_null_of_a_not_null_column_beside_another_test_filters(sql: str) -> None:
    # only `c IS NOT NULL` of a NOT NULL column is true on every row; the OR and the AND
    # that hold `id IS NULL` first are not
    checked = check_write(sql, KINDS, allow_unfiltered=False, non_nullable=["id"])
    assert checked.has_where


@pytest.mark.parametrize(
    "sql",
    [
        # the method's qualifier t is the changed table, though not its only source
        "UPDATE t SET a = 1 FROM dbo.T AS t CROSS JOIN dbo.U AS u WHERE t.Doc.exist('/a') = 1",
        # and beside a subquery, where names may be bound anew
        "DELETE FROM dbo.T WHERE T.Doc.exist('/a') = 1 AND EXISTS (SELECT 1 FROM dbo.U)",
    ],
)
def test_a_method_of_a_qualified_column_of_the_target_filters(sql: str) -> None:
    assert check_write(sql, KINDS, allow_unfiltered=False).has_where


def test_parameters_compare_by_their_casefolded_names() -> None:
    # @P and @p are one parameter: the two sides are one expression
    assert ALWAYS_TRUE in refusal("DELETE FROM t WHERE id + @P = id + @p")
    # @a and @b are two
    assert check_write("DELETE FROM t WHERE id + @a = id + @b", KINDS, allow_unfiltered=False)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE EXISTS (SELECT t.id)",  # true on every row, NULLs included
        "DELETE FROM t WHERE id IN (SELECT id)",
        "DELETE FROM t WHERE id = (SELECT id)",
        "DELETE FROM t WHERE EXISTS (SELECT 1 WHERE t.a = a)",
    ],
)
def test_a_subquery_without_from_that_reads_the_row_is_always_true(sql: str) -> None:
    # a subquery without FROM reads only the changed row: these are `id = id`
    assert ALWAYS_TRUE in refusal(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE EXISTS (SELECT TOP (0) t.id)",  # no row
        "DELETE FROM t WHERE id IN (SELECT @id)",
        "DELETE FROM t WHERE id = (SELECT @id)",
        "DELETE FROM t WHERE EXISTS (SELECT 1 WHERE a = @a)",
        "DELETE FROM t WHERE id IN (SELECT id WHERE a = 1)",
        "DELETE FROM t WHERE id IN (SELECT id FROM u)",
        "DELETE FROM t WHERE id = (SELECT id WHERE a = 1)",  # NULL unless a = 1
        "DELETE FROM t WHERE id = (SELECT MAX(id) FROM u)",
    ],
)
def test_a_subquery_without_from_that_tests_the_row_filters(sql: str) -> None:
    assert check_write(sql, KINDS, allow_unfiltered=False).has_where
