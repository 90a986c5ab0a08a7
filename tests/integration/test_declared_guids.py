"""uniqueidentifier values: a procedure's parameter is offered as a `uuid` (JSON Schema
format uuid), a statement's may be declared one, and text declared for one is checked
to be a GUID, since SQL Server reads only the first 36 characters of longer text.
Through both drivers on a TDS test server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

GUID = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
ECHO = "CREATE PROCEDURE dbo.uspGuid @g uniqueidentifier AS SELECT CONVERT(nvarchar(40), @g) AS g"
TOOLS = {
    "guid": {"procedure": "dbo.uspGuid", "description": "a GUID from the catalog"},
    "guid_text": {
        "procedure": "dbo.uspGuid",
        "description": "a GUID declared as text",
        "parameters": {"g": {"type": "string"}},
    },
    "guid_statement": {
        "statement": f"SELECT CASE WHEN @g = CONVERT(uniqueidentifier, '{GUID}') THEN 1 END AS s",
        "description": "a GUID in a statement",
        "parameters": {"g": {"type": "uuid"}},
    },
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, [ECHO]) as server:
        yield server


async def _call(client: Client[Any], tool: str, value: str) -> tuple[bool, str]:
    result = await client.call_tool(tool, {"g": value}, raise_on_error=False)
    if result.is_error:
        return True, str(result.content[0].text)
    sc = result.structured_content
    rows = sc["result_sets"][0]["rows"] if "result_sets" in sc else sc["rows"]
    return False, str(rows[0][0])


async def test_a_guid_reaches_sql_server_whole_and_nothing_else_does(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, TOOLS)
    async with Client(app.mcp) as client:
        await reach_source(client)
        tools = await listed_until(client, lambda t: "g" in t["guid"].input_schema["properties"])
        schema = tools["guid"].input_schema["properties"]["g"]
        assert (schema["type"], schema["format"]) == ("string", "uuid")
        assert tools["guid_statement"].input_schema["properties"]["g"]["format"] == "uuid"
        assert await _call(client, "guid", GUID.lower()) == (False, GUID)
        assert await _call(client, "guid_text", GUID) == (False, GUID)
        assert await _call(client, "guid_statement", "{" + GUID + "}") == (False, "1")
        error, text = await _call(client, "guid_text", GUID + "wrong")
        assert error and "takes a GUID as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in text, text
        error, text = await _call(client, "guid", GUID + "wrong")
        assert error and "g" in text, text
