"""read_data: one read-only query, capped, with opaque cursors for the next page."""

from __future__ import annotations

from typing import Annotated

from fastmcp.tools import ToolResult
from pydantic import Field

from azsql_mcp import ADMIN_SCOPE, DatabaseError, ToolContext
from azsql_mcp.catalog import (
    access,
    dialect_functions,
    from_names,
    masking,
    memory_optimized,
    near_names,
    versions,
)
from azsql_mcp.plugins.builtin_tools.common import SEED_NAMES, respond
from azsql_mcp.values import (
    call_fingerprint,
    decode_cursor,
    encode_cursor,
    render_result,
    result_to_structured,
)

ParamValue = str | int | float | bool | None


async def read_data(
    ctx: ToolContext,
    query: Annotated[str, Field(description="one SELECT (CTEs allowed); values as @name")],
    params: Annotated[
        dict[str, ParamValue] | None, Field(description="values for @name placeholders")
    ] = None,
    max_rows: Annotated[
        int | None,
        Field(
            ge=1,
            description="rows per page, up to the server's cap",
            validation_alias=SEED_NAMES["max_rows"],
        ),
    ] = None,
    cursor: Annotated[
        str | None, Field(description="next_cursor from the previous page of this query")
    ] = None,
) -> ToolResult:
    """Run one read-only SELECT and return its rows.

    Pass values as @name placeholders with params, never inside the text. Results are
    capped; when truncated, call again with the same query, params and the returned
    next_cursor. ORDER BY a unique key keeps pages stable.
    """

    def this_call() -> str:  # hashed only when a cursor is read or issued
        return call_fingerprint(ctx.source, query, params or {})

    offset = decode_cursor(cursor, this_call()) if cursor else 0
    cap = ctx.db.limits.max_rows
    page = min(max_rows or cap, cap)
    try:
        result = await ctx.db.read(
            query,
            params,
            max_rows=page,
            offset=offset,
            json_values=True,
            # the scope guards a class of views (every sys.dm_...), not one tool's output:
            # list_long_running_queries' tool_scopes neither open nor close them
            server_state=ctx.client.may(ADMIN_SCOPE),
        )
    except DatabaseError as e:  # a table, column or DMV the user may not read: say what
        message = (  # it may, or what to GRANT
            await access.select_missing(ctx.db, e)
            or await access.call_missing(ctx.db, e)
            or await access.state_missing(ctx.db, e)
            or await versions.missing_built_in(ctx.db, e)
            or dialect_functions.other_dialect(e)
            or await near_names.unknown_name(ctx.db, e, query)
            or from_names.unbound_name(e, query)
            or await memory_optimized.isolation_advice(ctx.db, e)
        )
        if message is None:
            raise
        # SQL Server's error with what to do: its number still ends the message
        raise e.reworded(message) from e
    next_cursor = None
    if result.truncated and result.next_offset is not None:
        next_cursor = encode_cursor(result.next_offset, this_call())
    structured = result_to_structured(
        result,
        next_cursor=next_cursor,
        page_rows=page,
        max_rows_lowered_to=cap if max_rows and max_rows > cap else None,
    )
    # What SQL Server leaves out of a read without an error, first: rows alone would
    # read as the whole answer.
    notes = (
        await access.own_session_only(ctx.db, query),
        await access.definitions_hidden(ctx.db, query, structured.rows),
        await masking.masked_values(ctx.db, query),
    )
    text = "\n".join([*(note for note in notes if note), render_result(structured)])
    return respond(structured, text)
