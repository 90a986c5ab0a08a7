"""read_data reads server-state views (sys.dm_...) only for callers with sql.admin, the
scope list_long_running_queries needs: over real HTTP with static tokens."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from servers import clean_env, http_server, source_env, wait_ready

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

_spec = importlib.util.spec_from_file_location(
    "sql_corpus", Path(__file__).parents[1] / "unit" / "sql_corpus" / "__init__.py"
)
assert _spec and _spec.loader
sql_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sql_corpus)

CONFIG = """
[server.auth]
mode = "static_tokens"

[[server.auth.static_tokens]]
token_env = "READER_TOKEN"
subject = "reader"
scopes = ["sql.read"]

[[server.auth.static_tokens]]
token_env = "ADMIN_TOKEN"
subject = "admin"
scopes = ["sql.read", "sql.admin"]

[audit]
enabled = false
"""
SESSIONS = "SELECT session_id FROM sys.dm_exec_sessions WHERE session_id = @@SPID"


# docs/security.md, "Honest limits": a synonym (or view) the database owner made over a
# server-state view is a user object to the guard, read with the login's permissions.
SYNONYM = "CREATE SYNONYM dbo.ServerSessions FOR sys.dm_exec_sessions"


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, [SYNONYM]) as server:
        yield server


@pytest.fixture(scope="module")
def server(
    tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("state")
    (cwd / "azsql-mcp.toml").write_text(CONFIG)
    env = clean_env(source_env(tds_server, tds_password))
    env |= {"READER_TOKEN": "reader-secret-1", "ADMIN_TOKEN": "admin-secret-2"}
    with http_server(env, str(cwd), "--stateless") as base:
        wait_ready(base)
        yield base


@asynccontextmanager
async def session(base: str, token: str) -> AsyncIterator[ClientSession]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http,
        streamable_http_client(base + "/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as client,
    ):
        await client.initialize()
        yield client


async def test_reader_is_refused_server_state(server: str) -> None:
    async with session(server, "reader-secret-1") as client:
        result = await client.call_tool("read_data", {"query": SESSIONS})
    assert result.is_error
    assert "needs the sql.admin scope" in result.content[0].text


async def test_reader_is_refused_every_server_state_entry_of_the_hostile_corpus(
    server: str,
) -> None:
    entries = [s for s in sql_corpus.load_corpus("hostile") if sql_corpus.server_state_only(s)]
    assert entries
    async with session(server, "reader-secret-1") as client:
        for statement in entries:
            result = await client.call_tool("read_data", {"query": statement})
            assert result.is_error, statement
            assert "Allowed here:" in result.content[0].text, statement


async def test_admin_reads_server_state(server: str) -> None:
    async with session(server, "admin-secret-2") as client:
        result = await client.call_tool("read_data", {"query": SESSIONS})
    assert "needs the sql.admin scope" not in result.content[0].text


async def test_reader_reads_server_state_through_a_synonym_the_owner_made(server: str) -> None:
    """What docs/security.md says the guard cannot see: the synonym's name is no
    server-state view's, so a caller without sql.admin reads through it what the
    source's login may see."""
    query = "SELECT session_id FROM dbo.ServerSessions WHERE session_id = @@SPID"
    async with session(server, "reader-secret-1") as client:
        result = await client.call_tool("read_data", {"query": query})
    assert not result.is_error, result.content
    assert "1 row(s)" in result.content[0].text, result.content[0].text
