"""A declared statement's string parameter with `sql_type` is sent as that type: the
driver declares it `varchar(10)` rather than nvarchar, so SQL Server compares a varchar
column with it as it is (no CONVERT_IMPLICIT of the column, which under a SQL collation
turns an index seek into a scan), and a value the type would change (a character its
code page lacks, more than its length) is refused before the call. Through an MCP
client on the TDS test server, with both drivers; what the drivers declare is read from
the RPCs the test server receives."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer
from tds_test_server.protocol import rpc

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

SETUP = [
    "CREATE TABLE dbo.Codes (Code varchar(10) NOT NULL CONSTRAINT PK_Codes PRIMARY KEY,"
    " Label varchar(20) NOT NULL)",
    "INSERT INTO dbo.Codes (Code, Label) VALUES ('café', 'first'), ('b', 'second')",
]
TOOLS = {
    "lookup": {
        "description": "a code's label",
        "statement": "SELECT Label FROM dbo.Codes WHERE Code = @code",
        "parameters": {"code": {"sql_type": "varchar(10)"}},
    },
    "put": {
        "description": "a new code",
        "statement": "INSERT INTO dbo.Codes (Code, Label) VALUES (@code, @label)",
        "writes": True,
        "parameters": {
            "code": {"type": "string", "sql_type": "varchar(10)"},
            "label": {"sql_type": "varchar(20)", "description": "what it means"},
        },
    },
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The parameter declarations of the RPCs the test server receives ('@P1 varchar(10)')."""
    seen: list[str] = []
    bind = rpc._bind

    def spy(declarations: str, values: list[Any]) -> Any:
        seen.append(declarations.lower())
        return bind(declarations, values)

    monkeypatch.setattr(rpc, "_bind", spy)
    return seen


def _app(azsql_config: dict[str, Any]) -> Any:
    config = copy.deepcopy(azsql_config) | {"tools": TOOLS, "security": {"read_only": False}}
    return build_app(settings_from_mapping(config))


async def test_a_string_goes_as_its_sql_type(
    azsql_config: dict[str, Any], azsql_driver: str, declared: list[str]
) -> None:
    async with Client(_app(azsql_config).mcp) as client:
        tools = {t.name: t for t in await client.list_tools()}
        code = tools["lookup"].input_schema["properties"]["code"]
        assert (code["type"], code["maxLength"]) == ("string", 10)
        label = tools["put"].input_schema["properties"]["label"]
        assert (label["maxLength"], label["description"]) == (20, "what it means")
        declared.clear()
        result = await client.call_tool("lookup", {"code": "café"})
        assert result.structured_content["rows"] == [["first"]]
        assert any("varchar(10)" in d and "nvarchar" not in d for d in declared), declared
        declared.clear()
        new = f"{azsql_driver}ü"  # one code per driver: the table is the module's
        written = await client.call_tool("put", {"code": new, "label": "third"})
        assert written.structured_content["rows_affected"] == 1
        assert any("varchar(10)" in d and "varchar(20)" in d for d in declared), declared
        result = await client.call_tool("lookup", {"code": new})
        assert result.structured_content["rows"] == [["third"]]


async def test_a_value_its_sql_type_would_change_is_refused(
    azsql_config: dict[str, Any], declared: list[str]
) -> None:
    async with Client(_app(azsql_config).mcp) as client:
        declared.clear()
        # code page 1252 has no U+0100: the driver would send 'A' or '?', a wrong key
        result = await client.call_tool("lookup", {"code": "ab\u0100"}, raise_on_error=False)
        assert result.is_error
        text = result.content[0].text
        assert "@code (varchar(10)) holds characters of code page 1252 only" in text, text
        assert declared == []  # refused before the statement was sent
        # more bytes than varchar(10) holds once encoded: cut by SQL Server otherwise
        result = await client.call_tool(
            "put", {"code": "x", "label": "é" * 21}, raise_on_error=False
        )
        assert result.is_error and "20" in result.content[0].text
