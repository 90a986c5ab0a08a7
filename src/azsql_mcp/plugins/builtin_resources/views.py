"""What each built-in resource returns, from the source the call names (the core adds
the `database://{source}/...` variants and picks the database from the URI)."""

from __future__ import annotations

import json

from fastmcp.exceptions import NotFoundError
from pydantic import BaseModel

from azsql_mcp import DatabaseError, ToolContext, advice, catalog, render_advice
from azsql_mcp.catalog import access
from azsql_mcp.values import fence_untrusted

# What a client that attaches the resource puts before the model whole.
SCHEMA_CHARS = catalog.SCHEMA_TEXT_CHARS


async def schema_text(ctx: ToolContext) -> str:
    """The tables and views whose lines fit in SCHEMA_CHARS, by schema and name as
    list_tables lists them (read alone: a page chosen in one statement), then the
    list_tables cursor of the rest."""
    page = await catalog.schema_page(ctx.db, chars=SCHEMA_CHARS)
    seen = await access.seen_tables(ctx.db)
    # of every object counted, not only the page's
    kinds = catalog.listing_kinds(synonyms=page.synonyms > 0, functions=page.functions > 0)
    header = f"{page.total} {kinds}{seen}; '!' marks NOT NULL"
    text = catalog.render_schema(page, chars=SCHEMA_CHARS)
    return header + "\n" + fence_untrusted(text, what="the schema")


# As database://schema's bound: a client that attaches the resource puts it before the
# model whole (2,000 tables were 171 KB). A table is some 80 characters or more.
TABLES_CHARS = catalog.SCHEMA_TEXT_CHARS
TABLES_READ = TABLES_CHARS // 75  # never more than fit: a page of the database is a round trip
# What a rest left unread may hold: any kind list_tables lists (none named as there).
UNREAD_KINDS = "tables, views, synonyms or table functions"


async def table_list(ctx: ToolContext) -> str:
    """list_tables' structured result, the tables (by schema and name) that fit in
    TABLES_CHARS; when there are more, `next_cursor` and `more`, which says how to read
    them."""
    found = await catalog.list_tables(ctx.db, limit=TABLES_READ)
    size = 0
    shown = 0
    for t in found.tables:
        size += len(t.model_dump_json()) + 1
        if shown and size > TABLES_CHARS:
            break
        shown += 1
    page = catalog.first_page(found, shown)
    listing = page.model_dump(mode="json")
    if page.truncated:  # a JSON value's text: its advice is said here (render_advice)
        rest = {t.type for t in found.tables[shown:]}
        kinds = (
            UNREAD_KINDS
            if found.truncated
            else catalog.listing_kinds(
                synonyms="synonym" in rest, functions="table function" in rest
            )
        )
        listing["more"] = await render_advice(
            f"more {kinds} after these {len(page.tables)}:"
            + advice(
                "list_tables",
                f' the list_tables tool with cursor "{page.next_cursor}" lists the next ones,'
                " with schema or name_pattern a part;",
            )
            + " database://schema/diagram/{schema} draws one schema",
            ctx.may_call,
        )
    return json.dumps(listing, separators=(",", ":"))


# A resource that names no table: the client gets MCP's "resource not found" with this.
LISTED_BY = advice(
    "list_tables",
    "list_tables (or the resource database://tables) lists the tables, views, synonyms"
    " and table functions",
    "the resource database://tables lists the tables, views, synonyms and table functions",
)


async def table_detail(schema: str, table: str, ctx: ToolContext) -> str:
    try:
        described = await catalog.describe_table(ctx.db, f"[{_quote(schema)}].[{_quote(table)}]")
    except catalog.SynonymError as e:  # listed in database://tables: its base to read
        raise NotFoundError(str(e)) from e
    except catalog.CatalogError as e:  # schema and table are given apart: it is not there
        where = await access.where_tables_are(ctx.db)
        raise NotFoundError(
            f"no table, view, table function or synonym {schema}.{table} {where}; {LISTED_BY}"
        ) from e
    return json.dumps(catalog.description_json(described), separators=(",", ":"))


class Status(BaseModel):
    source: str
    connected: bool
    status: catalog.SourceStatus  # as health_check's
    latency_ms: float | None
    error: str | None
    read_only: bool
    database: catalog.DatabaseInfo | None


async def status_json(ctx: ToolContext) -> str:
    latency: float | None = None
    info: catalog.DatabaseInfo | None = None
    error: str | None = None
    status: catalog.SourceStatus = "not connected"
    try:
        latency = round(await ctx.db.ping(), 2)
        status = "connected"
        info = await catalog.database_info(ctx.db)
    except DatabaseError as e:
        busy = catalog.busy_reason(e, ctx.db.limits.query_timeout_s)
        status = "busy" if busy else status
        error = await render_advice(busy or e.numbered(), ctx.may_call)  # a JSON value's text
    return Status(
        source=ctx.source,
        connected=status != "not connected",
        status=status,
        latency_ms=latency,
        error=error,
        read_only=ctx.db.security.read_only,
        database=info,
    ).model_dump_json()


def _quote(name: str) -> str:
    return name.replace("]", "]]")


async def diagram(ctx: ToolContext) -> str:
    return await _diagram(ctx, None, None)


async def schema_diagram(schema: str, ctx: ToolContext) -> str:
    return await _diagram(ctx, schema, None)


async def table_diagram(schema: str, table: str, ctx: ToolContext) -> str:
    return await _diagram(ctx, schema, table)


async def _diagram(ctx: ToolContext, schema: str | None, table: str | None) -> str:
    """Markdown with a Mermaid block, so a client that renders Markdown shows a picture."""
    total: int | None = None  # the tables of the database or schema, when chosen from
    if table is None:
        # which tables to draw, from one statement; then the columns and keys of those
        chosen, total = await catalog.diagram_tables(ctx.db, schema)
        overview = await catalog.schema_overview(ctx.db, schema, object_ids=chosen)
    else:  # the table and its neighbours, in any schema
        overview = await catalog.schema_overview(ctx.db, schema, table=table)
    tables = catalog.select_tables(overview, schema=schema, table=table)
    if not tables:
        what = (
            f"no table {schema}.{table}"
            if table
            else f"no tables in schema {schema!r}"
            if schema
            else "no tables"
        )
        raise NotFoundError(f"{what} {await access.where_tables_are(ctx.db)}; {LISTED_BY}")
    scope = f"{schema}.{table} and its neighbours" if table else (schema or "all schemas")
    drawn = tables[: catalog.DIAGRAM_MAX_TABLES]
    header = f"Tables and foreign keys ({scope}): {total or len(tables)} table(s)"
    if total is not None and total > len(drawn):
        header += f", the {len(drawn)} with the most foreign keys to and from them drawn"
    header += await access.seen_tables(ctx.db)  # the others may be hidden from this login
    if overview.truncated:
        header += "; the schema was cut short (too many columns)"
    if any(not c.selectable for t in drawn for c in t.columns):
        header += "\n" + catalog.NO_SELECT_STAR
    if any(c.hidden for t in drawn for c in t.columns):
        header += "\n" + catalog.HIDDEN_LEGEND
    block = "\n```mermaid\n" + catalog.render_mermaid(tables, total=total) + "\n```\n"
    return header + "\n" + fence_untrusted(block, what="tables and keys named by the database")
