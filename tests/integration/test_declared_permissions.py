"""Declared statements as the reader, through both drivers, where the statement needs a
permission the reader lacks: a table it is denied SELECT on, a column it is denied, and
a table it may not write (db_datareader only, on a writable source). The call fails with
SQL Server's error 229 or 230 and the GRANT that lets the statement run, as read_data's
and the write tools' answers do; the client cannot change a declared statement, so the
answer names no other statement to write. `azsql-mcp check` warns of the tables each
declared statement may not read or write, with the same GRANT, as the reader only.

From "GRANT Object Permissions" and "DENY Object Permissions": SELECT, INSERT, UPDATE
and DELETE are granted on an object or its columns, and a DENY on the table, its schema
or the database takes precedence over a GRANT.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pytest
from fastmcp import Client

import azsql_mcp.plugins.builtin_declared as builtin_declared
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("driver", DRIVERS)

SETUP = [
    "CREATE TABLE dbo.Notes (NoteID int NOT NULL PRIMARY KEY, Body nvarchar(50) NOT NULL)",
    f"DENY SELECT ON SalesLT.Customer TO [{READER_USER}]",
    f"DENY SELECT ON SalesLT.Product (ListPrice) TO [{READER_USER}]",
]
TOOLS = {
    "customers": {
        "description": "Customers",
        "statement": "SELECT TOP (3) CustomerID FROM SalesLT.Customer ORDER BY CustomerID",
    },
    "prices": {
        "description": "Product prices",
        "statement": "SELECT TOP (3) ProductID, ListPrice FROM SalesLT.Product ORDER BY ProductID",
    },
    "add_note": {
        "description": "Add a note",
        "statement": "INSERT INTO dbo.Notes (NoteID, Body) VALUES (@id, @body)",
        "writes": True,
        "parameters": {"id": {"type": "integer"}, "body": {"type": "string"}},
    },
}
GRANTS = {
    "customers": f"GRANT SELECT ON OBJECT::[SalesLT].[Customer] TO [{READER_USER}];",
    "prices": f"GRANT SELECT ON OBJECT::[SalesLT].[Product] ([ListPrice]) TO [{READER_USER}];",
    "add_note": f"GRANT INSERT ON OBJECT::[dbo].[Notes] TO [{READER_USER}];",
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


def _declared_plugin() -> dict[str, object]:
    """The plugin in-process while the shared environment predates its entry point."""
    installed = any(ep.name == "builtin_declared" for ep in entry_points(group="azsql_mcp"))
    return {} if installed else {"builtin_declared": builtin_declared}


@pytest.mark.parametrize(
    ("tool", "arguments", "number"),
    [
        ("customers", {}, 229),
        ("prices", {}, 230),
        ("add_note", {"id": 1, "body": "hello"}, 229),
    ],
)
async def test_a_declared_statement_the_reader_may_not_run_names_the_grant(
    tds_server: ThreadedTdsServer,
    tds_password: str,
    driver: str,
    tool: str,
    arguments: dict[str, Any],
    number: int,
) -> None:
    config = {
        "sources": {"main": source_config(tds_server, tds_password, READER, driver)},
        "security": {"read_only": False},
        "tools": copy.deepcopy(TOOLS),
        "audit": {"enabled": False},
    }
    app = build_app(settings_from_mapping(config), extra_plugins=_declared_plugin())
    async with Client(app.mcp) as client:
        result = await client.call_tool(tool, arguments, raise_on_error=False)
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error
    assert "permission was denied on" in text, text
    assert GRANTS[tool] in text, text
    assert f"The database user [{READER_USER}] lacks" in text
    assert "which this tool's statement needs" in text
    if number == 230:
        assert "the column ListPrice of SalesLT.Product" in text


@pytest.mark.parametrize("principal", PRINCIPALS)
async def test_check_warns_of_the_tables_a_declared_statement_may_not_use(
    tds_server: ThreadedTdsServer, tds_password: str, driver: str, principal: str
) -> None:
    tools = copy.deepcopy(TOOLS) | {
        "orders": {
            "description": "Orders",
            "statement": "WITH o AS (SELECT SalesOrderID FROM SalesLT.SalesOrderHeader)"
            " SELECT TOP (3) SalesOrderID FROM o ORDER BY SalesOrderID",
        }
    }
    config = {
        "sources": {"main": source_config(tds_server, tds_password, principal, driver)},
        "security": {"read_only": False},
        "tools": tools,
    }
    out = io.StringIO()
    code = await run_check(settings_from_mapping(config), None, out)
    text = out.getvalue()
    assert code == 0, text  # warnings: the tools are well formed
    lacks = [line for line in text.splitlines() if "lacks" in line and "tools." in line]
    if principal != READER:
        assert lacks == [], text
        return
    assert len(lacks) == 2, text
    assert lacks[0].startswith(
        f"warn  declared statements: tools.add_note: the database user [{READER_USER}] lacks"
        " INSERT on [dbo].[Notes], which the statement writes"
    )
    assert lacks[0].endswith(GRANTS["add_note"])
    assert f"tools.customers: the database user [{READER_USER}] lacks SELECT" in lacks[1]
    assert lacks[1].endswith(GRANTS["customers"])
    assert "tools.orders" not in text and "tools.prices" not in text  # readable
    # on a read-only source the write tool is not listed: nothing to warn of
    config["security"] = {"read_only": True}
    out = io.StringIO()
    await run_check(settings_from_mapping(config), None, out)
    assert "tools.customers: the database user" in out.getvalue()
    assert "tools.add_note" not in out.getvalue()
