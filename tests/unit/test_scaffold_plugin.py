"""The tool `azsql-mcp plugin new` writes is one to copy: it honours the source's row cap
(its count is the schema's, not the rows that came back, and it says when names are cut)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.core.scaffold import new_plugin


@pytest.fixture
def scaffolded(tmp_path: Path) -> Iterator[ModuleType]:
    """The module of a freshly written plugin `acme`, imported from its files."""
    root = new_plugin("acme", tmp_path)
    path = root / "src" / "azsql_mcp_acme" / "__init__.py"
    spec = importlib.util.spec_from_file_location("azsql_mcp_acme", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["azsql_mcp_acme"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["azsql_mcp_acme"]


async def test_the_scaffold_tool_counts_past_the_sources_row_cap(
    scaffolded: ModuleType, make_azsql_server: Any
) -> None:
    config = {
        "sources": {"main": {"limits": {"max_rows": 2}}},
        "plugins": {"enabled": ["builtin_tools"]},
    }
    server = make_azsql_server(plugins={"acme": scaffolded}, config=config)
    async with Client(server) as client:
        counted = await client.call_tool("acme_count_tables", {"schema": "SalesLT"})
        listed = await client.call_tool(
            "read_data",
            {
                "query": "SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES"
                " WHERE TABLE_SCHEMA = 'SalesLT' AND TABLE_TYPE = 'BASE TABLE'"
            },
        )
    found = counted.structured_content
    assert found is not None and listed.structured_content is not None
    assert found["tables"] == listed.structured_content["rows"][0][0] > 2
    assert len(found["names"]) == 2 and found["more"] is True
