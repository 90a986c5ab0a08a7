"""The console's schema page: a source's tables with their columns and keys, and an ER
diagram of them.

A database of more than LISTED_OBJECTS tables and views is listed a schema at a time:
the page first lists the schemas with their counts (one statement), and a schema picked
(`?schema=`) is listed LISTED_OBJECTS tables and views a page (`&after=`, the cursor of
list_tables: a page is chosen in one statement, then its tables' columns and keys are
read alone), with links to the next and previous pages; the diagram draws the tables
diagram_tables chooses, so a database of 2,000 tables, even all in dbo, is shown in a
handful of statements, not one for each page of every table's columns."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from azsql_mcp.api import Database
from azsql_mcp.catalog import diagram
from azsql_mcp.catalog.access import seen_tables
from azsql_mcp.catalog.functions import parameters_text
from azsql_mcp.catalog.schema import (
    HIDDEN_LEGEND,
    OutlineColumn,
    OutlineForeignKey,
    SchemaOverview,
    SchemaSize,
    column_notes,
    page_before,
    schema_overview,
    schema_page,
    schema_sizes,
)
from azsql_mcp.catalog.table_pages import cursor_after, cursor_of, listing_kinds
from azsql_mcp.catalog.tables import CatalogError
from azsql_mcp.serving.console.erd import er_svg
from azsql_mcp.serving.console.layout import esc, said, scroll_box, table

if TYPE_CHECKING:
    from azsql_mcp.core.app import App

# Tables and views one page lists with their columns; past it, a schema at a time, in
# pages of this many.
LISTED_OBJECTS = 200


async def schema(
    app: App, source: str | None, schema_name: str | None = None, after: str | None = None
) -> str:
    names = list(app.settings.sources)
    if not names:
        return '<p class="bad">No source is configured.</p>'
    source = source if source in names else (app.settings.server.default_source or names[0])
    picker = " · ".join(
        f'<b aria-current="true">{esc(n)}</b>'  # the one shown, said to a screen reader too
        if n == source
        else f'<a href="?source={_query_value(n)}">{esc(n)}</a>'
        for n in names
    )
    db = app.databases.get(source)
    if db is None:
        return f"<p>Source: {picker}</p><p class='bad'>Source {esc(source)!s} is still opening.</p>"
    try:
        body = await _body(db, source, schema_name, after)
        seen = await seen_tables(db)
    except Exception as exc:  # an outage shows on the page, not as a 500
        return f"<p>Source: {picker}</p><p class='bad'>Cannot read the catalog: {said(exc)}</p>"
    if seen:  # "No tables to draw" may be tables this login is not shown
        body = f'<p class="bad">Shown: the tables{said(seen)}.</p>{body}'
    return f"<p>Source: {picker}</p>{body}"


async def _body(db: Database, source: str, schema_name: str | None, after: str | None) -> str:
    sizes = await schema_sizes(db)
    everything = sum(s.objects for s in sizes)
    if schema_name is not None:
        size = next((s for s in sizes if s.name == schema_name), None)
        if size is None and not sizes:  # nothing to pick from
            return '<p class="bad">No schema with tables this login can see.</p>'
        if size is None:
            return (
                f'<p class="bad">No schema {esc(schema_name)} with tables this login can see:'
                f" pick one below.</p>{_schemas(source, sizes)}"
            )
        return await _schema_body(db, source, size, after)
    if everything <= LISTED_OBJECTS:  # the whole database on one page, synonyms too
        outline = (await schema_page(db, top=LISTED_OBJECTS)).overview
        drawn = await _diagram(db, None, sum(s.tables for s in sizes), outline)
        return _notes(outline) + drawn + _listing(outline)
    said = (
        f"<p>This database has {everything} {_kinds(*sizes)}, more"
        f" than the {LISTED_OBJECTS} one page lists: pick a schema to list its tables.</p>"
    )
    drawn = await _diagram(db, None, sum(s.tables for s in sizes), None)
    return f"{said}{drawn}<h2>Schemas</h2>{_schemas(source, sizes)}"


async def _schema_body(db: Database, source: str, size: SchemaSize, after: str | None) -> str:
    """A page of the schema's tables and views, the one after the cursor `after`; the
    first (with the diagram) without it."""
    whole = f'<p><a href="?source={_query_value(source)}">All schemas</a></p>'
    try:
        start = cursor_after(after)
    except CatalogError:  # a link edited by hand: the first page instead
        whole += '<p class="bad">That page link is not one this page made: the first page.</p>'
        start = None
    page = await schema_page(db, size.name, after=start, top=LISTED_OBJECTS)
    outline = page.overview
    if start is None:  # the diagram is the schema's, drawn on its first page only
        alone = page.total <= len(outline.tables)  # the page holds the whole schema
        drawn = await _diagram(db, size.name, size.tables, outline if alone else None)
    else:
        drawn = ""
    pages = await _page_links(db, source, size, start, page.total, outline)
    return f"{whole}{_notes(outline)}{drawn}{pages}{_listing(outline)}{pages}"


async def _page_links(
    db: Database,
    source: str,
    size: SchemaSize,
    start: tuple[str, str] | None,
    left: int,
    outline: SchemaOverview,
) -> str:
    """Which of the schema's tables and views the page lists, and links to the pages
    before and after it (`left`: those from the page's first on)."""
    count = size.objects
    kinds = _kinds(size)
    shown = len(outline.tables)
    if start is None and left <= shown:
        return ""  # the whole schema on one page
    first = count - left + 1
    link = f"?source={_query_value(source)}&amp;schema={_query_value(size.name)}"
    links = [
        f"<span>{kinds.capitalize()} {first} to {first + shown - 1} of {count}</span>"
        if shown
        else f"<span>None after these {count} {kinds}</span>"  # a link kept too long
    ]
    if start is not None:
        before = await page_before(db, size.name, start, LISTED_OBJECTS)
        back = "" if before is None else f"&amp;after={_query_value(cursor_of(*before))}"
        links.append(f'<a href="{link}{back}" rel="prev">Previous page</a>')
    if left > shown and outline.tables:
        last = outline.tables[-1]
        ahead = cursor_of(last.schema_name, last.name[len(last.schema_name) + 1 :])
        links.append(f'<a href="{link}&amp;after={_query_value(ahead)}" rel="next">Next page</a>')
    label = f"Pages of schema {esc(size.name)}"
    return f'<nav class="pages" aria-label="{label}">{" · ".join(links)}</nav>'


async def _diagram(
    db: Database, schema_name: str | None, tables: int, outline: SchemaOverview | None
) -> str:
    """The ER diagram of the database or of `schema_name` (of `tables` tables): drawn from
    `outline` when it holds them all, else of the tables diagram_tables chooses, read
    alone."""
    if outline is not None and tables <= diagram.DIAGRAM_MAX_TABLES and not outline.truncated:
        drawn = diagram.er_diagram(diagram.select_tables(outline))
    else:
        chosen, total = await diagram.diagram_tables(db, schema_name)
        picked = await schema_overview(db, schema_name, object_ids=chosen)
        drawn = diagram.er_diagram(diagram.select_tables(picked), total=total)
    return f"<h2>ER diagram</h2>{scroll_box('ER diagram', er_svg(drawn))}"


def _kinds(*sizes: SchemaSize) -> str:
    """What a count of the schemas' listed objects counts, as list_tables words it."""
    return listing_kinds(
        synonyms=any(s.synonyms for s in sizes), functions=any(s.functions for s in sizes)
    )


def _schemas(source: str, sizes: list[SchemaSize]) -> str:
    """The schemas, each a link to the page of its tables."""
    link = f"?source={_query_value(source)}&amp;schema="
    rows = [
        [
            f'<a href="{link}{_query_value(s.name)}">{esc(s.name)}</a>',
            str(s.tables),
            str(s.views),
            str(s.synonyms),
            str(s.functions),
        ]
        for s in sizes
    ]
    return table("Schemas", ["schema", "tables", "views", "synonyms", "table functions"], rows)


def _listing(outline: SchemaOverview) -> str:
    """Each schema's tables and views, each with its columns and keys, and synonyms."""
    by_schema: dict[str, list[str]] = {}
    for t in outline.tables:
        if t.base_object is not None:  # a synonym: no columns, its base instead
            by_schema.setdefault(t.schema_name, []).append(
                f'<p class="table"><b>{esc(t.name)}</b>'
                f' <span class="muted">synonym for <code>{esc(t.base_object)}</code></span></p>'
            )
            continue
        cols = table(
            f"Columns of {t.name}",  # schema.table
            ["column", "type", "null", "key"],
            [
                [
                    esc(c.name) + _column_notes(c),
                    f"<code>{esc(c.type)}</code>",
                    "yes" if c.nullable else "no",
                    _key_of(c.name, t.primary_key, t.foreign_keys),
                ]
                for c in t.columns
            ],
        )
        kind = t.type + (f" ({parameters_text(t.parameters)})" if t.parameters else "")
        block = (
            f'<details class="table"><summary><b>{esc(t.name)}</b>'
            f' <span class="muted">{esc(kind)}, {len(t.columns)} columns</span></summary>'
            f"{cols}</details>"
        )
        by_schema.setdefault(t.schema_name, []).append(block)
    return "".join(
        f"<h2>Schema {esc(name)}</h2>{''.join(blocks)}" for name, blocks in by_schema.items()
    )


def _notes(outline: SchemaOverview) -> str:
    note = '<p class="bad">The catalog was cut short.</p>' if outline.truncated else ""
    if any(c.hidden for t in outline.tables for c in t.columns):
        note += f'<p class="muted">{esc(HIDDEN_LEGEND)}.</p>'
    return note


def _column_notes(column: OutlineColumn) -> str:
    """A HIDDEN column and one the user may not SELECT marked, as schema_overview does."""
    notes = column_notes(column)
    return f' <span class="muted">({esc(", ".join(notes))})</span>' if notes else ""


def _query_value(text: str) -> str:
    """`text` as one query-string value inside an HTML attribute."""
    return esc(quote(text, safe=""))


def _key_of(column: str, primary: list[str], foreign_keys: list[OutlineForeignKey]) -> str:
    keys = ["PK"] if column in primary else []
    keys += [f"FK → {esc(fk.table)}" for fk in foreign_keys if column in fk.columns]
    return " ".join(keys)
