"""What a tool call passes through in FastMCP (issue 22): no middleware that only wraps
it, and the list answers still carry schemas without `$ref`."""

import json
from typing import Any

from fastmcp import Client
from fastmcp.server.middleware import Middleware
from pydantic import BaseModel

from azsql_mcp import hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import load_settings


class Point(BaseModel):
    x: int
    y: int


async def nearest(points: list[Point]) -> str:
    """A tool whose parameters pydantic describes with $defs and $ref."""
    return str(len(points))


class RefPlugin:
    @hookimpl
    def register_tools(self, register: Any, config: Any) -> None:
        register(nearest)


def test_every_middleware_dispatches_for_itself() -> None:
    """A middleware using the base `Middleware.__call__` adds three hook layers to every
    tool call; FastMCP's default schema dereferencing was one, doing nothing for calls."""
    app = build_app(load_settings(None, {}))
    for middleware in app.mcp.middleware:
        assert type(middleware).__call__ is not Middleware.__call__, type(middleware)


async def test_listed_schemas_have_their_refs_inlined() -> None:
    settings = load_settings(None, {})
    app = build_app(settings, extra_plugins={"refs": RefPlugin()})
    async with Client(app.mcp) as client:
        tools = {t.name: t for t in await client.list_tools()}
        assert (await client.call_tool("nearest", {"points": [{"x": 1, "y": 2}]})).data == "1"
    schema = json.dumps(tools["nearest"].input_schema)
    assert "$ref" not in schema and "$defs" not in schema
