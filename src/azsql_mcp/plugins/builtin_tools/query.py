"""read_data: one read-only query, capped, with opaque cursors for the next page."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Annotated, Any

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from pydantic import Field

from azsql_mcp import ADMIN_SCOPE, ToolContext
from azsql_mcp.plugins.builtin_tools.common import SEED_NAMES, respond
from azsql_mcp.values import render_result, result_to_structured

ParamValue = str | int | float | bool | None


def query_fingerprint(source: str, query: str, params: dict[str, Any] | None) -> str:
    """Identifies what a cursor pages through: the source, query text and values."""
    canonical = json.dumps([source, query, params or {}], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "f": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> int:
    """The offset a cursor points at; refuses cursors of another query or params."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, owner = data["o"], data["f"]
    except (binascii.Error, ValueError, KeyError, TypeError) as e:
        raise ToolError(
            "The cursor is not one this server issued. Pass next_cursor exactly as"
            " returned, or omit cursor to start from the first row."
        ) from e
    if owner != fingerprint or not isinstance(offset, int) or offset < 0:
        raise ToolError(
            "This cursor belongs to a different query, params or source. Repeat the"
            " same query and params with it, or omit cursor to start from the first row."
        )
    return offset


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
    next_cursor. Add ORDER BY for stable pages.
    """
    offset = decode_cursor(cursor, query_fingerprint(ctx.source, query, params)) if cursor else 0
    cap = ctx.db.limits.max_rows
    page = min(max_rows or cap, cap)
    result = await ctx.db.read(
        query,
        params,
        max_rows=page,
        offset=offset,
        json_values=True,
        server_state=ctx.client.may(ADMIN_SCOPE),
    )
    next_cursor = None
    if result.truncated and result.next_offset is not None:
        fingerprint = query_fingerprint(ctx.source, query, params)
        next_cursor = encode_cursor(result.next_offset, fingerprint)
    structured = result_to_structured(result, next_cursor=next_cursor, page_rows=page)
    text = render_result(structured)
    if max_rows and max_rows > cap:
        text = f"(max_rows lowered to the server's cap of {cap})\n{text}"
    return respond(structured, text)
