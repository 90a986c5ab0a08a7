"""Memory-optimized tables through the tools: every read and write runs in a
transaction, where SQL Server refuses one under READ COMMITTED (error 41368). The
error says which hint lets the statement through and which tables need it, and the
hinted statement works; as both logins, through both drivers."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import READER, sample_tds_server
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Readings (ID int NOT NULL PRIMARY KEY NONCLUSTERED, Value int)"
    " WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA)",
    "INSERT INTO dbo.Readings VALUES (1, 10), (2, 20)",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
async def client(make_azsql_server, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    app = make_azsql_server(config={"security": {"read_only": False}})
    async with Client(app) as client:
        yield client


async def _call(client: Client[Any], tool: str, **args: Any) -> Any:
    return await client.call_tool(tool, args, raise_on_error=False)


def _says_what_to_do(text: str) -> None:
    assert "41368" in text or "supported only for autocommit transactions" in text, text
    assert "memory-optimized here: [dbo].[Readings]" in text, text
    assert "FROM [dbo].[Readings] WITH (SNAPSHOT)" in text, text
    assert "MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = ON" in text, text


async def test_a_read_without_a_hint_says_which_hint_to_add(client: Client[Any]) -> None:
    result = await _call(client, "read_data", query="SELECT Value FROM dbo.Readings")
    assert result.is_error
    _says_what_to_do(result.content[0].text)


async def test_a_read_with_the_hint_reads_the_rows(client: Client[Any]) -> None:
    query = "SELECT ID, Value FROM dbo.Readings WITH (SNAPSHOT) ORDER BY ID"
    result = await _call(client, "read_data", query=query)
    assert not result.is_error, result.content
    assert result.structured_content["rows"] == [[1, 10], [2, 20]]


async def test_a_write_without_a_hint_says_which_hint_to_add(
    client: Client[Any], azsql_principal: str
) -> None:
    if azsql_principal == READER:
        pytest.skip("the reader may not write")
    update = "UPDATE dbo.Readings SET Value = 11 WHERE ID = 1"
    result = await _call(client, "update_data", sql=update)
    assert result.is_error
    _says_what_to_do(result.content[0].text)
    batch = await _call(client, "execute_batch", statements=[update])
    assert batch.is_error
    _says_what_to_do(batch.content[0].text)
    assert "The batch was rolled back" in batch.content[0].text


async def test_a_write_with_the_hint_commits(client: Client[Any], azsql_principal: str) -> None:
    if azsql_principal == READER:
        pytest.skip("the reader may not write")
    update = "UPDATE dbo.Readings WITH (SNAPSHOT) SET Value = Value + 1 WHERE ID = 2"
    result = await _call(client, "update_data", sql=update)
    assert not result.is_error, result.content
    query = "SELECT Value FROM dbo.Readings WITH (SNAPSHOT) WHERE ID = 2"
    read = await _call(client, "read_data", query=query)
    assert read.structured_content["rows"][0][0] > 20
