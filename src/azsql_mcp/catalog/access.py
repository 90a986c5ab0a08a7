"""What a least-privileged user lacks, asked before it turns into a wrong answer.

Without the state permission the request and session DMVs return only the caller's
own session, not an error, so "no queries running" would be a silent wrong answer.
Which permission lifts that depends on the engine (Microsoft's DMV docs):
SQL Server 2019 and earlier need VIEW SERVER STATE; SQL Server 2022 and later VIEW
SERVER PERFORMANCE STATE (which VIEW SERVER STATE covers); Azure SQL Database
(SERVERPROPERTY('EngineEdition') = 5) VIEW DATABASE STATE. Estimated plans need
SHOWPLAN in the database; without it SET SHOWPLAN_XML ON fails with error 262.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from azsql_mcp.api import Database, DatabaseError, QueryRefused, advice
from azsql_mcp.catalog import sql
from azsql_mcp.catalog.reading import read_all
from azsql_mcp.values import records

SHOWPLAN_DENIED = 262
# "Database engine events and errors (0 to 999)": a DMV read without its state
# permission is error 300 (severity 14, "%ls permission was denied on object '%.*ls',
# database '%.*ls'.") followed by 297 (severity 16, "The user does not have permission
# to perform this action."). A driver may show one of the two: Driver 18 the first,
# FreeTDS the last.
STATE_DENIED = 300
NO_PERMISSION = 297
OBJECT_PERMISSION_DENIED = 229  # "The INSERT permission was denied on the object ..."
COLUMN_PERMISSION_DENIED = 230  # "The SELECT permission was denied on the column ..."
AZURE_SQL_DATABASE = 5  # SERVERPROPERTY('EngineEdition')
# SQL Server's texts of errors 229 and 230 (in English; another session language gets
# SQL Server's text alone): SELECT, INSERT, UPDATE or DELETE on a table or column, and
# EXECUTE on a function a statement calls (or a procedure), which db_datareader does
# not hold ("GRANT Object Permissions").
_DENIED = re.compile(
    r"The (?P<permission>SELECT|INSERT|UPDATE|DELETE|EXECUTE) permission was denied on"
    r" (?:the column '(?P<column>.*?)' of )?the object '(?P<object>.*?)', database"
    r" '(?P<database>.*?)', schema '(?P<schema>.*?)'\."
)
# "HAS_PERMS_BY_NAME (Transact-SQL)", example H: the columns of a table the user may SELECT.
READABLE_COLUMNS = """
SELECT c.name AS column_name
FROM sys.columns AS c
WHERE c.object_id = OBJECT_ID(@table)
  AND HAS_PERMS_BY_NAME(@table, N'OBJECT', N'SELECT', c.name, N'COLUMN') = 1
ORDER BY c.column_id
"""

# SQL Server's text of error 300 (in English): the object of a server-level permission
# is 'server' in master, of a database-level one the database.
_STATE_DENIED = re.compile(
    r"(?P<permission>VIEW [A-Z ]*STATE) permission was denied on object '(?P<object>.*?)',"
    r" database '(?P<database>.*?)'\."
)

# HAS_PERMS_BY_NAME answers NULL for a permission the server does not know
# (VIEW SERVER PERFORMANCE STATE before SQL Server 2022).
STATE_ACCESS = """
SELECT SUSER_SNAME() AS login_name,
       USER_NAME() AS user_name,
       DB_NAME() AS database_name,
       CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition,
       CAST(SERVERPROPERTY('ProductMajorVersion') AS int) AS major_version,
       HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE') AS view_server_state,
       HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER PERFORMANCE STATE')
         AS view_server_performance_state,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE STATE') AS view_database_state
"""


class StateAccess(BaseModel):
    """Whether the user sees every session in sys.dm_exec_requests, and if not, why."""

    sees_all_sessions: bool
    permission: str  # the one that applies on this engine
    grant: str  # the statement that gives it


async def state_access(db: Database) -> StateAccess:
    return state_access_of(records(await db.read(STATE_ACCESS))[0])


def state_access_of(r: Mapping[str, Any]) -> StateAccess:
    """The StateAccess of one row of STATE_ACCESS (by column name)."""
    login, user = r["login_name"] or "", r["user_name"] or ""
    if r["engine_edition"] == AZURE_SQL_DATABASE:
        return StateAccess(
            sees_all_sessions=bool(r["view_database_state"]),
            permission="VIEW DATABASE STATE",
            grant=f"GRANT VIEW DATABASE STATE TO {quote(user)};",
        )
    # Known to the server (not NULL): SQL Server 2022 and later, and a Managed Instance
    # that has it, whose ProductMajorVersion (12) says nothing of SQL Server's.
    knows_performance_state = r["view_server_performance_state"] is not None
    if knows_performance_state or (r["major_version"] or 0) >= 16:
        return StateAccess(
            sees_all_sessions=bool(r["view_server_performance_state"] or r["view_server_state"]),
            permission="VIEW SERVER PERFORMANCE STATE",
            grant=f"GRANT VIEW SERVER PERFORMANCE STATE TO {quote(login)};  -- in master",
        )
    return StateAccess(
        sees_all_sessions=bool(r["view_server_state"]),
        permission="VIEW SERVER STATE",
        grant=f"GRANT VIEW SERVER STATE TO {quote(login)};  -- in master",
    )


# The session DMVs answer a login without the state permission with its own session
# alone, where the others refuse it (errors 300 and 297): "Permissions" of
# "sys.dm_exec_sessions" and "sys.dm_exec_requests". A name in the text, not the parse:
# one in a comment costs a needless note, never a missing one.
_SESSION_DMV = re.compile(r"\bdm_exec_(?:sessions|requests)\b", re.IGNORECASE)


async def own_session_only(db: Database, query: str) -> str | None:
    """For a query that reads sys.dm_exec_sessions or sys.dm_exec_requests as a login
    that sees only its own session there: a note saying so and the GRANT that shows the
    others (its rows alone would read as the whole server's); else None."""
    if not _names_system_object(query) or not _SESSION_DMV.search(query):
        return None
    try:
        state = await state_access(db)
    except (DatabaseError, QueryRefused):  # the rows came: a failed note costs them nothing
        return None
    if state.sees_all_sessions:
        return None
    return (
        "Note: only this login's own session shows in sys.dm_exec_sessions and"
        f" sys.dm_exec_requests; other sessions are hidden without {state.permission}"
        f" ({state.grant})"
    )


# The catalog views and function that give a definition as NULL, not an error, to a
# user who neither owns the object nor holds VIEW DEFINITION, ALTER, CONTROL or TAKE
# OWNERSHIP on it ("Viewing object definitions", "OBJECT_DEFINITION (Transact-SQL)").
# The information schema views take theirs from OBJECT_DEFINITION: COLUMNS.COLUMN_DEFAULT,
# VIEWS.VIEW_DEFINITION, ROUTINES.ROUTINE_DEFINITION, CHECK_CONSTRAINTS.CHECK_CLAUSE,
# named or read through a `*` (their other columns hold NULLs of their own).
_DEFINITIONS = re.compile(
    r"\b(?:(?:all_)?sql_modules|numbered_procedures|computed_columns|check_constraints"
    r"|default_constraints|object_definition|column_default|view_definition"
    r"|routine_definition|check_clause)\b",
    re.IGNORECASE,
)
_INFORMATION_SCHEMA = re.compile(
    r"\binformation_schema\W+(?:columns|views|routines)\b", re.IGNORECASE
)


def _reads_definitions(query: str) -> bool:
    return _names_system_object(query) and (
        bool(_DEFINITIONS.search(query))
        or ("*" in query and bool(_INFORMATION_SCHEMA.search(query)))
    )


def _names_system_object(query: str) -> bool:
    """Whether `query` may name a view, column or function the notes above look for:
    each of those names has an underscore, which no other character matches, case
    ignored. Every read passes here, and these searches (case ignored, a word boundary
    first) try each name at every position: about 90,000 instructions for load.py's
    statement, 2% of its call (bench/throughput-rounds-2.md, "Thirty-second round")."""
    return "_" in query


async def definitions_hidden(db: Database, query: str, rows: Sequence[Sequence[Any]]) -> str | None:
    """For a query that reads definitions and got a NULL in `rows`, as a user without
    VIEW DEFINITION on the database: a note that the NULL may be a hidden definition,
    and the GRANT; else None."""
    # the name first: every read passes here, and few read definitions
    if not _reads_definitions(query) or not any(None in row for row in rows):
        return None
    try:
        seen = await table_visibility(db)  # VIEW DEFINITION shows every definition too
    except (DatabaseError, QueryRefused):  # the rows came: a failed note costs them nothing
        return None
    if seen.sees_all_metadata:
        return None
    user = seen.user_name
    return (
        "Note: a NULL definition here may be one this login may not see: SQL Server shows"
        " a definition only to the object's owner or a user with VIEW DEFINITION, which"
        f" the database user {quote(user)} lacks ({view_definition_grant(user)})"
    )


def database_state_permission(server_permission: str) -> str:
    """The database-level state permission of the engine whose server-level one is
    `server_permission` (state_access_of's): VIEW DATABASE PERFORMANCE STATE beside VIEW
    SERVER PERFORMANCE STATE (SQL Server 2022 and later), else VIEW DATABASE STATE."""
    performance = server_permission == "VIEW SERVER PERFORMANCE STATE"
    return "VIEW DATABASE PERFORMANCE STATE" if performance else "VIEW DATABASE STATE"


def database_state_grant(permission: str, user: str, database: str) -> str:
    return f"USE {quote(database)}; GRANT {permission} TO {quote(user)};"


def _denied(error: DatabaseError, *permissions: str) -> re.Match[str] | None:
    """SQL Server's text of a 229 or 230 in `error` when it denies one of `permissions`."""
    found = _DENIED.search(str(error))
    return found if found is not None and found["permission"] in permissions else None


def _dmv_select_denied(error: DatabaseError) -> bool:
    """Whether `error` is a 229 on a dynamic management view (sys.dm_*): Azure SQL
    Database has been seen to answer a server-scoped one so ("The SELECT permission was
    denied on the object 'dm_exec_query_stats', database 'mssqlsystemresource', schema
    'sys'."). A DMV needs a state permission, never a GRANT SELECT."""
    found = _denied(error, "SELECT")
    return (
        error.number == OBJECT_PERMISSION_DENIED
        and found is not None
        and found["schema"].casefold() == "sys"
        and found["object"].casefold().startswith("dm_")
    )


async def state_missing(db: Database, error: DatabaseError) -> str | None:
    """The message for errors 300 and 297, and a 229, on a dynamic management view: SQL
    Server's text, and the GRANT that allows it, to the login (a server-level
    permission, in master) or to the database user (a database-level one, in its
    database); Azure SQL Database has only the latter. None for another error, or when
    the server cannot say who the user is."""
    if error.number not in (STATE_DENIED, NO_PERMISSION) and not _dmv_select_denied(error):
        return None
    try:
        r = records(await db.read(STATE_ACCESS))[0]
    except (DatabaseError, QueryRefused):  # never hide SQL Server's own error behind another
        return None
    state = state_access_of(r)
    user, here = str(r["user_name"] or ""), str(r["database_name"] or "")
    found = _STATE_DENIED.search(str(error))
    if r["engine_edition"] == AZURE_SQL_DATABASE:
        if state.sees_all_sessions:  # held, yet refused: security.md, "least privilege"
            return f"{error} {state_refused_anyway(state.permission)}"
        return (
            f"{error} Dynamic management views need VIEW DATABASE STATE on Azure SQL Database"
            f" (it has no server-level permission to grant), which the database user"
            f" {quote(user)} lacks. A DBA can grant it, in the database {quote(here)}, with:"
            f" {state.grant}"
        )
    database = database_state_permission(state.permission)
    if found is None:  # 297 alone, or a 229: the DMV's scope is not said
        return (
            f"{error} Reading a dynamic management view needs a state permission this login"
            f" lacks. A DBA can grant it with: {state.grant} (a server-scoped DMV, such as"
            f" the sys.dm_exec_ ones) or {database_state_grant(database, user, here)}"
            " (a database-scoped one, such as sys.dm_db_partition_stats)"
        )
    if found["object"] == "server":
        return (
            f"{error} This dynamic management view needs {found['permission']} on the server,"
            f" which the login {quote(str(r['login_name'] or ''))} lacks. A DBA can grant it"
            f" with: {state.grant}"
        )
    grant = database_state_grant(found["permission"], user, found["database"])
    return (
        f"{error} This dynamic management view needs {found['permission']} in the database"
        f" {quote(found['database'])}, which the database user {quote(user)} lacks. A DBA can"
        f" grant it with: {grant}"
    )


def state_refused_anyway(permission: str) -> str:
    """Why a login that holds the state permission is refused a DMV: Azure SQL
    Database's Basic, S0 and S1 objectives and elastic pools ask more (the DMV pages)."""
    return (
        f"The login holds {permission}, which is not enough here: on Azure SQL"
        " Database's Basic, S0 and S1 objectives and in elastic pools the server-scoped DMVs"
        " need the server admin or membership in the ##MS_ServerStateReader## server role."
    )


class TableVisibility(BaseModel):
    """Which tables the catalog shows the user ("Metadata visibility configuration")."""

    user_name: str
    sees_every_table: bool  # a database-wide permission reaches every table
    sees_all_metadata: bool  # VIEW DEFINITION: not even a DENY SELECT hides a table


async def table_visibility(db: Database) -> TableVisibility:
    r = records(await db.read(sql.TABLE_VISIBILITY))[0]
    return TableVisibility(
        user_name=r["user_name"] or "",
        sees_every_table=bool(r["sees_every_table"]),
        sees_all_metadata=bool(r["sees_denied_tables"]),
    )


async def unseen_tables(db: Database) -> str | None:
    """None for a user the catalog shows every table; else why a listing of tables holds
    only those it holds a permission on, and the role that reads them all."""
    seen = await table_visibility(db)
    if seen.sees_every_table:
        return None
    return "it holds no SELECT on the database: " + database_select_missing(seen.user_name)


async def seen_tables(db: Database) -> str:
    """What follows a count of tables: "" for a user the catalog shows every table, else
    that the count is of those this login can see, and why."""
    return seen_of(await unseen_tables(db))


def seen_of(unseen: str | None) -> str:
    """seen_tables' text from what unseen_tables answered."""
    return "" if unseen is None else f" that this login can see ({unseen})"


async def where_tables_are(db: Database) -> str:
    """How "no table X" ends: "in this database" for a user the catalog hides nothing
    from; else why a table that exists may not be shown (without saying which do)."""
    seen = await table_visibility(db)
    if seen.sees_all_metadata:
        return "in this database"
    return (
        "that this login can see (SQL Server's catalog hides the tables the database user"
        f" {quote(seen.user_name)} holds no permission on)"
    )


def showplan_grant(user: str) -> str:
    return f"GRANT SHOWPLAN TO {quote(user)};"


def view_definition_grant(user: str) -> str:
    return f"GRANT VIEW DEFINITION TO {quote(user)};"


def writes_missing(user: str) -> str:
    """What a user without INSERT, UPDATE or DELETE on the database meets in the write
    tools, and the role that writes every table."""
    return (
        "writes fail with SQL Server's error 229 on every table not granted to the user one"
        " by one; to write every table: ALTER ROLE"
        f" db_datawriter ADD MEMBER {quote(user)};"
    )


def database_select_missing(user: str) -> str:
    """What a user without SELECT on the database (not in db_datareader) still reaches,
    and the role that reads every table."""
    return (
        "reads reach only the tables and columns granted to the user one by one; to read"
        " every table: ALTER ROLE db_datareader ADD MEMBER"
        f" {quote(user)};"
    )


def showplan_missing(user: str) -> str:
    """The message for error 262 on SET SHOWPLAN_XML ON."""
    return (
        f"The estimated plan needs the SHOWPLAN permission in this database, which the"
        f" database user {quote(user)} does not have. A DBA can grant it with:"
        f" {showplan_grant(user)}"
    )


def write_missing(error: str, user: str) -> str:
    """The message for error 229 on a write: SQL Server's text, and the GRANT that fixes it."""
    return (
        f"{error} The database user {quote(user)} may not write this table. A DBA can allow"
        f" writes with: ALTER ROLE db_datawriter ADD MEMBER {quote(user)}; (or GRANT INSERT,"
        f" UPDATE, DELETE ON the table TO {quote(user)};)"
    )


# Whether the user may write one table: a GRANT on it, its schema or the database, or
# db_datawriter ("HAS_PERMS_BY_NAME (Transact-SQL)"); NULL when the server cannot say.
TABLE_WRITE = """
SELECT USER_NAME() AS user_name,
       HAS_PERMS_BY_NAME(@table, N'OBJECT', @permission) AS held
"""


async def table_write_missing(
    db: Database, schema: str, table: str, permission: str, tool: str
) -> str | None:
    """None unless the server says the user lacks `permission` (INSERT, UPDATE, DELETE) on
    the table; then why `tool` would fail, and the GRANT that fixes it."""
    name = f"{quote(schema)}.{quote(table)}"
    r = records(await db.read(TABLE_WRITE, {"table": name, "permission": permission}))[0]
    if r["held"] != 0:
        return None
    user = quote(r["user_name"] or "")
    return (
        f"The database user {user} lacks {permission} on {name}, so {tool} would fail with"
        f" SQL Server's error 229. A DBA can allow it with: GRANT {permission} ON"
        f" OBJECT::{name} TO {user}; (or, for every table: ALTER ROLE db_datawriter ADD"
        f" MEMBER {user};)"
    )


def execute_grant(procedure: str, user: str) -> str:
    return f"GRANT EXECUTE ON OBJECT::{procedure} TO {quote(user)};"


def execute_missing(error: str, user: str, procedure: str) -> str:
    """The message for error 229 on a procedure call: SQL Server's text, and the GRANT that
    fixes it. A DENY EXECUTE on the procedure, its schema or the database overrides any
    GRANT ("DENY (Transact-SQL)"), so the message says to look for one."""
    return (
        f"{error} The database user {quote(user)} may not run {procedure}. A DBA can allow it"
        f" with: {execute_grant(procedure, user)} (it has no effect while a DENY EXECUTE on"
        " the procedure, its schema or the database applies to the user: REVOKE that first)"
    )


async def select_missing(db: Database, error: DatabaseError) -> str | None:
    """The message for error 229 or 230 on a read: SQL Server's text, what the user may
    read instead (for a column, the columns it may read) and the GRANT that allows it;
    None when the error is not SELECT's, is about another database's object (which
    the user, the catalog and a GRANT run here would not be) or a DMV (state_missing)."""
    found = _denied(error, "SELECT")
    if error.number not in (OBJECT_PERMISSION_DENIED, COLUMN_PERMISSION_DENIED) or not found:
        return None
    if _dmv_select_denied(error):  # state_missing's
        return None
    table = f"{quote(found['schema'])}.{quote(found['object'])}"
    shown = f"{found['schema']}.{found['object']}"
    named = await _user_in(db, found["database"])
    if named is None:
        return None
    user = quote(named)
    if found["column"] is None:
        return (
            f"{error} The database user {user} may not read {shown}"
            + advice("list_tables", "; list_tables shows the tables it holds a permission on")
            + f". A DBA can allow it with: GRANT SELECT ON"
            f" OBJECT::{table} TO {user}; (it has no effect while a DENY SELECT on the"
            " table, its schema or the database applies to the user)"
        )
    try:
        rows, _ = await read_all(db, READABLE_COLUMNS, {"table": table})
    except (DatabaseError, QueryRefused):  # never hide SQL Server's own error behind another
        return None
    readable = ", ".join(str(r["column_name"]) for r in rows) or "none"
    return (
        f"{error} The database user {user} may not read the column {found['column']} of"
        f" {shown} (SELECT * reads every column). Name only the columns it may read:"
        f" {readable}. A DBA can allow it with: GRANT SELECT ON OBJECT::{table}"
        f" ({quote(found['column'])}) TO {user};"
    )


async def statement_missing(db: Database, error: DatabaseError) -> str | None:
    """The message for error 229 or 230 on a statement the caller cannot change (a declared
    tool's): SQL Server's text and the GRANT that lets the statement run; None for another
    error, another database's object or a DMV (state_missing)."""
    found = _denied(error, "SELECT", "INSERT", "UPDATE", "DELETE")
    if error.number not in (OBJECT_PERMISSION_DENIED, COLUMN_PERMISSION_DENIED) or not found:
        return None
    if _dmv_select_denied(error):
        return None
    named = await _user_in(db, found["database"])
    if named is None:
        return None
    user, permission = quote(named), found["permission"]
    table = f"{quote(found['schema'])}.{quote(found['object'])}"
    what = f"{found['schema']}.{found['object']}"
    columns = ""
    if found["column"] is not None:
        what = f"the column {found['column']} of {what}"
        columns = f" ({quote(found['column'])})"
    return (
        f"{error} The database user {user} lacks {permission} on {what}, which this tool's"
        f" statement needs. A DBA can allow it with: GRANT {permission} ON OBJECT::{table}"
        f"{columns} TO {user}; (it has no effect while a DENY {permission} on the table, its"
        " schema or the database applies to the user)"
    )


async def call_missing(db: Database, error: DatabaseError) -> str | None:
    """The message for error 229 on EXECUTE of a user-defined function a statement calls:
    SQL Server's text and the GRANT that allows the call; None for another error or
    another database's function."""
    found = _denied(error, "EXECUTE")
    if error.number != OBJECT_PERMISSION_DENIED or found is None:
        return None
    function = f"{quote(found['schema'])}.{quote(found['object'])}"
    user = await _user_in(db, found["database"])
    if user is None:
        return None
    return (
        f"{error} The database user {quote(user)} may not call {found['schema']}."
        f"{found['object']} (a user-defined function the statement calls needs EXECUTE)."
        f" A DBA can allow it with: {execute_grant(function, user)} (it has no effect while"
        " a DENY EXECUTE on the function, its schema or the database applies to the user)"
    )


async def _user_in(db: Database, database: str) -> str | None:
    """The database user, when `database` (the one an error names) is the connection's:
    a GRANT run here reaches no other database's object. None otherwise, or when asking
    fails (SQL Server's own error is never hidden behind another)."""
    try:
        here = records(await db.read("SELECT USER_NAME() AS user_name, DB_NAME() AS db"))[0]
    except (DatabaseError, QueryRefused):
        return None
    return str(here["user_name"]) if here["db"] == database else None


async def database_user(db: Database) -> str:
    return str(records(await db.read("SELECT USER_NAME() AS user_name"))[0]["user_name"])


def quote(name: str) -> str:
    """A name as a T-SQL bracketed identifier."""
    return "[" + name.replace("]", "]]") + "]"
