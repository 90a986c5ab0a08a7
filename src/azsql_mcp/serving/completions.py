"""`completion/complete`: candidate values for prompt arguments and resource-template variables.

Completed by the argument's name, whichever prompt or template asks: `source` (the
configured names), `schema` and `table` (from the catalog of the source the other
arguments name, cached for a minute), and `operation` (the query builder's verbs).
A prompt's `table` takes `schema.table`; a template's `{table}` the bare name, of the
`{schema}` already given if any.

FastMCP answers nothing for a prompt or template the caller's token does not open. The
catalog's names need `sql.read` besides: a plugin's prompt that another scope opens may
take a `table` without opening the catalog to its callers.
"""

from __future__ import annotations

import asyncio
import logging
import time

import mcp_types
from fastmcp.server.dependencies import get_access_token

from azsql_mcp import catalog
from azsql_mcp.api import DatabaseError, QueryRefused
from azsql_mcp.serving.clientauth import READ_SCOPE
from azsql_mcp.serving.runtime import Runtime

# The query builder prompt's `operation` values.
OPERATIONS = ("SELECT", "INSERT", "UPDATE", "DELETE")
CACHE_TTL_S = 60.0
# A completion answers within this, with nothing if the catalog is slow (the read goes
# on and fills the cache for the next keystroke); a failed read is not retried for
# FAILED_TTL_S.
ANSWER_WITHIN_S = 2.0
FAILED_TTL_S = 10.0

Names = list[tuple[str, str]]  # (schema, table)

log = logging.getLogger(__name__)


class Completer:
    """The server's one completion handler (`FastMCP.add_completion_handler`)."""

    def __init__(self, runtime: Runtime, ttl_s: float = CACHE_TTL_S):
        self.runtime = runtime
        self.ttl_s = ttl_s
        self._tables: dict[str, tuple[float, Names]] = {}  # source -> (good until, names)
        self._reading: dict[str, asyncio.Task[Names]] = {}

    async def __call__(
        self,
        ref: mcp_types.PromptReference | mcp_types.ResourceTemplateReference,
        argument: mcp_types.CompletionArgument,
        context: mcp_types.CompletionContext | None,
    ) -> list[str]:
        given = dict(context.arguments or {}) if context is not None else {}
        prefix = argument.value.lower()
        name = argument.name
        if name == "source":
            return _starting(self.runtime.sources, prefix)
        if name == "operation":
            return _starting(OPERATIONS, prefix)
        if name not in ("schema", "table") or not _may_read_catalog():
            return []
        source = given.get("source") or self.runtime.default_source
        if source not in self.runtime.sources:
            return []
        tables = await self.tables(source)
        if name == "schema":
            return _starting(sorted({s for s, _ in tables}), prefix)
        schema = given.get("schema")
        if isinstance(ref, mcp_types.ResourceTemplateReference):
            schemas = catalog.spelled_as({s for s, _ in tables}, schema) if schema else set()
            bare = [t for s, t in tables if schema is None or s in schemas]
            return _starting(sorted(set(bare)), prefix)
        # as list_tables writes them, which the prompt's table argument reads back
        full = [(f"{catalog.identifier(s)}.{catalog.identifier(t)}", t) for s, t in tables]
        matches = _starting([written for written, _ in full], prefix)
        # "cust" finds SalesLT.Customer: a prompt user often types the table first
        return matches or [written for written, t in full if t.lower().startswith(prefix)]

    async def tables(self, source: str) -> Names:
        """The source's tables and views, from the catalog at most `ttl_s` ago; none
        when the database cannot be read, or not within ANSWER_WITHIN_S (a completion is
        a hint, never an error, and each keystroke asks again)."""
        cached = self._tables.get(source)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        reading = self._reading.get(source)
        if reading is None:  # one read per source, whoever asks meanwhile
            reading = self._reading[source] = asyncio.create_task(self._read(source))
            reading.add_done_callback(lambda _: self._reading.pop(source, None))
        try:
            async with asyncio.timeout(ANSWER_WITHIN_S):
                return await asyncio.shield(reading)
        except TimeoutError:
            return []

    async def _read(self, source: str) -> Names:
        try:
            listed = await catalog.list_tables(await self.runtime.database(source))
        except Exception as exc:  # read by nobody once the answer went: never raised
            if not isinstance(exc, DatabaseError | QueryRefused):
                log.warning("completions: reading the tables of %s failed: %r", source, exc)
            self._tables[source] = (time.monotonic() + FAILED_TTL_S, [])
            return []
        # not synonyms: the prompt's table and database://tables/{schema}/{table} describe
        # a table, view or table function, and of a synonym they say only which base to
        # ask for instead
        names = [(t.schema_name, t.name) for t in listed.tables if t.type != "synonym"]
        self._tables[source] = (time.monotonic() + self.ttl_s, names)
        return names


def _may_read_catalog() -> bool:
    """Whether the caller holds sql.read, or no token decides (stdio, no client auth)."""
    token = get_access_token()
    return token is None or READ_SCOPE in token.scopes


def _starting(values: tuple[str, ...] | list[str], prefix: str) -> list[str]:
    return [v for v in values if v.lower().startswith(prefix)]
