"""Output schemas of plugin tools (issue 18): inferred from a model return annotation,
or declared with register(output_schema=...) for a tool that returns a ToolResult, made
compact; the result each tool sends matches its schema (the MCP SDK client checks)."""

from __future__ import annotations

import enum
import types
from typing import Annotated, Any, Literal

from fastmcp import Client
from fastmcp.tools import ToolResult
from mcp_types import TextContent
from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType

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


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"


Nested = TypeAliasType("Nested", "dict[str, Nested] | int")


class Keyed(BaseModel):
    by_name: dict[str, Inner]
    groups: dict[str, list[Inner]]
    pair: tuple[Inner, int]
    either: Inner | Report | None = None
    by_colour: dict[Colour, Inner] = {}
    pet: Annotated[Cat | Dog, Field(discriminator="kind")] = Cat()
    nested: Nested = 0


KEYED = Keyed(
    by_name={"a": Inner(label="a")},
    groups={"g": [Inner(label="b", weight=1.5)]},
    pair=(Inner(label="c"), 1),
    either=REPORT,
    by_colour={Colour.RED: Inner(label="d")},
    pet=Dog(),
    nested={"a": {"b": 1}},
)


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"]] if "$ref" in schema else []
        return own + [r for v in schema.values() for r in _refs(v)]
    if isinstance(schema, list):
        return [r for v in schema for r in _refs(v)]
    return []


def test_models_as_dict_values_tuple_items_or_union_options_leave_no_reference():
    """A `$ref` to a model below the result pointed at `$defs` the compact schema drops: a
    client checking structured content against it cannot resolve it."""
    schema = output_schema(Keyed)
    assert _refs(schema) == []
    assert schema["properties"]["by_name"] == {
        "type": "object",
        "additionalProperties": {"type": "object"},
    }
    assert schema["properties"]["pair"]["prefixItems"] == [
        {"type": "object"},
        {"type": "integer"},
    ]
    # two models said "object" no longer exclude each other: oneOf would refuse both
    assert schema["properties"]["pet"] == {"type": "object"}


async def test_a_declared_schema_with_models_in_a_dict_is_one_a_checking_client_can_use():
    async def keyed() -> ToolResult:
        """Return models keyed by name, as text and structured content."""
        text = TextContent(type="text", text="1 name")
        return ToolResult(content=[text], structured_content=KEYED)

    module = types.ModuleType("inline_keyed")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(keyed, output_schema=Keyed)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    settings = settings_from_mapping({"plugins": {"enabled": ["builtin_auth"]}})
    app = build_app(settings, extra_plugins={"inline": module})
    async with Client(app.mcp) as client:
        # the FastMCP client validates structured content against the listed schema
        result = await client.call_tool("keyed", {})
    assert result.structured_content == KEYED.model_dump(mode="json")
