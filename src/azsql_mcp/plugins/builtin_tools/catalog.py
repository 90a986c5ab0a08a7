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
    column_pattern: Annotated[
        str | None, Field(description="LIKE pattern on column names, e.g. '%email%'")
    ] = None,
    cursor: Annotated[str | None, Field(description="next_cursor of a page")] = None,
) -> ToolResult:
    """Start here: tables and views with approximate row counts, synonyms, and table
    functions with their parameters; column_pattern finds those with such columns."""
    with clear_errors():
        after = catalog.cursor_after(cursor)
        found = await catalog.list_tables(
            ctx.db, schema, name_pattern, column_pattern=column_pattern, after=after, limit=SHOWN
        )
    lines: list[str] = []
    size = 0
    for t in found.tables:
        matched = t.columns_text()
        line = (
            f"{catalog.qualified_text(t.schema_name, t.name)} ({t.type_text()}"
            + (f", ~{t.row_count} rows" if t.row_count is not None else "")
            + (f", history of {_name(t.history_of)}" if t.history_of else "")
            + (f"; {matched})" if matched else ")")
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
    given = ["schema", "name_pattern"] + ([] if column_pattern is None else ["column_pattern"])
    what = f"{len(found.tables)} {kinds}"
    if column_pattern is not None:
        what += f" with columns LIKE {json.dumps(column_pattern)}"
    summary = what
    if found.truncated:
        summary = (
            f"{what} by schema and name"
            + (" after the cursor's" if after else "")
            + f"; there are more: narrow with {_either(given, 'or')}, or call again with the"
            f" same ones and cursor={json.dumps(found.next_cursor)}"
        )
    summary += access.seen_of(found.only_visible)
    if not found.tables:  # no names to frame: say which filters to drop instead
        if column_pattern is not None and not _WILDCARDS & set(column_pattern):
            whole = json.dumps(f"%{column_pattern}%")
            summary += f"; LIKE matches whole names, {whole} those that hold it"
        if schema is not None or name_pattern is not None or column_pattern is not None:
            summary += f"; list_tables without {_either(given, 'and')} lists every one"
        return respond(found, summary)
    return respond(found, summary + "\n" + fence_untrusted("\n".join(lines), what="object names"))


# LIKE's wildcards ("LIKE (Transact-SQL)"): a pattern without any matches one name only.
_WILDCARDS = set("%_[")


def _either(arguments: list[str], conjunction: str) -> str:
    """`schema, name_pattern or column_pattern`."""
    return ", ".join(arguments[:-1]) + f" {conjunction} {arguments[-1]}"


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
