"""A procedure tool's values against the procedure's own parameter types: SQL Server
converts an argument to its parameter's type silently (cutting a string, rounding a
decimal, dropping a fraction or a time, turning a character its code page lacks into
'?'), so what it would change is refused, and a declaration that allows it is a problem
naming the key. Through an MCP client on the TDS test server, with both drivers."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from test_declared_procedures import listed_until, make_app, reach_source

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

ECHO = "CREATE PROCEDURE dbo.{name} @v {type} AS SELECT CONVERT(nvarchar(40), @v) AS v"
TYPES = {
    "uspShort": "nvarchar(5)",
    "uspAnsi": "varchar(10)",
    "uspCents": "decimal(5,2)",
    "uspTiny": "tinyint",
    "uspInt": "int",
    "uspDay": "date",
    "uspBin": "varbinary(10)",
}
# an OUTPUT parameter's variable starts with the caller's value: converted alike
KEEP = "CREATE PROCEDURE dbo.uspKeep @v nvarchar(5) OUTPUT AS SET @v = @v"


def proc(name: str, **parameters: Any) -> dict[str, Any]:
    return {"procedure": f"dbo.{name}", "description": name, "parameters": parameters}


# declared without the bounds of the SQL type: the type's bounds apply
LOOSE = {
    "short": proc("uspShort", v={"type": "string"}),
    "cents": proc("uspCents", v={"type": "decimal"}),
    "tiny": proc("uspTiny", v={"type": "integer"}),
    "ansi": proc("uspAnsi"),  # from the catalog
    "short_cat": proc("uspShort"),
    "int_of_day": proc("uspDay", v={"type": "date"}),
    "keep": proc("uspKeep", v={"type": "string"}),
}
# declared so that SQL Server would change some values: problems naming the key
WRONG = {
    "fraction": proc("uspInt", v={"type": "number"}),
    "time_of_day": proc("uspDay", v={"type": "datetime"}),
    "text_for_int": proc("uspInt", v={"type": "string"}),
    "long": proc("uspShort", v={"type": "string", "max_length": 50}),
    "places": proc("uspCents", v={"type": "decimal", "decimal_places": 4}),
    "big": proc("uspTiny", v={"type": "integer", "maximum": 1000}),
    "default": proc("uspShort", v={"type": "string", "default": "abcdefgh"}),
    "binary": proc("uspBin", v={"type": "string"}),
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    setup = [*(ECHO.format(name=n, type=t) for n, t in TYPES.items()), KEEP]
    with sample_tds_server(tds_password, setup) as server:
        yield server


async def _refused(client: Client[Any], tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert result.is_error, result.structured_content
    return str(result.content[0].text)


async def _value(client: Client[Any], tool: str, args: dict[str, Any]) -> Any:
    result = await client.call_tool(tool, args)
    return result.structured_content["result_sets"][0]["rows"][0][0]


async def test_a_declared_parameter_takes_the_bounds_of_its_sql_type(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, LOOSE)
    async with Client(app.mcp) as client:
        await reach_source(client)
        tools = await listed_until(
            client, lambda t: t["short"].input_schema["properties"]["v"].get("maxLength") == 5
        )
        schema = {n: tools[n].input_schema["properties"]["v"] for n in LOOSE}
        assert (schema["tiny"]["minimum"], schema["tiny"]["maximum"]) == (0, 255)
        # SQL Server would cut, round or overflow each of these: refused instead
        assert "at most 5 characters" in await _refused(client, "short", {"v": "abcdefgh"})
        assert "2 decimal places" in await _refused(client, "cents", {"v": "1.234"})
        assert "3 digits before" in await _refused(client, "cents", {"v": "12345"})
        assert "255" in await _refused(client, "tiny", {"v": 300})
        assert await _value(client, "cents", {"v": "123.45"}) == "123.45"
        assert await _value(client, "int_of_day", {"v": "2024-01-02"}) == "2024-01-02"
        assert schema["keep"]["maxLength"] == 5
        assert "at most 5 characters" in await _refused(client, "keep", {"v": "abcdefgh"})
        assert "UTF-16" in await _refused(client, "keep", {"v": "\U0001f600" * 3})
        result = await client.call_tool("keep", {"v": "abc"})
        assert result.structured_content["outputs"] == {"v": "abc"}


async def test_strings_are_measured_as_sql_server_stores_them(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, LOOSE)
    async with Client(app.mcp) as client:
        await reach_source(client)
        await listed_until(client, lambda t: "v" in t["ansi"].input_schema["properties"])
        # nvarchar(5) holds 5 UTF-16 code units: three emoji take six
        assert await _value(client, "short_cat", {"v": "ab\U0001f600c"}) == "ab\U0001f600c"
        for tool in ("short", "short_cat"):
            text = await _refused(client, tool, {"v": "\U0001f600" * 3})
            assert "@v (nvarchar(5)) holds 5 UTF-16 code units and this value takes 6" in text
        # varchar holds the database's code page (1252 here): no '?' for what it lacks
        assert await _value(client, "ansi", {"v": "h\u00e9llo"}) == "h\u00e9llo"
        text = await _refused(client, "ansi", {"v": "h\u00e9llo\u4e16"})
        assert "@v (varchar(10)) holds characters of code page 1252 only" in text
        assert "U+4E16" in text


async def test_a_declaration_sql_server_would_change_values_for_is_a_problem(
    azsql_config: dict[str, Any],
) -> None:
    out = io.StringIO()
    settings = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": WRONG})
    code = await run_check(settings, None, out)
    text = out.getvalue()
    assert code == 2, text
    expected = [
        "tools.fraction.parameters.v: type 'number' does not fit: @v of dbo.uspInt is int,"
        " and SQL Server would silently change a value to fit it; declare type = 'integer'",
        "tools.time_of_day.parameters.v: type 'datetime' does not fit: @v of dbo.uspDay is date",
        "tools.text_for_int.parameters.v: type 'string' does not fit",
        "tools.long.parameters.v: max_length 50 allows values that do not fit: @v of"
        " dbo.uspShort is nvarchar(5); set max_length = 5 or less",
        "tools.places.parameters.v: decimal_places 4 allows values that do not fit: @v of"
        " dbo.uspCents is decimal(5,2); set decimal_places = 2 or less",
        "tools.big.parameters.v: maximum 1000 allows values that do not fit: @v of"
        " dbo.uspTiny is tinyint; set maximum = 255 or less",
        "tools.default.parameters.v: default 'abcdefgh' is longer than max_length 5 once"
        " bounded as @v of dbo.uspShort is nvarchar(5)",
        "tools.binary.parameters.v: type 'string' does not fit: @v of dbo.uspBin is"
        " varbinary(10), which SQL Server converts no text to implicitly (error 257);"
        " declare type = 'binary'",
    ]
    for line in expected:
        assert line in text, text


async def test_a_call_before_the_tool_is_resolved_is_refused_all_the_same(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, LOOSE)
    async with Client(app.mcp) as client:
        # the first call reads the catalog itself: the schema had no maxLength yet
        text = await _refused(client, "short", {"v": "abcdefgh"})
        assert "short: v: 'abcdefgh' is longer than max_length 5" in text
