"""Features that reach outside the database from a statement that parses as a read
(SQL Server 2022 and 2025, Azure SQL): what the guard refuses, naming the feature, and
the pure reads it lets through (docs/statement-guard.md, "Features that reach outside
the database")."""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.sqlguard import check_select
from azsql_mcp.db.sqlpolicy import ReadPolicy

OWN = ReadPolicy.of("Sales")


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        # AI: the text goes to the external model's endpoint
        ("SELECT AI_GENERATE_EMBEDDINGS(d.body USE MODEL m) FROM dbo.docs AS d", "external model"),
        (
            "SELECT s.distance FROM VECTOR_SEARCH(TABLE = dbo.a AS t, COLUMN = e, SIMILAR_TO ="
            " AI_GENERATE_EMBEDDINGS(N'q' USE MODEL m), METRIC = 'cosine', TOP_N = 5) AS s",
            "external model",
        ),
        # Microsoft Fabric's AI functions call Azure OpenAI with the text
        ("SELECT AI_SUMMARIZE(d.body) AS s FROM dbo.docs AS d", "AI model's endpoint"),
        ("SELECT ai_classify(d.body, 'a', 'b') AS c FROM dbo.docs AS d", "AI model's endpoint"),
        ("SELECT [AI_CLASSIFY](d.body, 'a', 'b') AS c FROM dbo.docs AS d", "AI model's endpoint"),
        ("SELECT [AI_TRANSLATE](d.body, 'de') AS t FROM dbo.docs AS d", "AI model's endpoint"),
        ("SELECT * FROM [OPENQUERY](srv, 'SELECT 1')", "OPENQUERY reaches"),
        # REST calls are procedures: never in a SELECT
        ("EXEC sp_invoke_external_rest_endpoint @url = N'https://x'", "EXEC"),
        ("SELECT * FROM dbo.t WHERE 1 = sp_invoke_external_rest_endpoint(N'x')", "sp_"),
        ("CREATE EXTERNAL MODEL m WITH (LOCATION = 'https://x')", "CREATE"),
        # files, storage, providers, linked servers
        (
            "SELECT * FROM OPENROWSET(BULK 'y.parquet', DATA_SOURCE = 'ds', FORMAT = 'CSV') AS r",
            "OPENROWSET",
        ),
        ("SELECT * FROM OPENDATASOURCE('MSOLEDBSQL', 'Server=x').db.dbo.t", "OPENDATASOURCE"),
        ("SELECT * FROM OPENQUERY(srv, 'EXEC xp_cmdshell ''dir''')", "OPENQUERY"),
        ("CREATE EXTERNAL TABLE e WITH (LOCATION = 'x') AS SELECT * FROM dbo.t", "CREATE"),
        ("SELECT * FROM srv.db.dbo.t", "four-part"),
        ("SELECT * FROM CONTAINSTABLE(srv.db.dbo.t, *, N'x') AS k", "four-part"),
        ("SELECT * FROM FREETEXTTABLE(srv.db.dbo.t, *, N'x') AS k", "four-part"),
        ("SELECT * FROM sys.fn_db_backup_file_snapshots(NULL)", "Azure Blob Storage"),
        ("SELECT * FROM fn_db_backup_file_snapshots(N'OtherDb')", "Azure Blob Storage"),
        # side effects and waits
        ("SELECT NEXT VALUE FOR dbo.seq", "NEXT VALUE FOR"),
        ("SELECT 1 AS a WAITFOR DELAY '00:00:05'", "WAITFOR"),
        ("SELECT * FROM sys.dm_os_file_exists(N'\\\\evil\\s\\x')", "dm_os_file_exists"),
    ],
)
def test_what_reaches_outside_is_refused_naming_it(sql: str, fragment: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        check_select(sql, policy=OWN)
    assert fragment in caught.value.reason


def test_a_column_named_like_an_ai_function_is_read_when_quoted() -> None:
    """The AI functions' names are refused as words; the refusal says how to name a column."""
    with pytest.raises(QueryRefused) as caught:
        check_select("SELECT d.ai_summarize FROM dbo.docs AS d", policy=OWN)
    assert "[ai_summarize]" in caught.value.reason
    assert check_select("SELECT d.[ai_summarize] FROM dbo.docs AS d", policy=OWN).kind == "select"


def test_a_table_argument_names_its_database_by_three_parts() -> None:
    """Of a column's four parts the first is a database; of a table's, a linked server."""
    with pytest.raises(QueryRefused) as caught:
        check_select("SELECT * FROM CONTAINSTABLE(OtherDb.dbo.t, *, N'x') AS k", policy=OWN)
    assert "names the database OtherDb" in caught.value.reason
    sql = "SELECT Sales.dbo.t.a FROM Sales.dbo.t WHERE CONTAINS(Sales.dbo.t.a, N'x')"
    assert check_select(sql, policy=OWN).kind == "select"


@pytest.mark.parametrize(
    "sql",
    [
        # computed in the database: chunks, vectors, regular expressions (RE2), JSON
        "SELECT c.chunk FROM AI_GENERATE_CHUNKS(SOURCE = d.body, CHUNK_TYPE = FIXED,"
        " CHUNK_SIZE = 100) AS c",
        "SELECT TOP (5) a.id, VECTOR_DISTANCE('cosine', a.e, @v) AS d FROM dbo.a AS a ORDER BY d",
        "SELECT t.id, s.distance FROM VECTOR_SEARCH(TABLE = dbo.articles AS t, COLUMN = e,"
        " SIMILAR_TO = @v, METRIC = 'cosine', TOP_N = 10) AS s",
        "SELECT REGEXP_REPLACE(a, '(a+)+$', 'x') FROM dbo.t WHERE REGEXP_LIKE(a, '^a', 'i')",
        "SELECT m.match_value FROM REGEXP_MATCHES(@s, '[a-z]+') AS m",
        "SELECT JSON_VALUE(j, '$.a.b[0]') AS v FROM dbo.t",
        "SELECT * FROM OPENJSON(@j) WITH (a int '$.a', b nvarchar(max) '$.b' AS JSON)",
        # catalog views of the database's own definitions
        "SELECT name, location FROM sys.external_data_sources",
        "SELECT name, location FROM sys.external_models",
        "SELECT name, base_object_name FROM sys.synonyms",
        "SELECT referenced_server_name, referenced_database_name"
        " FROM sys.sql_expression_dependencies",
        # pure reads of session or broker state
        "SELECT GET_TRANSMISSION_STATUS(@h) AS s",
        "SELECT SESSION_CONTEXT(N'k') AS v, CURSOR_STATUS('global', 'c') AS c",
        # sizes are bounded when read (TEXTSIZE, max_result_bytes), not by the guard
        "SELECT LEN(REPLICATE(CAST('x' AS varchar(max)), 2000000000)) AS n",
    ],
)
def test_pure_reads_stay_accepted(sql: str) -> None:
    assert check_select(sql, policy=OWN).kind == "select"
