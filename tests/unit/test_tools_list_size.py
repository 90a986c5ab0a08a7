"""The default read-only toolset fits a small budget in tools/list (issue 5: <= 8 KB)."""

import json

from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import load_settings

BUDGET = 8 * 1024
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


async def test_default_toolset_is_read_only_and_small():
    app = build_app(load_settings(None, {}))
    async with Client(app.mcp) as client:
        tools = await client.list_tools()
    assert {t.name for t in tools} == READ_ONLY_TOOLS
    listed = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    assert len(json.dumps(listed)) <= BUDGET
    for tool in tools:
        hints = tool.annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint) == (True, False)
        assert (hints.idempotent_hint, hints.open_world_hint) == (True, False)
        assert "ctx" not in tool.input_schema["properties"]
