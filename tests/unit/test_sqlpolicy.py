"""What an accepted statement may reach: databases, system objects, hints, session state,
and which WHERE clauses count as a filter for writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from azsql_mcp import QueryRefused, plain_advice
from azsql_mcp.db import sql_hints, sql_objects, write_filters
from azsql_mcp.db.sqlguard import check_select, check_write
from azsql_mcp.db.sqlpolicy import ReadPolicy

OWN = ReadPolicy.of("Sales")
ALL_KINDS = ("insert", "update", "delete")

# Scalar functions; every other entry is a view or table-valued function.
SCALAR = {"pwdcompare", "pwdencrypt", "loginproperty", "certprivatekey"}


def refused(sql: str, policy: ReadPolicy = OWN) -> str:
    with pytest.raises(QueryRefused) as caught:
        check_select(sql, policy=policy)
    return caught.value.reason


# --- 15.2 a read stays in its source's database ----------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM Sales.dbo.Orders",
        "SELECT * FROM [Sales].[dbo].[Orders] AS o",
        'SELECT * FROM "sales"."dbo"."Orders"',
        "SELECT * FROM SALES..Orders",
        "SELECT Sales.dbo.fn_total(1) AS total",
    ],
)
def test_three_part_names_of_the_own_database_are_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


@pytest.mark.parametrize(
    ("sql", "database"),
    [
        ("SELECT * FROM master.sys.objects", "master"),
        ("SELECT * FROM msdb.dbo.sysjobs", "msdb"),
        ("SELECT * FROM OtherDb..Secrets", "OtherDb"),
        ("SELECT * FROM [OtherDb].[dbo].[Secrets]", "OtherDb"),
        ("SELECT * FROM tempdb.sys.objects", "tempdb"),
        ("SELECT * FROM t WHERE a IN (SELECT a FROM OtherDb.dbo.u)", "OtherDb"),
        ("SELECT OtherDb.dbo.fn(1) AS x", "OtherDb"),
        ("SELECT * FROM t CROSS APPLY OtherDb.dbo.tvf(t.a) AS f", "OtherDb"),
        # a function name sqlglot knows, and an omitted schema, are still names
        ("SELECT * FROM t CROSS APPLY OtherDb.dbo.Split(t.a, ',') AS f", "OtherDb"),
        ("SELECT * FROM t OUTER APPLY [OtherDb]..[tvf](t.a) AS f", "OtherDb"),
        # full-text functions take a table name, three-part included
        ("SELECT * FROM CONTAINSTABLE(OtherDb.dbo.Docs, *, N'\"abc*\"') AS k", "OtherDb"),
        ("SELECT * FROM FREETEXTTABLE(OtherDb.dbo.Docs, Body, N'x') AS k", "OtherDb"),
        ("SELECT * FROM SEMANTICKEYPHRASETABLE(OtherDb.dbo.Docs, *) AS k", "OtherDb"),
        ("SELECT * FROM SEMANTICSIMILARITYTABLE(OtherDb.dbo.Docs, *, 1) AS k", "OtherDb"),
        (
            "SELECT * FROM SEMANTICSIMILARITYDETAILSTABLE(OtherDb.dbo.Docs, a, 1, a, 2) AS k",
            "OtherDb",
        ),
        ("SELECT [master].[sys].[objects].[name] FROM t", "master"),
        ("SELECT * FROM [master ].sys.objects", "master "),
    ],
)
def test_other_databases_are_refused_until_allowed(sql: str, database: str) -> None:
    reason = refused(sql)
    assert f"names the database {database}" in reason
    assert "(Sales)" in reason and "allowed_databases" in reason
    opened = ReadPolicy.of("Sales", [database.upper()])
    assert check_select(sql, policy=opened).kind == "select"


def test_under_a_case_sensitive_server_collation_a_database_is_named_as_spelled() -> None:
    # [SALES] and [Sales] are two databases there: neither the source's own database
    # nor an allowed one opens a name that differs from it in case only
    strict = ReadPolicy.of("Sales", ["Archive"], names_ignore_case=False)
    for sql, database in [
        ("SELECT * FROM SALES.dbo.Orders", "SALES"),
        ("SELECT * FROM [archive].dbo.Orders", "archive"),
    ]:
        reason = refused(sql, strict)
        assert f"names the database {database}" in reason
        assert "compares database names as spelled" in reason
    for sql in ["SELECT * FROM [Sales ].dbo.Orders", "SELECT * FROM Archive.dbo.Orders"]:
        assert check_select(sql, policy=strict).kind == "select"
    # a name no spelling allows says nothing of case
    assert "as spelled" not in refused("SELECT * FROM Other.dbo.t", strict)


def test_denied_functions_are_found_behind_apply_with_an_omitted_schema() -> None:
    assert "transaction log" in refused("SELECT * FROM t CROSS APPLY Sales..fn_dblog(NULL, NULL) f")
    audit = "SELECT * FROM t CROSS APPLY master..fn_get_audit_file(N'x', NULL, NULL) AS f"
    assert "audit files" in refused(audit, ReadPolicy.of("Sales", ["master"]))


def test_without_a_database_every_three_part_name_is_refused() -> None:
    with pytest.raises(QueryRefused, match="names the database Sales"):
        check_select("SELECT * FROM Sales.dbo.Orders")


def test_global_temporary_tables_need_tempdb() -> None:
    assert "global temporary table" in refused("SELECT * FROM ##t")
    assert check_select("SELECT * FROM ##t", policy=ReadPolicy.of("Sales", ["tempdb"]))
    assert check_select("SELECT * FROM #mine", policy=OWN).kind == "select"


def test_four_part_names_stay_refused_even_when_the_database_is_allowed() -> None:
    allowed = ReadPolicy.of("Sales", ["db"])
    assert "linked servers" in refused("SELECT * FROM srv.db.dbo.t", allowed)
    assert "linked servers" in refused("SELECT srv.db.dbo.fn(1) AS x", allowed)
    # an xml method after three names is no method of a column of p
    assert "linked servers" in refused("SELECT p.Doc.x.value('.', 'int') FROM dbo.t AS p")


def test_writes_follow_the_same_rule() -> None:
    with pytest.raises(QueryRefused, match="names the database OtherDb"):
        check_write("INSERT INTO OtherDb.dbo.t (a) VALUES (1)", ALL_KINDS, allow_unfiltered=False)
    checked = check_write(
        "UPDATE Sales.dbo.t SET a = 1 WHERE id = 1",
        ALL_KINDS,
        allow_unfiltered=False,
        policy=OWN,
    )
    assert checked.kind == "update"


# xml methods on a column read like three-part function names to sqlglot: `p.Doc.value(...)`
# is database p, schema Doc, function value. SQL Server reads the xml method of column Doc
# wherever p is a table or alias the query sees there.
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT p.CatalogDescription.value('(/*:ProductDescription/@ProductModelID)[1]', 'int')"
        " FROM SalesLT.ProductModel AS p",
        "SELECT n.c.value('@id', 'int') AS id, n.c.query('.') AS frag FROM dbo.Docs AS d"
        " CROSS APPLY d.Body.nodes('/root/item') AS n(c) WHERE d.Body.exist('/root') = 1",
        "SELECT Body.value('(/a)[1]', 'int') FROM dbo.Docs",
        "SELECT Docs.Body.value(N'(/a)[1]', 'int') FROM dbo.Docs",
        "SELECT [d].[Body].[value]('(/a)[1]', 'int') FROM dbo.Docs AS d",
        "SELECT m.i.value('.', 'int') FROM dbo.Docs AS d CROSS APPLY d.Body.nodes('/r') AS n(c)"
        " OUTER APPLY n.c.nodes('i') AS m(i)",
        "SELECT * FROM dbo.Docs AS d JOIN dbo.T AS t ON t.id = d.Body.value('(/r/@id)[1]', 'int')",
        # an enclosing query's table, a derived table's own, a CTE's own
        "SELECT (SELECT TOP 1 d.Body.value('(/a)[1]', 'int') FROM dbo.T AS t) FROM dbo.Docs AS d",
        "SELECT s.x FROM (SELECT d.Body.value('(/a)[1]', 'int') AS x FROM dbo.Docs AS d) AS s",
        "WITH c AS (SELECT d.Body.query('/a') AS q FROM dbo.Docs AS d)"
        " SELECT c.q.value('(/a)[1]', 'int') FROM c",
    ],
)
def test_xml_methods_on_a_column_of_a_table_in_scope_are_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


# The system CLR types' methods are called the same way (hierarchyid, geography, geometry).
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT e.OrganizationNode.ToString(), e.OrganizationNode.GetLevel()"
        " FROM HumanResources.Employee AS e",
        "SELECT e.LoginID FROM HumanResources.Employee AS e JOIN HumanResources.Employee AS m"
        " ON e.OrganizationNode.GetAncestor(1) = m.OrganizationNode"
        " WHERE e.OrganizationNode.IsDescendantOf(m.OrganizationNode) = 1",
        "SELECT a.SpatialLocation.STDistance(geography::Point(47.6, -122.3, 4326)),"
        " a.SpatialLocation.STAsText(), a.SpatialLocation.EnvelopeCenter()"
        " FROM Person.Address AS a",
    ],
)
def test_clr_type_methods_on_a_column_of_a_table_in_scope_are_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT OtherDb.dbo.GetLevel() FROM dbo.T AS t",
        # CLR method names are case-sensitive: this is no hierarchyid method
        "SELECT OtherDb.dbo.getlevel() FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.Lookup(1) FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.Status(1) FROM dbo.T AS OtherDb",
        # function names are not case-sensitive, method names are: these are no methods
        "SELECT OtherDb.dbo.STATUS(42) FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.STOCKLEVEL(42) FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.VALUE('a', 'b') FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.Exist('a') FROM dbo.T AS OtherDb",
    ],
)
def test_a_function_named_unlike_a_clr_type_method_stays_refused(sql: str) -> None:
    assert "names the database OtherDb" in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT OtherDb.dbo.value('(/a)[1]', 'int') FROM dbo.Docs AS d",
        # OtherDb is an alias, but not one the call can see
        "SELECT * FROM dbo.Docs AS OtherDb"
        " JOIN (SELECT OtherDb.dbo.value('(/a)[1]', 'int') AS v) AS s ON 1 = 1",
        "SELECT * FROM (SELECT OtherDb.dbo.value('(/a)[1]', 'int') AS v) AS s, dbo.T AS OtherDb",
        "WITH c AS (SELECT OtherDb.dbo.query('/a') AS v) SELECT * FROM c, dbo.T AS OtherDb",
        "SELECT * FROM dbo.T AS a CROSS APPLY OtherDb.dbo.nodes('/a') AS n(c), dbo.U AS OtherDb",
        # in scope, but not called the way SQL Server calls an xml method
        "SELECT OtherDb.dbo.value(1, 2) FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.exist('/a', 'b') FROM dbo.T AS OtherDb",
        "SELECT OtherDb.dbo.lookup('/a') FROM dbo.T AS OtherDb",
        # the method is fine, another part of the statement is not
        "SELECT d.Body.value('(/a)[1]', 'int') FROM dbo.Docs AS d"
        " WHERE d.id IN (SELECT id FROM OtherDb.dbo.T)",
        "SELECT * FROM dbo.Docs AS d"
        " WHERE 1 = (SELECT 1 FROM OtherDb.dbo.T AS t WHERE t.x = d.Body.value('(/a)[1]', 'int'))",
    ],
)
def test_a_three_part_function_of_another_database_stays_refused(sql: str) -> None:
    assert "names the database OtherDb" in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT d.Body.modify('delete /a') FROM dbo.Docs AS d",
        "SELECT 1 FROM dbo.Docs WHERE Body.MODIFY('delete /a') IS NULL",
        "SELECT d.Body.modify('delete /a').query('.') FROM dbo.Docs AS d",
    ],
)
def test_the_xml_modify_method_is_refused_in_a_read(sql: str) -> None:
    assert "modify()" in refused(sql) and "SET list of an UPDATE" in refused(sql)


def test_the_xml_modify_method_stays_a_write_in_an_update_set_list() -> None:
    update = "UPDATE dbo.Docs SET Body.modify('delete /a') WHERE id = 1"
    assert check_write(update, ["update"], allow_unfiltered=False, policy=OWN).kind == "update"
    aliased = (
        "UPDATE d SET d.Body.modify('delete /a') FROM dbo.Docs AS d JOIN dbo.T AS t"
        " ON t.id = d.id WHERE t.id = 1"
    )
    assert check_write(aliased, ["update"], allow_unfiltered=False, policy=OWN).kind == "update"
    with pytest.raises(QueryRefused, match="not accepted by this tool"):
        check_write(update, ["insert"], allow_unfiltered=False, policy=OWN)
    nested = "UPDATE dbo.Docs SET n = (SELECT d.Body.modify('delete /a') FROM dbo.Docs AS d)"
    with pytest.raises(QueryRefused, match=r"modify\(\)"):
        check_write(nested + " WHERE id = 1", ["update"], allow_unfiltered=False, policy=OWN)


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT OtherDb.dbo.MyType::Parse(N'1') AS v", "names the database OtherDb"),
        ("SELECT [OtherDb].[dbo].[MyType]::[Parse](@s) AS v", "names the database OtherDb"),
        ("SELECT OtherDb.dbo.MyType::MaxValue AS v", "names the database OtherDb"),
        ("SELECT * FROM t WHERE a = OtherDb.dbo.T::M(t.b)", "names the database OtherDb"),
        ("SELECT Srv.OtherDb.dbo.MyType::Parse(N'1') AS v", "four-part"),
        ("SELECT CAST(a AS OtherDb.dbo.MyType) AS v FROM t", "names the database OtherDb"),
        ("SELECT TRY_CONVERT(OtherDb.dbo.MyType, a) AS v FROM t", "names the database OtherDb"),
        ("SELECT CAST(a AS Srv.OtherDb.dbo.MyType) AS v FROM t", "four-part"),
    ],
)
def test_types_of_another_database_are_refused(sql: str, fragment: str) -> None:
    assert fragment in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT dbo.MyType::Parse(N'1') AS v",
        "SELECT Sales.dbo.MyType::Parse(N'1') AS v",
        "SELECT CAST(a AS dbo.MyType) AS v, CAST(b AS Sales.dbo.MyType) AS w FROM t",
        "SELECT geography::Point(47.6, -122.3, 4326).STAsText() AS p",
        "SELECT hierarchyid::GetRoot().ToString() AS root",
    ],
)
def test_types_of_the_own_database_are_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


# --- 15.3 hints -------------------------------------------------------------------------


@pytest.mark.parametrize("hint", sorted(sql_hints.ALLOWED_TABLE_HINTS))
def test_allowed_table_hint(hint: str) -> None:
    written = f"{hint}(ix1)" if hint == "INDEX" else hint
    assert check_select(f"SELECT * FROM t WITH ({written})").kind == "select"


@pytest.mark.parametrize("hint", sorted(sql_hints.REFUSED_TABLE_HINTS))
def test_refused_table_hint(hint: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        check_select(f"SELECT * FROM t WITH (NOLOCK, {hint})")
    assert hint in caught.value.reason
    if "table hint" in caught.value.reason:  # UPDLOCK, XLOCK, TABLOCKX go at the word
        assert "Allowed table hints: FORCESCAN" in caught.value.reason


@pytest.mark.parametrize("hint", ["TABLOCK", "HOLDLOCK", "PAGLOCK", "SERIALIZABLE"])
def test_lock_hints_in_writes_follow_the_same_rule(hint: str) -> None:
    with pytest.raises(QueryRefused, match=f"table hint {hint}"):
        check_write(f"DELETE FROM t WITH ({hint}) WHERE id = 1", ALL_KINDS, allow_unfiltered=False)
    assert check_write(
        "UPDATE t WITH (ROWLOCK) SET a = 1 WHERE id = 1", ALL_KINDS, allow_unfiltered=False
    )


@pytest.mark.parametrize("option", sorted(sql_hints.ALLOWED_QUERY_HINTS - {"FAST", "MAXRECURSION"}))
def test_allowed_query_hint(option: str) -> None:
    assert check_select(f"SELECT * FROM t OPTION ({option})").kind == "select"


@pytest.mark.parametrize(
    "option", ["FAST 10", "MAXRECURSION 1", "MAXRECURSION 1000", "MAXDOP 1", "RECOMPILE, HASH JOIN"]
)
def test_allowed_query_hint_with_values(option: str) -> None:
    assert check_select(f"SELECT * FROM t OPTION ({option})").kind == "select"


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        ("MAXRECURSION 0", "from 1 to 1000"),
        ("MAXRECURSION 1001", "from 1 to 1000"),
        ("MAXDOP 0", "degree of parallelism"),
        ("MAXDOP 8", "degree of parallelism"),
        # not whole numbers: refused, not read as 1 or 10
        ("MAXDOP 1.0", "degree of parallelism"),
        ("MAXRECURSION 10.5", "from 1 to 1000"),
        ("MIN_GRANT_PERCENT = 50", "memory grant"),
        ("MAX_GRANT_PERCENT = 50", "memory grant"),
        ("QUERYTRACEON 8649", "trace flags"),
        ("PARAMETERIZATION FORCED", "plan guides"),
        ("LABEL = 'x'", "allow-list"),
        ("USE PLAN N'<x/>'", "USE"),
        ("TABLE HINT (t, TABLOCK)", "TABLE"),
    ],
)
def test_refused_query_hint(option: str, fragment: str) -> None:
    assert fragment in refused(f"SELECT * FROM t OPTION ({option})")


def test_join_hints() -> None:
    assert check_select("SELECT * FROM t AS a INNER HASH JOIN u AS b ON a.id = b.id")
    assert check_select("SELECT * FROM t AS a LEFT LOOP JOIN u AS b ON a.id = b.id")
    assert check_select("SELECT * FROM t AS a inner loop join u AS b ON a.id = b.id")
    assert "REMOTE" in refused("SELECT * FROM t AS a inner remote join u AS b ON a.id = b.id")
    assert "MERGE" in refused("SELECT * FROM t AS a INNER MERGE JOIN u AS b ON a.id = b.id")
    assert "REMOTE" in refused("SELECT * FROM t AS a INNER REMOTE JOIN u AS b ON a.id = b.id")


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        # the hints without WITH: sqlglot reads `t (A, B)` as a call of a function t
        ("SELECT * FROM t (NOLOCK, SERIALIZABLE)", "SERIALIZABLE"),
        ("SELECT * FROM dbo.t (NOLOCK, TABLOCK)", "TABLOCK"),
        ("SELECT * FROM t (READCOMMITTEDLOCK, NOLOCK)", "READCOMMITTEDLOCK"),
        ("SELECT * FROM t ([SERIALIZABLE])", "SERIALIZABLE"),
        ('SELECT * FROM t (NOLOCK, "REPEATABLEREAD")', "REPEATABLEREAD"),
        # ... and after an alias, as the alias's column names
        ("SELECT * FROM t x (NOLOCK, SERIALIZABLE)", "SERIALIZABLE"),
        ("SELECT * FROM t AS a JOIN u b (PAGLOCK, NOLOCK) ON a.id = b.id", "PAGLOCK"),
        ("SELECT * FROM t CROSS APPLY u (REPEATABLEREAD, NOLOCK)", "REPEATABLEREAD"),
        ("SELECT * FROM t CROSS APPLY dbo.u (SERIALIZABLE, NOLOCK)", "SERIALIZABLE"),
        ("SELECT * FROM t CROSS APPLY u x (TABLOCK, NOLOCK)", "TABLOCK"),
    ],
)
def test_table_hints_without_with_are_checked_as_hints(sql: str, hint: str) -> None:
    assert f"The table hint {hint} " in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t (NOLOCK)",
        "SELECT * FROM t x (NOLOCK)",
        "SELECT * FROM t WITH (NOLOCK, READPAST)",
        # a table-valued function's arguments and column aliases are no hints
        "SELECT * FROM dbo.fn(1, @p) AS x (a, b)",
        "SELECT * FROM t CROSS APPLY dbo.tvf(t.a) AS f (tablock)",
        "SELECT * FROM t CROSS APPLY (SELECT t.a) AS x (serializable)",
        "SELECT n.c.value('.', 'int') AS v FROM t CROSS APPLY t.doc.nodes('/a') AS n (c)",
        "SELECT * FROM (VALUES (1)) AS v (holdlock_count)",
    ],
)
def test_hint_like_words_that_are_no_refused_hints_are_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t (NOLOCK, READPAST)",
        "SELECT * FROM t (NOLOCK, INDEX(ix))",
        "SELECT * FROM t (INDEX(ix))",
        "SELECT * FROM t AS x (NOLOCK, READPAST)",
        "SELECT * FROM t CROSS APPLY dbo.tvf(snapshot) AS f",
    ],
)
def test_several_hints_without_with_are_refused_with_the_with_form(sql: str) -> None:
    assert "Write them with WITH: t WITH (" in refused(sql)


def test_several_hints_without_with_do_not_hide_the_changed_table() -> None:
    # sqlglot read `t (ROWLOCK, READPAST)` as a function t: the write's filter checks did
    # not see t joined to a copy of itself, and every row of t would change
    sql = "UPDATE t SET a = 1 FROM t (ROWLOCK, READPAST), t AS c WHERE c.id = 1"
    with pytest.raises(QueryRefused, match="Write them with WITH"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False, policy=OWN)
    with pytest.raises(QueryRefused, match="tests no column of t"):
        check_write(sql.replace(" (ROWLOCK, READPAST)", ""), ALL_KINDS, allow_unfiltered=False)


# --- 15.4 files, logs, registry, credentials; server state -----------------------------------


def _reference(name: str, schema: str) -> str:
    if name in SCALAR:
        return f"SELECT {name.upper()}(N'a', N'b') AS x"
    if name.startswith(("fn_", "dm_")) and name not in {"dm_server_registry"}:
        return f"SELECT * FROM {schema}{name}(NULL, NULL)"
    return f"SELECT * FROM {schema}{name}"


@pytest.mark.parametrize("name", sorted(sql_objects.DENIED_OBJECTS))
@pytest.mark.parametrize("schema", ["sys.", "[sys].", ""])
def test_denied_object(name: str, schema: str) -> None:
    sql = _reference(name, schema)
    policy = ReadPolicy.of("Sales", allow_server_state=True)
    if schema == "" and name not in SCALAR and not sql_objects.resolves_unqualified(name):
        # A catalog view needs `sys.`: without it the name is a user table.
        assert check_select(sql, policy=policy).kind == "select"
        return
    reason = refused(sql, policy)
    assert name in reason.lower()
    assert sql_objects.DENIED_OBJECTS[name] in reason


@pytest.mark.parametrize(
    "name", sorted(n for n in sql_objects.DENIED_OBJECTS if n.startswith("sys"))
)
def test_compatibility_views_answer_to_dbo_too(name: str) -> None:
    """SQL Server still resolves dbo.sysservers and the like to the compatibility views."""
    assert sql_objects.DENIED_OBJECTS[name] in refused(f"SELECT * FROM dbo.{name}")


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        # an APPLY'd function with the database (and server) omitted is of the current one
        ("SELECT * FROM t CROSS APPLY .sys.fn_dblog(NULL, NULL) AS x", "transaction log"),
        ("SELECT * FROM t CROSS APPLY ..fn_dblog(NULL, NULL) AS x", "transaction log"),
        ("SELECT * FROM t OUTER APPLY ...dm_exec_sql_text(t.h) AS x", "server state"),
        ("SELECT * FROM t CROSS APPLY .OtherDb..tvf(t.a) AS x", "names the database OtherDb"),
    ],
)
def test_apply_of_a_function_with_omitted_parts(sql: str, fragment: str) -> None:
    assert fragment in refused(sql)


def test_azure_telemetry_files_are_denied() -> None:
    sql = "SELECT * FROM sys.fn_xe_telemetry_blob_target_read_file('el', NULL, NULL, NULL)"
    assert "extended-event files Azure SQL Database keeps" in refused(sql)


def test_server_state_compatibility_views_answer_to_dbo_too() -> None:
    assert "server state" in refused("SELECT * FROM dbo.sysprocesses")
    assert check_select("SELECT * FROM dbo.sysobjects").kind == "select"


@pytest.mark.parametrize(
    "sql", ["SELECT * FROM [sys ].[sql_logins ]", "SELECT * FROM [SYS].[SQL_LOGINS]"]
)
def test_system_names_match_as_sql_server_compares_them(sql: str) -> None:
    assert "password hashes" in refused(sql)


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        # the usual collations are width-insensitive: full-width letters are the same name
        ("SELECT * FROM [\uff53\uff59\uff53].[\uff43redentials]", "server's credentials"),
        ("SELECT * FROM sys.[\uff53\uff51\uff4c_logins]", "password hashes"),
        ("SELECT * FROM [\uff46\uff4e_dblog](NULL, NULL)", "transaction log"),
        ("SELECT * FROM [dbo].[\uff53yslogins]", "lists the server's logins"),
        ("SELECT * FROM sys.[\uff44\uff4d_exec_requests]", "server state"),
        # ... and _AI ones accent-insensitive; a trailing ideographic space is a space
        ("SELECT * FROM [s\u00ffs].[credentials]", "server's credentials"),
        ("SELECT * FROM [sys].[credenti\u00e4ls]", "server's credentials"),
        ("SELECT * FROM [sys].[credentials\u3000]", "server's credentials"),
    ],
)
def test_system_names_match_width_and_accents_aside(sql: str, fragment: str) -> None:
    assert fragment in refused(sql)


def test_a_database_name_opens_only_as_written() -> None:
    # the other way round, a full-width name of the own database is another name
    assert "names the database" in refused("SELECT * FROM [\uff33ales].dbo.t")


def test_user_objects_named_like_system_views_are_not_denied() -> None:
    for sql in (
        "SELECT * FROM dbo.credentials",
        "SELECT * FROM credentials",
        "SELECT * FROM hr.sql_logins",
        "SELECT name FROM servers",
    ):
        assert check_select(sql).kind == "select"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT r.session_id, t.text FROM sys.dm_exec_requests AS r "
        "CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t",
        "SELECT * FROM sys.dm_exec_sessions",
        "SELECT * FROM sys.sysprocesses",
        "SELECT * FROM sys.dm_tran_locks",
        # every user's statements and plans, gated by Microsoft like the DMVs
        "SELECT query_sql_text FROM sys.query_store_query_text",
        "SELECT * FROM sys.query_store_plan",
        "SELECT * FROM sys.query_context_settings",
        # an Azure SQL logical server's master: every database's use, connections and
        # deadlock graphs; Managed Instance's resource use
        "SELECT database_name, avg_cpu_percent FROM sys.resource_stats",
        "SELECT * FROM sys.elastic_pool_resource_stats",
        "SELECT additional_data FROM sys.event_log WHERE event_type = 'deadlock'",
        "SELECT * FROM sys.database_connection_stats",
        "SELECT * FROM sys.server_resource_stats",
    ],
)
def test_server_state_needs_the_policy(sql: str) -> None:
    assert "sql.admin" in refused(sql)
    assert check_select(sql, policy=ReadPolicy.of("Sales", allow_server_state=True))


def test_own_database_catalog_views_stay_readable() -> None:
    for sql in (
        "SELECT name FROM sys.tables",
        "SELECT name, size FROM sys.database_files",
        "SELECT name FROM sys.database_principals",
    ):
        assert check_select(sql).kind == "select"


# --- 15.5 session state ---------------------------------------------------------------------


@pytest.mark.parametrize("sql", ["SELECT RAND(12345)", "SELECT RAND(@s)", "SELECT rand(0) AS r"])
def test_seeding_rand_is_refused(sql: str) -> None:
    assert "RAND(seed)" in refused(sql)


def test_reading_session_values_is_accepted() -> None:
    sql = "SELECT RAND() AS r, SESSION_CONTEXT(N'k') AS k, CONTEXT_INFO() AS c, @@SPID AS s"
    assert check_select(sql).kind == "select"


# --- 15.6 writes: a WHERE that is always true does not filter --------------------------------


@pytest.mark.parametrize(
    "where",
    [
        "CustomerID = CustomerID",
        "c.CustomerID = c.CustomerID",
        "CustomerID >= CustomerID",
        "CustomerID <= CustomerID",
        "NOT CustomerID <> CustomerID",
        "CustomerID IN (CustomerID)",
        "CustomerID BETWEEN CustomerID AND CustomerID",
        "Name LIKE Name",
        "1 = 1 OR CustomerID = @id",
        "CustomerID = CustomerID OR CustomerID = @id",
        "(CustomerID = CustomerID) AND 1 = 1",
        "CustomerID IS NOT DISTINCT FROM CustomerID",
        "Name IS NULL OR Name IS NOT NULL",
        "Name IS NOT NULL OR CustomerID = @id OR Name IS NULL",
        "@p = @P",  # parameter names compare as the collation does
        "CustomerID = CustomerID AND @p = 1",  # what is left tests no column
    ],
)
def test_always_true_where_is_unfiltered(where: str) -> None:
    sql = f"DELETE FROM SalesLT.Customer WHERE {where}"
    with pytest.raises(QueryRefused, match="always true"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False)
    assert not check_write(sql, ALL_KINDS, allow_unfiltered=True).has_where


@pytest.mark.parametrize(
    "where",
    [
        "CustomerID = @id",
        "CustomerID = CustomerID AND Name = @name",
        "CustomerID IN (1, 2)",
        "CustomerID = OtherID",
        "ModifiedDate IS NOT NULL",  # nullable: a filter
    ],
)
def test_real_filters_pass(where: str) -> None:
    sql = f"UPDATE SalesLT.Customer SET Name = @n WHERE {where}"
    assert check_write(sql, ALL_KINDS, allow_unfiltered=False).has_where


@pytest.mark.parametrize(
    "where",
    [
        # names compared as the default case-insensitive collations do, brackets removed
        "CustomerID = customerid",
        "[CustomerID] = CustomerID",
        "SalesLT.Customer.CustomerID = CustomerID",
        "Customer.CustomerID = [customerid]",
        # a parameter, or any one expression, on both sides
        "CustomerID = -1 OR @d = @d",
        "CustomerID = -1 OR @d = @D",
        "CustomerID = -1 OR LEFT(Name, 1) = left([name], 1)",
        # a value IN a list holding it
        "1 IN (1, CustomerID)",
        "CustomerID = -1 OR @d IN (@e, @d)",
    ],
)
def test_the_same_expression_written_differently_is_unfiltered(where: str) -> None:
    sql = f"UPDATE SalesLT.Customer SET ModifiedDate = @d WHERE {where}"
    with pytest.raises(QueryRefused, match="always true"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False)


def test_an_alias_of_the_changed_table_is_the_table() -> None:
    sql = (
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c WHERE c.CustomerID = CustomerID"
    )
    with pytest.raises(QueryRefused, match="always true"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE SalesLT.Customer SET ModifiedDate = @d FROM (VALUES (1)) AS s(k) WHERE s.k = 1",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d FROM (SELECT 1 AS k) AS s WHERE s.k = 1",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " CROSS JOIN SalesLT.Address AS a WHERE a.AddressID = 1",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c, SalesLT.Address AS a"
        " WHERE a.AddressID = 1",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " JOIN SalesLT.Address AS a ON 1 = 1 WHERE a.AddressID = 1",
        # the join condition compares the changed table's column with itself
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " JOIN SalesLT.Address AS a ON c.CustomerID = C.customerid WHERE a.AddressID = 1",
        # one branch of the OR tests only the other table
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " CROSS JOIN SalesLT.Address AS a WHERE c.CustomerID = @id OR a.AddressID = 1",
        # unqualified beside another table: maybe the other table's column
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " CROSS JOIN SalesLT.Address AS a WHERE AddressLine1 = @x",
        # Customer in the subquery is the subquery's own table
        "DELETE FROM SalesLT.Customer WHERE EXISTS"
        " (SELECT 1 FROM SalesLT.Customer WHERE Customer.CustomerID = 1)",
        # another schema's Customer is another table, joined to every row
        "UPDATE Customer SET ModifiedDate = @d FROM Other.Customer AS o WHERE o.CustomerID = 1",
        "DELETE c FROM SalesLT.Customer AS c CROSS JOIN SalesLT.Address AS a WHERE a.AddressID = 1",
        # an outer join or APPLY not tied to the changed row
        "DELETE c FROM SalesLT.Customer AS c LEFT JOIN SalesLT.Address AS a ON 1 = 1"
        " WHERE a.AddressID IS NULL",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c CROSS APPLY"
        " (SELECT TOP 1 AddressID FROM SalesLT.Address WHERE City = @city) AS x"
        " WHERE x.AddressID = 1",
        # Customer may be another schema's table than SalesLT.Customer: not taken for it
        "UPDATE Customer SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " JOIN SalesLT.CustomerAddress AS a ON a.CustomerID = c.CustomerID WHERE a.AddressID = 1",
        # twice in FROM: ambiguous, neither is taken for it
        "UPDATE SalesLT.Customer SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " JOIN SalesLT.Customer AS b ON b.CustomerID = c.CustomerID WHERE b.CustomerID = 1",
        # a condition on other tables only, under NOT, lets every row through too
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " CROSS JOIN SalesLT.Address AS a WHERE NOT (a.City LIKE @city)",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c CROSS JOIN SalesLT.Address"
        " AS a WHERE NOT EXISTS (SELECT 1 FROM SalesLT.CustomerAddress AS x"
        " WHERE x.AddressID = a.AddressID)",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " CROSS JOIN SalesLT.Address AS a WHERE a.AddressID = 1 AND a.City = @city",
        # an outer join's ON restricts nothing, even when it reads the changed table
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " LEFT JOIN SalesLT.CustomerAddress AS ca ON ca.CustomerID = c.CustomerID"
        " CROSS JOIN SalesLT.Address AS a WHERE a.AddressID = 1",
        # unqualified inside a subquery, the column may be the subquery's table's
        "DELETE FROM SalesLT.Customer WHERE EXISTS"
        " (SELECT 1 FROM SalesLT.Address WHERE AddressID = 5)",
    ],
)
def test_a_where_that_tests_no_column_of_the_changed_table_is_unfiltered(sql: str) -> None:
    with pytest.raises(QueryRefused, match="tests no column of") as caught:
        check_write(sql, ALL_KINDS, allow_unfiltered=False)
    assert "INNER JOIN ... ON" in caught.value.reason
    assert not check_write(sql, ALL_KINDS, allow_unfiltered=True).has_where


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE SalesLT.Customer SET ModifiedDate = @d WHERE CustomerID IN (@a, @b)",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d WHERE LastName LIKE @p",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d WHERE [CustomerID] = @Id",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d WHERE Customer.CustomerID = @id",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c WHERE c.CustomerID = @id",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " WHERE c.CustomerID = @id",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d WHERE CustomerID = @id AND @d = @d",
        # the changed table named as written in FROM, which gives it an alias
        "UPDATE Customer SET ModifiedDate = @d FROM Customer AS c"
        " JOIN SalesLT.CustomerAddress AS a ON a.CustomerID = c.CustomerID WHERE a.AddressID = 1",
        # an INNER JOIN's ON restricts the changed rows to those with a match
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " JOIN SalesLT.CustomerAddress AS a ON a.CustomerID = c.CustomerID"
        " WHERE a.AddressType = @t",
        "UPDATE SalesLT.Customer SET ModifiedDate = @d FROM SalesLT.Customer"
        " INNER JOIN SalesLT.CustomerAddress AS a ON a.CustomerID = Customer.CustomerID"
        " WHERE a.AddressType = @t OR Customer.CustomerID = @id",
        "DELETE a FROM SalesLT.CustomerAddress AS a"
        " JOIN SalesLT.Address AS d ON d.AddressID = a.AddressID WHERE d.City = @city",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " CROSS JOIN SalesLT.Address AS a WHERE c.CustomerID = a.AddressID",
        "DELETE FROM SalesLT.Customer WHERE EXISTS"
        " (SELECT 1 FROM SalesLT.CustomerAddress AS a WHERE a.CustomerID = Customer.CustomerID)",
        "DELETE FROM SalesLT.Customer WHERE CustomerID IN"
        " (SELECT CustomerID FROM SalesLT.CustomerAddress WHERE AddressType = @t)",
        "WITH c AS (SELECT * FROM SalesLT.Customer) DELETE FROM c WHERE CustomerID = @id",
        # an outer join or APPLY tied to the changed row: a test of it depends on that row
        "DELETE a FROM SalesLT.CustomerAddress AS a LEFT JOIN SalesLT.Customer AS c"
        " ON c.CustomerID = a.CustomerID WHERE c.CustomerID IS NULL",
        "UPDATE a SET ModifiedDate = @d FROM SalesLT.CustomerAddress AS a"
        " LEFT JOIN SalesLT.Customer AS c ON c.CustomerID = a.CustomerID"
        " WHERE c.CustomerID IS NULL",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c CROSS APPLY"
        " (SELECT TOP 1 a.AddressType FROM SalesLT.CustomerAddress AS a"
        " WHERE a.CustomerID = c.CustomerID) AS x WHERE x.AddressType = @t",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c OUTER APPLY"
        " (SELECT TOP 1 a.AddressType FROM SalesLT.CustomerAddress AS a"
        " WHERE a.CustomerID = c.CustomerID) AS x WHERE x.AddressType IS NULL",
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " LEFT JOIN SalesLT.CustomerAddress AS a ON a.CustomerID = c.CustomerID"
        " WHERE a.AddressID = 1",
    ],
)
def test_filters_on_the_changed_table_pass(sql: str) -> None:
    assert check_write(sql, ALL_KINDS, allow_unfiltered=False).has_where


def test_is_not_null_in_an_inner_join_condition_is_looked_up() -> None:
    sql = (
        "UPDATE c SET ModifiedDate = @d FROM SalesLT.Customer AS c"
        " JOIN SalesLT.Address AS a ON c.CustomerID IS NOT NULL WHERE a.AddressID = 1"
    )
    assert check_write(sql, ALL_KINDS, allow_unfiltered=False).not_null_tests == ("CustomerID",)
    with pytest.raises(QueryRefused, match="tests no column of"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False, non_nullable=["CustomerID"])


def test_is_not_null_on_a_non_nullable_column_is_unfiltered() -> None:
    sql = "DELETE FROM SalesLT.SalesOrderDetail WHERE SalesOrderDetailID IS NOT NULL"
    first = check_write(sql, ALL_KINDS, allow_unfiltered=False)
    assert first.not_null_tests == ("SalesOrderDetailID",)
    assert first.tables == (("SalesLT", "SalesOrderDetail"),)
    with pytest.raises(QueryRefused, match="always true"):
        check_write(sql, ALL_KINDS, allow_unfiltered=False, non_nullable=["salesorderdetailid"])
    # written NOT (c IS NULL), the test is found and looked up the same
    parenthesized = sql.replace(
        "SalesOrderDetailID IS NOT NULL", "NOT (SalesOrderDetailID IS NULL)"
    )
    assert check_write(parenthesized, ALL_KINDS, allow_unfiltered=False).not_null_tests == (
        "SalesOrderDetailID",
    )
    with pytest.raises(QueryRefused, match="always true"):
        check_write(
            parenthesized, ALL_KINDS, allow_unfiltered=False, non_nullable=["salesorderdetailid"]
        )
    both = sql + " AND OrderQty > @q"
    assert check_write(
        both, ALL_KINDS, allow_unfiltered=False, non_nullable=["SalesOrderDetailID"]
    ).has_where


@pytest.mark.parametrize("column", ["$IDENTITY", "IDENTITYCOL", "t.$identity", "t.IdentityCol"])
def test_is_not_null_on_the_identity_column_is_unfiltered(column: str) -> None:
    # an identity column is never NULL: no catalog lookup needed
    with pytest.raises(QueryRefused, match="always true"):
        check_write(f"DELETE FROM t WHERE {column} IS NOT NULL", ALL_KINDS, allow_unfiltered=False)


def test_cte_names_are_not_tables() -> None:
    checked = check_write(
        "WITH c AS (SELECT id FROM dbo.t) DELETE FROM c WHERE id IS NOT NULL",
        ALL_KINDS,
        allow_unfiltered=False,
    )
    assert checked.tables == (("dbo", "t"),)


def test_table_names_keep_their_parts_and_are_quoted_for_object_id() -> None:
    checked = check_write(
        "DELETE FROM [Other Db].dbo.[a]]b] WHERE id IS NOT NULL",
        ALL_KINDS,
        allow_unfiltered=False,
        policy=ReadPolicy.of(None, ["Other Db"]),
    )
    assert checked.tables == (("Other Db", "dbo", "a]b"),)
    assert write_filters.object_name(checked.tables[0]) == "[Other Db].[dbo].[a]]b]"


# --- docs --------------------------------------------------------------------------------


def test_guard_docs_list_every_denied_object_and_allowed_hint() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "statement-guard.md").read_text()
    for name in sql_objects.DENIED_OBJECTS:  # as Microsoft spells it: sys.fn_MSxe_...
        assert f"`sys.{name}`" in docs.lower() or f"`{name.upper()}`" in docs, name
    for hint in sql_hints.ALLOWED_TABLE_HINTS:
        assert f"`{hint}" in docs, hint
    assert f"1 <= n <= {sql_hints.MAX_RECURSION}" in docs


def test_guard_docs_examples_are_the_real_refusals() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "statement-guard.md").read_text()
    for sql in (
        "SELECT * FROM OtherDb..Secrets",
        "SELECT * FROM t WITH (HOLDLOCK)",
        "SELECT * FROM sys.fn_get_audit_file('x', NULL, NULL)",
        "SELECT * FROM sys.dm_exec_requests",
        "SELECT RAND(1)",
    ):
        # as a caller that may call every tool reads it (the advice rendered)
        assert plain_advice(refused(sql), lambda tool: True) in docs, sql
    with pytest.raises(QueryRefused) as caught:
        check_write("DELETE FROM t WHERE 1 = 1 OR a = 1", ALL_KINDS, allow_unfiltered=False)
    assert caught.value.reason in docs
    cross = "UPDATE t SET a = 1 FROM T t CROSS JOIN U u WHERE u.id = 1"
    with pytest.raises(QueryRefused) as caught:
        check_write(cross, ALL_KINDS, allow_unfiltered=False)
    assert caught.value.reason in docs


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT OtherDb.dbo.fn(1).value('.', 'int') FROM t", "names the database OtherDb"),
        ("SELECT OtherDb.dbo.fn(t.a).ToString() FROM t", "names the database OtherDb"),
        (
            "SELECT * FROM t CROSS APPLY OtherDb.dbo.fn(1).nodes('/a') AS n(c)",
            "names the database OtherDb",
        ),
        ("SELECT Srv.OtherDb.dbo.fn(1).value('.', 'int') FROM t", "four-part"),
        (
            "SELECT master.sys.fn_get_audit_file(N'x', NULL, NULL).value('.', 'int') FROM t",
            "names the database master",
        ),
        (
            "SELECT fn_get_audit_file(N'x', NULL, NULL).value('.', 'int') FROM t",
            "fn_get_audit_file",
        ),
    ],
)
def test_a_method_of_a_function_result_does_not_hide_the_function(sql: str, fragment: str) -> None:
    """`OtherDb.dbo.fn(1).value(...)` calls OtherDb's fn, then a method of what it returns."""
    assert fragment in refused(sql)


def test_a_method_of_a_function_result_in_the_source_database_is_accepted() -> None:
    sql = "SELECT dbo.Doc(t.id).value('(/a)[1]', 'int'), CAST(t.x AS xml).query('.') FROM t"
    assert check_select(sql, policy=OWN).kind == "select"
