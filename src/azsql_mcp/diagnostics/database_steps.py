"""`azsql-mcp check`'s steps once logged in: who the login is, what the catalog shows
it, the permissions the tools need, and what a tool would meet (masked columns, writes
that cannot be counted, objects that reach outside the database, declared statements'
parameters): warnings, never a failure, except a query that cannot run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Mapping
from typing import Any

from azsql_mcp.catalog.access import (
    StateAccess,
    database_select_missing,
    quote,
    showplan_grant,
    view_definition_grant,
    writes_missing,
)
from azsql_mcp.catalog.masking import MASKED_FOR_USER, masked_of, unmask_missing
from azsql_mcp.db.retry import inspect_error
from azsql_mcp.db.write_effects import TABLES_UNCOUNTED
from azsql_mcp.diagnostics.check_report import CheckFailed, Report
from azsql_mcp.diagnostics.outside_objects import (
    INVALID_OBJECT,
    KINDS,
    failed_line,
    found_line,
    none_line,
)
from azsql_mcp.diagnostics.statement_types import (
    DESCRIBE_SQL,
    DeclaredStatement,
    describe_failed,
    sql_type_advice,
)

# SUSER_SNAME() is the login (server level), USER_NAME() the database user it maps to:
# ALTER ROLE and database GRANTs name the user, server GRANTs the login.
WHO_SQL = (
    "SELECT DB_NAME(), SUSER_SNAME(), USER_NAME(), "
    "CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), "
    "CAST(SERVERPROPERTY('EngineEdition') AS int)"
)
# The user's tables and views: the catalog shows only those it holds a permission on
# ("Metadata visibility configuration"), so a login that can read it may still see none.
CATALOG_SQL = "SELECT COUNT(*) FROM sys.objects WHERE type IN ('U', 'V') AND is_ms_shipped = 0"
UNCOUNTED_SHOWN = 5  # tables named in the warning; the count says how many


async def query_one(cnxn: Any, sql: str, *, allow_empty: bool = False) -> tuple[Any, ...]:
    return (await fetch_one(cnxn, sql, allow_empty=allow_empty))[1]


async def fetch_one(
    cnxn: Any, sql: str, *, allow_empty: bool = False
) -> tuple[list[str], tuple[Any, ...]]:
    """The column names and the first row of `sql`; CheckFailed on an error."""
    import pyodbc

    try:
        names, rows = await asyncio.to_thread(fetch_rows, cnxn, sql)
    except pyodbc.Error as exc:
        info = inspect_error(exc)
        raise CheckFailed(
            f"{info.message} (while running: {sql})",
            "grant the user read access: ALTER ROLE db_datareader ADD MEMBER [<user>]",
        ) from exc
    row = rows[0] if rows else ()
    if not row and not allow_empty:
        raise CheckFailed(f"no row came back from: {sql}")
    return names, row


def fetch_rows(cnxn: Any, sql: str, *params: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of `sql` (blocking: run in a thread)."""
    cursor = cnxn.cursor()
    try:
        rows = cursor.execute(sql, *params).fetchall()
        names = [entry[0] for entry in cursor.description or ()]
    finally:
        cursor.close()
    return names, [tuple(row) for row in rows]


async def uncounted_tables(cnxn: Any, report: Report, *, sees_all: bool) -> None:
    """The tables whose writes max_affected_rows cannot count (db/write_effects.py): the
    server refuses writes to them, which an operator had better know before an agent
    meets it. A warning, not a failure: reads and other writes work. Unless the login
    `sees_all` tables (PERMISSIONS' sees_every_table), the list may be short."""
    import pyodbc

    try:
        _, rows = await asyncio.to_thread(fetch_rows, cnxn, TABLES_UNCOUNTED)
    except pyodbc.Error as exc:
        report.warn("writes", f"could not list the tables with cascades or triggers: {exc}")
        return
    tables = [str(row[0]) for row in rows]
    unseen = (
        ""
        if sees_all
        else "; of the tables this login can see: a foreign key of a table it holds no"
        " permission on is not seen, and a write it cascades from is not refused"
    )
    if not tables:
        text = "no table has a cascading foreign key or an enabled trigger" + unseen
        (report.ok if sees_all else report.warn)("writes", text)
        return
    shown = ", ".join(tables[:UNCOUNTED_SHOWN]) + (", ..." if len(tables) > UNCOUNTED_SHOWN else "")
    report.warn(
        "writes",
        f"{len(tables)} table(s) have a cascading foreign key or an enabled trigger, whose"
        " rows max_affected_rows cannot count: a DELETE, an UPDATE of a cascading key's"
        " columns, or a write a trigger fires on is refused there until"
        f" allow_uncounted_writes = true for this source ({shown}){unseen}",
    )


async def masked_columns(cnxn: Any, report: Report) -> None:
    """The masked columns the login reads masked (catalog/masking.py): a warning with the
    GRANT UNMASK, as reads return placeholders for them with no error."""
    import pyodbc

    step = "masking"
    try:
        names, rows = await asyncio.to_thread(fetch_rows, cnxn, MASKED_FOR_USER)
    except pyodbc.Error as exc:
        info = inspect_error(exc)
        if info.number == INVALID_OBJECT:  # before SQL Server 2016: no sys.masked_columns
            report.ok(step, "this server has no dynamic data masking")
        else:
            report.warn(step, f"could not list the masked columns: {info.message}")
        return
    missing = unmask_missing(masked_of([dict(zip(names, row, strict=True)) for row in rows]))
    if missing is None:
        report.ok(step, "no masked column is read masked by this login")
    else:
        report.warn(step, missing)


async def reach_outside(cnxn: Any, report: Report, *, whole: bool) -> None:
    """The objects of the database that reach outside it when read (outside_objects.py):
    warnings, never a failure; `whole`: the login sees every object's metadata."""
    import pyodbc

    step = "reach outside"
    noted = False
    for kind in KINDS:
        try:
            _, rows = await asyncio.to_thread(fetch_rows, cnxn, kind.sql)
        except pyodbc.Error as exc:
            info = inspect_error(exc)
            if info.number != INVALID_OBJECT:  # 208: this version has no such objects
                report.warn(step, failed_line(kind, info.message))
                noted = True
            continue
        if rows:
            report.warn(step, found_line(kind, rows, whole))
            noted = True
    if not noted:
        report.ok(step, none_line(whole))


async def declared_statement_types(
    cnxn: Any, statements: list[DeclaredStatement], report: Report
) -> None:
    """Each declared statement's string parameters against the types SQL Server deduces
    for them (statement_types.py): warnings, never a failure, as the tool works either
    way; a statement SQL Server will not describe is a warning that says why."""
    import pyodbc

    step = "declared statements"
    advised = False
    for declared in statements:
        if not declared.strings:
            continue
        try:
            _, described = await asyncio.to_thread(
                fetch_rows, cnxn, DESCRIBE_SQL, declared.statement
            )
        except pyodbc.Error as exc:
            report.warn(step, describe_failed(declared, inspect_error(exc).message))
            advised = True
            continue
        for line in sql_type_advice(declared, described):
            report.warn(step, line)
            advised = True
    if not advised:
        report.ok(
            step,
            f"{', '.join(d.tool for d in statements)}: no string parameter meets a char or"
            " varchar column without sql_type",
        )


def catalog_line(seen: int, sees_every_table: bool, user: str) -> tuple[bool, str]:
    """(fine?, text) on the tables and views the catalog shows the user: a login that sees
    none can reach none, which "can read the catalog" would hide."""
    if sees_every_table:
        return True, f"the catalog shows every table and view: {seen}"
    if not seen:
        return False, (
            "the catalog shows no table or view: SQL Server shows a user only those it holds"
            f" a permission on, and the database user {quote(user)} holds none: "
            + database_select_missing(user)
        )
    return True, (
        f"the catalog shows {seen} tables and views, those the database user {quote(user)} holds a"
        " permission on (not every one: " + database_select_missing(user) + ")"
    )


def permission_lines(
    grants: Mapping[str, Any],
    access: StateAccess,
    user: str,
    listed: Collection[str],
    *,
    writable: bool,
) -> list[tuple[bool, str]]:
    """(fine?, text) per permission a tool needs, as health_check notes them; missing ones
    are warnings, not failures. `grants` is a row of catalog PERMISSIONS, `user` the
    database user (USER_NAME()); the state permission is the one this engine needs for
    list_long_running_queries to see other sessions (catalog/access.py). A permission
    one tool needs only where that tool is `listed` (not switched off); the write
    permissions only where the write tools are listed."""
    state = f"list_long_running_queries sees only its own session without it: {access.grant}"
    needs: list[tuple[str, str, bool, str]] = [
        ("list_long_running_queries", access.permission, access.sees_all_sessions, state),
        (
            "explain_query",
            "SHOWPLAN",
            bool(grants["showplan"]),
            f"explain_query cannot show plans without it: {showplan_grant(user)}",
        ),
        (
            "describe_table",
            "VIEW DEFINITION",
            bool(grants["view_definition"]),
            "describe_table shows the definitions of defaults, CHECK constraints and computed"
            " columns as hidden, and no row-level security policy, without it:"
            f" {view_definition_grant(user)}",
        ),
    ]
    lines = [
        _permission_line(
            "SELECT on the database", bool(grants["can_select"]), database_select_missing(user)
        ),
        *(
            _permission_line(name, granted, remedy)
            for tool, name, granted, remedy in needs
            if tool in listed
        ),
    ]
    if writable:
        held = all(bool(grants[f"can_{w}"]) for w in ("insert", "update", "delete"))
        lines.append(
            _permission_line("INSERT, UPDATE, DELETE on the database", held, writes_missing(user))
        )
    return lines


def _permission_line(name: str, granted: bool, remedy: str) -> tuple[bool, str]:
    return granted, f"{name}: yes" if granted else f"{name}: no ({remedy})"


def close_quietly(cnxn: Any) -> None:
    with contextlib.suppress(Exception):
        cnxn.close()
