"""The whole schema at a glance: tables and views with columns, primary and foreign keys."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel

from azsql_mcp.api import Database, DatabaseError, DatabaseUnavailable, advice
from azsql_mcp.catalog import sql
from azsql_mcp.catalog.functions import TABLE_FUNCTION, FunctionParameter, parameters_text
from azsql_mcp.catalog.names import escaped_text, name_text, names_text, qualified_text
from azsql_mcp.catalog.reading import CATALOG_MAX_ROWS, first_error, read_all, read_keyed
from azsql_mcp.catalog.table_pages import SCHEMA_TEXT_CHARS, cursor_of, listing_kinds
from azsql_mcp.catalog.tables import (
    NO_SELECT_MARK,
    NO_SELECT_STAR,
    TABLE_HIDDEN,
    format_sql_type,
    listed_parameters,
    referenced_table,
)
from azsql_mcp.values import records

# Marks a HIDDEN column in the overview's text.
HIDDEN_MARK = "hidden"
HIDDEN_LEGEND = f"{HIDDEN_MARK}: a column SELECT * leaves out; name it to read it"
# Enough for large databases; the overview says when it stopped.
SCHEMA_MAX_COLUMNS = 20_000


class OutlineColumn(BaseModel):
    name: str
    type: str
    nullable: bool
    # As describe_table's ColumnDetail.selectable: False where the user may not SELECT
    # the column. Asked per column only of a user without SELECT on the database.
    selectable: bool = True
    hidden: bool = False  # As ColumnDetail.hidden: not in SELECT *


class OutlineForeignKey(BaseModel):
    columns: list[str]
    table: str  # the referenced schema.table, or TABLE_HIDDEN
    to_columns: list[str]  # empty when table is TABLE_HIDDEN


class TableOutline(BaseModel):
    name: str  # schema.table
    type: str
    columns: list[OutlineColumn]
    primary_key: list[str]
    # "col1, col2 -> schema.table(col1, col2)", or "col -> " TABLE_HIDDEN; names written by
    # name_text ([bracketed] when not regular identifiers)
    references: list[str]
    foreign_keys: list[OutlineForeignKey] = []
    schema_name: str = ""
    # A synonym (type "synonym", no columns): its base object's name, as list_tables
    # gives it (TableSummary.base_object)
    base_object: str | None = None
    # A table function's parameters in order, as list_tables gives them (its columns are
    # those it returns); None for other objects
    parameters: list[FunctionParameter] | None = None


class SchemaOverview(BaseModel):
    tables: list[TableOutline]
    truncated: bool
    # Why the columns the user may not SELECT could not be asked (every column is then
    # shown selectable); "" when they were, or did not need to be.
    unchecked_columns: str = ""


log = logging.getLogger(__name__)

# How schema_overview sends object_ids (sql._CHOSEN), and so how many it takes: an id of
# up to 11 characters (an int's digits and sign) and its comma each.
OBJECT_IDS_TYPE = "varchar(8000)"
MAX_OBJECT_IDS = 8000 // 12 - 1


async def schema_overview(
    db: Database,
    schema: str | None = None,
    *,
    table: str | None = None,
    object_ids: Collection[int] | None = None,
) -> SchemaOverview:
    """Every table and view, or those of `schema` (with their keys, also those to other
    schemas' tables): a schema of a large database is read without reading the rest.
    With `table`, the table of that name (in `schema`) and the tables it shares foreign
    keys with, in any schema; none when no one table has that name. With `object_ids`,
    the tables of those ids (as diagram.diagram_tables chooses them), at most
    MAX_OBJECT_IDS."""
    chosen = None if object_ids is None else "".join(f",{i}" for i in object_ids) + ","
    if chosen is not None and len(chosen) > 8000:
        raise ValueError(f"schema_overview takes at most {MAX_OBJECT_IDS} object_ids")
    one: dict[str, Any] = {"schema": schema, "object_id": None, "object_ids": chosen}
    if table is not None:
        found, _ = await read_all(db, sql.FIND_OBJECT, {"name": table, "schema": schema})
        if len(found) != 1:  # none, or the name in several schemas
            return SchemaOverview(tables=[], truncated=False)
        one = {"schema": None, "object_id": found[0]["object_id"], "object_ids": chosen}
    by_column = ("object_id", "column_id")
    by_key = ("object_id", "key_ordinal")
    by_constraint = ("constraint_id", "constraint_column_id")
    async with first_error(), asyncio.TaskGroup() as group:
        columns = group.create_task(_read(db, sql.ALL_COLUMNS, by_column, one))
        keys = group.create_task(_read(db, sql.ALL_PRIMARY_KEYS, by_key, one))
        foreign = group.create_task(_read(db, sql.ALL_FOREIGN_KEYS, by_constraint, one))
        denied = group.create_task(_not_selectable(db, one))
    # Keyed on object ids: names of constraints are unique only per schema.
    tables: dict[int, TableOutline] = {}
    column_rows, truncated = columns.result()
    not_selectable, unchecked = denied.result()
    for r in column_rows:
        outline = tables.get(r["object_id"])
        if outline is None:
            outline = tables[r["object_id"]] = TableOutline(
                name=f"{r['schema_name']}.{r['object_name']}",
                schema_name=r["schema_name"],
                type=r["object_type"],
                columns=[],
                primary_key=[],
                references=[],
            )
        outline.columns.append(
            OutlineColumn(
                name=r["column_name"],
                type=format_sql_type(
                    r["base_type"], int(r["max_length"]), int(r["precision"]), int(r["scale"])
                ),
                nullable=bool(r["is_nullable"]),
                selectable=(r["object_id"], r["column_name"]) not in not_selectable,
                hidden=bool(r["is_hidden"]),
            )
        )
    for r in keys.result()[0]:
        keyed = tables.get(r["object_id"])
        if keyed:
            keyed.primary_key.append(r["column_name"])
    pairs: dict[int, tuple[int, str, str, list[str], list[str]]] = {}
    for r in foreign.result()[0]:
        hidden = r["to_table"] is None
        entry = pairs.setdefault(
            r["constraint_id"],
            (
                r["parent_object_id"],
                referenced_table(r["to_schema"], r["to_table"]),
                TABLE_HIDDEN if hidden else qualified_text(r["to_schema"], r["to_table"]),
                [],
                [],
            ),
        )
        entry[3].append(r["from_column"])
        if r["to_column"] is not None:
            entry[4].append(r["to_column"])
    for source, target, shown, from_cols, to_cols in pairs.values():
        if source in tables:
            to = shown if target == TABLE_HIDDEN else f"{shown}({names_text(to_cols)})"
            tables[source].references.append(f"{names_text(from_cols)} -> {to}")
            tables[source].foreign_keys.append(
                OutlineForeignKey(columns=from_cols, table=target, to_columns=to_cols)
            )
    # read by object_id: ordered here by schema and name, as list_tables orders them
    ordered = sorted(tables.values(), key=lambda t: (t.schema_name.casefold(), t.name.casefold()))
    return SchemaOverview(tables=ordered, truncated=truncated, unchecked_columns=unchecked)


class SchemaPage(BaseModel):
    overview: SchemaOverview  # the page's tables and views, in list_tables' order
    total: int  # the objects listed from the page's first on (0: none)
    synonyms: int = 0  # of them, synonyms
    functions: int = 0  # and table functions


async def schema_page(
    db: Database,
    schema: str | None = None,
    *,
    after: tuple[str, str] | None = None,
    top: int = CATALOG_MAX_ROWS,
    chars: int | None = None,
) -> SchemaPage:
    """The tables, views and synonyms (of `schema`) after the (schema, name) `after`, in
    list_tables' order: at most `top` (and MAX_OBJECT_IDS), and with `chars`, those
    whose render_schema line starts within about `chars` characters. The page is
    chosen in one statement, then schema_overview reads its tables alone: writing the
    first 40,000 characters of a schema of 2,000 tables read every table's columns and
    keys (244 statements)."""
    after_schema, after_name = after or (None, None)
    top = min(top, MAX_OBJECT_IDS)
    params = {
        "top": top,
        "chars": chars,
        "schema": schema,
        "after_schema_name": after_schema,
        "after_object_name": after_name,
    }
    rows, _ = await read_all(db, sql.SCHEMA_PAGE, params, limit=top)
    if not rows:
        return SchemaPage(overview=SchemaOverview(tables=[], truncated=False), total=0)
    overview = await schema_overview(db, schema, object_ids=[r["object_id"] for r in rows])
    overview.tables += [_synonym(r) for r in rows if r["base_object_name"] is not None]
    unfiltered = {"schema": schema, "pattern": None, "column_pattern": None}
    taking = await listed_parameters(db, rows, unfiltered, after)
    for t in overview.tables:
        if t.type == TABLE_FUNCTION:
            t.parameters = taking.get((t.schema_name, _table_name(t)), [])
    # as the catalog's collation sorts them (schema_overview's order is Python's)
    place = {(r["schema_name"], r["object_name"]): i for i, r in enumerate(rows)}
    overview.tables.sort(key=lambda t: place.get((t.schema_name, _table_name(t)), len(place)))
    first = rows[0]
    return SchemaPage(
        overview=overview,
        total=int(first["total"]),
        synonyms=int(first["synonym_total"]),
        functions=int(first["function_total"]),
    )


async def page_before(
    db: Database, schema: str | None, after: tuple[str, str], top: int
) -> tuple[str, str] | None:
    """The `after` of the page of `top` tables before schema_page's page after `after`;
    None when that page is the first."""
    params = {
        "top": top,
        "schema": schema,
        "after_schema_name": after[0],
        "after_object_name": after[1],
    }
    rows, _ = await read_all(db, sql.PAGE_BEFORE, params, limit=1)
    return (rows[0]["schema_name"], rows[0]["object_name"]) if rows else None


def _synonym(row: dict[str, Any]) -> TableOutline:
    """A synonym of the page: no columns or keys (sys.columns has none), its base's name."""
    return TableOutline(
        name=f"{row['schema_name']}.{row['object_name']}",
        schema_name=row["schema_name"],
        type="synonym",
        columns=[],
        primary_key=[],
        references=[],
        base_object=row["base_object_name"],
    )


def _table_name(outline: TableOutline) -> str:
    """The table's own name, without its schema's."""
    return outline.name[len(outline.schema_name) + 1 :]


class SchemaSize(BaseModel):
    name: str
    tables: int
    views: int
    synonyms: int = 0
    functions: int = 0  # table-valued

    @property
    def objects(self) -> int:
        """Its tables, views, synonyms and table functions: what its pages list."""
        return self.tables + self.views + self.synonyms + self.functions


async def schema_sizes(db: Database) -> list[SchemaSize]:
    """Each schema with tables, views or synonyms the login can see, and how many, by name: one
    statement, where schema_overview reads every column of every table."""
    rows, _ = await read_all(db, sql.SCHEMA_SIZES)
    return [
        SchemaSize(
            name=r["schema_name"],
            tables=r["table_count"],
            views=r["view_count"],
            synonyms=r["synonym_count"],
            functions=r["function_count"],
        )
        for r in rows
    ]


async def _read(
    db: Database, query: str, key: tuple[str, str], params: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    typed = {"object_ids": OBJECT_IDS_TYPE} if params["object_ids"] is not None else None
    return await read_keyed(db, query, key, params, limit=SCHEMA_MAX_COLUMNS, sql_types=typed)


async def _not_selectable(db: Database, params: dict[str, Any]) -> tuple[set[tuple[int, str]], str]:
    """(object_id, column name) of each column the user may not SELECT: asked only when
    it does not hold SELECT on the database, in one statement for every table. The
    marks are a help, not the schema: if asking fails (a timeout on a large schema), the
    schema is still given, with why the marks are missing."""
    try:
        if records(await db.read(sql.DATABASE_SELECT))[0]["can_select"] == 1:
            return set(), ""
        key = ("object_id", "column_id")
        rows, _ = await _read(db, sql.ALL_COLUMNS_NO_SELECT, key, params)
    except DatabaseError as exc:
        # an outage is logged by the source itself, once: not again for every read
        level = logging.INFO if isinstance(exc, DatabaseUnavailable) else logging.WARNING
        log.log(level, "columns the user may not SELECT were not checked: %s", exc)
        return set(), exc.numbered()
    return {(r["object_id"], r["column_name"]) for r in rows}, ""


def _whole_page(overview: SchemaOverview) -> SchemaPage:
    """An overview as a page that counts its own tables, synonyms and table functions."""
    return SchemaPage(
        overview=overview,
        total=len(overview.tables),
        synonyms=sum(t.base_object is not None for t in overview.tables),
        functions=sum(t.type == TABLE_FUNCTION for t in overview.tables),
    )


def column_notes(column: OutlineColumn) -> list[str]:
    """What a query must allow for in a column: HIDDEN (not in SELECT *), no SELECT."""
    notes = ((HIDDEN_MARK, column.hidden), (NO_SELECT_MARK, not column.selectable))
    return [mark for mark, on in notes if on]


def render_schema(listed: SchemaOverview | SchemaPage, *, chars: int = SCHEMA_TEXT_CHARS) -> str:
    """One line per table: name, columns with types (PK marked, NOT NULL as !, a HIDDEN
    column as "hidden", a column the user may not SELECT as "(no SELECT)"), references;
    the tables whose lines fit in `chars` (at least one), then how many of the listed
    objects (the overview's, or those a schema_page counts from its first on) were left
    out, of which kinds, and the list_tables cursor of the rest."""
    page = listed if isinstance(listed, SchemaPage) else _whole_page(listed)
    overview = page.overview
    lines: list[str] = []
    size = 0
    shown = overview.tables
    total = page.total
    for count, t in enumerate(overview.tables):
        pk = set(t.primary_key)
        cols = ", ".join(
            f"{name_text(c.name)} {c.type}{'' if c.nullable else '!'}"
            + (" PK" if c.name in pk else "")
            + (f" {HIDDEN_MARK}" if c.hidden else "")
            + ("" if c.selectable else f" ({NO_SELECT_MARK})")
            for c in t.columns
        )
        name = qualified_text(t.schema_name, _table_name(t))
        if t.base_object is not None:  # no columns: what a read of it reads
            line = f"{name} (synonym for {escaped_text(t.base_object)})"
        elif t.parameters:  # what a call passes, then the columns it returns
            line = f"{name} ({t.type}: {parameters_text(t.parameters)}): {cols}"
        elif t.type == TABLE_FUNCTION:
            line = f"{name} ({t.type}): {cols}"
        else:
            line = f"{name}{' (view)' if t.type == 'view' else ''}: {cols}"
        if t.references:
            line += "; FK " + "; ".join(t.references)
        size += len(line) + 1
        if lines and size > chars:
            shown = overview.tables[:count]
            break
        lines.append(line)
    if shown and total > len(shown):
        last = shown[-1]
        cursor = cursor_of(last.schema_name, _table_name(last))
        kinds = listing_kinds(
            synonyms=page.synonyms > sum(t.base_object is not None for t in shown),
            functions=page.functions > sum(t.type == TABLE_FUNCTION for t in shown),
        )
        lines.append(
            f"(... {total - len(shown)} more {kinds} not shown:"
            + advice(
                "list_tables", f' list_tables with cursor "{cursor}" lists them from the next one,'
            )
            + advice("describe_table", " describe_table describes one,")
            + " database://schema/diagram/{schema} draws one schema)"
        )
    if any(not c.selectable for t in shown for c in t.columns):
        lines.append(NO_SELECT_STAR)
    if any(c.hidden for t in shown for c in t.columns):
        lines.append(HIDDEN_LEGEND)
    if overview.unchecked_columns:
        lines.append(
            "(columns this user may not SELECT are not marked: checking them failed: "
            f"{overview.unchecked_columns}"
            + advice("describe_table", "; describe_table shows them table by table")
            + ")"
        )
    if overview.truncated:
        lines.append(
            "(schema cut short: too many columns"
            + advice("list_tables", "; use list_tables")
            + advice("describe_table", "; use describe_table")
            + ")"
        )
    return "\n".join(lines)
