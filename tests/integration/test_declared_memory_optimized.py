"""Declared tools on a memory-optimized table: each runs in a transaction, where SQL
Server refuses the table under READ COMMITTED (error 41368). A statement or procedure
tool says which hint lets it through, as read_data does; as both logins."""

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyodbc
import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source
from test_tools_memory_optimized import SETUP, _says_what_to_do

from azsql_mcp.testing.pytest_plugin import PRINCIPALS, READER_USER, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True)

PROCEDURE = (
    "CREATE PROCEDURE dbo.uspReadings @id int AS SELECT Value FROM dbo.Readings WHERE ID = @id"
)
TOOLS = {
    "reading": {
        "statement": "SELECT Value FROM dbo.Readings WHERE ID = @id",
        "description": "one reading",
        "parameters": {"id": {"type": "integer"}},
    },
    "readings": {"procedure": "dbo.uspReadings", "description": "one reading"},
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, [*SETUP, PROCEDURE]) as server:
        with closing(pyodbc.connect(server.odbc_connection_string(), autocommit=True)) as cnxn:
            cnxn.cursor().execute(f"GRANT EXECUTE ON OBJECT::dbo.uspReadings TO {READER_USER}")
        yield server


async def test_a_declared_tool_says_which_hint_a_memory_optimized_table_needs(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, TOOLS)
    async with Client(app.mcp) as client:
        await reach_source(client)
        await listed_until(client, lambda t: "id" in t["readings"].input_schema["properties"])
        for tool in TOOLS:
            result = await client.call_tool(tool, {"id": 1}, raise_on_error=False)
            assert result.is_error, (tool, result.structured_content)
            _says_what_to_do(result.content[0].text)
            assert result.content[0].text.endswith(" (SQL Server error 41368)"), tool
