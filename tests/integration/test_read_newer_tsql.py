"""read_data on a read-only source with SQL Server 2022 and 2025 T-SQL: reads the guard
once refused now reach the test server, which answers them as SQL Server's pages say
(or with 40517 where it lacks the feature); what reaches outside stays refused. The
server acts as Azure SQL Database, which has SQL Server 2025's built-ins (REGEXP_LIKE
at its compatibility level 170); SQL Server 2022 has not (test_sql_server_2022_advice.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

REFUSED = "Allowed here:"  # every QueryRefused message carries it


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, edition="azure-sql-database") as server:
        yield server


async def call(client: Client[Any], query: str, params: dict[str, Any] | None = None) -> Any:
    args: dict[str, Any] = {"query": query}
    if params:
        args["params"] = params
    return await client.call_tool("read_data", args, raise_on_error=False)


@pytest.mark.parametrize(
    ("query", "params", "rows"),
    [
        ("SELECT JSON_ARRAY('a', 1, NULL, 2 NULL ON NULL) AS j", None, [['["a",1,null,2]']]),
        ("SELECT JSON_ARRAY('a', NULL ABSENT ON NULL RETURNING json) AS j", None, [['["a"]']]),
        ("SELECT JSON_VALUE(@j, '$.n' RETURNING int) + 1 AS n", {"j": '{"n":"41"}'}, [[42]]),
        ("SELECT value FROM GENERATE_SERIES(1, @n) ORDER BY value", {"n": 3}, [[1], [2], [3]]),
        (
            "SELECT COUNT(*) AS n FROM SalesLT.Customer"
            " WHERE REGEXP_LIKE(LastName, @p, 'i') AND LastName IS NOT DISTINCT FROM LastName",
            {"p": "^zzz"},
            [[0]],
        ),
    ],
    ids=["json-array-null", "json-array-returning", "json-value-returning", "series", "regexp"],
)
async def test_newer_reads_run_end_to_end(mcp_client, query, params, rows):
    result = await call(mcp_client, query, params)
    assert not result.is_error, result.content[0].text
    assert result.structured_content["rows"] == rows


@pytest.mark.parametrize(
    "query",
    [
        "WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT 1 AS a FOR XML RAW",
        "SELECT JSON_QUERY(@j, '$.a[*]' WITH ARRAY WRAPPER) AS q",
        "SELECT s.distance FROM VECTOR_SEARCH(TABLE = SalesLT.Product AS t,"
        " COLUMN = Embedding, SIMILAR_TO = @j, METRIC = 'cosine', TOP_N = 5) AS s",
    ],
    ids=["xmlnamespaces-default", "json-query-wrapper", "vector-search"],
)
async def test_newer_reads_the_test_server_lacks_pass_the_guard(mcp_client, query):
    result = await call(mcp_client, query, {"j": "[]"} if "@j" in query else None)
    text = result.content[0].text
    assert REFUSED not in text
    assert result.is_error and "40517" in text, text


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("SELECT AI_GENERATE_EMBEDDINGS(N'text' USE MODEL m) AS e", "external model"),
        ("SELECT * FROM OPENROWSET(BULK 'https://x/y.parquet', FORMAT = 'PARQUET') AS r", "files"),
        (
            "SELECT s.distance FROM VECTOR_SEARCH(TABLE = master.dbo.t AS t, COLUMN = e,"
            " SIMILAR_TO = @j, METRIC = 'cosine', TOP_N = 5) AS s",
            "names the database master",
        ),
        ("SELECT AI_SUMMARIZE(Name) AS s FROM SalesLT.Product", "AI model's endpoint"),
        ("SELECT * FROM sys.fn_db_backup_file_snapshots(NULL)", "Azure Blob Storage"),
        ("SELECT * FROM CONTAINSTABLE(srv.db.dbo.t, *, N'x') AS k", "four-part names"),
    ],
    ids=[
        "ai-embeddings",
        "openrowset-bulk",
        "vector-search-master",
        "fabric-ai-summarize",
        "backup-snapshots",
        "containstable-linked-server",
    ],
)
async def test_newer_reads_that_reach_outside_stay_refused(mcp_client, query, why):
    result = await call(mcp_client, query, {"j": "[]"} if "@j" in query else None)
    text = result.content[0].text
    assert result.is_error and REFUSED in text and why in text, text
