"""completion/complete under client authentication (real HTTP, static tokens): a prompt
opened to a scope other than sql.read gives that token no catalog names."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import mcp_types
import pytest
from servers import clean_env, http_server, source_env, wait_ready
from test_http_auth import session

CONFIG = """
[server.auth]
mode = "static_tokens"

[server.auth.plugin_scopes]
builtin_prompts = ["prompts.use"]

[[server.auth.static_tokens]]
token_env = "PROMPTER_TOKEN"
subject = "prompter"
scopes = ["prompts.use"]

[[server.auth.static_tokens]]
token_env = "READER_TOKEN"
subject = "reader"
scopes = ["prompts.use", "sql.read"]

[[server.auth.static_tokens]]
token_env = "NOBODY_TOKEN"
subject = "nobody"
scopes = []

[audit]
enabled = false
"""
PROMPT = mcp_types.PromptReference(name="sql_query_builder")
TEMPLATE = mcp_types.ResourceTemplateReference(uri="database://tables/{schema}/{table}")


@pytest.fixture(scope="module")
def server(
    tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("completions")
    (cwd / "azsql-mcp.toml").write_text(CONFIG)
    env = clean_env(source_env(tds_server, tds_password))
    env |= {
        "PROMPTER_TOKEN": "prompter-secret-1",
        "READER_TOKEN": "reader-secret-2",
        "NOBODY_TOKEN": "nobody-secret-3",
    }
    with http_server(env, str(cwd), "--stateless") as base:
        wait_ready(base)
        yield base


async def completed(base: str, token: str, ref: Any, name: str) -> list[str]:
    async with session(base, token) as client:
        completion = await client.complete(ref, {"name": name, "value": ""})
    return list(completion.completion.values)


async def read_catalog(base: str, ref: Any, name: str) -> list[str]:
    """The reader's completion once the server has read the catalog. A completion answers
    nothing when the read takes longer than 2 s (serving/completions.py), as a loaded
    machine's first one did; the read goes on and its names answer the next ask. Asked
    before the others': their empty answers are then the scope's, not a slow read's."""
    async with asyncio.timeout(60):
        while not (names := await completed(base, "reader-secret-2", ref, name)):
            await asyncio.sleep(0.1)
    return names


async def test_catalog_names_need_sql_read(server: str) -> None:
    assert "SalesLT.Customer" in await read_catalog(server, PROMPT, "table")
    # the prompt is the prompter's, its operations too; the catalog is not
    assert await completed(server, "prompter-secret-1", PROMPT, "operation") == [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    ]
    assert await completed(server, "prompter-secret-1", PROMPT, "table") == []


async def test_what_the_token_does_not_open_gets_nothing(server: str) -> None:
    assert "SalesLT" in await read_catalog(server, TEMPLATE, "schema")
    assert await completed(server, "nobody-secret-3", PROMPT, "operation") == []
    # the template needs sql.read (builtin_resources has no plugin_scopes here)
    assert await completed(server, "prompter-secret-1", TEMPLATE, "schema") == []
