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
# context (about 40 characters a table, and the structured copy twice that), and so
# would 500 names of 128 characters: a page ends at whichever comes first.
SHOWN = 500
TEXT_SHOWN = 24_000


async def list_tables(
    ctx: ToolContext,
    schema: Annotated[str | None, Field(description="only this schema, e.g. SalesLT")] = None,
    name_pattern: Annotated[str | None, Field(description="LIKE pattern, e.g. 'Sales%'")] = None,
    cursor: Annotated[str | None, Field(description="next_cursor of a page")] = None,
) -> ToolResult:
    """Start here: tables and views with approximate row counts, synonyms, and table
    functions with their parameters."""
    with clear_errors():
        after = catalog.cursor_after(cursor)
    found = await catalog.list_tables(ctx.db, schema, name_pattern, after=after, limit=SHOWN)
    lines: list[str] = []
    size = 0
    for t in found.tables:
        line = (
            f"{catalog.qualified_text(t.schema_name, t.name)} ({t.type_text()}"
            + (f", ~{t.row_count} rows" if t.row_count is not None else "")
            + (f", history of {_name(t.history_of)})" if t.history_of else ")")
        )
        size += len(line) + 1
        if lines and size > TEXT_SHOWN:
            break
        lines.append(line)
    found = catalog.first_page(found, len(lines))
    listed = {t.type for t in found.tables}
    kinds = catalog.listing_kinds(
        synonyms="synonym" in listed, functions="table function" in listed
    )
    summary = f"{len(found.tables)} {kinds}"
    if found.truncated:
        summary = (
            f"{len(found.tables)} {kinds} by schema and name"
            + (" after the cursor's" if after else "")
            + "; there are more: narrow"
            " with schema or name_pattern, or call again with the same ones and"
            f" cursor={json.dumps(found.next_cursor)}"
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
    """Describe a table, view or table function before querying it: columns (type,
    nulls, default, identity, computed, hidden, masked, encrypted), keys, indexes,
    checks; a function's parameters."""
    with clear_errors():
        info = catalog.fit_description(await catalog.describe_table(ctx.db, table, columns))
    user = await catalog.definitions_grantee(ctx.db, info)
    text = catalog.render_description(info, user=user)
    if columns is not None:  # the header's count is of the columns that match
        text = f"only the columns named LIKE {json.dumps(columns)}\n{text}"
    return respond(catalog.description_json(info), text)
