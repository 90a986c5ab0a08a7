"""describe_table (and the table resource) of a synonym whose base the login cannot see,
as both logins through both drivers: the reader is denied SELECT on the base table and
holds no other permission on it, so SQL Server's catalog hides the table from it
("Metadata visibility configuration": DENY takes precedence) while the synonym, on
which it holds db_datareader's SELECT, stays visible. Sending the reader to describe
the base would only get "no table or view named"; the answer says why instead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    sample_tds_server,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

SETUP = [
    "CREATE TABLE dbo.Secret (SecretID int NOT NULL PRIMARY KEY)",
    f"DENY SELECT ON dbo.Secret TO [{READER_USER}]",
    "CREATE SYNONYM dbo.SecretSyn FOR dbo.Secret",
]
HIDDEN = (
    "dbo.SecretSyn is a synonym for dbo.Secret (a synonym has no columns of its own),"
    " which this login cannot see: dbo.Secret does not exist, or the database user holds"
    " no permission on it (SQL Server's catalog shows a table only to a user with one),"
    " so its columns cannot be described to this login."
)
SEEN = (
    "dbo.SecretSyn is a synonym for dbo.Secret (a synonym has no columns of its own):"
    " call describe_table with 'dbo.Secret' instead; reads of the synonym read it."
)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def test_describe_table_of_a_synonym_whose_base_is_hidden_says_so(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    expected = HIDDEN if azsql_principal == READER else SEEN
    result = await mcp_client.call_tool(
        "describe_table", {"table": "dbo.SecretSyn"}, raise_on_error=False
    )
    assert result.is_error
    assert result.content[0].text == expected  # type: ignore[union-attr]
    with pytest.raises(
        Exception,
        match="which this login cannot see" if expected == HIDDEN else "call describe_table",
    ):
        await mcp_client.read_resource("database://tables/dbo/SecretSyn")
