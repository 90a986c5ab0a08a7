"""time values: a procedure's time(n) parameter is offered as a `time` (ISO 8601 text,
no offset) and refuses more decimals than n; a statement's reaches SQL Server to the
microsecond; text declared for a time(n) is checked alike. Through both drivers on a
TDS test server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

SETUP = ["CREATE PROCEDURE dbo.uspAt @t time(2) AS SELECT CONVERT(nvarchar(20), @t) AS t"]
TOOLS: dict[str, Any] = {
    "at": {"procedure": "dbo.uspAt", "description": "a time(2)"},
    "at_text": {
        "procedure": "dbo.uspAt",
        "description": "a time(2) declared as text",
        "parameters": {"t": {"type": "string"}},
    },
    "clock": {
        "statement": "SELECT CONVERT(nvarchar(20), CONVERT(time(7), @t)) AS t",
        "description": "a time in a statement",
        "parameters": {"t": {"type": "time"}},
    },
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def _call(client: Client[Any], tool: str, value: Any) -> tuple[bool, str]:
    result = await client.call_tool(tool, {"t": value}, raise_on_error=False)
    if result.is_error:
        return True, str(result.content[0].text)
    sc = result.structured_content
    return False, str((sc["result_sets"][0] if "result_sets" in sc else sc)["rows"][0][0])


async def test_a_time_reaches_sql_server_as_its_type_holds_it(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, TOOLS)
    async with Client(app.mcp) as client:
        await reach_source(client)
        tools = await listed_until(client, lambda t: "t" in t["at"].input_schema["properties"])
        assert tools["at"].input_schema["properties"]["t"]["format"] == "time"
        assert await _call(client, "at", "03:04:05.12") == (False, "03:04:05.12")
        assert await _call(client, "clock", "03:04:05.123456") == (False, "03:04:05.1234560")
        assert await _call(client, "at_text", "03:04:05.1") == (False, "03:04:05.10")
        refused = {
            ("at", "03:04:05.123"): "time(2) holds 2 decimals",
            ("at_text", "03:04:05.123"): "time(2) holds 2 decimals",
            ("clock", "03:04:05+02:00"): "UTC offset",
            ("clock", 3600): "not a time of day",
        }
        for (tool, value), says in refused.items():
            error, text = await _call(client, tool, value)
            assert error and says in text, (tool, value, text)
