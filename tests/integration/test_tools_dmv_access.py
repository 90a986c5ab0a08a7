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
DMV_READS = {
    "sys.dm_db_partition_stats": (
        "SELECT count(*) AS n FROM sys.dm_db_partition_stats",
        DATABASE_GRANT,
    ),
    "sys.dm_exec_sql_text": (
        "SELECT t.text FROM sys.dm_exec_requests AS r"
        " CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t",
        SERVER_GRANT,
    ),
}


@pytest.mark.parametrize("dmv", DMV_READS)
async def test_read_data_of_a_refused_dmv_says_what_to_grant(
    mcp_client: Client[Any], azsql_principal: str, dmv: str
) -> None:
    query, grant = DMV_READS[dmv]
    result = await mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
    if azsql_principal != READER:
        assert not result.is_error, result.content
        return
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    # Driver 18 shows error 300 (the permission), FreeTDS 297; either way the GRANT.
    assert "permission" in text and grant in text, text
