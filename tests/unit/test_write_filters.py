"""The write filters (write_filters.py): which table a write changes, and a WHERE
clause that reads the changed table again in a subquery (a self-join) without
filtering it."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db import write_filters
from azsql_mcp.db.sqlguard import check_write
from azsql_mcp.db.sqlpolicy import ReadPolicy

KINDS = ("insert", "update", "delete")
ALWAYS_TRUE = "whose WHERE clause is always true"
ITSELF = "to itself: the join matches every row of"


def filters(sql: str, policy: ReadPolicy | None = None) -> bool:
    opened = policy or ReadPolicy()
    return check_write(sql, KINDS, allow_unfiltered=False, policy=opened).has_where


def refusal(sql: str) -> str:
    with pytest.raises(QueryRefused) as caught:
        check_write(sql, KINDS, allow_unfiltered=False)
    return caught.value.reason


# --- the table a write names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "target"),
    [
        ("DELETE FROM #t WHERE id = 1", ("#t",)),
        ("UPDATE [#t] SET a = 1 WHERE id = 1", ("#t",)),
        ("DELETE FROM dbo.#t WHERE id = 1", ("dbo", "#t")),
        ("DELETE FROM t WHERE id = 1", ("t",)),
    ],
)
def test_a_temporary_table_keeps_its_hash_in_the_name_written(
    sql: str, target: tuple[str, ...]
) -> None:
    # sqlglot keeps `#` as a flag: without it, the catalog would be asked about table t
    checked = check_write(sql, KINDS, allow_unfiltered=False)
    assert checked.target == target
    assert checked.tables == (target,)


def test_a_global_temporary_table_keeps_its_two_hashes() -> None:
    opened = ReadPolicy.of("Sales", ["tempdb"])
    checked = check_write(
        "DELETE FROM ##t WHERE id = 1", KINDS, allow_unfiltered=False, policy=opened
    )
    assert checked.target == ("##t",)


def test_a_temporary_table_is_not_the_table_of_its_name() -> None:
    # #t is not t's alias: the WHERE tests no column of #t, whose every row would change
    assert "tests no column of" in refusal("UPDATE #t SET a = 1 FROM t AS x WHERE x.id = 1")


# --- self-comparisons ---------------------------------------------------------------------


def test_not_like_of_one_expression_is_the_negation_of_like() -> None:
    # sqlglot reads NOT LIKE as a LIKE node marked negated: `a NOT LIKE a` is not
    # `a LIKE a`, so NOT (a NOT LIKE a) is true, not false
    assert ALWAYS_TRUE in refusal("DELETE FROM t WHERE id = 5 OR NOT (a NOT LIKE a)")
    assert ALWAYS_TRUE in refusal("DELETE FROM t WHERE id = 5 OR NOT (a NOT LIKE A) OR id = 6")
    assert filters("DELETE FROM t WHERE id = 5 AND NOT (a NOT LIKE a)")


# --- the changed table read again in a subquery ----------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE id IN (SELECT id FROM t)",
        "DELETE FROM dbo.t WHERE t.id IN (SELECT x.id FROM dbo.t AS x)",
        "UPDATE t SET a = 1 WHERE EXISTS (SELECT 1 FROM t AS x WHERE x.id = t.id)",
        "DELETE FROM t WHERE id = ANY (SELECT id FROM t)",
        "DELETE FROM t WHERE id >= SOME (SELECT id FROM t)",
        "DELETE FROM t WHERE id <= ANY (SELECT id FROM t)",
        # names as a case-insensitive collation reads them, hints keep every row
        "DELETE FROM T WHERE [ID] IN (SELECT x.Id FROM [t] AS x WITH (NOLOCK))",
        # DISTINCT and GROUP BY keep every value; the alias of what is selected is no filter
        "DELETE FROM t WHERE id IN (SELECT DISTINCT id AS k FROM t GROUP BY id)",
        "DELETE FROM dbo.t WHERE id IN (SELECT dbo.t.id FROM dbo.t)",
        # the subquery's WHERE holds for the changed row itself
        "DELETE FROM t WHERE id IN (SELECT x.id FROM t AS x WHERE x.a = a)",
        "DELETE FROM t WHERE a = 1 OR EXISTS (SELECT 1 FROM t AS x WHERE t.id = x.id)",
        # through the target's alias, and in an INNER JOIN's ON
        "DELETE d FROM dbo.T AS d JOIN u ON u.k = d.k WHERE d.id IN (SELECT id FROM T) OR u.k = 1",
        "DELETE FROM #t WHERE id IN (SELECT id FROM #T)",
        # the subquery joins the table to itself only: the changed row joined to itself
        "DELETE FROM t WHERE id IN (SELECT x.id FROM t AS x JOIN t AS y ON y.id = x.id)",
        "DELETE FROM t WHERE id IN (SELECT y.id FROM t AS x, t AS y WHERE y.id = x.id)",
        "DELETE FROM t WHERE EXISTS (SELECT 1 FROM t AS x LEFT JOIN dbo.t AS y"
        " ON y.id = x.id WHERE x.id = t.id)",
    ],
)
def test_a_subquery_reading_the_changed_table_whole_is_always_true(sql: str) -> None:
    # the changed row is one of the subquery's rows: every row (but NULLs) changes
    assert ALWAYS_TRUE in refusal(sql)


def test_a_self_join_written_with_the_database_is_always_true() -> None:
    sql = "DELETE FROM Sales.dbo.T WHERE id IN (SELECT Sales.dbo.T.id FROM Sales.dbo.T)"
    with pytest.raises(QueryRefused, match=ALWAYS_TRUE):
        check_write(sql, KINDS, allow_unfiltered=False, policy=ReadPolicy.of("Sales"))


def test_a_self_join_beside_a_condition_that_can_be_false_filters() -> None:
    assert filters("DELETE FROM t WHERE a = 1 AND id IN (SELECT id FROM t)")


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE a = 1)",
        "DELETE FROM t WHERE id IN (SELECT parent_id FROM t)",
        "DELETE FROM t WHERE EXISTS (SELECT 1 FROM t AS x WHERE x.parent_id = t.id)",
        "DELETE FROM t WHERE id IN (SELECT MAX(id) FROM t)",
        "DELETE FROM t WHERE id = ALL (SELECT id FROM t)",
        "DELETE FROM t WHERE id > ANY (SELECT id FROM t)",
        # what drops rows: TOP, OFFSET, HAVING, TABLESAMPLE, FOR SYSTEM_TIME, a join, APPLY
        "DELETE FROM t WHERE id IN (SELECT TOP (1) id FROM t)",
        "DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY id OFFSET 1 ROWS)",
        "DELETE FROM t WHERE id IN (SELECT id FROM t GROUP BY id HAVING COUNT(*) > 1)",
        "DELETE FROM t WHERE id IN (SELECT id FROM t TABLESAMPLE (10 PERCENT))",
        "DELETE FROM t WHERE id IN (SELECT id FROM t FOR SYSTEM_TIME AS OF '2020-01-01')",
        "DELETE FROM t WHERE id IN (SELECT x.id FROM t AS x JOIN u ON u.k = x.k)",
        "DELETE FROM t WHERE id IN (SELECT x.id FROM t AS x JOIN t AS y ON y.id = x.parent)",
        "DELETE FROM t WHERE id IN (SELECT x.id FROM t AS x LEFT JOIN t AS y ON y.id = x.id"
        " WHERE y.a = 1)",
        "DELETE FROM t WHERE id IN (SELECT x.id FROM t AS x CROSS APPLY (SELECT x.a) AS p(a))",
        # another table: by name, schema, or a temporary table of that name
        "DELETE FROM t WHERE id IN (SELECT id FROM u)",
        "DELETE FROM t WHERE id IN (SELECT id FROM sales.t)",
        "DELETE FROM sales.t WHERE id IN (SELECT id FROM dbo.t)",
        "DELETE FROM t WHERE id IN (SELECT id FROM #t)",
        "DELETE FROM t WHERE id IN (SELECT id FROM (SELECT id FROM t WHERE a = 1) AS d)",
        # x outside is another table than the subquery's x
        "DELETE t FROM t JOIN u AS x ON x.k = t.k WHERE x.id IN (SELECT x.id FROM t AS x)",
        "DELETE FROM t WHERE id IN (1, 2)",
        # another table's column in the subquery's WHERE: T's rows with a match in u
        "DELETE t FROM t CROSS JOIN u WHERE EXISTS (SELECT 1 FROM t AS x WHERE x.id = t.id"
        " AND x.k = u.k)",
        # never true (a is x's a): it changes nothing
        "DELETE FROM t WHERE EXISTS (SELECT 1 FROM t AS x WHERE x.id = t.id AND NOT x.a LIKE a)",
        # a CTE is no table of the database, nor is a table-valued function
        "WITH t AS (SELECT * FROM dbo.t WHERE a = 1) DELETE FROM dbo.t"
        " WHERE id IN (SELECT id FROM T)",
        "WITH c AS (SELECT * FROM t) DELETE FROM c WHERE id IN (SELECT id FROM dbo.fn(1))",
        # without FROM, with two values: no self-join (the row's a is tested)
        "DELETE FROM t WHERE EXISTS (SELECT t.a, 1 WHERE t.a = 1)",
        # in a nested subquery, k is u's and x.k the changed row's: they are not one value
        "DELETE FROM t WHERE EXISTS (SELECT 1 FROM t AS x WHERE x.id = t.id"
        " AND (SELECT MAX(k) FROM u WHERE k = x.k) = (SELECT MAX(k) FROM u WHERE k = k))",
    ],
)
def test_a_subquery_that_may_leave_out_the_changed_row_filters(sql: str) -> None:
    assert filters(sql)


def test_a_self_join_inside_another_subquery_compares_that_subquerys_names() -> None:
    # t is u there: `t.id IN (SELECT id FROM t)` may be false, and the EXISTS tests only u
    sql = "DELETE FROM t WHERE EXISTS (SELECT 1 FROM u AS t WHERE t.id IN (SELECT id FROM t))"
    assert "tests no column of t" in refusal(sql)


@pytest.mark.parametrize(
    ("sql", "opened"),
    [
        # a database named dbo is no schema: dbo.x.t is another database's x.t
        ("DELETE FROM x.t WHERE id IN (SELECT id FROM dbo.x.t)", "dbo"),
        # a global temporary table is not the session's #t
        ("DELETE FROM #t WHERE id IN (SELECT id FROM ##t)", "tempdb"),
    ],
)
def test_a_table_of_another_database_is_another_table(sql: str, opened: str) -> None:
    assert filters(sql, ReadPolicy.of("Sales", [opened]))


@pytest.mark.parametrize("join", ["CROSS JOIN", "OUTER JOIN"])
def test_an_on_after_a_join_sql_server_does_not_accept_restricts_nothing(join: str) -> None:
    # T-SQL has no ON after CROSS JOIN, nor OUTER without LEFT, RIGHT or FULL; sqlglot
    # reads one, which must not count as an INNER JOIN's
    sql = f"UPDATE t SET a = 1 FROM t {join} u ON u.k = t.k WHERE u.k = 1"
    assert "tests no column of t" in refusal(sql)


# --- the changed table joined to itself ------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET a = 1 FROM t JOIN t AS x ON x.id = t.id WHERE x.k = t.k",
        "DELETE t FROM t INNER JOIN dbo.t AS x ON x.id = t.id WHERE x.k = t.k",
        "DELETE a FROM t AS a JOIN t AS b ON a.id = b.id WHERE b.k = a.k",
        "DELETE a FROM t AS a JOIN t AS b ON a.id = b.id AND b.x = b.x WHERE b.k = a.k",
        # the changed table second, a copy first: the copy's row is the changed row too
        "DELETE b FROM t AS a JOIN t AS b ON a.id = b.id WHERE b.k = a.k",
        # written as a CROSS JOIN, an outer join (which keeps what an inner one keeps), with
        # a hint, or tied to the changed row in a subquery
        "DELETE t FROM t CROSS JOIN t AS x WHERE x.id = t.id",
        "DELETE t FROM t LEFT JOIN t AS x ON x.id = t.id WHERE x.k = t.k",
        "UPDATE x SET a = 1 FROM t AS x RIGHT JOIN t AS y ON y.id = x.id WHERE y.k = x.k",
        "UPDATE x SET a = 1 FROM t AS x JOIN t AS y WITH (NOLOCK) ON y.id = x.id"
        " WHERE y.k = x.k OR y.a = 1",
        "DELETE t FROM t JOIN t AS x ON x.id = t.id"
        " WHERE EXISTS (SELECT 1 FROM t AS y WHERE y.id = x.id)",
    ],
)
def test_a_join_of_the_changed_table_to_itself_is_always_true(sql: str) -> None:
    # each row of t is joined to itself, where every condition holds: every row changes
    assert ITSELF in refusal(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET a = 1 FROM t JOIN t AS x ON x.id = t.parent_id WHERE x.k = t.k",
        "UPDATE t SET a = 1 FROM t JOIN t AS x ON x.id = t.id WHERE x.a = 1",
        "UPDATE x SET a = 1 FROM t AS x JOIN t AS y ON y.id = x.id WHERE y.k = 2 OR y.a = 1",
        # an outer-joined copy's own ON counts: the row joined to its parent, not itself
        "DELETE t FROM t LEFT JOIN t AS x ON x.id = t.parent_id WHERE x.k = t.k",
        # another table: by name, schema, a temporary table, or a copy that drops rows
        "UPDATE t SET a = 1 FROM t JOIN u AS x ON x.id = t.id WHERE x.k = t.k",
        "UPDATE t SET a = 1 FROM t JOIN sales.t AS x ON x.id = t.id WHERE x.k = t.k",
        "UPDATE t SET a = 1 FROM t JOIN #t AS x ON x.id = t.id WHERE x.k = t.k",
        "UPDATE t SET a = 1 FROM t JOIN t AS x TABLESAMPLE (10 PERCENT) ON x.id = t.id"
        " WHERE x.k = t.k",
        "UPDATE t SET a = 1 FROM t JOIN (SELECT * FROM t WHERE a = 2) AS x ON x.id = t.id"
        " WHERE x.k = t.k",
        # a third table's condition: the rows of t with a match in u
        "UPDATE t SET a = 1 FROM t JOIN t AS x ON x.id = t.id JOIN u ON u.k = x.k WHERE x.k = t.k",
        # a CTE named t is no table of the database
        "WITH t AS (SELECT * FROM dbo.t WHERE a = 1) DELETE x FROM dbo.t AS x"
        " JOIN t ON t.id = x.id WHERE t.k = x.k",
    ],
)
def test_a_join_that_may_leave_out_the_changed_row_filters(sql: str) -> None:
    assert filters(sql)


# --- the source's own database ----------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE id IN (SELECT id FROM Sales.dbo.t)",
        "DELETE FROM t WHERE id IN (SELECT id FROM [sales]..T)",
        "DELETE FROM Sales..t WHERE id IN (SELECT id FROM dbo.t)",
        "DELETE t FROM t JOIN Sales..t AS x ON x.id = t.id WHERE x.k = t.k",
    ],
)
def test_the_sources_own_database_names_the_same_table(sql: str) -> None:
    # in a subquery or joined to the changed table: each is read as the changed row
    with pytest.raises(QueryRefused, match="is always true"):
        check_write(sql, KINDS, allow_unfiltered=False, policy=ReadPolicy.of("Sales"))


def test_without_a_database_a_three_part_name_is_read_as_the_same_table() -> None:
    # the connection's database is not known: in doubt, the one that makes this refused
    sql = "DELETE FROM t WHERE id IN (SELECT id FROM Other.dbo.t)"
    with pytest.raises(QueryRefused, match=ALWAYS_TRUE):
        check_write(sql, KINDS, allow_unfiltered=False, policy=ReadPolicy.of(None, ["Other"]))


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE id IN (SELECT id FROM Other.dbo.t)",
        "DELETE FROM t WHERE id IN (SELECT id FROM Other..t)",
        # `Sales..t` is schema dbo's t, not schema Sales's
        "DELETE FROM Sales.t WHERE id IN (SELECT id FROM Sales..t)",
    ],
)
def test_an_opened_database_or_another_schema_is_another_table(sql: str) -> None:
    assert filters(sql, ReadPolicy.of("Sales", ["Other"]))


def test_an_omitted_schema_is_kept_in_the_name_looked_up() -> None:
    # read as schema Sales, the catalog would be asked of [Sales].[t], another table
    checked = check_write(
        "DELETE FROM Sales..t WHERE id = 1",
        KINDS,
        allow_unfiltered=False,
        policy=ReadPolicy.of("Sales"),
    )
    assert checked.target == ("Sales", "", "t") and checked.tables == (("Sales", "", "t"),)
    assert write_filters.object_name(checked.target) == "[Sales]..[t]"


@pytest.mark.parametrize(
    "where",
    [
        "id = @x OR id <> @x",
        "id < 5 OR id >= 5",
        "5 > id OR NOT (id < 5)",
        "a <= @p OR a > @p OR id = 1",
    ],
)
def test_a_condition_or_its_negation_is_always_true(where: str) -> None:
    with pytest.raises(QueryRefused, match="always true"):
        check_write(f"DELETE FROM t WHERE {where}", KINDS, allow_unfiltered=False)


@pytest.mark.parametrize(
    "where", ["id < 5 OR id > 5", "id = @x OR a <> @x", "id = @x OR id <> @y", "a < b OR b < a"]
)
def test_two_conditions_that_are_no_negation_of_each_other_filter(where: str) -> None:
    assert check_write(f"DELETE FROM t WHERE {where}", KINDS, allow_unfiltered=False).has_where


# --- names that differ in case only ------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        # under Latin1_General_CS_AS t and T are two sources: T.id is Other's column, and
        # every row of Orders changes when Other has a row 5
        "UPDATE t SET x = 1 FROM Orders AS t JOIN Other AS T ON 1 = 1 WHERE T.id = 5",
        "DELETE t FROM Orders AS t CROSS JOIN Other AS T WHERE T.id = @id",
        "DELETE FROM Orders WHERE EXISTS (SELECT 1 FROM Other AS X JOIN Items AS x"
        " ON 1 = 1 WHERE x.k = Orders.k)",
    ],
)
def test_sources_of_one_from_named_alike_but_for_case_are_refused(sql: str) -> None:
    # SQL Server refuses them under a case-insensitive collation (one name twice)
    assert "differ in case only" in refusal(sql)
    assert check_write(sql, KINDS, allow_unfiltered=True).kind in ("update", "delete")


def test_names_alike_but_for_case_in_different_froms_or_one_source_are_read_as_before() -> None:
    assert filters("UPDATE T SET x = 1 FROM Orders AS t WHERE t.id = 5")
    assert filters("UPDATE Orders SET x = 1 WHERE orders.id = 5")
    assert filters("DELETE FROM Orders WHERE id IN (SELECT oid FROM orders_log AS O WHERE O.k = 1)")
