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


# Where a keyed read starts: below every id (object and column ids are positive).
_BEFORE_ALL = -(2**31)


async def read_keyed(
    db: Database,
    sql: str,
    key: tuple[str, str],
    params: Mapping[str, Any] | None = None,
    *,
    limit: int = CATALOG_MAX_ROWS,
    start: tuple[Any, Any] = (_BEFORE_ALL, _BEFORE_ALL),
    sql_types: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """read_all's answer for a statement ordered by two columns `key`, unique together,
    that reads only the rows after `@after_<column>` of each, the first page those after
    `start`: every page starts where the last ended. read_all's pages skip `offset` rows
    (sent again each time), so a read of N rows in pages of max_rows costs
    N * N / max_rows / 2 rows; this, N. Integer keys start below every id; text keys
    start at NULL, which the statement takes as "from the first". `sql_types` as
    Database.read's."""
    rows: list[dict[str, Any]] = []
    after = {f"after_{k}": value for k, value in zip(key, start, strict=True)}
    while True:
        result = await db.read(sql, {**(params or {}), **after}, sql_types=sql_types)
        page = records(result)
        rows.extend(page)
        more = result.truncated
        if not more or not page or len(rows) >= limit:
            return rows[:limit], more or len(rows) > limit
        after = {f"after_{k}": page[-1][k] for k in key}


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
