"""Tools declared in `[tools.NAME]`, through an MCP client on the TDS test server."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import AsyncIterator, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import mcp.types as mt
import pytest
from fastmcp import Client
from fastmcp.client.messages import MessageHandler

import azsql_mcp.plugins.builtin_declared as builtin_declared
from azsql_mcp import ConfigError
from azsql_mcp.core.app import App
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.db import guardworker
from azsql_mcp.serving.reload import apply
from azsql_mcp.testing.pytest_plugin import DRIVERS, sample_tds_server
from tds_test_server import ThreadedTdsServer

ORDERS = """
SELECT TOP (@n) h.SalesOrderID, h.TotalDue
FROM SalesLT.SalesOrderHeader AS h JOIN SalesLT.Customer AS c ON c.CustomerID = h.CustomerID
WHERE c.CompanyName LIKE @name AND h.TotalDue >= @min_total AND h.OrderDate >= @since
  AND h.ModifiedDate < @before AND (@big = 0 OR h.TotalDue > 1000)
ORDER BY h.SalesOrderID"""

ORDERS_TOOL: dict[str, Any] = {
    "description": "Orders of customers whose name matches",
    "statement": ORDERS,
    "parameters": {
        "n": {"type": "integer", "default": 5, "minimum": 1, "maximum": 50},
        "name": {"type": "string", "description": "LIKE pattern", "max_length": 40},
        "min_total": {"type": "number", "default": 0},
        "since": {"type": "date"},
        "before": {"type": "datetime"},
        "big": {"type": "boolean", "default": False},
    },
}

MAX_AFFECTED = 3
RENAME = {
    "description": "Recolour a range of products",
    "statement": "UPDATE SalesLT.Product SET Color = @color"
    " WHERE ProductID BETWEEN @first AND @last",
    "writes": True,
    "parameters": {
        "color": {"type": "string", "enum": ["Red", "Blue"]},
        "first": {"type": "integer"},
        "last": {"type": "integer"},
    },
}


# A FOR JSON document after a plain result set: SQL Server sends the document in rows of
# 2,033 characters, one column named for it.
CUSTOMERS_JSON_PROC = """CREATE PROCEDURE dbo.uspCustomersJson @n int AS
SELECT @n AS asked;
SELECT TOP (@n) CustomerID, FirstName, CompanyName FROM SalesLT.Customer ORDER BY CustomerID
FOR JSON PATH"""
JSON_COLUMN = "JSON_F52E2B61-18A1-11d1-B105-00805F49916B"


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database for this module only: the write tests change data."""
    with sample_tds_server(tds_password, [CUSTOMERS_JSON_PROC]) as server:
        yield server


def declared_plugin() -> dict[str, object]:
    """The plugin in-process while the shared environment predates its entry point."""
    installed = any(ep.name == "builtin_declared" for ep in entry_points(group="azsql_mcp"))
    return {} if installed else {"builtin_declared": builtin_declared}


def make_app(azsql_config: dict[str, Any], **extra: Any) -> App:
    data = copy.deepcopy(azsql_config) | extra
    return build_app(settings_from_mapping(data), extra_plugins=declared_plugin())


@pytest.fixture
async def reader(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    app = make_app(azsql_config, tools={"orders": ORDERS_TOOL})
    async with Client(app.mcp) as client:
        yield client


async def test_the_input_schema_comes_from_the_declaration(reader: Client[Any]) -> None:
    tool = {t.name: t for t in await reader.list_tools()}["orders"]
    props = tool.input_schema["properties"]
    assert props["n"] == {"type": "integer", "default": 5, "minimum": 1, "maximum": 50}
    assert props["name"] == {"type": "string", "description": "LIKE pattern", "maxLength": 40}
    assert props["min_total"]["type"] == "number"
    assert props["since"] == {"type": "string", "format": "date"}
    assert props["before"] == {
        "type": "string",
        "format": "date-time",
        "description": "A value with a UTC offset is passed as the same instant in UTC,"
        " without the offset; at most 3 decimals of a second.",
    }
    assert props["big"] == {"type": "boolean", "default": False}
    assert sorted(tool.input_schema["required"]) == ["before", "name", "since"]
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert tool.description.startswith("Orders of customers whose name matches")


async def test_a_statement_tool_binds_every_parameter_type(reader: Client[Any]) -> None:
    args = {"name": "A%", "since": "2000-01-01", "before": "2100-01-01T00:00:00"}
    every = await reader.call_tool("orders", args | {"n": 50})
    rows = every.structured_content["rows"]
    assert rows and every.structured_content["columns"][0]["name"] == "SalesOrderID"
    big = await reader.call_tool("orders", args | {"n": 50, "big": True, "min_total": 0.5})
    assert {r[0] for r in big.structured_content["rows"]} == {
        r[0] for r in rows if float(r[1]) > 1000
    }
    later = await reader.call_tool("orders", args | {"since": "2100-01-01"})
    assert later.structured_content["rows"] == []
    assert "<untrusted-data-" in every.content[0].text


async def test_declared_values_are_checked_before_the_call(reader: Client[Any]) -> None:
    args = {"name": "A%", "since": "2000-01-01", "before": "2100-01-01T00:00:00"}
    for bad in ({"n": 0}, {"n": 51}, {"since": "not a date"}, {"name": "x" * 41}):
        result = await reader.call_tool("orders", args | bad, raise_on_error=False)
        assert result.is_error, bad


async def test_pages_follow_the_cursor(azsql_config: dict[str, Any]) -> None:
    app = make_app(azsql_config, tools={"orders": ORDERS_TOOL}, limits={"max_rows": 2})
    args = {"name": "%", "since": "2000-01-01", "before": "2100-01-01T00:00:00", "n": 5}
    async with Client(app.mcp) as client:
        first = (await client.call_tool("orders", args)).structured_content
        assert first["truncated"] and len(first["rows"]) == 2
        second = await client.call_tool("orders", args | {"cursor": first["next_cursor"]})
        assert second.structured_content["rows"][0] != first["rows"][0]
        other = args | {"name": "B%", "cursor": first["next_cursor"]}
        refused = await client.call_tool("orders", other, raise_on_error=False)
        assert refused.is_error and "cursor" in refused.content[0].text


async def test_a_write_tool_is_hidden_while_the_source_is_read_only(
    azsql_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="azsql_mcp")
    app = make_app(azsql_config, tools={"rename": RENAME})
    # read_only changes only with a restart: the tool is missing until then, and said so
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "tools.rename: writes = true, but source 'main' is read-only ([security] read_only,"
        " true unless set), so the tool is not listed until a restart with read_only = false"
        " in [sources.main.security]; set that, or remove writes = true" in warned
    )
    async with Client(app.mcp) as client:
        assert "rename" not in {t.name for t in await client.list_tools()}
        result = await client.call_tool(
            "rename", {"color": "Red", "first": 1, "last": 2}, raise_on_error=False
        )
        assert result.is_error


async def test_a_write_tool_commits_within_max_affected_rows(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(
        azsql_config,
        tools={"rename": RENAME},
        security={"read_only": False},
        limits={"max_affected_rows": MAX_AFFECTED},
    )
    async with Client(app.mcp) as client:
        tool = {t.name: t for t in await client.list_tools()}["rename"]
        assert tool.annotations is not None and tool.annotations.read_only_hint is False
        assert tool.input_schema["properties"]["color"]["enum"] == ["Red", "Blue"]
        listed = await client.call_tool(
            "read_data", {"query": "SELECT TOP (20) ProductID FROM SalesLT.Product ORDER BY 1"}
        )
        ids = [row[0] for row in listed.structured_content["rows"]]
        done = await client.call_tool("rename", {"color": "Red", "first": ids[0], "last": ids[1]})
        assert done.structured_content["rows_affected"] == 2
        blue = {"query": "SELECT COUNT(*) FROM SalesLT.Product WHERE Color = N'Blue'"}
        before = (await client.call_tool("read_data", blue)).structured_content["rows"]
        many = {"color": "Blue", "first": ids[0], "last": ids[10]}
        too_many = await client.call_tool("rename", many, raise_on_error=False)
        assert too_many.is_error and str(MAX_AFFECTED) in too_many.content[0].text
        after = (await client.call_tool("read_data", blue)).structured_content["rows"]
        assert after == before  # rolled back


async def test_a_declared_insert_returns_what_its_output_clause_names(
    azsql_config: dict[str, Any],
) -> None:
    """An operator's `INSERT ... OUTPUT inserted.id` tool answers the new id."""
    add = {
        "description": "Add a product category",
        "statement": "INSERT INTO SalesLT.ProductCategory (Name)"
        " OUTPUT inserted.ProductCategoryID AS id VALUES (@name)",
        "writes": True,
        "parameters": {"name": {"type": "string"}},
    }
    app = make_app(azsql_config, tools={"add_category": add}, security={"read_only": False})
    async with Client(app.mcp) as client:
        done = await client.call_tool("add_category", {"name": "Test Declared Output"})
        data = done.structured_content
        assert data["rows_affected"] == 1 and data["output"]["columns"][0]["name"] == "id"
        (new_id,) = data["output"]["rows"][0]
        assert done.content[0].text.startswith("add_category committed: 1 row(s) affected.\nOUTPUT")
        check = {
            "query": "SELECT Name FROM SalesLT.ProductCategory WHERE ProductCategoryID = @id",
            "params": {"id": new_id},
        }
        stored = await client.call_tool("read_data", check)
        assert stored.structured_content["rows"] == [["Test Declared Output"]]


def problems_of(azsql_config: dict[str, Any], tools: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_app(azsql_config, tools=tools)
    return caught.value.problems


def test_every_config_error_names_the_tool_and_key(azsql_config: dict[str, Any]) -> None:
    problems = problems_of(
        azsql_config,
        {
            "read_data": {"description": "clash", "statement": "SELECT 1"},
            "typo": {
                "description": "bad type",
                "statement": "SELECT @a",
                "parameters": {"a": {"type": "money"}},
            },
            "decimal_enum": {
                "description": "enum on a decimal",
                "statement": "SELECT @d",
                "parameters": {"d": {"type": "decimal", "enum": ["1.5"]}},
            },
            "digits": {
                "description": "max_digits on an integer",
                "statement": "SELECT @n",
                "parameters": {"n": {"type": "integer", "max_digits": 5}},
            },
            "bounds": {
                "description": "default outside",
                "statement": "SELECT @n",
                "parameters": {"n": {"type": "integer", "default": 0, "minimum": 1}},
            },
            "unused": {
                "description": "declared, not used",
                "statement": "SELECT @a",
                "parameters": {"a": {"type": "string"}, "b": {"type": "string"}},
            },
            "undeclared": {"description": "used, not declared", "statement": "SELECT @x"},
            "guarded": {"description": "not a read", "statement": "DELETE FROM SalesLT.Product"},
            "nowhere": {"description": "x", "statement": "SELECT 1", "source": "other"},
            "no_proc_source": {"description": "x", "procedure": "dbo.p", "source": "other"},
            "both": {"description": "x", "statement": "SELECT 1", "procedure": "dbo.p"},
            "extra": {"description": "x", "statement": "SELECT 1", "colour": 1},
            "script": {
                "description": "an argument's name is ASCII",
                "procedure": "dbo.uspMaß",
                "parameters": {"Größe": {"type": "integer"}},
            },
            # SQL Server reads @id and @ID as one parameter: which value would it take?
            "twice": {
                "description": "one parameter declared twice",
                "statement": "SELECT @id",
                "parameters": {"id": {"type": "integer"}, "ID": {"type": "integer"}},
            },
            "at_sign": {
                "description": "a parameter named as the statement writes it",
                "statement": "SELECT @n",
                "parameters": {"@n": {"type": "integer"}},
            },
            "twice_proc": {
                "description": "one parameter declared twice",
                "procedure": "dbo.p",
                "parameters": {"n": {"type": "integer"}, "N": {"type": "integer"}},
            },
            "open_to_all": {"description": "no scope", "statement": "SELECT 1", "scopes": []},
        },
    )
    text = "\n".join(problems)
    assert "tools.read_data: a built-in or plugin tool is already named" in text
    assert "tools.typo.parameters.a.type:" in text
    assert "tools.decimal_enum.parameters.d: enum does not apply to decimal" in text
    assert "tools.digits.parameters.n: max_digits and decimal_places apply to decimal" in text
    assert "tools.bounds.parameters.n: default 0 is below minimum 1" in text
    assert "tools.unused.parameters.b: declared but the statement does not use @b" in text
    assert "tools.undeclared.statement: @x is used but not declared" in text
    assert "tools.guarded.statement:" in text
    assert "tools.nowhere.source: no source 'other'" in text
    assert "tools.no_proc_source.source: no source 'other'" in text
    assert "tools.both: give exactly one of statement, procedure" in text
    assert "tools.open_to_all: scopes = []: an empty list needs no scope" in text
    assert "tools.extra.colour: unknown key" in text
    assert "tools.script.parameters.Größe: a parameter name is a letter" in text
    assert "with no letters outside A-Z, which Claude's API and Amazon Bedrock refuse" in text
    assert (
        "tools.twice.parameters.ID: [tools.twice.parameters.id] is the same parameter (SQL"
        " Server reads @id and @ID as one: names compare without regard to case); declare"
        " it once" in problems
    )
    assert "tools.twice_proc.parameters.N: [tools.twice_proc.parameters.n] is the same" in text
    assert (
        "tools.at_sign.parameters.@n: a parameter name is a letter or '_' then letters,"
        " digits, '_'; write it without '@': [tools.at_sign.parameters.n]" in problems
    )
    assert len(problems) == 17, problems


async def test_declared_names_match_the_statement_without_regard_to_case(
    azsql_config: dict[str, Any],
) -> None:
    """As SQL Server reads them: `id` declared, @ID and @Id in the statement are one
    parameter; the argument keeps the declared spelling."""
    tool = {
        "description": "Twice a number",
        "statement": "SELECT @ID + @Id AS twice",
        "parameters": {"id": {"type": "integer"}},
    }
    app = make_app(azsql_config, tools={"twice": tool})
    async with Client(app.mcp) as client:
        listed = {t.name: t for t in await client.list_tools()}["twice"]
        assert list(listed.input_schema["properties"]) == ["id", "cursor"]
        result = await client.call_tool("twice", {"id": 680})
    assert result.structured_content["rows"] == [[1360]]


class ListChanges(MessageHandler):
    def __init__(self) -> None:
        self.seen = asyncio.Event()

    async def on_tool_list_changed(self, message: mt.ToolListChangedNotification) -> None:
        self.seen.set()


async def test_a_reload_adds_and_removes_declared_tools(azsql_config: dict[str, Any]) -> None:
    app = make_app(azsql_config)
    changes = ListChanges()
    # a handshake-era connection (test_list_changed.py: 2026-07-28 clients that listen)
    async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
        assert "orders" not in {t.name for t in await client.list_tools()}
        added = settings_from_mapping(
            copy.deepcopy(azsql_config) | {"tools": {"orders": ORDERS_TOOL}}
        )
        assert apply(app, added) == "applied"
        await asyncio.wait_for(changes.seen.wait(), 10)
        assert "orders" in {t.name for t in await client.list_tools()}
        args = {"name": "A%", "since": "2000-01-01", "before": "2100-01-01T00:00:00"}
        assert not (await client.call_tool("orders", args)).is_error
        # audited and counted under the plugin that declared it, not as an unknown tool
        line = app.tool_calls.recent[-1]
        assert (line["tool"], line["plugin"]) == ("orders", "builtin_declared")

        broken = copy.deepcopy(azsql_config) | {"tools": {"orders": {"description": "x"}}}
        assert apply(app, settings_from_mapping(broken)) == "invalid"
        assert "orders" in {t.name for t in await client.list_tools()}

        changes.seen.clear()
        assert apply(app, settings_from_mapping(copy.deepcopy(azsql_config))) == "applied"
        await asyncio.wait_for(changes.seen.wait(), 10)
        assert "orders" not in {t.name for t in await client.list_tools()}


CUSTOMER_ORDERS = {
    "procedure": "SalesLT.uspCustomerOrders",
    "description": "Orders of one customer",
    "parameters": {"CustomerID": {"type": "integer", "minimum": 1}},
}


async def test_a_procedure_tool_returns_result_sets_outputs_and_status(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, tools={"customer_orders": CUSTOMER_ORDERS}, limits={"max_rows": 3})
    async with Client(app.mcp) as client:
        tool = {t.name: t for t in await client.list_tools()}["customer_orders"]
        assert tool.input_schema["required"] == ["CustomerID"]
        assert "SalesLT.uspCustomerOrders" in tool.description
        done = (await client.call_tool("customer_orders", {"CustomerID": 17})).structured_content
        customer, orders = done["result_sets"]
        assert customer["rows"][0][0] == 17 and customer["columns"][1]["name"] == "CompanyName"
        assert len(orders["rows"]) == 3 and orders["truncated"]  # each set capped
        assert done["outputs"]["OrderCount"] > 3 and done["return_value"] == 0
        none = await client.call_tool("customer_orders", {"CustomerID": 999999})
        assert none.structured_content["return_value"] == 1
        assert none.structured_content["outputs"] == {"OrderCount": 0}
        refused = await client.call_tool(
            "read_data", {"query": "EXEC SalesLT.uspCustomerOrders 17"}, raise_on_error=False
        )
        assert refused.is_error  # EXEC stays refused for clients


async def test_the_audit_line_of_a_procedure_call_is_about_the_call(
    azsql_config: dict[str, Any], tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = make_app(
        azsql_config,
        tools={"customer_orders": CUSTOMER_ORDERS},
        audit={"enabled": True, "path": str(audit)},
    )
    async with Client(app.mcp) as client:
        await client.call_tool("customer_orders", {"CustomerID": 17})
    line = json.loads(audit.read_text().splitlines()[-1])
    assert line["tool"] == "customer_orders"
    # the catalog read of the first call is not what the line records
    assert line["fingerprint"] == await guardworker.fingerprint("EXEC SalesLT.uspCustomerOrders")
    assert line["rows"] == 1 + 8  # the customer and their orders


CUSTOMERS_JSON = {
    "procedure": "dbo.uspCustomersJson",
    "description": "Customers as JSON",
    "parameters": {"n": {"type": "integer", "minimum": 1}},
}


@pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)
async def test_a_procedure_result_set_that_is_a_for_json_document_is_one_value(
    azsql_config: dict[str, Any],
) -> None:
    tools = {"customers_json": CUSTOMERS_JSON}
    app = make_app(azsql_config, tools=tools, limits={"max_rows": 2})
    async with Client(app.mcp) as client:
        result = await client.call_tool("customers_json", {"n": 60})
        asked, document_set = result.structured_content["result_sets"]
        assert asked["rows"] == [[60]]
        assert [c["name"] for c in document_set["columns"]] == [JSON_COLUMN]
        assert document_set["row_count"] == 1 and not document_set["truncated"]
        (document,) = document_set["rows"][0]
        assert len(document) > 2033  # more than one of SQL Server's rows, despite max_rows
        customers = json.loads(document)
        assert len(customers) == 60 and customers[0]["CustomerID"] == 1
        assert document in result.content[0].text  # whole, as read_data shows one

    app = make_app(azsql_config, tools=tools, limits={"max_result_bytes": 3000})
    async with Client(app.mcp) as client:
        refused = await client.call_tool("customers_json", {"n": 60}, raise_on_error=False)
    assert refused.is_error
    assert "document is more than max_result_bytes = 3000 bytes" in refused.content[0].text
