"""Every call of the seed README's "Usage Examples", verbatim, through the FastMCP client
(in memory) and the MCP Python SDK client (stdio, a real `azsql-mcp serve` process).

The seed's database has the tables Article, CategorieArticles and Region; they are
created here on a test server of this module's own (the calls change data)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyodbc
import pytest
from fastmcp import Client
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from servers import CLI, clean_env

from azsql_mcp import build_server
from azsql_mcp.testing.pytest_plugin import TEST_USER, source_config
from tds_test_server import ThreadedTdsServer, find_msodbc_driver

SEED_TABLES = [
    "CREATE TABLE dbo.Region (Region_Id int IDENTITY(1,1) PRIMARY KEY,"
    " Region_Libelle nvarchar(50) NOT NULL)",
    "CREATE TABLE dbo.CategorieArticles (CategorieId int PRIMARY KEY, Libelle nvarchar(50))",
    "CREATE TABLE dbo.Article (ArticleId int PRIMARY KEY, Nom nvarchar(50) NOT NULL,"
    " Tarif decimal(10, 2) NOT NULL, RegionId int REFERENCES dbo.Region (Region_Id),"
    " CategorieId int REFERENCES dbo.CategorieArticles (CategorieId))",
    "INSERT INTO dbo.Region (Region_Libelle) VALUES (N'Nord'), (N'Sud')",
    "INSERT INTO dbo.CategorieArticles (CategorieId, Libelle) VALUES (1, N'Outils')",
    "INSERT INTO dbo.Article (ArticleId, Nom, Tarif, RegionId, CategorieId)"
    " VALUES (1, N'Marteau', 12.50, 1, 1), (2, N'Scie', 640.00, 1, 1), (3, N'Pince', 8.00, 2, 1)",
]

# The README's calls, as written there: (kind, name, arguments).
SEED_CALLS: list[tuple[str, str, Any]] = [
    ("tool", "list_tables", {}),
    ("tool", "describe_table", {"table_name": "Article"}),
    (
        "tool",
        "read_data",
        {"query": "SELECT TOP 10 * FROM Article WHERE RegionId = 1", "limit": 50},
    ),
    ("tool", "insert_data", {"sql": "INSERT INTO Region (Region_Libelle) VALUES ('New Region')"}),
    (
        "tool",
        "update_data",
        {"sql": "UPDATE Region SET Region_Libelle = 'Updated Region' WHERE Region_Id = 1"},
    ),
    ("tool", "health_check", {}),
    ("resource", "database://schema", None),
    ("resource", "database://status", None),
    ("resource", "database://tables", None),
    ("prompt", "sql_query_builder", {"table": "Article", "operation": "SELECT"}),
    ("prompt", "analyze_performance", {"query": "SELECT * FROM Article WHERE Tarif > 500"}),
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True, user=TEST_USER, password=tds_password) as server:
        driver = "msodbc" if find_msodbc_driver() else "freetds"
        cnxn = pyodbc.connect(server.odbc_connection_string(driver=driver), autocommit=True)
        for statement in SEED_TABLES:
            cnxn.cursor().execute(statement)
        cnxn.close()
        yield server


def seed_config(server: ThreadedTdsServer, password: str) -> dict[str, Any]:
    """The seed's server writes: one source, read_only off."""
    return {
        "sources": {"main": source_config(server, password)},
        "security": {"read_only": False},
        "audit": {"enabled": False},
    }


def check_answers(answers: dict[str, Any]) -> None:
    """What each call returned, whichever client made it (texts of the first content)."""
    assert "Article" in answers["list_tables"]
    assert "Tarif" in answers["describe_table"]
    assert "Marteau" in answers["read_data"] and "Pince" not in answers["read_data"]
    assert "INSERT committed: 1 row(s)" in answers["insert_data"]
    assert "Statement committed: 1 row(s)" in answers["update_data"]
    assert "connected" in answers["health_check"]
    assert "Article" in answers["database://schema"]
    assert "Article" in answers["database://tables"]
    assert answers["database://status"]
    assert "Article" in answers["sql_query_builder"]
    assert "Tarif" in answers["analyze_performance"]


async def test_seed_calls_work_with_the_fastmcp_client(tds_server, tds_password):
    app = build_server(seed_config(tds_server, tds_password))
    answers: dict[str, str] = {}
    async with Client(app) as client:
        for kind, name, args in SEED_CALLS:
            if kind == "tool":
                result = await client.call_tool(name, args, raise_on_error=False)
                assert not result.is_error, (name, result.content)
                answers[name] = result.content[0].text
            elif kind == "resource":
                answers[name] = (await client.read_resource(name))[0].text
            else:
                prompt = await client.get_prompt(name, args)
                answers[name] = prompt.messages[0].content.text
    check_answers(answers)


async def test_seed_calls_work_with_the_mcp_sdk_client(tds_server, tds_password, tmp_path: Path):
    source = source_config(tds_server, tds_password)
    config = tmp_path / "azsql-mcp.toml"
    config.write_text(
        "[sources.main]\n"
        + "".join(f"{k} = {_toml(v)}\n" for k, v in source.items())
        + "[security]\nread_only = false\n[audit]\nenabled = false\n"
    )
    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", CLI, "serve", "--config", str(config)],
        env=clean_env(),
        cwd=str(tmp_path),
    )
    answers: dict[str, str] = {}
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            await session.list_tools()  # the SDK checks structuredContent against these
            for kind, name, args in SEED_CALLS:
                if kind == "tool":
                    result = await session.call_tool(name, args)
                    assert not result.is_error, (name, result.content)
                    assert result.structured_content is not None
                    answers[name] = result.content[0].text
                elif kind == "resource":
                    answers[name] = (await session.read_resource(name)).contents[0].text
                else:
                    prompt = await session.get_prompt(name, args)
                    answers[name] = prompt.messages[0].content.text
    check_answers(answers)


def _toml(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower()
