"""Output schemas of plugin tools (issue 18): inferred from a model return annotation,
or declared with register(output_schema=...) for a tool that returns a ToolResult, made
compact; the result each tool sends matches its schema (the MCP SDK client checks)."""

from __future__ import annotations

import types
from typing import Any

from fastmcp import Client
from fastmcp.tools import ToolResult
from mcp_types import TextContent
from pydantic import BaseModel

from azsql_mcp import hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.outputs import output_schema


class Inner(BaseModel):
    label: str
    weight: float | None = None


class Report(BaseModel):
    count: int
    note: str | None
    items: list[Inner]


REPORT = Report(count=1, note=None, items=[Inner(label="a")])


async def typed() -> Report:
    """Return a model: FastMCP infers the schema."""
    return REPORT


async def rendered() -> ToolResult:
    """Return text and structured content: the schema is declared."""
    return ToolResult(content=[TextContent(type="text", text="1 item")], structured_content=REPORT)


def plugin() -> types.ModuleType:
    module = types.ModuleType("inline_outputs")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(typed)
        register(rendered, output_schema=Report)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


async def test_plugin_tools_get_output_schemas_their_results_match():
    settings = settings_from_mapping({"plugins": {"enabled": ["builtin_auth"]}})
    app = build_app(settings, extra_plugins={"inline": plugin()})
    async with Client(app.mcp) as client:
        tools = {t.name: t for t in await client.list_tools()}
        # the FastMCP client validates structured content against the listed schema
        typed_result = await client.call_tool("typed", {})
        rendered_result = await client.call_tool("rendered", {})
    assert tools["typed"].output_schema["properties"]["count"] == {"type": "integer"}
    assert tools["rendered"].output_schema == output_schema(Report)
    assert typed_result.structured_content == rendered_result.structured_content


def test_a_declared_model_keeps_its_own_fields_and_types_only():
    assert output_schema(Report) == {
        "type": "object",
        "required": ["count", "note", "items"],
        "properties": {
            "count": {"type": "integer"},
            "note": {"type": ["string", "null"]},
            "items": {"type": "array", "items": {"type": "object"}},
        },
    }
    assert output_schema({"type": "object"}) == {"type": "object"}


class Tree(BaseModel):
    one: Inner
    maybe: Inner | None = None
    children: list[Tree] = []


def test_models_below_the_result_are_object_whatever_their_form():
    """Only the result model's own fields are generated (core/outputs.py): a nested model,
    an optional one and a recursive list give what compacting their full schemas gave."""
    assert output_schema(Tree) == {
        "type": "object",
        "required": ["one"],
        "properties": {
            "one": {"type": "object"},
            "maybe": {"type": ["object", "null"]},
            "children": {"type": "array", "items": {"type": "object"}},
        },
    }
