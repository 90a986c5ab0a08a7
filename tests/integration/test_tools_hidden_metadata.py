"""What SQL Server hides from a db_datareader without VIEW DEFINITION, and says nothing
of: definitions read through the information schema views (NULL, not an error), run as
both logins through both drivers (the db_datareader is the user docs/security.md
recommends)."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import build_server
from azsql_mcp.testing.pytest_plugin import READER, TEST_SOURCE, source_config
from tds_test_server import ThreadedTdsServer

NOTE = "Note: a NULL definition here may be one this login may not see"


@pytest.mark.parametrize(
    "query",
    [
        # "COLUMNS (Transact-SQL)": COLUMN_DEFAULT is OBJECT_DEFINITION of the default
        "SELECT COLUMN_NAME, COLUMN_DEFAULT FROM INFORMATION_SCHEMA.COLUMNS"
        " WHERE TABLE_NAME = N'Product' AND COLUMN_NAME = N'ModifiedDate'",
        "SELECT * FROM [INFORMATION_SCHEMA].[COLUMNS] WHERE TABLE_NAME = N'Product'"
        " AND COLUMN_NAME = N'ModifiedDate'",
        "SELECT TABLE_NAME, VIEW_DEFINITION FROM INFORMATION_SCHEMA.VIEWS"
        " WHERE TABLE_NAME = N'vGetAllCategories'",
        "SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM INFORMATION_SCHEMA.ROUTINES"
        " WHERE ROUTINE_NAME = N'uspCustomerOrders'",
    ],
)
async def test_information_schema_definitions_a_reader_cannot_see_are_said_so(
    mcp_client: Client[Any], azsql_principal: str, query: str
) -> None:
    """A default, view or procedure the reader may not see reads as NULL there: without the
    note, "no default" and "no definition" would read as facts."""
    result = await mcp_client.call_tool("read_data", {"query": query})
    text = result.content[0].text
    if azsql_principal == READER and "ROUTINES" in query:
        # no row at all: without EXECUTE the procedure is hidden (hidden_objects.py)
        assert result.structured_content["rows"] == []
        return
    row = result.structured_content["rows"][0]
    if azsql_principal == READER:
        assert None in row
        assert text.startswith(NOTE), text
        assert "(GRANT VIEW DEFINITION TO [azsql_reader];)" in text.splitlines()[0]
    else:
        assert NOTE not in text


async def test_other_nulls_of_the_information_schema_are_no_hidden_definitions(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """As either login: CHARACTER_MAXIMUM_LENGTH is NULL for an int, visible or not."""
    query = (
        "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS"
        " WHERE TABLE_NAME = N'Product' AND COLUMN_NAME = N'ProductID'"
    )
    result = await mcp_client.call_tool("read_data", {"query": query})
    assert result.structured_content["rows"] == [["ProductID", None]]
    assert NOTE not in result.content[0].text


async def test_describe_table_says_a_reader_cannot_see_row_level_security(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """SQL Server shows a security policy only to a login with VIEW DEFINITION on it or
    ALTER ANY SECURITY POLICY ("sys.security_policies"), yet the policy filters that
    login's reads: no ROW-LEVEL line must not read as "no policy"."""
    result = await mcp_client.call_tool("describe_table", {"table": "SalesLT.Product"})
    text = result.content[0].text
    features = result.structured_content.get("features", {})
    unseen = "row-level security policies are not shown to this login"
    if azsql_principal == READER:
        assert features == {"row_security_hidden": True}
        line = next(line for line in text.splitlines() if unseen in line)
        assert line.endswith("(needs VIEW DEFINITION: GRANT VIEW DEFINITION TO [azsql_reader];)")
    else:
        assert features == {} and unseen not in text


async def test_a_view_has_no_row_level_security_to_hide(mcp_client: Client[Any]) -> None:
    result = await mcp_client.call_tool("describe_table", {"table": "SalesLT.vGetAllCategories"})
    assert "row-level security" not in result.content[0].text
    assert "features" not in result.structured_content


async def test_a_login_granted_view_definition_is_told_nothing_hidden(tds_password: str) -> None:
    """VIEW DEFINITION on the database shows every definition and policy: a db_datareader
    granted it sees the reader's hidden definitions and is not told of unseen policies."""
    with ThreadedTdsServer(sample=True, logins=[f"vd:{tds_password}:VIEW_DEFINITION"]) as srv:
        source = source_config(srv, tds_password) | {"username": "vd"}
        app = build_server({"sources": {TEST_SOURCE: source}, "audit": {"enabled": False}})
        async with Client(app) as client:
            result = await client.call_tool("describe_table", {"table": "SalesLT.Product"})
    text = result.content[0].text
    assert "DEFAULT (getdate())" in text
    assert "(hidden)" not in text and "row-level security" not in text
    assert "features" not in result.structured_content
