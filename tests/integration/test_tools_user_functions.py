"""Scalar user-defined functions met by the tools, as both logins through both drivers:
read_data and explain_query calling one (the reader holds EXECUTE on one function and
not on the other: SQL Server's error 229 and the GRANT that allows the call),
describe_table of a table whose computed column calls one.

From "Create user-defined functions" and "GRANT Object Permissions": a scalar function
needs EXECUTE, which db_datareader does not hold.
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pyodbc
import pytest
from fastmcp import Client

import azsql_mcp.plugins.builtin_declared as builtin_declared
from azsql_mcp.catalog.tables import DEFINITION_HIDDEN
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.embedding import build_server
from azsql_mcp.testing.pytest_plugin import (
    READER,
    READER_USER,
    TEST_USER,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

SETUP = [
    """CREATE FUNCTION dbo.FullName(@first nvarchar(50), @last nvarchar(50))
RETURNS nvarchar(101) AS
BEGIN
    RETURN @first + N' ' + @last
END""",
    "CREATE FUNCTION dbo.Twice(@x int) RETURNS int AS BEGIN RETURN @x * 2 END",
    f"GRANT EXECUTE ON dbo.Twice TO [{READER_USER}]",
    "CREATE TABLE dbo.Named (Id int PRIMARY KEY, First nvarchar(50), Last nvarchar(50),"
    " Full AS dbo.FullName(First, Last))",
    "INSERT INTO dbo.Named (Id, First, Last) VALUES (1, N'Orlando', N'Gee')",
]
CALL = "SELECT dbo.FullName(FirstName, LastName) AS name FROM SalesLT.Customer WHERE CustomerID = 1"
GRANT = f"GRANT EXECUTE ON OBJECT::[dbo].[FullName] TO [{READER_USER}];"


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True,
        user=TEST_USER,
        password=tds_password,
        logins=[f"{READER_USER}:{tds_password}:SHOWPLAN"],
    ) as server:
        odbc = server.odbc_connection_string(driver="freetds")
        with contextlib.closing(pyodbc.connect(odbc, autocommit=True)) as cnxn:
            for statement in SETUP:
                cnxn.execute(statement)
        yield server


async def _call(client: Client[Any], tool: str, args: dict[str, Any]) -> tuple[bool, str, Any]:
    result = await client.call_tool(tool, args, raise_on_error=False)
    return result.is_error, result.content[0].text, result.structured_content  # type: ignore[union-attr]


async def test_read_data_calls_a_function_or_names_the_grant(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, found = await _call(mcp_client, "read_data", {"query": CALL})
    if azsql_principal == READER:
        assert failed
        assert "The EXECUTE permission was denied on the object 'FullName'" in text
        assert GRANT in text, text
    else:
        assert not failed, text
        _, _, plain = await _call(
            mcp_client,
            "read_data",
            {
                "query": "SELECT FirstName + N' ' + LastName AS name FROM SalesLT.Customer"
                " WHERE CustomerID = 1"
            },
        )
        assert found["rows"] == plain["rows"]
    failed, text, found = await _call(
        mcp_client,
        "read_data",
        {"query": "SELECT dbo.Twice(CustomerID) AS n FROM SalesLT.Customer WHERE CustomerID = 2"},
    )
    assert not failed, text
    assert found["rows"] == [[4]]


async def test_explain_query_of_a_call(mcp_client: Client[Any], azsql_principal: str) -> None:
    failed, text, _ = await _call(mcp_client, "explain_query", {"query": CALL})
    if azsql_principal == READER:
        assert failed and GRANT in text, text
    else:
        assert not failed, text
        assert "Estimated cost" in text


async def test_describe_table_shows_a_computed_column_calling_a_function(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, found = await _call(mcp_client, "describe_table", {"table": "dbo.Named"})
    assert not failed, text
    full = next(c for c in found["columns"] if c["name"] == "Full")
    assert full["is_computed"], full
    if azsql_principal == READER:  # sys.computed_columns.definition needs VIEW DEFINITION
        assert full["computed"] == DEFINITION_HIDDEN, full
    else:
        assert "[dbo].[FullName]" in full["computed"] or "dbo.FullName" in full["computed"], full


async def test_a_write_calling_a_function_it_may_not_names_the_grant_execute(
    tds_password: str,
) -> None:
    """A writer (db_datawriter and db_datareader) without EXECUTE on a function its UPDATE
    calls: the answer names GRANT EXECUTE, not the write role it already has."""
    setup = [*SETUP[:2], *SETUP[3:], f"ALTER ROLE db_datawriter ADD MEMBER {READER_USER}"]
    with sample_tds_server(tds_password, setup) as server:
        config = {
            "sources": {"main": source_config(server, tds_password, principal=READER)},
            "security": {"read_only": False},
        }
        async with Client(build_server(config)) as client:
            sql = "UPDATE dbo.Named SET Last = dbo.FullName(First, Last) WHERE Id = 1"
            result = await client.call_tool("update_data", {"sql": sql}, raise_on_error=False)
    message = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error
    assert "The EXECUTE permission was denied on the object 'FullName'" in message
    assert GRANT in message, message
    assert "db_datawriter" not in message
    assert message.endswith(" (SQL Server error 229)"), message


def _declared_plugin() -> dict[str, object]:
    """The plugin in-process while the shared environment predates its entry point."""
    installed = any(ep.name == "builtin_declared" for ep in entry_points(group="azsql_mcp"))
    return {} if installed else {"builtin_declared": builtin_declared}


async def test_a_declared_statement_calling_a_function(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    """A declared statement calls a scalar function: rows as the writer, and for the
    reader (no EXECUTE on it) SQL Server's error 229 with the GRANT."""
    tool = {
        "description": "Customers' full names by last name",
        "statement": "SELECT dbo.FullName(FirstName, LastName) AS name FROM SalesLT.Customer"
        " WHERE LastName = @last ORDER BY CustomerID",
        "parameters": {"last": {"type": "string", "max_length": 50}},
    }
    settings = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": {"names": tool}})
    app = build_app(settings, extra_plugins=_declared_plugin())
    async with Client(app.mcp) as client:
        failed, text, found = await _call(client, "names", {"last": "Darton"})
    if azsql_principal == READER:
        assert failed and GRANT in text, text
    else:
        assert not failed, text
        assert found["rows"][0] == ["Calas Darton"]


async def test_check_warns_of_a_function_a_declared_statement_may_not_call(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    """`azsql-mcp check`: the reader holds EXECUTE on dbo.Twice, not on dbo.FullName."""
    tools = {
        "names": {
            "description": "Full names",
            "statement": "SELECT dbo.FullName(FirstName, LastName) AS name,"
            " dbo.Twice(CustomerID) AS twice FROM SalesLT.Customer WHERE CustomerID = @id",
            "parameters": {"id": {"type": "integer"}},
        }
    }
    out = io.StringIO()
    settings = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": tools})
    code = await run_check(settings, None, out)
    text = out.getvalue()
    assert code == 0, text
    if azsql_principal == READER:
        assert "warn  declared statements: tools.names: the database user" in text, text
        assert "may not run [dbo].[FullName], which the statement calls" in text
        assert GRANT in text
        assert "[dbo].[Twice]" not in text
    else:
        assert "may not run" not in text, text
