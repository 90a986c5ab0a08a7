"""Inline table-valued functions met by the tools, as both logins through both drivers:
read_data and explain_query reading the sample's dbo.ufnGetCustomerInformation, the
read policy on a function of another database, a declared statement reading one, and
`azsql-mcp check` of a declared statement that applies one.

From "Create user-defined functions" and "GRANT Object Permissions": a table-valued
function is SELECT-checked like a view (db_datareader holds SELECT), with ownership
chaining to the tables it reads; EXECUTE does not apply to it.
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
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import READER, READER_USER, TEST_USER
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Member (MemberID int NOT NULL PRIMARY KEY,"
    " Email varchar(100) MASKED WITH (FUNCTION = 'email()') NULL)",
    "INSERT INTO dbo.Member VALUES (1, 'ann@example.com')",
    "CREATE FUNCTION dbo.MemberEmail(@id int) RETURNS TABLE AS"
    " RETURN SELECT MemberID, Email FROM dbo.Member WHERE MemberID = @id",
]
READ = "SELECT * FROM dbo.ufnGetCustomerInformation(1)"
DIRECT = "SELECT CustomerID, FirstName, LastName FROM SalesLT.Customer WHERE CustomerID = 1"


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


async def test_read_data_reads_the_sample_function(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, found = await _call(mcp_client, "read_data", {"query": READ})
    assert not failed, text
    _, _, direct = await _call(mcp_client, "read_data", {"query": DIRECT})
    assert found["columns"] == direct["columns"] and found["rows"] == direct["rows"], text
    assert len(found["rows"]) == 1


async def test_read_data_applies_the_function_to_each_row(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """CROSS APPLY with a column of the table before it, as analysts write it."""
    query = (
        "SELECT TOP 3 h.SalesOrderID, c.FirstName, c.LastName FROM SalesLT.SalesOrderHeader AS h"
        " CROSS APPLY dbo.ufnGetCustomerInformation(h.CustomerID) AS c ORDER BY h.SalesOrderID"
    )
    joined = (
        "SELECT TOP 3 h.SalesOrderID, c.FirstName, c.LastName FROM SalesLT.SalesOrderHeader AS h"
        " JOIN SalesLT.Customer AS c ON c.CustomerID = h.CustomerID ORDER BY h.SalesOrderID"
    )
    failed, text, found = await _call(mcp_client, "read_data", {"query": query})
    assert not failed, text
    _, _, direct = await _call(mcp_client, "read_data", {"query": joined})
    assert found["rows"] == direct["rows"] and len(found["rows"]) == 3, text


async def test_a_function_over_a_masked_column_reads_masked(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """Masking follows the column through the function, as through a view."""
    failed, text, _ = await _call(
        mcp_client, "read_data", {"query": "SELECT Email FROM dbo.MemberEmail(1)"}
    )
    assert not failed, text
    assert ("ann@example.com" in text) == (azsql_principal != READER), text


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM OtherDb.dbo.ufnGetCustomerInformation(1)",
        "SELECT * FROM [OtherDb]..[ufnGetCustomerInformation](1) AS f",
        "SELECT c.CustomerID FROM SalesLT.Customer AS c"
        " CROSS APPLY OtherDb.dbo.ufnGetCustomerInformation(c.CustomerID) AS f",
    ],
)
async def test_a_function_of_another_database_is_refused(
    mcp_client: Client[Any], azsql_principal: str, query: str
) -> None:
    failed, text, _ = await _call(mcp_client, "read_data", {"query": query})
    assert failed and "names the database OtherDb" in text, text


async def test_explain_query_of_a_function_read(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    failed, text, _ = await _call(mcp_client, "explain_query", {"query": READ})
    assert not failed, text
    assert "Estimated cost" in text


def _declared_plugin() -> dict[str, object]:
    """The plugin in-process while the shared environment predates its entry point."""
    installed = any(ep.name == "builtin_declared" for ep in entry_points(group="azsql_mcp"))
    return {} if installed else {"builtin_declared": builtin_declared}


CUSTOMER_TOOL = {
    "description": "A customer's name",
    "statement": "SELECT FirstName, LastName FROM dbo.ufnGetCustomerInformation(@id)",
    "parameters": {"id": {"type": "integer"}},
}


async def test_a_declared_statement_reading_a_function(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    settings = settings_from_mapping(
        copy.deepcopy(azsql_config) | {"tools": {"customer": CUSTOMER_TOOL}}
    )
    app = build_app(settings, extra_plugins=_declared_plugin())
    async with Client(app.mcp) as client:
        failed, text, found = await _call(client, "customer", {"id": 1})
        _, _, direct = await _call(
            client, "read_data", {"query": DIRECT.replace("CustomerID, ", "")}
        )
    assert not failed, text
    assert found["rows"] == direct["rows"] and len(found["rows"]) == 1, text


async def test_check_asks_no_execute_for_an_applied_function(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    """A table-valued function under APPLY is SELECT-checked: no warning that the reader
    may not run it, and no GRANT EXECUTE, which does not apply to one."""
    tools = {
        "customer": CUSTOMER_TOOL,
        "applied": {
            "description": "Orders with their customer's name",
            "statement": "SELECT h.SalesOrderID, f.LastName FROM SalesLT.SalesOrderHeader AS h"
            " CROSS APPLY dbo.ufnGetCustomerInformation(@id) AS f WHERE h.CustomerID = @id",
            "parameters": {"id": {"type": "integer"}},
        },
    }
    out = io.StringIO()
    settings = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": tools})
    code = await run_check(settings, None, out)
    text = out.getvalue()
    assert code == 0, text
    assert "ufnGetCustomerInformation" not in text, text
