"""`azsql-mcp check`: the objects of a source's database that reach outside it when read,
which the statement guard does not see through (docs/statement-guard.md, "What the guard
does not see"): synonyms for an object of another database or a linked server, views and
functions that name one, external tables and data sources.

SQL Server shows a login only the objects it holds some permission on (metadata
visibility), and `sys.sql_expression_dependencies` needs VIEW DEFINITION on the database
and SELECT on the view, which only db_owner has by default; so the lists are whole only
for an administrator of the database, and the lines say so otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# A synonym's base_object_name is its base object's quoted name: a fourth part names a
# linked server, a third a database (this one's included, which is not outside).
SYNONYMS_SQL = """
SELECT SCHEMA_NAME(schema_id) + N'.' + name, base_object_name
FROM sys.synonyms
WHERE PARSENAME(base_object_name, 4) IS NOT NULL
   OR PARSENAME(base_object_name, 3) <> DB_NAME()
ORDER BY 1
"""
# Of the modules that name one, the views and functions, which a read goes through:
# not procedures (EXEC is refused; a declared tool runs the one its operator chose) nor
# triggers (a write to a table with one is refused: db/write_effects.py).
DEPENDENCIES_SQL = """
SELECT DISTINCT OBJECT_SCHEMA_NAME(d.referencing_id) + N'.' + OBJECT_NAME(d.referencing_id),
       CONCAT(d.referenced_server_name + N'.', d.referenced_database_name + N'.',
              d.referenced_schema_name + N'.', d.referenced_entity_name)
FROM sys.sql_expression_dependencies AS d
JOIN sys.objects AS o ON o.object_id = d.referencing_id
WHERE o.type IN ('V', 'IF', 'TF', 'FN', 'FS', 'FT')
  AND (d.referenced_server_name IS NOT NULL OR d.referenced_database_name <> DB_NAME())
ORDER BY 1, 2
"""
EXTERNAL_TABLES_SQL = """
SELECT SCHEMA_NAME(t.schema_id) + N'.' + t.name, s.name + N' (' + s.location + N')'
FROM sys.external_tables AS t
JOIN sys.external_data_sources AS s ON s.data_source_id = t.data_source_id
ORDER BY 1
"""
DATA_SOURCES_SQL = """
SELECT name, location FROM sys.external_data_sources ORDER BY 1
"""
SHOWN = 5  # objects named in a line; the count says how many


@dataclass(frozen=True)
class Kind:
    """One kind of object that reaches outside, and the query that lists it (rows of
    (name, where it reaches))."""

    what: str
    sql: str


KINDS = (
    Kind("synonyms for an object of another database or server", SYNONYMS_SQL),
    Kind("views and functions that name another database or server", DEPENDENCIES_SQL),
    Kind("external tables", EXTERNAL_TABLES_SQL),
    Kind("external data sources", DATA_SOURCES_SQL),
)
# SQL Server's "Invalid object name": a version without the view (external tables came
# with SQL Server 2016), which therefore has none of its objects
INVALID_OBJECT = 208


def found_line(kind: Kind, rows: Sequence[Sequence[Any]], whole: bool) -> str:
    """The warning that lists what `kind`'s query found; `whole` as for none_line."""
    shown = ", ".join(f"{row[0]} -> {row[1]}" for row in rows[:SHOWN])
    more = ", ..." if len(rows) > SHOWN else ""
    seen = "" if whole else " (of those this login can see)"
    return (
        f"{len(rows)} {kind.what}{seen} ({shown}{more}): the statement guard accepts a read"
        " of them as of any table, and SQL Server reads through them with the login's"
        " permissions (on a linked server, the login it maps to); deny the login what it"
        " must not read through them"
    )


def failed_line(kind: Kind, message: str) -> str:
    return (
        f"could not list the {kind.what} ({message}); run check as an administrator of the"
        " database to see them"
    )


def none_line(whole: bool) -> str:
    """The line when no query found anything; `whole`: the login sees every object's
    metadata (VIEW DEFINITION on the database)."""
    text = "no synonym, view, function or external table reaches outside the database"
    if whole:
        return text
    return (
        f"{text}, of those this login can see: SQL Server shows a login only the objects"
        " it holds a permission on; run check as an administrator of the database for"
        " the whole list"
    )
