"""list_tables and describe_table."""

from __future__ import annotations

import json
from typing import Annotated

from fastmcp.tools import ToolResult
from pydantic import Field

from azsql_mcp import ToolContext, catalog
from azsql_mcp.catalog import access
from azsql_mcp.plugins.builtin_tools.common import SEED_NAMES, clear_errors, respond
from azsql_mcp.values import fence_untrusted

# A listing is read whole by the model: a schema of thousands of tables would fill its
# context (about 40 characters a table, and the structured copy twice that).
SHOWN = 500


async def list_tables(
    ctx: ToolContext,
    schema: Annotated[str | None, Field(description="only this schema, e.g. SalesLT")] = None,
    name_pattern: Annotated[
        str | None, Field(description="LIKE pattern on the name, e.g. 'Sales%'")
    ] = None,
) -> ToolResult:
    """List tables and views with schema, type and approximate row count.

    Start here to find table names.
    """
    found = await catalog.list_tables(ctx.db, schema, name_pattern, limit=SHOWN)
    lines = [
        f"{catalog.qualified_text(t.schema_name, t.name)} ({t.type}"
        + (f", ~{t.row_count} rows" if t.row_count is not None else "")
        + (f", history of {_name(t.history_of)})" if t.history_of else ")")
        for t in found.tables
    ]
    summary = f"{len(found.tables)} tables and views"
    if found.truncated:
        summary = (
            f"the first {len(found.tables)} tables and views by schema and name; there are"
            " more: narrow with schema or name_pattern"
        )
    summary += access.seen_of(found.only_visible)
    if not found.tables:  # no names to frame: say which filters to drop instead
        if schema is not None or name_pattern is not None:
            summary += "; list_tables without schema and name_pattern lists every one"
        return respond(found, summary)
    return respond(found, summary + "\n" + fence_untrusted("\n".join(lines), what="object names"))


def _name(schema_table: str) -> str:
    schema, _, name = schema_table.partition(".")
    return catalog.qualified_text(schema, name)


async def describe_table(
    ctx: ToolContext,
    table: Annotated[
        str,
        Field(
            description="schema.table, or table if unambiguous",
            validation_alias=SEED_NAMES["table"],
        ),
    ],
    columns: Annotated[str | None, Field(description="LIKE pattern on column names")] = None,
) -> ToolResult:
    """Describe one table or view before querying it.

    Columns (type, nullability, default, identity, computed, hidden, masked, encrypted),
    keys (in and out), indexes, check constraints, row-level security, temporal history,
    descriptions, row count.
    """
    with clear_errors():
        info = catalog.fit_description(await catalog.describe_table(ctx.db, table, columns))
    user = await catalog.definitions_grantee(ctx.db, info)
    text = catalog.render_description(info, user=user)
    if columns is not None:  # the header's count is of the columns that match
        text = f"only the columns named LIKE {json.dumps(columns)}\n{text}"
    return respond(info, text)
