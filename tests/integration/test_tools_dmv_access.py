"""read_data of a DMV the login may not read, on SQL Server 2022 (Azure SQL Database:
test_azure_sql_database.py): SQL Server's errors 300 and 297, then the GRANT, to the
login in master for a server-scoped DMV, to the user in its database for a
database-scoped one. The privileged login reads them."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import READER, READER_USER

SERVER_GRANT = f"GRANT VIEW SERVER PERFORMANCE STATE TO [{READER_USER}];  -- in master"
DATABASE_GRANT = (
    f"USE [AdventureWorksLT]; GRANT VIEW DATABASE PERFORMANCE STATE TO [{READER_USER}];"
)
# The DMVs the test server refuses a reader, each read the way a user would
DMV_QUERIES = {
    "sys.dm_db_partition_stats": "SELECT count(*) AS n FROM sys.dm_db_partition_stats",
    "sys.dm_exec_sql_text": "SELECT t.text FROM sys.dm_exec_requests AS r"
    " CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t",
}
GRANTS = {"sys.dm_db_partition_stats": DATABASE_GRANT, "sys.dm_exec_sql_text": SERVER_GRANT}


async def refusal(client: Client[Any], principal: str, query: str) -> str | None:
    """read_data of `query`: None for the privileged login, which reads it (asserted),
    else the text of the reader's refusal (asserted an error)."""
    result = await client.call_tool("read_data", {"query": query}, raise_on_error=False)
    if principal != READER:
        assert not result.is_error, result.content
        return None
    assert result.is_error
    return str(result.content[0].text)  # type: ignore[union-attr]


@pytest.mark.parametrize("dmv", DMV_QUERIES)
async def test_read_data_of_a_refused_dmv_says_what_to_grant(
    mcp_client: Client[Any], azsql_principal: str, dmv: str
) -> None:
    text = await refusal(mcp_client, azsql_principal, DMV_QUERIES[dmv])
    if text is None:
        return
    # Driver 18 shows error 300 (the permission), FreeTDS 297; either way the GRANT.
    assert "permission" in text and GRANTS[dmv] in text, text


@pytest.mark.parametrize("dmv", ["sys.dm_exec_sessions", "sys.dm_exec_requests"])
async def test_read_data_of_a_session_dmv_says_when_it_shows_only_this_session(
    mcp_client: Client[Any], azsql_principal: str, dmv: str
) -> None:
    """Without the server-state permission SQL Server answers with this session's row
    alone, not an error: one row must not read as "one session on the server"."""
    query = f"SELECT session_id FROM {dmv}"
    result = await mcp_client.call_tool("read_data", {"query": query})
    text = result.content[0].text  # type: ignore[union-attr]
    note = "only this login's own session shows in sys.dm_exec_sessions and sys.dm_exec_requests"
    if azsql_principal == READER:
        assert text.startswith(f"Note: {note}"), text
        assert f"without VIEW SERVER PERFORMANCE STATE ({SERVER_GRANT})" in text, text
        assert result.structured_content["row_count"] == 1  # type: ignore[index]
    else:
        assert note not in text


async def test_read_data_of_other_tables_asks_nothing_of_session_dmvs(
    mcp_client: Client[Any], tds_server: Any
) -> None:
    """The note costs a round trip only for a query that names a session DMV."""
    await mcp_client.call_tool("read_data", {"query": "SELECT 1 AS n"})  # the pool is open
    with tds_server.faulted("error:50000@query~VIEW SERVER PERFORMANCE STATE"):
        result = await mcp_client.call_tool(
            "read_data", {"query": "SELECT TOP 1 CustomerID FROM SalesLT.Customer"}
        )
    assert result.structured_content["row_count"] == 1  # type: ignore[index]
