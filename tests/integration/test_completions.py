"""completion/complete: sources, schemas, tables and the query builder's operations."""

from __future__ import annotations

from typing import Any

import mcp_types
from fastmcp import Client

PROMPT = mcp_types.PromptReference(name="sql_query_builder")
TABLE = mcp_types.ResourceTemplateReference(uri="database://tables/{schema}/{table}")


async def values(client: Any, ref: Any, name: str, value: str, **given: str) -> list[str]:
    completion = await client.complete(ref, {"name": name, "value": value}, given or None)
    return list(completion.values)


async def test_prompt_table_names_come_from_the_catalog(mcp_client):
    assert "SalesLT.Customer" in await values(mcp_client, PROMPT, "table", "SalesLT.Cu")
    # the table name alone finds it too
    assert await values(mcp_client, PROMPT, "table", "customera") == ["SalesLT.CustomerAddress"]
    assert await values(mcp_client, PROMPT, "table", "zzz") == []


async def test_prompt_operations(mcp_client):
    assert await values(mcp_client, PROMPT, "operation", "") == [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    ]
    assert await values(mcp_client, PROMPT, "operation", "u") == ["UPDATE"]


async def test_template_variables(mcp_client):
    assert "SalesLT" in await values(mcp_client, TABLE, "schema", "sales")
    tables = await values(mcp_client, TABLE, "table", "Prod", schema="SalesLT")
    assert "Product" in tables and "ProductCategory" in tables
    assert all("." not in t for t in tables)
    assert await values(mcp_client, TABLE, "table", "Prod", schema="nope") == []


async def test_sources_and_unknown_arguments(mcp_client, make_azsql_server, azsql_config):
    # the database://{source}/... templates are listed with several sources only
    second = {"sources": {"other": azsql_config["sources"]["main"]}}
    by_source = mcp_types.ResourceTemplateReference(uri="database://{source}/status")
    async with Client(make_azsql_server(config=second)) as client:
        assert await values(client, by_source, "source", "") == ["main", "other"]
        assert await values(client, by_source, "source", "o") == ["other"]
    assert await values(mcp_client, PROMPT, "table", "Sales", source="nope") == []
    assert await values(mcp_client, PROMPT, "query", "SEL") == []
