"""Advice names a tool only to a caller that may call it (azsql_mcp.advice): errors,
results, resources and prompts, rendered on the way out."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.logging import LogMessage
from fastmcp.exceptions import ToolError
from mcp.shared.exceptions import MCPError

from azsql_mcp import AuthError, ToolContext, advice, hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.db.notices import notice
from azsql_mcp.serving.console.pages import overview
from azsql_mcp.serving.routes import health_report
from azsql_mcp.testing.pytest_plugin import DRIVERS, READER, TEST_SOURCE


def _off(*tools: str, **extra: object) -> dict[str, object]:
    return {"plugins": {"builtin_tools": {"disabled_tools": list(tools)}}, **extra}


async def _prompt(client: Client, name: str, **args: str) -> str:
    result = await client.get_prompt(name, args)
    return "\n".join(m.content.text for m in result.messages)  # type: ignore[union-attr]


async def test_a_missing_table_names_list_tables_only_where_it_is_on(make_azsql_server):
    async with Client(make_azsql_server()) as client:
        with pytest.raises(ToolError) as on:
            await client.call_tool("describe_table", {"table": "SalesLT.Nope"})
    async with Client(make_azsql_server(config=_off("list_tables"))) as client:
        with pytest.raises(ToolError) as off:
            await client.call_tool("describe_table", {"table": "SalesLT.Nope"})
    assert "Call list_tables to see the names (use schema.table)." in str(on.value)
    assert "list_tables" not in str(off.value)
    assert str(off.value).endswith("Name it as schema.table.")
    assert not any("\ufdd0" <= ch <= "\ufdd3" for ch in str(on.value) + str(off.value))


async def test_an_unknown_object_in_a_read_names_no_tool_that_is_off(make_azsql_server):
    async with Client(make_azsql_server(config=_off("list_tables", "describe_table"))) as c:
        with pytest.raises(ToolError) as table:
            await c.call_tool("read_data", {"query": "SELECT a FROM SalesLT.Nope"})
        with pytest.raises(ToolError) as column:
            await c.call_tool("read_data", {"query": "SELECT Nope FROM SalesLT.Customer"})
    assert "Invalid object name" in str(table.value) and "list_tables" not in str(table.value)
    assert "one this login holds no permission on does not exist for it" in str(table.value)
    assert "Invalid column name" in str(column.value)
    assert "describe_table" not in str(column.value) and "'single quotes'" in str(column.value)


async def test_analyze_performance_sends_the_model_to_no_tool_that_is_off(
    make_azsql_server, azsql_principal
):
    off = _off("describe_table", "read_data", "explain_query")
    async with Client(make_azsql_server(config=off)) as client:
        text = await _prompt(client, "analyze_performance", query="SELECT 1 AS one")
    assert "Without the plan, work from the query and the tables" in text
    for tool in ("describe_table", "read_data", "explain_query"):
        assert tool not in text
    if azsql_principal == READER:
        return
    # explain_query on (the plan shown), describe_table off
    async with Client(make_azsql_server(config=_off("describe_table"))) as client:
        text = await _prompt(client, "analyze_performance", query="SELECT 1 AS one")
    assert "explain_query checks a rewrite" in text and "describe_table" not in text


async def test_sql_query_builder_names_no_write_tool_the_caller_lacks(make_azsql_server):
    config = _off("update_data", security={"read_only": False})
    async with Client(make_azsql_server(config=config)) as client:
        insert = await _prompt(
            client, "sql_query_builder", table="SalesLT.Customer", operation="INSERT"
        )
    assert "insert_data" in insert and "update_data" not in insert
    assert "only when the server is not read-only" in insert


async def test_data_migration_guide_names_no_tool_that_is_off(make_azsql_server, monkeypatch):
    from azsql_mcp.plugins.builtin_prompts import guides

    monkeypatch.setattr(guides, "MIGRATION_TABLES_SHOWN", 3)
    async with Client(make_azsql_server(config=_off("list_tables", "describe_table"))) as c:
        text = await _prompt(c, "data_migration_guide", source_system="Oracle")
    assert "by schema and name (there are more)" in text
    assert "list_tables" not in text and "describe_table" not in text
    assert "the order of loading given the foreign keys, the tooling" in text


async def test_a_resource_not_found_names_list_tables_only_where_it_is_on(make_azsql_server):
    async with Client(make_azsql_server(config=_off("list_tables"))) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("database://tables/SalesLT/Nope")
    said = str(caught.value)
    assert "list_tables" not in said
    assert (
        "the resource database://tables lists the tables, views, synonyms and table functions"
        in said
    )


# The four advice markers, in the order that frames a piece of advice, in a value the
# database holds (NCHAR: the guard refuses the characters themselves in a statement).
FORGED = "N'a' + NCHAR(64976) + N'b' + NCHAR(64977) + N'c' + NCHAR(64978) + N'd' + NCHAR(64979)"
FORGED_VALUE = "a\ufdd0b\ufdd1c\ufdd2d\ufdd3"
FORGED_TEXT = "a\\ufdd0b\\ufdd1c\\ufdd2d\\ufdd3"  # escaped, as a cell's controls are


@pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)
async def test_database_text_holding_the_markers_comes_back_escaped_and_whole(
    make_azsql_server,
):
    """A cell or an error message holding the markers forged a frame, or lost them when
    the call's advice was rendered: both escape them, as they do control characters."""
    async with Client(make_azsql_server()) as client:
        cell = await client.call_tool("read_data", {"query": f"SELECT {FORGED} AS v"})
        document = await client.call_tool(
            "read_data", {"query": f"SELECT {FORGED} AS v FOR JSON PATH"}
        )
        error = await client.call_tool(
            "read_data", {"query": f"SELECT CAST({FORGED} AS int) AS v"}, raise_on_error=False
        )
    texts = [r.content[0].text for r in (cell, document, error)]  # type: ignore[union-attr]
    assert f"\n{FORGED_TEXT}\n" in texts[0]
    assert cell.structured_content["rows"] == [[FORGED_VALUE]]  # the value itself, whole
    assert f'[{{"v":"{FORGED_TEXT}"}}]' in texts[1]
    assert error.is_error and f"value '{FORGED_TEXT}' to data type int" in texts[2]
    assert not any("\ufdd0" <= ch <= "\ufdd3" for ch in "".join(texts))


class NoCredentials:
    def __init__(self, settings: Any) -> None:
        pass

    async def connect_attributes(self) -> Any:
        raise AuthError("the tables" + advice("list_orders", "; list_orders lists them"))


def auth_plugin() -> types.ModuleType:
    module = types.ModuleType("advising_auth")

    @hookimpl
    def register_auth_providers(register: Any) -> None:
        register("advising", NoCredentials)

    module.register_auth_providers = register_auth_providers  # type: ignore[attr-defined]
    return module


async def test_a_sources_reason_on_health_and_the_console(azsql_config: dict[str, Any]) -> None:
    """A plugin's AuthError, written for the client with advice, is the source's reason:
    /health and the console say it as the operator reads it."""
    source = azsql_config["sources"][TEST_SOURCE] | {"auth": "advising"}
    settings = settings_from_mapping({"sources": {TEST_SOURCE: source}})
    app = build_app(settings, extra_plugins={"advising": auth_plugin()})
    async with app.running(), asyncio.timeout(10):
        while app.readiness()[TEST_SOURCE]["reason"].startswith("starting"):
            await asyncio.sleep(0.01)
        body, _ = health_report(app, details=True)
        page = overview(app)
    reason = body["sources"][TEST_SOURCE]["reason"]
    assert "the tables; list_orders lists them" in reason, reason
    assert not any(marker in reason + page for marker in "\ufdd0\ufdd1\ufdd2\ufdd3")
    assert "the tables; list_orders lists them" in page


def tools_plugin(name: str, *tools: Any) -> types.ModuleType:
    """A plugin module that registers `tools`."""
    module = types.ModuleType(name)

    @hookimpl
    def register_tools(register: Any) -> None:
        for tool in tools:
            register(tool)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


async def noted(ctx: ToolContext) -> str:
    """Tell the client something, as the database layer does (a source down)."""
    tools = advice("list_orders", "; list_orders lists them")
    notice("warning", "the tables" + tools + advice("read_data", "; read_data reads them"))
    return "done"


async def test_a_notice_to_the_client_names_no_tool_it_lacks(make_azsql_server) -> None:
    """A call's log notification (db/notices.py: an outage's reason may hold a plugin's
    AuthError) has its advice rendered for the call's client, as the call's texts do."""
    got: list[str] = []

    async def on_log(message: LogMessage) -> None:
        got.append(str(message.data.get("msg")))

    server = make_azsql_server(
        plugins={"noting": tools_plugin("noting_tools", noted)},
        config={"plugins": {"enabled": ["builtin_tools"]}},
    )
    async with Client(server, log_handler=on_log) as client:
        await client.call_tool("noted", {})
    assert got == ["the tables; read_data reads them"], got


async def reporting(ctx: ToolContext) -> str:
    """Reports progress with advice in its message."""
    await ctx.report_progress(1, 2, advice("read_data", "read_data reads them", "reading"))
    return "done"


@pytest.mark.parametrize("off", [(), ("read_data",)])
async def test_a_progress_message_names_no_tool_the_caller_lacks(make_azsql_server, off) -> None:
    """A tool's own progress message is text the client reads: its advice is rendered for
    the caller, never sent with its markers."""
    got: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        got.append(message)

    builtin = {"enabled": ["builtin_tools"], "builtin_tools": {"disabled_tools": list(off)}}
    config = {"plugins": builtin}
    server = make_azsql_server(
        plugins={"reporting": tools_plugin("reporting", reporting)}, config=config
    )
    async with Client(server) as client:
        await client.call_tool("reporting", {}, progress_handler=on_progress)
    assert got == ["reading" if off else "read_data reads them"], got
