"""Binary values: a `binary` parameter takes 0x and hexadecimal digits, as results show
binary, and reaches SQL Server as bytes; a procedure's binary and varbinary parameters
are offered as such, within their lengths in bytes. Through both drivers on a TDS test
server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

SETUP = [
    "CREATE PROCEDURE dbo.uspFixed @b binary(2) AS SELECT @b AS b",
    "CREATE PROCEDURE dbo.uspBytes @b varbinary(4) AS SELECT @b AS b, DATALENGTH(@b) AS n",
    "CREATE PROCEDURE dbo.uspBlob @b varbinary(max) AS SELECT DATALENGTH(@b) AS n",
]
TOOLS: dict[str, Any] = {
    "fixed": {
        "procedure": "dbo.uspFixed",
        "description": "2 bytes exactly",
        "parameters": {"b": {"type": "binary"}},
    },
    "bytes": {"procedure": "dbo.uspBytes", "description": "up to 4 bytes"},
    "blob": {"procedure": "dbo.uspBlob", "description": "any bytes"},
    "hashed": {
        "statement": "SELECT @b AS b, DATALENGTH(@b) AS n",
        "description": "bytes in a statement",
        "parameters": {"b": {"type": "binary", "max_length": 2}},
    },
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def _row(client: Client[Any], tool: str, value: str) -> list[Any]:
    result = await client.call_tool(tool, {"b": value})
    sc = result.structured_content
    return list((sc["result_sets"][0] if "result_sets" in sc else sc)["rows"][0])


async def _refused(client: Client[Any], tool: str, value: str) -> str:
    result = await client.call_tool(tool, {"b": value}, raise_on_error=False)
    assert result.is_error, result.structured_content
    return str(result.content[0].text)


async def test_binary_goes_as_hex_and_arrives_as_bytes(azsql_config: dict[str, Any]) -> None:
    app = make_app(azsql_config, TOOLS)
    async with Client(app.mcp) as client:
        await reach_source(client)
        tools = await listed_until(client, lambda t: "b" in t["bytes"].input_schema["properties"])
        schema = tools["bytes"].input_schema["properties"]["b"]
        assert (schema["type"], schema["maxLength"]) == ("string", 10)  # 0x and 8 digits
        assert schema["pattern"] == "^0[xX]([0-9A-Fa-f]{2})*$"
        assert await _row(client, "bytes", "0x0102ff04") == ["0x0102FF04", 4]
        assert await _row(client, "hashed", "0xABCD") == ["0xABCD", 2]
        assert await _row(client, "blob", "0x" + "ab" * 9000) == [9000]
        assert "b" in await _refused(client, "bytes", "0x0102030405")  # 5 bytes
        assert "b" in await _refused(client, "hashed", "0xABCDEF")
        assert "b" in await _refused(client, "hashed", "ABCD")  # no 0x
        assert "b" in await _refused(client, "hashed", "0xABC")  # half a byte
        # binary(2) would pad 0x01 to 0x0100, another value
        assert await _row(client, "fixed", "0x0102") == ["0x0102"]
        assert "at least 2" in await _refused(client, "fixed", "0x01")
