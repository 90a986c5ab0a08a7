"""The SQL safety guard: hostile and legitimate corpora, parameters, writes, fingerprints."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import sqlglot
from sql_corpus import load_corpus

from azsql_mcp import QueryRefused
from azsql_mcp.db import write_filters
from azsql_mcp.db.guard_dialect import GuardTSQL
from azsql_mcp.db.guardtokens import MAX_NESTING
from azsql_mcp.db.sqlguard import (
    ALLOWED_SELECT,
    MAX_SQL_CHARS,
    check_select,
    check_write,
    fingerprint,
)
from azsql_mcp.db.sqlpolicy import ReadPolicy

HOSTILE = load_corpus("hostile")
LEGIT = load_corpus("legit")
# The legitimate corpus reads its own database by three-part names, and one other
# database the operator opened (the integration test configures the same).
LEGIT_POLICY = ReadPolicy.of("AdventureWorksLT", ["Reporting"])
ALL_KINDS = ("insert", "update", "delete")


def _with_names(checked_sql: str, names: tuple[str, ...]) -> str:
    """Put the @names back in place of the `?` placeholders (outside string literals)."""
    pieces = re.split(r"('(?:[^']|'')*')", checked_sql)
    it = iter(names)
    return "".join(
        piece if i % 2 else re.sub(r"\?", lambda _: "@" + next(it), piece)
        for i, piece in enumerate(pieces)
    )


# --- corpora ----------------------------------------------------------------------------


def test_corpora_are_large_enough() -> None:
    assert len(HOSTILE) >= 340
    assert len(LEGIT) >= 100
    assert len(set(HOSTILE)) == len(HOSTILE), "duplicate hostile entries"


@pytest.mark.parametrize("sql", HOSTILE, ids=[f"hostile{i:03d}" for i in range(len(HOSTILE))])
def test_hostile_statement_is_refused(sql: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_select(sql)
    assert refused.value.reason
    assert refused.value.allowed == ALLOWED_SELECT
    assert "Allowed here:" in str(refused.value)


@pytest.mark.parametrize("sql", LEGIT, ids=[f"legit{i:03d}" for i in range(len(LEGIT))])
def test_legit_select_is_accepted_and_sent_unchanged_in_meaning(sql: str) -> None:
    checked = check_select(sql, policy=LEGIT_POLICY)
    assert checked.kind == "select"
    assert checked.sql.count("?") >= len(checked.param_names)
    # What is sent parses to the same tree as what the caller wrote.
    sent = sqlglot.parse_one(_with_names(checked.sql, checked.param_names), read=GuardTSQL)
    written = [tree for tree in sqlglot.parse(sql, read=GuardTSQL) if tree is not None]
    assert sent == written[0]


def test_hostile_corpus_is_refused_by_write_checks_too_except_plain_writes() -> None:
    # Writes are hostile to read_data only; in write mode the plain ones are the point.
    accepted = []
    for sql in HOSTILE:
        try:
            check_write(sql, ALL_KINDS, allow_unfiltered=True)
        except QueryRefused:
            continue
        accepted.append(sql)
    assert accepted == [
        "INSERT INTO t VALUES (1)",
        "INSERT t SELECT * FROM u",
        "UPDATE t SET a = 1",
        "UPDATE t SET a = 1 WHERE id = 1",
        "DELETE FROM t",
        "DELETE t WHERE id = 1",
        "WITH x AS (SELECT 1 AS a) DELETE FROM t",
        "WITH x AS (SELECT 1 AS a) UPDATE x SET a = 2",
        "WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x",
    ]


# --- exact outputs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "sent"),
    [
        (
            "SELECT * FROM t WHERE id = @id AND name = @name",
            "SELECT * FROM t WHERE id = ? AND name = ?",
        ),
        (
            "select top 5 *\n  from  SalesLT.Product -- newest\n order by ListPrice desc;",
            "select top 5 * from SalesLT.Product order by ListPrice desc",
        ),
        (
            'SELECT "Company Name" FROM "SalesLT"."Customer"',
            "SELECT [Company Name] FROM [SalesLT].[Customer]",
        ),
        ("SELECT [x]]; DROP] FROM t", "SELECT [x]]; DROP] FROM t"),
        ("SELECT N'it''s', 'a\\' FROM t", "SELECT N'it''s', 'a\\' FROM t"),
        ("SELECT SYSDATETIME(), SYSTEM_USER", "SELECT SYSDATETIME(), SYSTEM_USER"),
        ("SELECT @@VERSION, @@ROWCOUNT", "SELECT @@VERSION, @@ROWCOUNT"),
        ("SELECT a/*x*/FROM t", "SELECT a FROM t"),
        # several comments between two tokens, an empty one, one that starts `/*/`
        (
            "SELECT a /* one */ /* two */ FROM t -- three\n -- four\nWHERE b = 1",
            "SELECT a FROM t WHERE b = 1",
        ),
        ("SELECT a -- one\n/* two */FROM t", "SELECT a FROM t"),
        ("SELECT a/**/FROM t", "SELECT a FROM t"),
        ("SELECT a /*/ note */ FROM t", "SELECT a FROM t"),
        ("SELECT a /* one *//* two */ FROM t", "SELECT a FROM t"),
        ("SELECT 1;;", "SELECT 1"),
        ("SELECT 1;/* done */", "SELECT 1"),
        (
            "WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < @m) SELECT n FROM r",
            "WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < ?) SELECT n FROM r",
        ),
        ("SELECT id FROM t FOR JSON PATH", "SELECT id FROM t FOR JSON PATH"),
    ],
)
def test_sent_text(sql: str, sent: str) -> None:
    assert check_select(sql).sql == sent


def test_parameters_become_placeholders_in_order() -> None:
    checked = check_select("SELECT * FROM t WHERE id = @id AND name = @name")
    assert checked.sql.count("?") == 2
    assert checked.param_names == ("id", "name")


def test_repeated_parameters_and_globals() -> None:
    checked = check_select("SELECT @a, @@SPID, @b, @a WHERE @@ROWCOUNT >= 0 AND 'x@y' = @c")
    assert checked.param_names == ("a", "b", "a", "c")
    assert checked.sql == "SELECT ?, @@SPID, ?, ? WHERE @@ROWCOUNT >= 0 AND 'x@y' = ?"


def test_has_where() -> None:
    assert check_select("SELECT * FROM t WHERE a = 1").has_where
    assert not check_select("SELECT * FROM t").has_where


# --- specific refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT 1 DELETE FROM t", "DELETE at line 1, column 10"),
        ("SELECT * FROM t; DROP TABLE t", "semicolon"),
        ("SELECT * FROM t SELECT * FROM u", "more than one SELECT"),
        ("SELECT * INTO #t FROM x", "INTO"),
        ("SELECT * FROM OPENROWSET('a', 'b', 'c')", "OPENROWSET"),
        # bracket-quoted, a name the tokens let through: refused in doubt as the call
        ("SELECT * FROM [OPENROWSET]('a', 'b', 'c')", "OPENROWSET reaches data outside"),
        ("SELECT [OPENQUERY](srv, 'SELECT 1') AS x", "OPENQUERY reaches data outside"),
        ("EXEC('SELECT 1')", "EXEC"),
        ("SELECT dbo.xp_cmdshell('dir')", "xp_cmdshell"),
        ("SELECT 1 WAITFOR DELAY '0:0:5'", "WAITFOR"),
        ("SELECT /* /* */ 1 */ 1", "Nested block comment"),
        ("SELECT /*/* */ */ 1", "Nested block comment"),
        ("SELECT ＤＥＬＥＴＥ FROM t", "look-alike"),
        ("SELECT 1\u200b", "U+200B"),
        ("SELECT 1\x00", "U+0000"),
        ("SELECT N'\u0378'", "U+0378"),  # unassigned
        ("SELECT N'\ue000'", "U+E000"),  # private use
        ("SELECT N'\ud800'", "U+D800"),  # a lone surrogate
        ("SELECT N'a\u2028b'", "U+2028 (LINE SEPARATOR)"),
        ("SELECT N'a\u2029b'", "U+2029 (PARAGRAPH SEPARATOR)"),
        ("SELECT 1\nGO", "GO"),
        ("SELECT FROM", "does not parse"),
        ("   ", "empty"),
        ("SELECT {fn NOW()}", "ODBC"),
        ("SELECT * FROM t WHERE a = ?", "@name"),
        ("SELECT 1 AS [a] FROM srv.db.dbo.t", "linked servers"),
        ("SELECT a FROM t WHERE x = @", "Stray '@' at line 1, column 27"),
        ("SELECT a FROM t WHERE x = @@", "Stray '@@' at line 1, column 27"),
        ("SELECT a FROM t FETCH NEXT FROM c", "FETCH at line 1, column 17 is allowed only in"),
        ("SELECT * FROM sp_helpdb", "SP_HELPDB (line 1, column 15): system and extended"),
        ("VALUES (1)", "VALUES is not a SELECT statement"),
        # a misspelt keyword parses as an expression, whose node (ALIAS) is no word of SQL's
        ("SELEC name", "The text, which starts with no statement's keyword (a misspelling?),"),
        ("Orders", "(a misspelling?), is not a SELECT statement"),
        ("SELECT a FROM t WHERE a ILIKE 'x'", "COLLATE Latin1_General_CI_AS after the column"),
        ("SELECT a FROM t OFFSET 1 ROWS", "add ORDER BY on a unique key before OFFSET."),
        (
            "SELECT a FROM t WHERE",
            "T-SQL: something is missing after 'WHERE' at line 1, column 21.",
        ),
        (
            "SELECT a FROM t WHERE a =",
            "T-SQL: something is missing after '=' at line 1, column 25.",
        ),
        ("SELECT (1", "does not parse as T-SQL: Expecting ) at line 1, column 9 (near '1')."),
        # sqlglot reads `a (SELECT 2)` as a call; SQL Server ends the statement before it
        ("SELECT a FROM t ORDER BY a (SELECT 2)", "Give a subquery argument its own paren"),
        ("SELECT a FROM t ORDER BY dbo.f (SELECT 2)", "a second statement in parentheses"),
    ],
)
def test_refusal_names_what_was_found(sql: str, fragment: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_select(sql)
    assert fragment.lower() in refused.value.reason.lower()


def test_a_refusal_gives_line_and_column_past_the_first_line() -> None:
    with pytest.raises(QueryRefused) as refused:
        check_select("\nSELECT a\nFROM t\n  DELETE")
    assert refused.value.reason.startswith("DELETE at line 4, column 3 is not allowed")


def test_tabs_and_crlf_line_ends_are_accepted() -> None:
    assert check_select("SELECT a,\tb\r\nFROM t\r\n").sql == "SELECT a, b FROM t"


def test_offset_fetch_with_row_in_the_singular_is_accepted() -> None:
    sql = "SELECT a FROM t ORDER BY a OFFSET 1 ROW FETCH NEXT 1 ROW ONLY"
    assert check_select(sql).sql == sql


def test_size_cap() -> None:
    long_sql = "SELECT 1 AS a" + " " * MAX_SQL_CHARS
    with pytest.raises(QueryRefused, match=f"limit is {MAX_SQL_CHARS}"):
        check_select(long_sql)


def test_deep_nesting_is_refused() -> None:
    deep = "SELECT " + "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1)
    with pytest.raises(QueryRefused, match="nests parentheses"):
        check_select(deep)


def test_moderate_nesting_is_accepted() -> None:
    assert check_select("SELECT " + "(" * 30 + "1" + ")" * 30).kind == "select"


# --- writes -------------------------------------------------------------------------------


def test_write_kinds_and_parameters() -> None:
    insert = check_write(
        "INSERT INTO SalesLT.Customer (FirstName, LastName) VALUES (@first, @last)",
        ("insert",),
        allow_unfiltered=False,
    )
    assert insert.kind == "insert"
    assert insert.sql == "INSERT INTO SalesLT.Customer (FirstName, LastName) VALUES (?, ?)"
    assert insert.param_names == ("first", "last")
    update = check_write(
        "UPDATE t SET a = @a, b = DEFAULT WHERE id = @id", ("update",), allow_unfiltered=False
    )
    assert (update.kind, update.has_where, update.param_names) == ("update", True, ("a", "id"))
    delete = check_write("DELETE FROM t WHERE id = @id", ALL_KINDS, allow_unfiltered=False)
    assert (delete.kind, delete.has_where) == ("delete", True)


@pytest.mark.parametrize("sql", ["UPDATE t SET a = 1", "DELETE FROM t", "DELETE t WHERE 1 = 1"])
def test_unfiltered_writes_need_permission(sql: str) -> None:
    with pytest.raises(QueryRefused, match="WHERE"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False)
    checked = check_write(sql, ALL_KINDS, allow_unfiltered=True)
    assert not checked.has_where


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE d FROM dbo.Docs AS d WHERE d.Body.exist('/a') = 1",
        "DELETE FROM dbo.Docs WHERE Docs.Body.exist('/a') = 1",
        "UPDATE e SET Title = 'Lead' FROM dbo.Emp AS e WHERE e.Node.GetLevel() = 1",
    ],
)
def test_a_method_on_a_column_filters_a_write(sql: str) -> None:
    assert check_write(sql, ALL_KINDS, allow_unfiltered=False).has_where


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE dbo.AlwaysOne() = 1",  # a function of no column
        # as the function value of schema dbo, or exist of schema Body: no column read
        "DELETE FROM dbo.T WHERE dbo.value('a', 'int') = 1",
        "DELETE FROM dbo.T WHERE dbo.ToString() = 'x'",
        "DELETE FROM dbo.Docs WHERE Body.exist('/a') = 1",
        "DELETE d FROM dbo.Docs AS d WHERE d.Body.exist('/a') = d.Body.exist('/a')",
    ],
)
def test_a_function_of_no_column_or_a_self_comparison_does_not_filter(sql: str) -> None:
    with pytest.raises(QueryRefused, match="WHERE"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False)


@pytest.mark.parametrize(
    "where",
    [
        "Doc.exist('/a') IS NOT NULL",
        "d.Node.GetLevel() IS NOT NULL",
        "Doc.exist('/a') IS NULL OR Doc.exist('/a') IS NOT NULL",
        "Doc IS NULL OR Doc IS NOT NULL",
        "(Doc IS NULL OR d.x = 1) OR Doc IS NOT NULL",
    ],
)
def test_a_method_on_a_not_null_column_tested_for_null_does_not_filter(where: str) -> None:
    """A method of a NOT NULL column is not NULL either: `IS NOT NULL` on it holds for
    every row, as on the column itself."""
    tree = sqlglot.parse_one(f"DELETE d FROM t AS d WHERE {where}", read="tsql")
    clause = tree.args["where"]
    changed = write_filters.target(tree)
    assert write_filters.judge(tree, changed, ("doc", "node")) == write_filters.Judgement(
        False, False
    )
    assert set(write_filters.not_null_tests(clause)) <= {"Doc", "Node"}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET output = s.output FROM t JOIN s ON s.id = t.id WHERE t.id = 1",
        "UPDATE t SET a = 1 OUTPUT inserted.output WHERE id = 1",
        "INSERT INTO t (a) SELECT output FROM s WHERE output > @id",
    ],
)
def test_a_column_named_output_is_not_an_output_clause(sql: str) -> None:
    """OUTPUT is not reserved: only an INTO after it makes a second table's write."""
    assert check_write(sql, ("insert", "update"), allow_unfiltered=False).kind in (
        "insert",
        "update",
    )


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("DELETE FROM t WHERE id = 1", "not accepted by this tool"),
        ("INSERT INTO t EXEC sp_who", "EXEC"),
        ("INSERT INTO t (a) OUTPUT inserted.a INTO log (a) VALUES (1)", "OUTPUT ... INTO"),
        ("INSERT INTO t VALUES (1) DELETE FROM t WHERE id = 1", "exactly one"),
        ("UPDATE t SET a = 1 WHERE id = 1; DROP TABLE t", "semicolon"),
        ("INSERT INTO t SELECT * FROM OPENQUERY(s, 'x')", "OPENQUERY"),
        ("INSERT INTO t SELECT * INTO x FROM y", "INTO"),
        ("MERGE t USING u ON t.id = u.id WHEN MATCHED THEN DELETE;", "MERGE"),
        ("SELECT 1", "not an INSERT"),
        ("UPDATE t WITH (TABLOCKX) SET a = 1 WHERE id = 1", "TABLOCKX"),
        ("DELETE FROM t WHERE id = 1 WAITFOR DELAY '0:0:5'", "WAITFOR"),
        ("TRUNCATE TABLE t", "TRUNCATE"),
        # sqlglot keeps only the last SET list or OUTPUT clause: the tree would not hold
        # the UPDATE's real one (a subquery on another database, OUTPUT ... INTO)
        (
            "UPDATE t SET a = (SELECT TOP 1 x FROM OtherDb.dbo.s) WHERE id = 1 SET @p = 1",
            "A second SET",
        ),
        ("UPDATE t SET a = 1 OUTPUT inserted.a INTO u OUTPUT inserted.a WHERE id = 1", "OUTPUT"),
        ("DELETE FROM t OUTPUT deleted.a INTO u WHERE id = 1", "OUTPUT ... INTO"),
        # sets the key too, where the check of what an UPDATE changes does not look
        ("UPDATE t SET @v = id = @new WHERE id = 1", "assigns a variable"),
        ("UPDATE t SET a = 1, @v = 2 WHERE id = 1", "assigns a variable"),
        # SQL Server runs the INSERT, then a second statement that reads
        ("INSERT INTO t SELECT a FROM u SELECT b FROM v", "more than one statement"),
    ],
)
def test_write_refusals(sql: str, fragment: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_write(sql, ("insert", "update"), allow_unfiltered=True)
    assert fragment.lower() in refused.value.reason.lower()
    assert "UPDATE" in refused.value.allowed


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT * FROM t ORDER BY a LIMIT 5", "T-SQL has no LIMIT clause. Write SELECT TOP (10)"),
        ("SELECT * FROM t LIMIT @n", "no LIMIT"),
        ("SELECT * FROM t LIMIT 5", "for pages, ORDER BY a unique key (or columns unique"),
        ("SELECT a FROM t WHERE b ILIKE 'x%'", "T-SQL has no ILIKE"),
        ("SELECT AVG(x) FILTER (WHERE x > 1) FROM t", "Put the condition inside: AVG(CASE"),
        ("SELECT g, COUNT(*) FILTER (WHERE x > 1) AS n FROM t GROUP BY g", "no FILTER clause"),
        ("SELECT a FROM t OFFSET 5 ROWS FETCH NEXT 5 ROWS ONLY", "needs ORDER BY"),
        ("SELECT * FROM (SELECT a FROM t OFFSET 5 ROWS) AS x", "needs ORDER BY"),
        ("SELECT a::varchar(10) FROM t", "T-SQL has no :: cast. Write CAST(value AS varchar)"),
        ("SELECT a FROM t WHERE b :: int = 5", "no :: cast"),
        ("SELECT a::NUMERIC(5, 2) FROM t", "CAST(value AS NUMERIC)"),
        ("SELECT `order` FROM t", "T-SQL quotes names with [brackets]"),
        ("SELECT a FROM `SalesLT`.`Customer`", "Backtick at line 1, column 15"),
    ],
)
def test_other_dialects_clauses_are_refused_with_the_t_sql_to_write(
    sql: str, fragment: str
) -> None:
    """SQL Server would say only "Incorrect syntax near 'LIMIT'"."""
    with pytest.raises(QueryRefused) as refused:
        check_select(sql)
    assert fragment in refused.value.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT Limit FROM t ORDER BY Limit",  # LIMIT is no T-SQL keyword: a column may be so named
        "SELECT t.Limit, [limit] FROM t WHERE Limit > 5",
        "SELECT a FROM t ORDER BY a OFFSET 5 ROWS FETCH NEXT 5 ROWS ONLY",
        "SELECT * FROM limit (NOLOCK)",  # a table named limit, with the old hint syntax
        "SELECT id AS ilike FROM t",
        # `::` is T-SQL for a CLR type's static members
        "SELECT geography::Point(47.6, -122.3, 4326).STAsText() AS p",
        "SELECT geometry::STGeomFromText('POINT (1 2)', 0).STX AS x",
        "SELECT hierarchyid::GetRoot().ToString() AS root",
        "SELECT geometry::[Null] AS n",
        "SELECT 'a::int' AS s, [x::int] FROM t",
    ],
)
def test_names_like_other_dialects_words_pass(sql: str) -> None:
    assert check_select(sql).kind == "select"


@pytest.mark.parametrize("sql", [";WITH c AS (SELECT 1 AS x) SELECT x FROM c", " ;; SELECT 1"])
def test_semicolons_before_the_statement_are_dropped(sql: str) -> None:
    """T-SQL habit writes `;WITH` (a CTE must follow a finished statement): nothing comes
    before the semicolon, so there is no second statement."""
    assert not check_select(sql).sql.lstrip().startswith(";")


def test_write_allows_plain_output_and_cte() -> None:
    checked = check_write(
        "WITH c AS (SELECT id FROM t WHERE x = @x) DELETE FROM c WHERE id > 1",
        ("delete",),
        allow_unfiltered=False,
    )
    assert checked.param_names == ("x",)
    assert check_write(
        "INSERT INTO t (a) OUTPUT inserted.id VALUES (1)", ("insert",), allow_unfiltered=False
    ).sql.startswith("INSERT INTO t (a) OUTPUT inserted.id")


@pytest.mark.parametrize(
    ("tail", "refusal"),
    [
        ("dbo.t OUTPUT deleted.a, deleted.b AS bb WHERE id = @id", None),
        ("t WITH (ROWLOCK) OUTPUT deleted.* WHERE id = 1", None),
        ("t OUTPUT deleted.a FROM t AS x JOIN u ON u.id = x.id WHERE u.b = 1", None),
        ("t OUTPUT deleted.a WHERE id IN (SELECT id FROM u WHERE b = @b)", None),
        ("t OUTPUT deleted.a WHERE 1 = 1 OR a = a", "always true"),
        ("t OUTPUT deleted.a FROM t AS x CROSS JOIN u WHERE u.b = 1", "tests no column of t"),
        ("t OUTPUT deleted.a WHERE id = (SELECT 1 FROM Other.dbo.u)", "names the database"),
    ],
)
def test_delete_from_with_output_reads_as_delete_without_from(
    tail: str, refusal: str | None
) -> None:
    """sqlglot parses `DELETE t OUTPUT ... WHERE ...` but not `DELETE FROM t OUTPUT ...
    WHERE ...`, the same statement to SQL Server (that FROM is optional): the guard reads
    both alike, with every write check, and sends the FROM as written."""

    def verdict(sql: str) -> object:
        try:
            c = check_write(sql, ("delete",), allow_unfiltered=False)
        except QueryRefused as exc:
            return re.sub(r"column \d+", "column N", exc.reason)
        return (c.sql, c.target, c.tables, c.has_where, c.not_null_tests)

    with_from, without = verdict(f"DELETE FROM {tail}"), verdict(f"DELETE {tail}")
    if refusal is not None:
        assert refusal in str(with_from) and with_from == without
    else:
        assert isinstance(with_from, tuple) and isinstance(without, tuple)
        assert with_from[0] == without[0].replace("DELETE ", "DELETE FROM ", 1)
        assert with_from[1:] == without[1:]


def test_a_cte_delete_from_with_output_is_checked_as_any_delete() -> None:
    cte = "WITH c AS (SELECT id FROM t WHERE x = @x) DELETE FROM c OUTPUT deleted.id"
    assert check_write(f"{cte} WHERE id > 1", ("delete",), allow_unfiltered=False).has_where
    with pytest.raises(QueryRefused, match="without a WHERE clause"):
        check_write(cte, ("delete",), allow_unfiltered=False)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE TOP (10) FROM t WHERE id < 5",
        "DELETE TOP (10) t WHERE id < 5",
        "UPDATE TOP (1) t SET a = 1 WHERE id < 5",
        "INSERT TOP (5) INTO t (a) SELECT a FROM u WHERE a > 1",
        "WITH c AS (SELECT id FROM t) DELETE TOP (1) FROM c WHERE id > 1",
    ],
)
def test_top_in_a_write_is_refused_with_the_where_to_write(sql: str) -> None:
    """sqlglot reads a write's TOP as a name or not at all ("does not parse as T-SQL",
    "TOP was read as a name": both false); the refusal says how to name the rows."""
    with pytest.raises(QueryRefused) as refused:
        check_write(sql, ("insert", "update", "delete"), allow_unfiltered=False)
    assert "TOP at line 1, column" in refused.value.reason
    assert "WHERE id IN (SELECT TOP (100) id FROM t WHERE ... ORDER BY id)" in refused.value.reason


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t WHERE id IN (SELECT TOP (2) id FROM t ORDER BY id)",
        "WITH c AS (SELECT TOP (3) id FROM t ORDER BY id) DELETE FROM c WHERE id > 0",
        "UPDATE t SET [top] = 1 WHERE id = 1",
        "INSERT INTO t (a) SELECT TOP (5) a FROM u ORDER BY a",
    ],
)
def test_top_elsewhere_in_a_write_passes(sql: str) -> None:
    check_write(sql, ("insert", "update", "delete"), allow_unfiltered=False)


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("UPDATE t SET a = 1", "UPDATE without a WHERE clause would change every row"),
        ("DELETE t WHERE 1 = 1", "DELETE whose WHERE clause is always true would change"),
    ],
)
def test_an_unfiltered_write_says_whether_the_where_is_missing_or_always_true(
    sql: str, found: str
) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_write(sql, ("update", "delete"), allow_unfiltered=False)
    assert refused.value.reason.startswith(found)


def test_a_where_on_other_tables_only_is_no_filter_when_unfiltered_writes_are_allowed() -> None:
    sql = "UPDATE t SET a = 1 FROM t CROSS JOIN u WHERE u.id = 1"
    assert check_write(sql, ("update",), allow_unfiltered=True).has_where is False


def test_a_write_refusal_names_the_kinds_the_tool_takes() -> None:
    with pytest.raises(QueryRefused) as refused:
        check_write("DELETE FROM t WHERE id = 1", ("update", "insert"), allow_unfiltered=False)
    assert refused.value.reason == "DELETE statements are not accepted by this tool."
    assert refused.value.allowed == (
        "one INSERT/UPDATE statement (subqueries may SELECT; UPDATE and DELETE need a WHERE "
        "clause); values as @name parameters"
    )
    with pytest.raises(QueryRefused) as refused:
        check_write("INSERT INTO t VALUES (1)", ("delete", "update"), allow_unfiltered=False)
    assert refused.value.allowed.startswith("one UPDATE/DELETE statement (")


def test_write_kinds_must_be_known() -> None:
    with pytest.raises(ValueError, match="kinds"):
        check_write("DELETE FROM t WHERE id = 1", ("drop",), allow_unfiltered=False)


# --- fingerprints ---------------------------------------------------------------------------


def test_fingerprint_normalizes_literals_case_whitespace_and_comments() -> None:
    a = fingerprint("SELECT * FROM t WHERE id = 5 AND name = 'alice'")
    b = fingerprint("select *\n from T -- hi\n where ID = 42 and NAME = N'bob'")
    c = fingerprint("SELECT * FROM t WHERE id = @id AND name = @name")
    assert a == b == c
    assert re.fullmatch(r"[0-9a-f]{16}", a)
    assert fingerprint("SELECT * FROM u WHERE id = 5 AND name = 'alice'") != a


def test_checked_fingerprint_matches_fingerprint() -> None:
    sql = "SELECT TOP 5 * FROM t WHERE a = 'x' -- c"
    assert check_select(sql).fingerprint == fingerprint(sql)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SELECT a FROM t WHERE a<1", "SELECT a FROM t WHERE a < 1;"),
        ("SELECT [a] FROM t", "SELECT a FROM t"),
        ("SELECT @@rowcount, @p FROM t", "SELECT @@ROWCOUNT, @q FROM t"),
    ],
)
def test_fingerprint_is_one_for_one_statement_written_differently(a: str, b: str) -> None:
    assert fingerprint(a) == fingerprint(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SELECT 1", "PRINT 1"),
        ("SELECT a FROM t WHERE a < 1", "SELECT a FROM t WHERE a <= 1"),
        ("SELECT a FROM t", "SELECT a FROM t ORDER BY a"),
        ("SELECT [a b] FROM t", "SELECT a b FROM t"),
        ("SELECT @@ROWCOUNT FROM t", "SELECT @@ROWCOUNT FROM u"),
        ("SELECT @@ROWCOUNT", "SELECT @@VERSION"),
        ("SELECT @@ROWCOUNT", "SELECT @rowcount"),
        ("SELECT a FROM t WHERE b = @p", "SELECT a FROM t WHERE b = @p AND c = @q"),
    ],
)
def test_fingerprint_tells_different_statements_apart(a: str, b: str) -> None:
    assert fingerprint(a) != fingerprint(b)


def test_fingerprint_of_untokenizable_text_drops_comments_over_lines() -> None:
    commented = fingerprint("SELECT a /* note\n 'b' */ FROM t WHERE x = 'it''s")
    assert commented == fingerprint("SELECT a FROM t WHERE x = 'other")


def test_fingerprint_of_untokenizable_text_hides_values() -> None:
    secret_a = fingerprint("SELECT * FROM t WHERE pin = 'secret-1")
    secret_b = fingerprint("SELECT * FROM t WHERE pin = 'other-2")
    assert secret_a == secret_b


# --- start-up cost ----------------------------------------------------------------------------


def test_importing_the_guard_does_not_import_sqlglot() -> None:
    code = "import sys, azsql_mcp.db.sqlguard; print('sqlglot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING,
        "SELECT " + "ABS(" * MAX_NESTING + "1" + ")" * MAX_NESTING,
        "SELECT " + "CAST(" * MAX_NESTING + "1" + " AS int)" * MAX_NESTING,
        "SELECT * FROM " + "(SELECT * FROM " * MAX_NESTING + "t" + " AS x)" * MAX_NESTING,
        "SELECT * FROM t WHERE a IN "
        + "(SELECT a FROM t WHERE a IN " * (MAX_NESTING - 1)
        + "(1)"
        + ")" * (MAX_NESTING - 1),
    ],
)
def test_nesting_up_to_the_limit_is_checked(sql: str) -> None:
    # The documented limit is the real one: anything within it parses and is checked.
    assert check_select(sql).kind == "select"


def test_offset_fetch_with_parameters_is_accepted() -> None:
    checked = check_select("SELECT * FROM t ORDER BY a OFFSET @o ROWS FETCH NEXT @n ROWS ONLY")
    assert checked.param_names == ("o", "n")


# --- T-SQL sqlglot cannot parse alone (guard_dialect.py) --------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT PARSE(@s AS datetime2 USING 'de-DE') AS d",
        "SELECT TRY_PARSE(N'1,5' AS decimal(5, 2) USING N'fr-FR') AS n",
        "WITH XMLNAMESPACES ('uri:a' AS a, 'uri:b' AS b) SELECT 1 AS [a:x] FOR XML RAW",
        "SELECT id FROM dbo.t WHERE CONTAINS((c, d), 'x', LANGUAGE 0x0409)",
        "SELECT id FROM dbo.t WHERE FREETEXT(*, @w, LANGUAGE 1031)",
        "SELECT ct.id FROM CHANGETABLE(CHANGES dbo.t, @v) AS ct",
        "SELECT ct.id FROM CHANGETABLE(VERSION dbo.t, (a, b), (@a, @b), FORCESEEK) AS ct",
    ],
)
def test_t_sql_sqlglot_cannot_parse_alone_is_accepted(sql: str) -> None:
    assert check_select(sql).kind == "select"


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT * FROM CHANGETABLE(CHANGES OtherDb.dbo.t, 0) AS ct", "names the database"),
        ("SELECT * FROM CHANGETABLE(VERSION Srv.Db.dbo.t, (a), (1)) AS ct", "four-part"),
        ("SELECT * FROM CHANGETABLE(CHANGES sys.sql_logins, 0) AS ct", "password hashes"),
        ("SELECT * FROM CHANGETABLE(CHANGES dbo.t, 0, NOLOCK) AS ct", "FORCESEEK"),
        ("SELECT PARSE(N'1' AS OtherDb.dbo.T USING 'en-US') AS v", "names the database"),
        ("SELECT PARSE(N'1' USING 'en-US') AS v", "Expected AS"),
        ("SELECT 1 AS a FROM t WHERE CONTAINS(c, 'x', LANGUAGE (SELECT 1 FROM Db.dbo.u))", "Db"),
        ("WITH XMLNAMESPACES ('uri:x' AS ns) SELECT 1 AS a DELETE FROM t", "DELETE"),
    ],
)
def test_the_new_forms_keep_what_they_name_checked(sql: str, fragment: str) -> None:
    with pytest.raises(QueryRefused, match=re.escape(fragment)):
        check_select(sql)


def test_the_table_changetable_reads_is_a_table_in_the_tree() -> None:
    tree = sqlglot.parse_one("SELECT 1 FROM CHANGETABLE(CHANGES Db.dbo.t, 0) AS ct", read=GuardTSQL)
    tables = [t.sql(dialect="tsql") for t in tree.find_all(sqlglot.exp.Table)]
    assert "Db.dbo.t" in tables


@pytest.mark.parametrize(
    "sql", ["SELECT hierarchyid::Parse(N'/1/') AS h", "SELECT dbo.CHANGETABLE(1) AS x"]
)
def test_methods_and_user_functions_named_like_the_built_ins_stay_ordinary_calls(sql: str) -> None:
    tree = sqlglot.parse_one(sql, read=GuardTSQL)
    assert tree == sqlglot.parse_one(sql, read="tsql")


def test_a_write_may_read_changetable_and_parse() -> None:
    sql = (
        "UPDATE p SET p.d = PARSE(@s AS date USING 'de-DE') FROM dbo.p AS p"
        " JOIN CHANGETABLE(CHANGES dbo.p, @v) AS ct ON ct.id = p.id WHERE p.id = @id"
    )
    assert check_write(sql, ["update"], allow_unfiltered=False).kind == "update"


def test_xmlnamespaces_before_a_write_keeps_its_ctes_judged() -> None:
    base = "UPDATE t SET a = 1 FROM dbo.t AS t JOIN c ON c.id = t.id WHERE c.id = t.id"
    cte = "c AS (SELECT * FROM dbo.t)"
    for sql in (f"WITH {cte} {base}", f"WITH XMLNAMESPACES ('uri:x' AS n), {cte} {base}"):
        with pytest.raises(QueryRefused, match="copy of itself"):
            check_write(sql, ["update"], allow_unfiltered=False)


# --- newer T-SQL (SQL Server 2022 and 2025, Azure SQL Database) -------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT 1 AS a FOR XML RAW",
        "WITH XMLNAMESPACES ('urn:p' AS p, DEFAULT 'urn:x') SELECT 1 AS [p:a] FOR XML RAW",
        "WITH XMLNAMESPACES (DEFAULT 'urn:x'), c AS (SELECT 1 AS a) SELECT a FROM c FOR XML RAW",
        "SELECT JSON_ARRAY('a', 1, NULL, 2 NULL ON NULL) AS j",
        "SELECT JSON_ARRAY('a', NULL ABSENT ON NULL RETURNING json) AS j",
        "SELECT JSON_ARRAY(1 RETURNING json) AS j",
        "SELECT JSON_ARRAYAGG(c ORDER BY c ABSENT ON NULL RETURNING json) AS j FROM dbo.t",
        "SELECT JSON_VALUE(@j, '$.price' RETURNING decimal(10, 2)) AS v",
        "SELECT JSON_QUERY(@j, '$.cards[*].type' WITH ARRAY WRAPPER) AS types",
        "SELECT CAST('[1,2,3]' AS vector(3, float16)) AS v",
        "SELECT t.id, s.distance FROM VECTOR_SEARCH(TABLE = dbo.articles AS t,"
        " COLUMN = embedding, SIMILAR_TO = @qv, METRIC = 'cosine', TOP_N = 10) AS s",
        "SELECT p2.name FROM dbo.Person AS p, dbo.friendOf AS f, dbo.Person AS p2"
        " WHERE MATCH(p-(f)->p2) AND p.name = @n",
        "SELECT p3.name FROM Person p1, likes l, Person p2, likes l2, Person p3"
        " WHERE MATCH(p1-(l)->p2-(l2)->p3 AND p3<-(l2)-p2)",
    ],
)
def test_newer_t_sql_reads_are_accepted(sql: str) -> None:
    checked = check_select(sql)
    assert checked.kind == "select"
    sent = sqlglot.parse_one(_with_names(checked.sql, checked.param_names), read=GuardTSQL)
    assert sent == sqlglot.parse_one(sql, read=GuardTSQL)


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        # DEFAULT is a namespace declaration only inside XMLNAMESPACES (...)
        ("WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT dbo.f(DEFAULT) AS a", "DEFAULT at line 1"),
        ("WITH XMLNAMESPACES ('urn:x' AS DEFAULT) SELECT 1 AS a", "DEFAULT at line 1"),
        ("SELECT JSON_VALUE(@j, '$.a' DEFAULT 1 ON ERROR) AS a", "DEFAULT at line 1"),
        # TABLE and COLUMN name VECTOR_SEARCH's arguments, nowhere else
        ("SELECT a FROM t OPTION (TABLE HINT (t, NOLOCK))", "TABLE at line 1"),
        (
            "SELECT s.d FROM VECTOR_SEARCH(TABLE = Other.dbo.a AS t, COLUMN = e,"
            " SIMILAR_TO = @v, METRIC = 'dot', TOP_N = 1) AS s",
            "names the database",
        ),
        (
            "SELECT s.d FROM VECTOR_SEARCH(TABLE = dbo.a WITH (UPDLOCK), COLUMN = e,"
            " SIMILAR_TO = @v, METRIC = 'dot', TOP_N = 1) AS s",
            "UPDLOCK",
        ),
        (
            "SELECT s.d FROM VECTOR_SEARCH(TABLE = sys.sql_logins, COLUMN = e,"
            " SIMILAR_TO = @v, METRIC = 'dot', TOP_N = 1) AS s",
            "password hashes",
        ),
        (
            "SELECT s.d FROM VECTOR_SEARCH(COLUMN = e, TABLE = dbo.a,"
            " SIMILAR_TO = @v, METRIC = 'dot', TOP_N = 1, TOP_N = 2) AS s",
            "each once",
        ),
        (
            "SELECT s.d FROM VECTOR_SEARCH(TABLE = (SELECT 1 AS e), COLUMN = e,"
            " SIMILAR_TO = @v, METRIC = 'dot', TOP_N = 1) AS s",
            "does not parse",
        ),
        # MATCH holds node and edge names only, linked as SQL Graph links them
        ("SELECT 1 AS a FROM p, f, q WHERE MATCH(p-(f)->(SELECT 1))", "node or edge"),
        ("SELECT 1 AS a FROM p, f, q WHERE MATCH(p-(Db.dbo.f)->q)", "does not parse"),
        ("SELECT 1 AS a FROM p, f, q WHERE MATCH(p-(f)-q)", "Expected ->"),
        ("SELECT 1 AS a FROM p, f, q WHERE MATCH(p)", "-(edge)->"),
        # reading files and calling external models stay refused
        (
            "SELECT * FROM OPENROWSET(BULK 'https://x/y.parquet', FORMAT = 'PARQUET') AS r",
            "OPENROWSET",
        ),
        ("SELECT AI_GENERATE_EMBEDDINGS(N'text' USE MODEL m) AS e", "external model"),
    ],
)
def test_newer_t_sql_keeps_its_refusals(sql: str, fragment: str) -> None:
    with pytest.raises(QueryRefused, match=re.escape(fragment)):
        check_select(sql, policy=ReadPolicy.of("db"))


def test_the_table_vector_search_reads_is_a_table_in_the_tree() -> None:
    sql = (
        "SELECT s.distance FROM VECTOR_SEARCH(TABLE = Db.dbo.a AS t, COLUMN = e,"
        " SIMILAR_TO = @v, METRIC = 'cosine', TOP_N = 5) AS s"
    )
    tree = sqlglot.parse_one(sql, read=GuardTSQL)
    assert "Db.dbo.a AS t" in [t.sql(dialect="tsql") for t in tree.find_all(sqlglot.exp.Table)]
