"""Dynamic data masking: a note on a read that may have returned masked values.

A user without UNMASK reads a masked column masked (xxxx, 0, 1900-01-01, aXXX@XXXX.com),
in expressions and aggregates too, and SQL Server says nothing ("Dynamic data masking").
UNMASK is a database permission; SQL Server 2022 and Azure SQL also grant it on a
schema, a table or a column, and CONTROL on the database (db_owner, sysadmin) holds it.
sys.masked_columns shows the masked columns of every table the user sees.

Every read passes here: the masked columns the login reads masked are read once per
source and kept CACHE_TTL_S, then matched by table and column name against the names in
the query's text (a name in a comment or a string costs a needless note, never a
missing one). A synonym for such a table stands for it: its name in the text names the
table. A view or an inline table-valued function over a masked column reads masked too
but is not named here: which of a view's columns come from which table's is in
sys.sql_expression_dependencies for a schema-bound view alone, and only to a login with
VIEW DEFINITION, which seldom lacks UNMASK (db_owner holds both); a function's body is
as hidden (sys.sql_modules shows NULL without VIEW DEFINITION).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azsql_mcp.api import Database, DatabaseError, QueryRefused
from azsql_mcp.catalog.access import quote
from azsql_mcp.catalog.reading import read_all

CACHE_TTL_S = 60.0  # a GRANT UNMASK or a new mask shows within a minute
FAILED_TTL_S = 10.0  # a failed read is not retried on every call, nor kept as long

# The masked columns this user reads masked: no UNMASK on the database ("Dynamic data
# masking", Permissions) nor on the column, its table or schema (SQL Server 2022's
# granular UNMASK; HAS_PERMS_BY_NAME answers NULL for it on an earlier version). The
# column's name goes unbracketed: HAS_PERMS_BY_NAME takes no '[sub name]'.
MASKED_FOR_USER = """
SELECT OBJECT_SCHEMA_NAME(mc.object_id) AS schema_name,
       OBJECT_NAME(mc.object_id) AS table_name,
       mc.name AS column_name,
       USER_NAME() AS user_name
FROM sys.masked_columns AS mc
WHERE COALESCE(HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'UNMASK'), 0) = 0
  AND COALESCE(HAS_PERMS_BY_NAME(QUOTENAME(OBJECT_SCHEMA_NAME(mc.object_id)) + N'.'
                                 + QUOTENAME(OBJECT_NAME(mc.object_id)),
                                 N'OBJECT', N'UNMASK', mc.name, N'COLUMN'), 0) = 0
ORDER BY schema_name, table_name, mc.column_id
"""


# The synonyms for a table with masked columns ("sys.synonyms"): a read of one reads the
# table. OBJECT_ID resolves base_object_name as the synonym does. Only bases in this
# database: OBJECT_ID of a three-part name answers the other database's id ("OBJECT_ID":
# a database name may lead), which could equal one of this database's masked tables.
SYNONYMS_OF_MASKED = """
SELECT y.name AS synonym_name, OBJECT_NAME(OBJECT_ID(y.base_object_name)) AS table_name
FROM sys.synonyms AS y
WHERE PARSENAME(y.base_object_name, 4) IS NULL
  AND COALESCE(PARSENAME(y.base_object_name, 3), DB_NAME()) = DB_NAME()
  AND OBJECT_ID(y.base_object_name) IN (SELECT object_id FROM sys.masked_columns)
"""


_WORD = re.compile(r"[\w@#$]+")  # a regular identifier, or a [bracketed] one's inside
# SELECT * or t.*, which read every column; not COUNT(*), which reads none
_STAR = re.compile(r"(?<!\()\*(?!\))")


@dataclass(frozen=True)
class Masked:
    """The columns a user reads masked, by table (schema, name)."""

    user_name: str
    columns: dict[tuple[str, str], list[str]]
    tables: frozenset[str]  # their names, casefolded
    synonyms: dict[str, str]  # casefolded: a synonym's name -> its table's name
    unregular: frozenset[str]  # the tables' and columns' names that are not one _WORD


# source -> (the source's Security when read, good until, what was read). The Security
# object stands for the source's database: a reload, or another server in the process,
# builds a new one, so its entry is read again.
_CACHE: dict[str, tuple[object, float, Masked]] = {}


async def masked_for_user(db: Database) -> Masked:
    cached = _CACHE.get(db.source)
    if cached is not None and cached[0] is db.security and time.monotonic() < cached[1]:
        return cached[2]
    ttl_s = CACHE_TTL_S
    try:
        rows, _ = await read_all(db, MASKED_FOR_USER)
        synonyms, _ = await read_all(db, SYNONYMS_OF_MASKED) if rows else ([], None)
    except (DatabaseError, QueryRefused):  # the rows came: a failed note costs them nothing
        rows, synonyms, ttl_s = [], [], FAILED_TTL_S
    masked = masked_of(rows, synonyms)
    _CACHE[db.source] = (db.security, time.monotonic() + ttl_s, masked)
    return masked


def masked_of(
    rows: Sequence[Mapping[str, Any]], synonyms: Sequence[Mapping[str, Any]] = ()
) -> Masked:
    """The Masked of MASKED_FOR_USER's rows and SYNONYMS_OF_MASKED's (`azsql-mcp check`
    reads the first on its own connection, and names no synonym)."""
    columns: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        columns.setdefault((str(r["schema_name"]), str(r["table_name"])), []).append(
            str(r["column_name"])
        )
    tables = frozenset(name.casefold() for _, name in columns)
    aliases = {
        str(r["synonym_name"]).casefold(): str(r["table_name"]).casefold()
        for r in synonyms
        if r["table_name"] is not None
    }
    names = tables | set(aliases) | {c.casefold() for named in columns.values() for c in named}
    unregular = frozenset(n for n in names if not _WORD.fullmatch(n))
    user = str(rows[0]["user_name"]) if rows else ""
    return Masked(user, columns, tables, aliases, unregular)


async def masked_values(db: Database, query: str) -> str | None:
    """For a query that names a table with columns this login reads masked, and names
    one of them or reads `*`: a note naming them and the GRANT that shows their values;
    else None."""
    masked = await masked_for_user(db)
    if not masked.tables:
        return None
    # the words of the text, and the names that are not words ([Order Lines]) found in it
    lowered = query.casefold()
    named = set(_WORD.findall(lowered))
    named.update(n for n in masked.unregular if n in lowered)
    named.update(table for synonym, table in masked.synonyms.items() if synonym in named)
    if named.isdisjoint(masked.tables):
        return None
    star = _STAR.search(query) is not None
    found = [
        (schema, table, column)
        for (schema, table), columns in masked.columns.items()
        if table.casefold() in named
        for column in columns
        if star or column.casefold() in named
    ]
    if not found:
        return None
    schema, table, column = found[0]
    user = quote(masked.user_name)
    where = f"{quote(schema)}.{quote(table)}"
    listed = ", ".join(".".join(f) for f in found)
    return (
        f"Note: {listed} {'is' if len(found) == 1 else 'are'} masked for this login"
        " (dynamic data masking): values read from them, and anything computed from them,"
        " are placeholders such as xxxx, 0 or 1900-01-01, not the data (WHERE and JOIN"
        f" still compare the real values). A DBA can show them with: GRANT UNMASK TO {user};"
        f" (SQL Server 2022 and Azure SQL also grant it on one schema, table or column:"
        f" GRANT UNMASK ON SCHEMA::{quote(schema)} | ON {where} | ON {where}"
        f" ({quote(column)}) TO {user};)"
    )


def unmask_missing(masked: Masked, shown: int = 5) -> str | None:
    """health_check's and `azsql-mcp check`'s note when the login reads masked columns:
    which (the first `shown`), what it costs, and the GRANT; None when it reads none
    masked."""
    found = [".".join((*table, c)) for table, columns in masked.columns.items() for c in columns]
    if not found:
        return None
    listed = ", ".join(found[:shown]) + (
        f" and {len(found) - shown} more" if len(found) > shown else ""
    )
    return (
        f"no UNMASK: {len(found)} masked column(s) read masked for this login ({listed}):"
        " reads return placeholders such as xxxx, 0 or 1900-01-01 for them, not the"
        f" data (GRANT UNMASK TO {quote(masked.user_name)};)"
    )
