"""sys.database_principals and sys.database_role_members, written from their pages in
Microsoft's docs, over the principals this server knows: the system users (dbo, guest,
INFORMATION_SCHEMA, sys), public and the fixed database roles, and the server's --login
users (principals.py: dbo for the privileged login, else a user named like the login,
with its own principal_id; the session keeps them in temp.__azsql_users).

Visibility, as the pages' Permissions sections give it: any user sees its own user, the
system users and the fixed roles in sys.database_principals, and its own role
memberships in sys.database_role_members; other users and other memberships need VIEW
DEFINITION on the database (dbo sees them all). The other users' memberships are not
listed (docs/test-server-limits.md).
"""

from __future__ import annotations

# Fixed database roles and their principal ids, public first (not a fixed role).
FIXED_ROLES = (
    ("public", 0),
    ("db_owner", 16384),
    ("db_accessadmin", 16385),
    ("db_securityadmin", 16386),
    ("db_ddladmin", 16387),
    ("db_backupoperator", 16389),
    ("db_datareader", 16390),
    ("db_datawriter", 16391),
    ("db_denydatareader", 16392),
    ("db_denydatawriter", 16393),
)
_ROLES = "(VALUES " + ", ".join(f"('{n}', {i})" for n, i in FIXED_ROLES) + ")"
# The session's user id, as principals.Principal.user_id gives it (dbo's: 1).
_USER_ID = "coalesce((SELECT principal_id FROM temp.__azsql_users WHERE name = USER_NAME()), 1)"
_CREATED = "(SELECT value FROM __azsql_meta WHERE key = 'create_date')"


def database_principals(sees_definitions: str) -> tuple[str, str]:
    """sys.database_principals' columns and SELECT: the system users, the session's own
    user and, where `sees_definitions` (an SQL expression) is 1, the other --login
    users (SQL users with dbo as their default schema), and the roles."""
    return (
        "name sysname, principal_id int, type char(1), type_desc nvarchar(60),"
        " default_schema_name sysname, create_date datetime, modify_date datetime,"
        " owning_principal_id int, sid varbinary(85), is_fixed_role bit,"
        " authentication_type int, authentication_type_desc nvarchar(60),"
        " default_language_name sysname, default_language_lcid int,"
        " allow_encrypted_value_modifications bit",
        # users: dbo and the session's own log in through the instance; guest,
        # INFORMATION_SCHEMA and sys have no login (authentication NONE, sid NULL for the
        # last two as the page says)
        "WITH users(name, principal_id, schema, auth, sid) AS (VALUES"
        " ('dbo', 1, 'dbo', 1, X'01'), ('guest', 2, 'guest', 0, X'00'),"
        " ('INFORMATION_SCHEMA', 3, NULL, 0, NULL), ('sys', 4, NULL, 0, NULL))"
        f" SELECT name, principal_id, 'S', 'SQL_USER', schema, {_CREATED}, {_CREATED}, NULL,"
        " sid, 0, auth, CASE auth WHEN 1 THEN 'INSTANCE' ELSE 'NONE' END, NULL, NULL, 0"
        " FROM users UNION ALL"
        f" SELECT name, principal_id, 'S', 'SQL_USER', 'dbo', {_CREATED}, {_CREATED},"
        " NULL, NULL, 0, 1, 'INSTANCE', NULL, NULL, 0 FROM temp.__azsql_users"
        f" WHERE name = USER_NAME() OR {sees_definitions} = 1 UNION ALL"
        f" SELECT r.column1, r.column2, 'R', 'DATABASE_ROLE', NULL, {_CREATED}, {_CREATED},"
        " 1, NULL, r.column2 <> 0, 0, 'NONE', NULL, NULL, 0 FROM " + _ROLES + " r",
    )


def database_role_members(sees_definitions: str) -> tuple[str, str]:
    """sys.database_role_members' columns and SELECT: dbo in db_owner, and the session's
    user in the fixed roles it is in (public is no listed membership); only the
    session's own rows unless `sees_definitions` (an SQL expression) is 1."""
    return (
        "role_principal_id int, member_principal_id int",
        "SELECT 16384, 1 WHERE USER_NAME() = 'dbo' OR " + sees_definitions + " = 1"
        f" UNION ALL SELECT r.column2, {_USER_ID} FROM {_ROLES} r"
        " WHERE USER_NAME() <> 'dbo' AND r.column2 <> 0 AND IS_ROLEMEMBER(r.column1) = 1",
    )


# The names GRANT, DENY and REVOKE keep, as principal ids: the system users, the roles
# and the --login users.
_NAMED_IDS = (
    "(SELECT column1 AS name, column2 AS id FROM " + _ROLES + " UNION ALL VALUES"
    " ('dbo', 1), ('guest', 2), ('INFORMATION_SCHEMA', 3), ('sys', 4)"
    " UNION ALL SELECT name, principal_id FROM temp.__azsql_users)"
)
_PERMISSION_TYPES = "CASE {0} WHEN 'SELECT' THEN 'SL' WHEN 'EXECUTE' THEN 'EX' ELSE 'UMSK' END"


def database_permissions(sees_definitions: str) -> tuple[str, str]:
    """sys.database_permissions' columns and SELECT: CONNECT on the database for dbo and
    the session's user (CREATE USER grants it), and the rows GRANT and DENY keep (object,
    schema and database ones, then column ones with their minor_id), granted by dbo. A
    user sees the rows of the principals whose permissions it holds (itself, public, its
    roles) unless `sees_definitions` (an SQL expression) is 1."""
    kept = (
        "SELECT class, major_id, 0 AS minor_id, grantee, permission_name, state"
        " FROM __azsql_permissions UNION ALL SELECT 1, object_id, column_id, grantee,"
        " permission_name, state FROM __azsql_column_permissions"
    )
    return (
        "class tinyint, class_desc nvarchar(60), major_id int, minor_id int,"
        " grantee_principal_id int, grantor_principal_id int, type char(4),"
        " permission_name nvarchar(128), state char(1), state_desc nvarchar(60)",
        "SELECT 0, 'DATABASE', 0, 0, 1, 1, 'CO', 'CONNECT', 'G', 'GRANT'"
        f" WHERE USER_NAME() = 'dbo' OR {sees_definitions} = 1 UNION ALL"
        f" SELECT 0, 'DATABASE', 0, 0, {_USER_ID}, 1, 'CO', 'CONNECT', 'G', 'GRANT'"
        " WHERE USER_NAME() <> 'dbo' UNION ALL"
        " SELECT p.class, CASE p.class WHEN 0 THEN 'DATABASE' WHEN 1 THEN 'OBJECT_OR_COLUMN'"
        " ELSE 'SCHEMA' END, p.major_id, p.minor_id, n.id, 1,"
        f" {_PERMISSION_TYPES.format('p.permission_name')}, p.permission_name, p.state,"
        " CASE p.state WHEN 'G' THEN 'GRANT' ELSE 'DENY' END"
        f" FROM ({kept}) p LEFT JOIN {_NAMED_IDS} n ON n.name = p.grantee COLLATE NOCASE"
        f" WHERE {sees_definitions} = 1 OR AZSQL_IS_GRANTEE(p.grantee) = 1",
    )
