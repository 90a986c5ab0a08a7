"""Cases of the read policy (sqlpolicy.py) that mutants of it survived: each test fails
against the mutant named in its comment or name."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.sqlguard import check_select
from azsql_mcp.db.sqlpolicy import ReadPolicy

OWN = ReadPolicy.of("Sales")


def refused(sql: str, policy: ReadPolicy = OWN) -> str:
    with pytest.raises(QueryRefused) as caught:
        check_select(sql, policy=policy)
    return caught.value.reason


@pytest.mark.parametrize(
    "sql",
    [
        # schema.table.column as an argument: only the first argument of CONTAINSTABLE
        # and its kin is a table name whose first part may be a database
        "SELECT QUOTENAME(dbo.Docs.Title) FROM dbo.Docs",
        "SELECT * FROM dbo.Docs"
        " CROSS APPLY SEMANTICSIMILARITYTABLE(dbo.Docs, *, dbo.Docs.DocId) AS s",
    ],
)
def test_a_three_part_column_argument_names_a_schema_not_a_database(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


@pytest.mark.parametrize("other", ["Sales\t", "SalesX", "Sales\n"])
def test_only_trailing_spaces_are_ignored_in_a_database_name(other: str) -> None:
    # SQL Server ignores trailing spaces in names, nothing else: [SalesX] and a name
    # ending in a tab are other databases (mutants: rstrip() and rstrip("XX XX"))
    assert "names the database" in refused(f"SELECT * FROM [{other}].dbo.t")
    assert check_select("SELECT * FROM [Sales  ].dbo.t", policy=OWN)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT dbo.servers(1)",  # a user function named like sys.servers
        "SELECT dbo.fn_dblog(1)",  # like the system function fn_dblog
        "SELECT * FROM sysprocessesX",  # not the compatibility view sysprocesses
    ],
)
def test_user_objects_named_like_system_objects_are_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"


def test_a_sys_qualified_call_is_checked_by_its_name() -> None:
    assert "password hashes" in refused("SELECT sys.LOGINPROPERTY('sa', 'PasswordHash')")


@pytest.mark.parametrize("sql", ["SELECT dm_exec_x()", "SELECT dm_exec_x(1).value('.', 'int')"])
def test_an_unqualified_call_named_like_a_server_state_view(sql: str) -> None:
    # refused as server state (a mutant passed no policy and raised AttributeError)
    assert "shows server state" in refused(sql)
    assert check_select(sql, policy=ReadPolicy.of("Sales", allow_server_state=True))


def test_a_method_on_a_property_of_a_variable_names_no_database() -> None:
    # @p.Location.ToString(): the qualifiers mix a variable and a name (mutant: `not any`
    # for `not all` took @p for a database)
    assert check_select("SELECT @p.Location.ToString()", policy=OWN).kind == "select"


def test_a_policy_made_with_of_reaches_its_own_database_and_no_server_state() -> None:
    # module-level OWN is built before a forkserver mutant runs: build it here too
    own = ReadPolicy.of("Sales")
    assert check_select("SELECT * FROM Sales.dbo.t", policy=own)
    assert "shows server state" in refused("SELECT * FROM sys.dm_exec_requests", own)


@pytest.mark.parametrize(
    ("sql", "written"),
    [
        ("SELECT [Other Db].dbo.t.c FROM dbo.t", "[Other Db].dbo.t.c names"),
        ("SELECT * FROM [Other Db].dbo.t", "[Other Db].dbo.t names"),
        ("SELECT [Other Db].dbo.fn(1)", "[Other Db].dbo.fn(1) names"),
        (
            "SELECT * FROM CONTAINSTABLE([Other Db].dbo.Docs, *, N'a') AS k",
            "[Other Db].dbo.Docs names",
        ),
    ],
)
def test_a_refusal_quotes_the_name_as_t_sql_writes_it(sql: str, written: str) -> None:
    assert refused(sql).startswith(written)


# --- the words of refusals (mutants that changed only them) -----------------------------


def test_refusals_say_what_was_refused_and_what_is_allowed() -> None:
    from azsql_mcp.db import sql_hints
    from azsql_mcp.db.sqlpolicy import STRICT

    assert "(" not in refused("SELECT * FROM Other.dbo.t", STRICT).split(". ")[0]
    assert "source's database. An operator" in refused("SELECT * FROM Other.dbo.t", STRICT)
    assert "allowed_databases = ['tempdb']" in refused("SELECT * FROM ##t")
    assert "shared by every session; a statement stays" in refused("SELECT * FROM ##t")
    assert refused("SELECT * FROM sys.credentials").startswith("sys.credentials shows")
    assert refused("SELECT * FROM sysservers").startswith("sysservers shows")
    modify = refused("SELECT d.[Body].modify(N'delete /a') FROM dbo.Docs AS d")
    assert modify.startswith(
        "d.[Body].modify(N'delete /a') calls the xml method modify(), which changes"
    )
    # (MERGE, the one other join hint of T-SQL, is refused before, as a keyword)
    remote = refused("SELECT * FROM a INNER REMOTE JOIN b ON a.id = b.id")
    joins = ", ".join(sorted(sql_hints.ALLOWED_JOIN_HINTS))
    assert remote == (
        f"The join hint REMOTE runs the join at a linked server. Allowed join hints: {joins}."
    )
    queries = ", ".join(sorted(sql_hints.ALLOWED_QUERY_HINTS))
    assert f"Allowed query hints: {queries} (" in refused("SELECT * FROM t OPTION (MAXDOP 4)")


@pytest.mark.parametrize(
    ("hint", "named"),
    [
        # functions sqlglot knows, whose `.name` is empty, `*` or their argument's
        ("ABS(a)", "ABS(a)"),
        ("count(*)", "COUNT(*)"),
        ("CAST(nolock AS int)", "CAST(nolock AS INTEGER)"),
        ("MAX(a)", "MAX(a)"),
        # keywords, as SQL Server names them
        ("xyzlock", "XYZLOCK"),
        ("Foo(ix)", "FOO"),
    ],
)
def test_a_table_hint_that_is_no_keyword_is_refused_as_written(hint: str, named: str) -> None:
    assert refused(f"SELECT * FROM t WITH ({hint})").startswith(
        f"The table hint {named} is not on the allow-list."
    )


def test_every_join_hint_sqlglot_reads_is_allowed_refused_or_a_keyword_refused_before() -> None:
    from sqlglot.dialects.tsql import TSQL

    from azsql_mcp.db import sql_hints

    known = sql_hints.ALLOWED_JOIN_HINTS | sql_hints.REFUSED_JOIN_HINTS.keys()
    parsed = set(TSQL.Parser.JOIN_HINTS)
    assert parsed == known | {"MERGE"}
    assert refused("SELECT * FROM a INNER MERGE JOIN b ON a.id = b.id").startswith(
        "MERGE at line 1"
    )


def test_a_qualified_exists_names_no_object_but_its_database_is_checked() -> None:
    # after a dot sqlglot reads EXISTS(...) as EXISTS, every other call as a name
    assert check_select("SELECT 1 WHERE sys.EXISTS(SELECT 1)")
    assert "names the database OtherDb" in refused("SELECT OtherDb.dbo.EXISTS(SELECT 1)")
