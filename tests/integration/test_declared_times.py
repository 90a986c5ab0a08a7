"""Dates and times SQL Server would round or refuse, refused before the call naming
the range or precision its type holds: smalldatetime's minutes, datetime's 1/300 s and
range, datetime2(n)'s decimals, a statement's milliseconds; and real's range. Through
both drivers on a TDS test server with procedures of its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

ECHO = "CREATE PROCEDURE dbo.{name} @v {type} AS SELECT CONVERT(nvarchar(60), @v, 121) AS t"
TYPES = {
    "uspSmall": "smalldatetime",
    "uspDt": "datetime",
    "uspDt2": "datetime2(2)",
    "uspDto": "datetimeoffset(0)",
}
REAL = "CREATE PROCEDURE dbo.uspReal @v real AS SELECT @v AS v"
TOOLS: dict[str, Any] = {
    name[3:].lower(): {"procedure": f"dbo.{name}", "description": name}
    for name in [*TYPES, "uspReal"]
}
TOOLS["at"] = {
    "statement": "SELECT CONVERT(nvarchar(60), @at, 121) AS t",
    "description": "a datetime",
    "parameters": {"at": {"type": "datetime"}},
}
# a declared date for a datetime parameter is checked against its range too
TOOLS["day"] = {
    "procedure": "dbo.uspDt",
    "description": "a day",
    "parameters": {"v": {"type": "date"}},
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    setup = [*(ECHO.format(name=n, type=t) for n, t in TYPES.items()), REAL]
    with sample_tds_server(tds_password, setup) as server:
        yield server


async def _call(client: Client[Any], tool: str, value: Any) -> tuple[bool, str]:
    key = "at" if tool == "at" else "v"
    result = await client.call_tool(tool, {key: value}, raise_on_error=False)
    if result.is_error:
        return True, str(result.content[0].text)
    sc = result.structured_content
    rows = sc["result_sets"][0]["rows"] if "result_sets" in sc else sc["rows"]
    return False, str(rows[0][0])


async def test_a_value_its_type_would_round_or_refuse_is_refused_before_the_call(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, TOOLS)
    async with Client(app.mcp) as client:
        await reach_source(client)
        tools = await listed_until(client, lambda t: "v" in t["small"].input_schema["properties"])
        description = tools["small"].input_schema["properties"]["v"]["description"]
        assert "whole minutes from 1900-01-01 to 2079-06-06" in description
        refused = {
            ("small", "2024-01-02T03:04:35"): "smalldatetime holds whole minutes",
            ("small", "2080-01-01T00:00:00"): "outside the range of smalldatetime",
            ("dt", "1500-01-01T00:00:00"): "outside the range of datetime (1753-01-01T00:00:00",
            ("day", "1500-01-01"): "outside the range of datetime",
            ("dt", "2024-01-02T03:04:05.001"): "end in 0, 3 or 7",
            ("dt", "2024-01-02T03:04:05.0031"): "end in 0, 3 or 7",
            ("dt2", "2024-01-02T03:04:05.129"): "datetime2(2) holds 2 decimals",
            ("dto", "2024-01-02T03:04:05.9+01:00"): "datetimeoffset(0) holds 0 decimals",
            ("real", 1e39): "less than or equal to 3402823466",
            ("at", "2024-01-02T03:04:05.123456"): "passed to the millisecond",
            ("at", "2024-01-02T03:04:05.1234567"): "more than 6 decimals",
        }
        for (tool, value), says in refused.items():
            error, text = await _call(client, tool, value)
            assert error and says in text, (tool, value, text)
        kept = {
            ("small", "2024-01-02T03:04:00"): "2024-01-02 03:04:00",
            ("small", "2024-01-02T03:04:00+01:00"): "2024-01-02 02:04:00",
            ("dt", "2024-01-02T03:04:05.007"): "2024-01-02 03:04:05.007",
            ("dt2", "2024-01-02T03:04:05.12"): "2024-01-02 03:04:05.12",
            ("at", "2024-01-02T03:04:05.123"): "2024-01-02 03:04:05.123",
        }
        for (tool, value), expected in kept.items():
            error, text = await _call(client, tool, value)
            assert not error and text.startswith(expected), (tool, value, text)
