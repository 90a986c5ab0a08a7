"""The default read-only toolset fits a small budget in tools/list (issue 18): names,
descriptions and input schemas (what most clients put in front of the model) under
6 KB of JSON, and the whole answer, output schemas included, under 10 KB."""

import json

from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import load_settings

MODEL_BUDGET = 6 * 1024
WHOLE_BUDGET = 10 * 1024
READ_ONLY_TOOLS = {
    "list_tables",
    "describe_table",
    "read_data",
    "explain_query",
    "database_info",
    "health_check",
    "list_long_running_queries",
    "list_available_tools",
}


def sizes(tools) -> tuple[int, int]:
    """Bytes of JSON of what the model reads, and of the whole tools/list answer."""
    listed = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    seen = [{k: t[k] for k in ("name", "description", "inputSchema") if k in t} for t in listed]
    return len(json.dumps(seen)), len(json.dumps({"tools": listed}))


async def test_default_toolset_is_read_only_and_small():
    app = build_app(load_settings(None, {}))
    async with Client(app.mcp) as client:
        tools = await client.list_tools()
    assert {t.name for t in tools} == READ_ONLY_TOOLS
    model_facing, whole = sizes(tools)
    assert model_facing <= MODEL_BUDGET
    assert whole <= WHOLE_BUDGET
    for tool in tools:
        hints = tool.annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint) == (True, False)
        assert (hints.idempotent_hint, hints.open_world_hint) == (True, False)
        assert "ctx" not in tool.input_schema["properties"]
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
