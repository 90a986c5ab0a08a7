"""A procedure tool whose procedure ends the transaction azsql-mcp runs it in (COMMIT or
ROLLBACK inside it) or leaves one open (BEGIN without COMMIT): SQL Server raises error 266
when the procedure returns, and the tool says what that means instead of reporting
success, through an MCP client on the TDS test server with both ODBC drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import resolved_client

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

NOTE = "CREATE TABLE dbo.Note (NoteID int IDENTITY(1,1) PRIMARY KEY, Msg nvarchar(50) NOT NULL)"
ENDING = """CREATE PROCEDURE dbo.{name} @Msg nvarchar(50)
AS
BEGIN
    INSERT INTO dbo.Note (Msg) VALUES (@Msg);
    {end} TRANSACTION;
END"""
SETUP = [
    NOTE,
    *(ENDING.format(name=f"uspNoteAnd{end.title()}", end=end) for end in ("COMMIT", "ROLLBACK")),
    # BEGIN without COMMIT: the count goes up instead
    ENDING.format(name="uspNoteAndBegin", end="BEGIN"),
]
TOOLS = {
    "note_read": {
        "procedure": "dbo.uspNoteAndCommit",
        "description": "a read tool whose procedure commits",
    },
    "note_write": {
        "procedure": "dbo.uspNoteAndRollback",
        "description": "a write tool whose procedure rolls back",
        "writes": True,
    },
    "note_open": {
        "procedure": "dbo.uspNoteAndBegin",
        "description": "a write tool whose procedure leaves a transaction open",
        "writes": True,
    },
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
async def client(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    async with resolved_client(
        azsql_config | {"security": {"read_only": False}},
        TOOLS,
        lambda t: all("Msg" in _props(t[n]) for n in TOOLS),
    ) as connected:
        yield connected


def _props(tool: Any) -> dict[str, Any]:
    props: dict[str, Any] = tool.input_schema.get("properties", {})
    return props


async def _notes(client: Client[Any], msg: str) -> int:
    query = "SELECT COUNT(*) AS n FROM dbo.Note WHERE Msg = @msg"
    result = await client.call_tool("read_data", {"query": query, "params": {"msg": msg}})
    return int(result.structured_content["rows"][0][0])


async def test_a_read_tool_whose_procedure_commits_says_so_and_is_not_retried(
    client: Client[Any], azsql_driver: str
) -> None:
    msg = f"committed {azsql_driver}"
    result = await client.call_tool("note_read", {"Msg": msg}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "dbo.uspNoteAndCommit ended the transaction" in text
    assert "may already be committed" in text and "writes = false" in text
    assert text.endswith(" (SQL Server error 266)"), text
    # What it wrote before its COMMIT stays, as on SQL Server; the call ran once.
    assert await _notes(client, msg) == 1


async def test_a_write_tool_whose_procedure_rolls_back_reports_no_commit(
    client: Client[Any], azsql_driver: str
) -> None:
    msg = f"rolled back {azsql_driver}"
    result = await client.call_tool("note_write", {"Msg": msg}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "dbo.uspNoteAndRollback ended the transaction" in text
    assert "Committed." not in text
    assert text.endswith(" (SQL Server error 266)"), text
    assert await _notes(client, msg) == 0


async def test_a_procedure_that_leaves_a_transaction_open_changes_nothing(
    client: Client[Any], azsql_driver: str
) -> None:
    msg = f"left open {azsql_driver}"
    result = await client.call_tool("note_open", {"Msg": msg}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    # the count went up (1 to 2): nothing was committed, and the message says so
    assert "dbo.uspNoteAndBegin left a transaction open (a BEGIN TRANSACTION" in text
    assert "Nothing it changed was committed" in text
    assert "may already be committed" not in text
    assert await _notes(client, msg) == 0
