"""The names nearest one SQL Server did not find: "Did you mean SalesLT.Customer?" saves
a model the list_tables call it would make to find a misspelt or misremembered name.

Only names that are regular identifiers are offered (names.is_regular): the text is
outside an untrusted-data fence, where a name from the catalog may stand only when it
cannot carry words of its own.
"""

from __future__ import annotations

import difflib

from azsql_mcp.api import Database, DatabaseError, QueryRefused, advice
from azsql_mcp.catalog import sql
from azsql_mcp.catalog.names import is_regular, qualified_text
from azsql_mcp.catalog.reading import read_all

INVALID_COLUMN = 207  # "Invalid column name 'x'."
INVALID_OBJECT = 208  # "Invalid object name 'x'."
CUTOFF = 0.8  # difflib's ratio: one letter wrong, left out or doubled in a short name
MOST = 3
# Names read at most: a catalog of more names of about that length is asked in pages
# until then, and the nearest among those read are offered.
READ_AT_MOST = 5_000


async def near_names(db: Database, schema: str | None, name: str) -> list[str]:
    """Up to three names (schema.name) of tables, views, synonyms and table functions
    this login can see, nearest `name` (and `schema`, when given) first, compared with
    case ignored; none when the catalog cannot be read."""
    if not name:
        return []
    # a ratio of CUTOFF needs lengths within these bounds: 2m / (a + b) >= CUTOFF, m <= a, b
    shortest = max(1, int(len(name) * CUTOFF / (2 - CUTOFF)))
    longest = int(len(name) * (2 - CUTOFF) / CUTOFF) + 1
    try:
        rows, _ = await read_all(
            db,
            sql.NAMES_OF_LENGTH,
            {"shortest": shortest, "longest": longest},
            limit=READ_AT_MOST,
        )
    except (DatabaseError, QueryRefused):
        return []
    by_name: dict[str, list[str]] = {}
    by_full: dict[str, list[str]] = {}
    for row in rows:
        found_schema, found = str(row["schema_name"]), str(row["object_name"])
        if is_regular(found_schema) and is_regular(found):
            text = qualified_text(found_schema, found)
            by_name.setdefault(found.casefold(), []).append(text)
            by_full.setdefault(f"{found_schema}.{found}".casefold(), []).append(text)
    # the schema and name together first; then the name alone, in any schema (a table
    # named without its schema is looked for in the user's default one, dbo mostly)
    full = _nearest(by_full, f"{schema}.{name}") if schema is not None else []
    return (full or _nearest(by_name, name))[:MOST]


def _nearest(index: dict[str, list[str]], wanted: str) -> list[str]:
    """The names of `wanted` itself, else of the keys nearest it."""
    key = wanted.casefold()
    if key in index:
        return index[key]
    near = difflib.get_close_matches(key, list(index), n=MOST, cutoff=CUTOFF)
    return [text for found in near for text in index[found]]


def did_you_mean(names: list[str]) -> str:
    """' Did you mean A, B or C?' for the names near_names found, else ''."""
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f" Did you mean {listed}?"


async def unknown_name(db: Database, error: DatabaseError) -> str | None:
    """SQL Server's error 207 or 208 and where to find the right name (for 208, the
    nearest names this login can see); None for others. Metadata visibility makes a
    table the user holds no permission on unknown (208)."""
    if error.number == INVALID_COLUMN:
        return (
            f"{error} "
            + advice("describe_table", "describe_table shows a table's columns. ")
            + "Text values go in 'single quotes': \"double quotes\" name a column, as"
            " [brackets] do."
        )
    if error.number == INVALID_OBJECT:
        missing = _missing_name(str(error))
        near = await near_names(db, *missing) if missing else []
        return f"{error}{did_you_mean(near)} " + advice(
            "list_tables",
            "list_tables shows the tables and views this login can see, as schema.name (one"
            " it holds no permission on does not exist for it).",
            "Name a table or view as schema.name; one this login holds no permission on does"
            " not exist for it.",
        )
    return None


def _missing_name(message: str) -> tuple[str | None, str] | None:
    """The schema (if written) and name of error 208's "Invalid object name 'x'.", where
    SQL Server writes the name's parts without their brackets, joined by dots (so a part
    with a dot of its own cannot be told apart: None, as for a part that is no regular
    identifier, which no name offered would match closely anyway)."""
    first, last = message.find("'"), message.rfind("'")
    if first < 0 or last <= first:
        return None
    parts = message[first + 1 : last].split(".")
    if not all(is_regular(part) for part in parts):
        return None
    # database.schema.name: the guard refused another database's name before it ran
    return (parts[-2] if len(parts) > 1 else None), parts[-1]
