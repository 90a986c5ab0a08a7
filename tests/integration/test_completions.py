"""completion/complete: sources, schemas, tables and the query builder's operations."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import mcp_types
from fastmcp import Client

from azsql_mcp import catalog
from azsql_mcp.serving.completions import ANSWER_WITHIN_S
from tds_test_server import ThreadedTdsServer

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
    # a table function, which the table resource describes
    functions = await values(mcp_client, TABLE, "table", "ufn", schema="dbo")
    assert functions == ["ufnGetCustomerInformation"]


async def test_sources_and_unknown_arguments(mcp_client, make_azsql_server, azsql_config):
    # the database://{source}/... templates are listed with several sources only
    second = {"sources": {"other": azsql_config["sources"]["main"]}}
    by_source = mcp_types.ResourceTemplateReference(uri="database://{source}/status")
    async with Client(make_azsql_server(config=second)) as client:
        assert await values(client, by_source, "source", "") == ["main", "other"]
        assert await values(client, by_source, "source", "o") == ["other"]
    assert await values(mcp_client, PROMPT, "table", "Sales", source="nope") == []
    assert await values(mcp_client, PROMPT, "query", "SEL") == []


async def test_a_slow_catalog_answers_nothing_at_once_then_fills_in(
    make_azsql_server: Any, tds_server: ThreadedTdsServer
) -> None:
    """Each keystroke asks again: a catalog slower than ANSWER_WITHIN_S gives no
    candidates now (instead of holding the client for query_timeout_s), and its read,
    which goes on, gives them to a later keystroke."""
    async with Client(make_azsql_server()) as client:
        await client.call_tool("read_data", {"query": "SELECT 1 AS one"})  # the source is open
        with tds_server.faulted(f"delay:{ANSWER_WITHIN_S + 2}@query"):
            started = time.monotonic()
            assert await values(client, PROMPT, "table", "SalesLT.Cu") == []
            assert time.monotonic() - started < ANSWER_WITHIN_S + 1.5
        deadline = time.monotonic() + 30
        while not await values(client, PROMPT, "table", "SalesLT.Cu"):
            assert time.monotonic() < deadline, "the catalog read never filled the cache"
            await asyncio.sleep(0.2)


def test_a_name_that_is_not_regular_is_bracketed() -> None:
    """As list_tables writes it; a padded name keeps its spaces through the prompt's
    table argument (bare, they were stripped and another table looked up)."""
    ident = catalog.identifier
    assert ident("Customer") == "Customer" and ident("odd schema") == "[odd schema]"
    assert ident("a.b") == "[a.b]" and ident("x]y") == "[x]]y]"
    schema, table = catalog.parse_table_name(f"{ident('s.1')}.{ident('t[2]')}")
    assert (schema, table) == ("s.1", "t[2]")
    assert catalog.parse_table_name(f"dbo.{ident('  padded  ')}") == ("dbo", "  padded  ")
