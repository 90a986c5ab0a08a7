"""What every built-in tool shares: annotations, error translation, result shape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from mcp_types import TextContent
from pydantic import AliasChoices, BaseModel

from azsql_mcp.catalog import CatalogError

# Argument names of the server this project started from (its README's usage examples:
# describe_table {"table_name": ...}, read_data {"limit": ...}), accepted beside ours so
# prompts written for it keep working. Aliases keep them out of the input schema: the
# model sees one name per argument (docs/tools.md says why).
SEED_NAMES = {
    "table": AliasChoices("table", "table_name"),
    "max_rows": AliasChoices("max_rows", "limit"),
}

READ = {
    "readOnlyHint": True,
    "destructiveHint": False,
    "idempotentHint": True,
    "openWorldHint": False,
}


def write_annotations(*, destructive: bool) -> dict[str, Any]:
    return {
        "readOnlyHint": False,
        "destructiveHint": destructive,
        "idempotentHint": False,
        "openWorldHint": False,
    }


def respond(structured: BaseModel | dict[str, Any], text: str) -> ToolResult:
    """Structured content for programs plus a compact text rendering for the model.

    FastMCP would otherwise send the JSON dump as the text; the rendering is shorter
    and frames database content as untrusted data.
    """
    return ToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=structured,  # serialised once, by FastMCP
    )


@contextmanager
def clear_errors() -> Iterator[None]:
    """Bad input found by the catalog helpers reaches the client as a tool error."""
    try:
        yield
    except CatalogError as e:
        raise ToolError(str(e)) from e
