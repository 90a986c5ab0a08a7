"""The names nearest one SQL Server did not find: "Did you mean SalesLT.Customer?" saves
a model the list_tables call it would make to find a misspelt or misremembered name.

Only names that are regular identifiers are offered (names.is_regular): the text is
outside an untrusted-data fence, where a name from the catalog may stand only when it
cannot carry words of its own.
"""

from __future__ import annotations

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
    rows = await _of_length(db, sql.NAMES_OF_LENGTH, name, {})
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


async def near_columns(db: Database, statement: str, name: str) -> list[str]:
    """Up to three columns nearest `name` of the tables, views and table functions whose
    names the statement's text holds, as near_names compares them; not `name` itself
    (a column of another of its tables than the one it was read from)."""
    rows = await _of_length(db, sql.COLUMNS_OF_LENGTH, name, {"statement": statement})
    index: dict[str, list[str]] = {}
    for row in rows:
        column = str(row["column_name"])
        if is_regular(column) and column.casefold() != name.casefold():
            index.setdefault(column.casefold(), []).append(column)
    return _nearest(index, name)[:MOST]


async def _of_length(
    db: Database, statement: str, name: str, params: dict[str, str]
) -> list[dict[str, object]]:
    """The catalog's rows of names about as long as `name`: a ratio of CUTOFF needs
    2m / (a + b) >= CUTOFF with m <= a, b. None of them when it cannot be read."""
    if not name:
        return []
    shortest = max(1, int(len(name) * CUTOFF / (2 - CUTOFF)))
    longest = int(len(name) * (2 - CUTOFF) / CUTOFF) + 1
    bounds = {"shortest": shortest, "longest": longest}
    try:
        rows, _ = await read_all(db, statement, params | bounds, limit=READ_AT_MOST)
    except (DatabaseError, QueryRefused):
        return []
    return rows


def _nearest(index: dict[str, list[str]], wanted: str) -> list[str]:
    """The names of `wanted` itself, else of the keys nearest it."""
    import difflib  # on an error only: building the server imports no more than it needs

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


async def unknown_name(db: Database, error: DatabaseError, statement: str) -> str | None:
    """SQL Server's error 207 or 208 of `statement` and where to find the right name,
    with the nearest names this login can see; None for others. Metadata visibility
    makes a table the user holds no permission on unknown (208)."""
    missing = _missing_name(str(error))
    if error.number == INVALID_COLUMN:
        column = missing[1] if missing and missing[0] is None else None
        near = await near_columns(db, statement, column) if column else []
        return (
            f"{error}{did_you_mean(near)} "
            + advice("describe_table", "describe_table shows a table's columns. ")
            + "Text values go in 'single quotes': \"double quotes\" name a column, as"
            " [brackets] do."
        )
    if error.number == INVALID_OBJECT:
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
    """The schema (if written) and name of error 208's "Invalid object name 'x'." (or the
    column of 207's "Invalid column name 'x'.", a name of one part), where SQL Server
    writes the name's parts without their brackets, joined by dots (so a part with a dot
    of its own cannot be told apart: None, as for a part that is no regular identifier,
    which no name offered would match closely anyway)."""
    first, last = message.find("'"), message.rfind("'")
    if first < 0 or last <= first:
        return None
    parts = message[first + 1 : last].split(".")
    if len(parts) > 2 or not all(is_regular(part) for part in parts):
        return None  # another database's (allowed_databases): this one's names are no guess
    return (parts[0] if len(parts) == 2 else None), parts[-1]
