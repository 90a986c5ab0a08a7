"""Completions of a template's `{table}` under a case-sensitive database collation, where
schemas Sales and sales are two schemas (the test server's catalog cannot hold both)."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import mcp_types

from azsql_mcp.serving.completions import Completer

TABLE = mcp_types.ResourceTemplateReference(uri="database://tables/{schema}/{table}")


async def complete(completer: Completer, schema: str) -> list[str]:
    argument = mcp_types.CompletionArgument(name="table", value="")
    context = mcp_types.CompletionContext(arguments={"schema": schema})
    return await completer(TABLE, argument, context)


async def test_a_schema_spelled_as_the_catalog_has_it_is_that_schema_alone() -> None:
    runtime: Any = SimpleNamespace(sources={"main": None}, default_source="main")
    completer = Completer(runtime)
    names = [("Sales", "Orders"), ("sales", "drafts"), ("dbo", "Log")]
    completer._tables["main"] = (math.inf, names)
    assert await complete(completer, "Sales") == ["Orders"]
    assert await complete(completer, "sales") == ["drafts"]
    # spelled as neither: both, as under a case-insensitive collation
    assert await complete(completer, "SALES") == ["Orders", "drafts"]
    assert await complete(completer, "DBO") == ["Log"]
