"""A writing procedure tool whose procedure wraps its work in TRY...CATCH, rolls back in
its CATCH block and re-raises with `THROW;` (the usual shape of a procedure that writes):
the tool's error carries SQL Server's number and text and nothing is written, through an
MCP client on the TDS test server with both ODBC drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import resolved_client

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

SETUP = [
    "CREATE TABLE dbo.Account (AccountID int PRIMARY KEY,"
    " Balance int NOT NULL CHECK (Balance >= 0))",
    "CREATE TABLE dbo.Movement (MovementID int IDENTITY(1,1) PRIMARY KEY, Amount int NOT NULL)",
    "INSERT INTO dbo.Account VALUES (1, 100)",
    """CREATE PROCEDURE dbo.uspWithdraw @Amount int
AS
BEGIN
    SET NOCOUNT ON;
    BEGIN TRY
        BEGIN TRANSACTION;
        INSERT INTO dbo.Movement (Amount) VALUES (@Amount);
        UPDATE dbo.Account SET Balance = Balance - @Amount WHERE AccountID = 1;
        COMMIT TRANSACTION;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        THROW;
    END CATCH
END""",
]
TOOLS = {
    "withdraw": {
        "procedure": "dbo.uspWithdraw",
        "description": "Withdraw an amount from account 1",
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
        lambda t: "Amount" in str(t["withdraw"].input_schema),
    ) as connected:
        yield connected


async def _state(client: Client[Any]) -> list[Any]:
    query = "SELECT (SELECT Balance FROM dbo.Account), (SELECT COUNT(*) FROM dbo.Movement)"
    result = await client.call_tool("read_data", {"query": query})
    return list(result.structured_content["rows"][0])


async def test_a_procedure_whose_catch_rolls_back_and_throws(
    client: Client[Any], azsql_driver: str
) -> None:
    before = await _state(client)
    result = await client.call_tool("withdraw", {"Amount": 1000}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "conflicted with the CHECK constraint" in text, text
    assert text.endswith(" (SQL Server error 547)"), text
    assert await _state(client) == before  # the CATCH block rolled everything back


async def test_the_same_procedure_commits_when_its_try_block_succeeds(
    client: Client[Any], azsql_driver: str
) -> None:
    balance, movements = await _state(client)
    result = await client.call_tool("withdraw", {"Amount": 10})
    assert not result.is_error, result.content
    assert await _state(client) == [balance - 10, movements + 1]
