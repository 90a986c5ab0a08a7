"""Reading a whole catalog result through `Database.read`, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from azsql_mcp.api import Database
from azsql_mcp.values import records


@asynccontextmanager
async def first_error() -> AsyncIterator[None]:
    """Around a TaskGroup of reads: their first error, not the group. A group error
    would reach the client as a bare "Error reading resource", without the reason
    (the database is unavailable, a permission is missing)."""
    try:
        yield
    except BaseExceptionGroup as group:
        raise group.exceptions[0] from group


# The database caps every page at the operator's max_rows (meant for ad-hoc queries);
# catalog reads page past it up to this ceiling, so 150 columns are not cut at 100.
CATALOG_MAX_ROWS = 5000


async def read_all(
    db: Database,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int = CATALOG_MAX_ROWS,
    server_state: bool = False,
) -> tuple[list[dict[str, Any]], bool]:
    """Rows as dicts, following next_offset; and whether rows beyond `limit` were left.

    `server_state` lets the statement read sys.dm_... views (admin tools only)."""
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        result = await db.read(sql, params, offset=offset, server_state=server_state)
        rows.extend(records(result))
        more = result.truncated
        if not more or result.next_offset is None or len(rows) >= limit:
            return rows[:limit], more or len(rows) > limit
        offset = result.next_offset
