"""A failed statement's driver error as the DatabaseError its caller is told: a timeout
with what to ask for instead, and the errors of a one-database server or a read-only
replica with what to configure."""

from __future__ import annotations

import re

import pyodbc

from azsql_mcp import metrics
from azsql_mcp.api import DatabaseError, Limits, QueryTimeout, SourceSettings
from azsql_mcp.db.retry import inspect_error, to_database_error

# Azure SQL Database: 40508 "USE statement is not supported to switch between databases",
# 40515 "Reference to database and/or server name in '...' is not supported".
ONE_DATABASE_ERRORS = frozenset({40508, 40515})
# "Failed to update database '...' because the database is read-only": what a readable
# secondary, where ApplicationIntent=ReadOnly logins are routed, says to a write.
READ_ONLY_DATABASE = 3906
# error_context.name_statement's words at the start of a failed batch statement's message
STATEMENT_NAMED = re.compile(r"(Statement \d+ of \d+) failed:")


def query_error(
    exc: pyodbc.Error, source: str, settings: SourceSettings, limits: Limits
) -> DatabaseError:
    """The error of a statement run on `source`, counted in the error metrics."""
    info = inspect_error(exc)
    metrics.count_db_error(source, info.number)
    if info.timed_out:
        named = STATEMENT_NAMED.match(info.message)  # which of a batch (run_writes)
        return QueryTimeout(
            (f"{named[1]}: " if named else "")
            + "the query did not finish within query_timeout_s = "
            f"{limits.query_timeout_s:g} s and was cancelled on the server; "
            "ask for less (a narrower WHERE, fewer rows or columns, less to sort or"
            " join), or ask the operator for a longer [limits] query_timeout_s. A query"
            " that is usually quick may instead have waited on another session's locks"
            " (a long transaction writing the same rows): try it again in a while"
        )
    if info.number in ONE_DATABASE_ERRORS:
        return DatabaseError(
            f"{info.message} This server (Azure SQL Database, or another Azure engine of"
            " one database per connection) reaches only the database a connection opened:"
            " no three- or four-part names of another, and security.allowed_databases"
            " cannot change that there. To read another user database, configure a source"
            " for it ([sources.NAME] with its own `database`) and query it through that"
            " source.",
            info.number,
        )
    if info.number == READ_ONLY_DATABASE and settings.application_intent == "read_only":
        return DatabaseError(
            f"{info.message} Source {source!r} logs in with application_intent ="
            " 'read_only', which routes it to a readable secondary (availability group,"
            " read scale-out) where nothing can be written. Ask the operator to write"
            " through a source with application_intent = 'read_write', or to set"
            f" read_only = true in [sources.{source}.security] so that no write"
            " tool is offered for this one.",
            info.number,
        )
    return to_database_error(exc)
