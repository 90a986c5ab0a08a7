"""What each dynamic management view of the test server asks of a least-privileged
user, and what SQL Server does without it: fewer rows, or an error.

From each DMV's Microsoft page ("Permissions") and "System dynamic management views"
(server-scoped DMVs need VIEW SERVER STATE, database-scoped ones VIEW DATABASE STATE;
from SQL Server 2022 on VIEW SERVER PERFORMANCE STATE and VIEW DATABASE PERFORMANCE
STATE, which VIEW SERVER STATE and VIEW DATABASE STATE cover):

| DMV                       | SQL Server 2022                 | Azure SQL Database  | without |
|---------------------------|---------------------------------|---------------------|---------|
| sys.dm_exec_sessions      | VIEW SERVER PERFORMANCE STATE   | VIEW DATABASE STATE | own row |
| sys.dm_exec_requests      | VIEW SERVER PERFORMANCE STATE   | VIEW DATABASE STATE | own row |
| sys.dm_exec_sql_text      | VIEW SERVER PERFORMANCE STATE   | VIEW DATABASE STATE | 300+297 |
| sys.dm_db_partition_stats | VIEW DATABASE PERFORMANCE STATE | VIEW DATABASE STATE | 300+297 |

The session DMVs' pages say a user without the permission sees its own session; the
others' say the permission is required, so a SELECT of them fails. On Azure SQL
Database VIEW SERVER STATE cannot be granted and the server-scoped DMVs ask VIEW
DATABASE STATE of the current database ("sys.dm_exec_sessions": "Requires VIEW DATABASE
STATE to see all connections to the current database"; the Basic, S0 and S1 objectives
want the server admin instead, editions.py emulates S2). sys.dm_db_partition_stats also
asks VIEW DEFINITION: its rows, as the catalog views', leave out the objects the user
holds no permission on (engine/catalog.py, a choice: the page does not say how).

The failure, from "Database engine events and errors (0 to 999)": error 300, severity
14, "%ls permission was denied on object '%.*ls', database '%.*ls'.", then error 297,
severity 16, "The user does not have permission to perform this action." The object
of a server-level permission is 'server' in database 'master' (SQL Server's text for
VIEW SERVER STATE); of a database-level one, the database itself (a choice). Neither
page gives the states: 1 (a choice). The permission named is the one this edition
asks (VIEW SERVER PERFORMANCE STATE on SQL Server 2022, a choice: the pages show only
older versions' VIEW SERVER STATE, which SQL Server 2019 and earlier ask).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .principals import Principal
from .sqlerror import TdsError

if TYPE_CHECKING:
    from .editions import Edition

Scope = Literal["server", "database"]

# The DMVs a SELECT of fails without the permission, and its scope (the session DMVs,
# server-scoped, show fewer rows instead: sees_all_sessions).
REFUSING_DMVS: dict[str, Scope] = {
    "sys.dm_exec_sql_text": "server",
    "sys.dm_db_partition_stats": "database",
}

NO_PERMISSION = 297
STATE_DENIED = 300


def permission(edition: Edition, scope: Scope) -> str:
    """The permission a DMV of `scope` asks on this edition, as SQL Server names it."""
    if edition.is_azure_sql_database:
        return "VIEW DATABASE STATE"
    if edition.before_2022:
        return f"VIEW {scope.upper()} STATE"
    return f"VIEW {scope.upper()} PERFORMANCE STATE"


def holds(edition: Edition, principal: Principal, scope: Scope) -> bool:
    """Whether the principal holds what a DMV of `scope` asks on this edition, itself or
    through one above it (Principal.state_holds: VIEW SERVER STATE covers VIEW SERVER
    PERFORMANCE STATE, not the other way round)."""
    return principal.state_holds(permission(edition, scope))


def sees_all_sessions(edition: Edition, principal: Principal) -> bool:
    return holds(edition, principal, "server")


def check(edition: Edition, principal: Principal, reads: set[str], database: str) -> None:
    """Errors 300 and 297 when the statement reads a DMV whose permission the principal
    lacks (`reads`: the folded names of the views it reads); the first such, by name."""
    for name in sorted(reads & REFUSING_DMVS.keys()):
        scope = REFUSING_DMVS[name]
        if holds(edition, principal, scope):
            continue
        server = scope == "server" and not edition.is_azure_sql_database
        obj, where = ("server", "master") if server else (database, database)
        denied = TdsError(
            STATE_DENIED,
            f"{permission(edition, scope)} permission was denied on object '{obj}',"
            f" database '{where}'.",
            severity=14,
        )
        raise TdsError(
            NO_PERMISSION,
            "The user does not have permission to perform this action.",
            preceding=(denied,),
        )
