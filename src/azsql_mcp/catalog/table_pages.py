"""Pages of a table list: where one ends, and the cursor that reads the tables after it.

The list_tables tool and the database://tables and database://schema resources end
their pages at a size of their own; all give the same cursor, which list_tables'
`cursor` takes (and the console's schema page its `after`).
"""

from __future__ import annotations

import base64
import json

from azsql_mcp.catalog.tables import CatalogError, TableList

# About a fifth of a 200,000-token context, as describe_table's text: 2,000 tables were
# 332 KB, which a client that attaches the resource puts before the model whole.
SCHEMA_TEXT_CHARS = 40_000


def first_page(found: TableList, shown: int) -> TableList:
    """The first `shown` tables of `found` (at least one), with the cursor of the rest;
    `found` itself when it holds no more tables than that and none were left unread."""
    if not found.tables or (shown >= len(found.tables) and not found.truncated):
        return found
    tables = found.tables[: max(shown, 1)]
    cursor = cursor_of(tables[-1].schema_name, tables[-1].name)
    return found.model_copy(update={"tables": tables, "truncated": True, "next_cursor": cursor})


def listing_kinds(*, synonyms: bool = False, functions: bool = False) -> str:
    """What a count of listed objects counts: "tables and views", naming synonyms and
    table functions when there are any ("3 tables and views" of 3 synonyms misleads)."""
    kinds = ["tables", "views"]
    kinds += [
        kind for kind, any_ in (("synonyms", synonyms), ("table functions", functions)) if any_
    ]
    return ", ".join(kinds[:-1]) + " and " + kinds[-1]


def cursor_of(schema: str, name: str) -> str:
    """The cursor of the tables after `schema`.`name`, which cursor_after reads back."""
    return base64.urlsafe_b64encode(json.dumps([schema, name]).encode()).decode()


def cursor_after(cursor: str | None) -> tuple[str, str] | None:
    """The (schema, name) of the last table of the page whose next_cursor this is."""
    if cursor is None:
        return None
    try:
        schema, name = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as e:  # not base64, not JSON, not two items
        raise CatalogError(
            "cursor takes the next_cursor of the last list_tables page; omit it to start"
            " from the first table"
        ) from e
    return str(schema), str(name)
