"""Who a session is: the privileged login, or a least-privileged one.

The `--user` login is privileged (sysadmin, `dbo` in every database). Each `--login
NAME:PASSWORD[:GRANT,...]` adds a login whose database user (named like the login)
is a member of db_datareader (and of db_datawriter with that grant), plus the listed
grants. `ALTER ROLE db_datareader | db_datawriter DROP | ADD MEMBER user` changes the
membership (kept in `__azsql_role_members`, transactional like every catalog change;
a session reads it at each request, a choice: SQL Server rebuilds a user's token at
its own moments). For such a principal the engine reproduces what Microsoft documents:

- "Metadata visibility configuration": without VIEW DEFINITION the `definition`
  columns of sys.sql_modules, sys.check_constraints, sys.default_constraints and
  sys.computed_columns, and OBJECT_DEFINITION(), are NULL.
- The DMVs (dmv_permissions.py): without VIEW SERVER PERFORMANCE STATE (SQL Server
  2022, which the test server emulates) a user sees only their own session in
  sys.dm_exec_requests / sys.dm_exec_sessions, and sys.dm_exec_sql_text fails (errors
  300, 297); sys.dm_db_partition_stats fails without VIEW DATABASE PERFORMANCE STATE.
- The state permissions, as SQL Server 2022's permission hierarchy ("Permissions
  (Database Engine)") nests them: VIEW SERVER STATE covers VIEW SERVER PERFORMANCE STATE
  and VIEW SERVER SECURITY STATE, and VIEW DATABASE STATE VIEW DATABASE PERFORMANCE
  STATE; a server-level one covers its database-level one in every database. None
  covers the one above it (state_holds).
- SET SHOWPLAN_XML ON without SHOWPLAN: error 262. A write without db_datawriter:
  error 229. DDL without the permission: 262 (CREATE), 3701 (DROP), 1088 (ALTER,
  TRUNCATE), 15151 (ALTER ROLE). Another database the user has no access to: 916.
- HAS_PERMS_BY_NAME, IS_ROLEMEMBER, IS_MEMBER, IS_SRVROLEMEMBER and USER_NAME()
  answer for the principal.
- EXECUTE on a procedure: db_datareader does not hold it. GRANT, DENY and REVOKE
  EXECUTE on a procedure (`ON [OBJECT::]s.p`), a schema (`ON SCHEMA::s`) or the database
  (no ON), to the user, `public` or a role it is in, are kept in `__azsql_permissions`
  (transactional, like every catalog change). From "Permissions hierarchy" and the
  GRANT/DENY pages: EXECUTE on the database or the schema covers every procedure in it,
  and a DENY at any of the three levels overrides every GRANT. Without EXECUTE, EXEC
  fails with error 229. dbo (the privileged login) is not checked, and a procedure's
  own statements are not checked either (ownership chaining: every object belongs to
  dbo).
- SELECT on a table or view: db_datareader holds it on the database; GRANT, DENY and
  REVOKE SELECT on the object, its schema or the database are kept like EXECUTE, and a
  DENY at any of the three wins (error 229 on a statement reading it).
- SELECT on columns (`GRANT SELECT ON t (c, ...)` or `GRANT SELECT (c, ...) ON t`, DENY
  and REVOKE alike) is kept in `__azsql_column_permissions` (sys.database_permissions'
  minor_id), apart from the object's rows: a table-level GRANT, DENY or REVOKE leaves
  the column rows alone (a choice; the docs are silent). From "GRANT Object
  Permissions" / "DENY Object Permissions": a table-level DENY does not take precedence
  over a column-level GRANT, and a column DENY takes the column from a table-level
  GRANT; a DENY on the schema or the database takes every column (a choice: DENY's
  precedence). A statement needs, for each table or view it reads: SELECT on it; else
  some column GRANT that counts (else error 229), and SELECT on every column it reads
  (else error 230 on the first, in the table's column order). The columns read are
  those its scopes name and those a `*` expands to, in a derived table or CTE too; a
  statement naming none of the table's columns (`COUNT(*)`) needs the table or some
  column (a choice).
- Metadata visibility ("Metadata visibility configuration": a user sees what it holds
  some permission on, DENY takes precedence, subcomponents go with their parent):
  without VIEW DEFINITION (a permission on every object), an object is visible with
  an explicit GRANT of any permission on it, its schema or the database ("Scope of
  Permissions"), each undone by a DENY of the same permission at any level, and a
  procedure or scalar function not at all under a DENY EXECUTE at any level
  ("Precedence of DENY"); db_datareader's SELECT and db_datawriter's INSERT show
  tables, views and inline functions only (as widely observed of the fixed roles); a
  column GRANT that counts shows its table, with all of its columns. The catalog views
  hide the rest with their subcomponents and the metadata functions return NULL for it
  (engine/catalog.py, HIDDEN_OBJECTS_VIEW).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import permission_names
from .engine.principal_views import FIXED_ROLES
from .engine.sqltext import split_name
from .sqlerror import TdsError

# The first --login user's principal_id: 1 to 4 are dbo, guest, INFORMATION_SCHEMA, sys.
FIRST_USER_ID = 5
# UNMASK on the database, and SQL Server 2022's granular UNMASK on a schema, a table or a
# column ("Dynamic data masking", Permissions), which HAS_PERMS_BY_NAME answers for
# (Principal.unmasks), and by which engine/masking.py masks the values a SELECT returns.
UNMASK = "UNMASK"
# The permissions GRANT, DENY and REVOKE keep in __azsql_permissions, and their classes.
KEPT_PERMISSIONS = ("EXECUTE", "SELECT", UNMASK)
_KEPT_PERMISSIONS = frozenset(KEPT_PERMISSIONS)
_KEPT_CLASSES = frozenset(["DATABASE", "SCHEMA", "OBJECT"])

VIEW_DEFINITION = "VIEW_DEFINITION"
SHOWPLAN = "SHOWPLAN"
VIEW_DATABASE_STATE = "VIEW_DATABASE_STATE"
VIEW_SERVER_STATE = "VIEW_SERVER_STATE"
VIEW_SERVER_PERFORMANCE_STATE = "VIEW_SERVER_PERFORMANCE_STATE"
VIEW_DATABASE_PERFORMANCE_STATE = "VIEW_DATABASE_PERFORMANCE_STATE"
DB_DATAWRITER = "db_datawriter"
GRANTS = (
    VIEW_DEFINITION,
    SHOWPLAN,
    VIEW_DATABASE_STATE,
    VIEW_DATABASE_PERFORMANCE_STATE,
    VIEW_SERVER_STATE,
    VIEW_SERVER_PERFORMANCE_STATE,
    DB_DATAWRITER,
)
# The state permissions and the --login grants that give each: itself, and those above
# it in the hierarchy (VIEW SERVER STATE > VIEW SERVER PERFORMANCE STATE > VIEW DATABASE
# PERFORMANCE STATE; VIEW SERVER STATE > VIEW DATABASE STATE > VIEW DATABASE PERFORMANCE
# STATE).
_STATE_GIVERS = {
    "VIEW SERVER STATE": (VIEW_SERVER_STATE,),
    "VIEW SERVER PERFORMANCE STATE": (VIEW_SERVER_STATE, VIEW_SERVER_PERFORMANCE_STATE),
    "VIEW SERVER SECURITY STATE": (VIEW_SERVER_STATE,),
    "VIEW DATABASE STATE": (VIEW_SERVER_STATE, VIEW_DATABASE_STATE),
    "VIEW DATABASE PERFORMANCE STATE": (
        VIEW_SERVER_STATE,
        VIEW_SERVER_PERFORMANCE_STATE,
        VIEW_DATABASE_STATE,
        VIEW_DATABASE_PERFORMANCE_STATE,
    ),
}
_GRANTS_BY_KEY = {g.casefold(): g for g in GRANTS}

LOGIN_HELP = (
    "--login NAME:PASSWORD[:GRANT[,GRANT...]] adds a least-privileged login: its database\n"
    "user is a member of db_datareader only, plus the grants listed, among "
    + ", ".join(GRANTS)
    + ".\nDEFAULT_LANGUAGE=British among them is the login's default language (CREATE LOGIN"
    "\n... WITH DEFAULT_LANGUAGE): its sessions start in it unless the client names one."
    + "\nThe --user login stays privileged (sysadmin, dbo); as it, ALTER ROLE db_datareader"
    "\nDROP MEMBER NAME leaves the user only the SELECT granted to it."
)

# Fixed database roles IS_ROLEMEMBER knows; any other name is not a role (NULL).
_DATABASE_ROLES = frozenset(name for name, _ in FIXED_ROLES)
# The database's own principals by id: the system users and the roles (USER_NAME(id)).
_SYSTEM_PRINCIPALS = {
    1: "dbo",
    2: "guest",
    3: "INFORMATION_SCHEMA",
    4: "sys",
    **{principal_id: name for name, principal_id in FIXED_ROLES},
}
_SERVER_ROLES = frozenset(
    [
        "public",
        "sysadmin",
        "serveradmin",
        "dbcreator",
        "setupadmin",
        "bulkadmin",
        "securityadmin",
        "diskadmin",
        "processadmin",
    ]
)
_WRITE_PERMISSIONS = frozenset(["INSERT", "UPDATE", "DELETE"])

# sys.database_permissions' classes, as __azsql_permissions keeps them.
DATABASE_CLASS, OBJECT_CLASS, SCHEMA_CLASS = 0, 1, 3

DB_DATAREADER = "db_datareader"
# The roles ALTER ROLE ... ADD | DROP MEMBER changes (kept in __azsql_role_members).
MEMBER_ROLES = (DB_DATAREADER, DB_DATAWRITER)


@dataclass(frozen=True)
class Access:
    """SELECT on one table or view. `table`: the object-level permission (a GRANT on the
    object, its schema or the database, or db_datareader, and no DENY on any); a DENY on
    the schema or the database (`above_denied`) takes every column away, a table-level
    DENY does not take away a column GRANT ("GRANT Object Permissions": kept for backward
    compatibility), and a column DENY wins over a table-level GRANT. Columns by id."""

    table: bool
    above_denied: bool
    granted: frozenset[int]
    denied: frozenset[int]

    def column(self, column_id: int) -> bool:
        if self.above_denied or column_id in self.denied:
            return False
        return self.table or column_id in self.granted

    @property
    def any_column(self) -> bool:
        """Some column GRANT that counts: a permission on the object without the table's."""
        return not self.above_denied and bool(self.granted)

    @property
    def whole(self) -> bool:
        """Every column, without looking at which ones a statement names."""
        return self.table and not self.denied


@dataclass(frozen=True)
class Principal:
    """A login and its database user. `privileged`: the --user login (sysadmin, dbo)."""

    login: str
    password: str = ""
    grants: frozenset[str] = frozenset()
    privileged: bool = False
    # The database roles it is in, as ALTER ROLE left them; None: as --login made it
    # (db_datareader, and db_datawriter when granted).
    roles: frozenset[str] | None = None
    # CREATE LOGIN ... WITH DEFAULT_LANGUAGE: a session starts in it unless the login
    # (LOGIN7) names another; "" is the server's default, us_english
    default_language: str = ""
    # The database user's principal_id: the server numbers its --login users from
    # FIRST_USER_ID in the order given (after dbo, guest, INFORMATION_SCHEMA and sys)
    principal_id: int = FIRST_USER_ID

    @classmethod
    def parse(cls, spec: str) -> Principal:
        """`NAME:PASSWORD[:GRANT[,GRANT...]]`, as --login takes it."""
        parts = spec.split(":", 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError(
                f"--login {spec!r}: expected NAME:PASSWORD[:GRANT[,GRANT...]], e.g."
                " reader:Password1! or reader:Password1!:SHOWPLAN,VIEW_DEFINITION"
            )
        grants = set()
        default_language = ""
        for grant in parts[2].split(",") if len(parts) == 3 and parts[2] else []:
            key, equals, value = grant.partition("=")
            if equals and key.strip().casefold() == "default_language":
                default_language = value.strip()  # the server checks it names a language
                continue
            known = _GRANTS_BY_KEY.get(grant.strip().casefold())
            if known is None:
                raise ValueError(
                    f"--login {parts[0]}: unknown grant {grant!r}; use {GRANTS}"
                    " or DEFAULT_LANGUAGE=<language>"
                )
            grants.add(known)
        return cls(parts[0], parts[1], frozenset(grants), default_language=default_language)

    @property
    def user_name(self) -> str:
        """The database user: dbo for the privileged login, else named like the login."""
        return "dbo" if self.privileged else self.login

    @property
    def user_id(self) -> int:
        return 1 if self.privileged else self.principal_id

    def has(self, grant: str) -> bool:
        return self.privileged or grant in self.grants

    def state_holds(self, permission: str) -> bool:
        """A state permission as SQL Server names it (e.g. 'VIEW SERVER PERFORMANCE
        STATE'): granted, or covered by one above it in the hierarchy."""
        return self.privileged or any(g in self.grants for g in _STATE_GIVERS[permission])

    @property
    def member_of(self) -> frozenset[str]:
        """The fixed database roles (of MEMBER_ROLES) the user is in."""
        if self.roles is not None:
            return self.roles
        writer = [DB_DATAWRITER] if DB_DATAWRITER in self.grants else []
        return frozenset([DB_DATAREADER, *writer])

    def with_memberships(self, conn: sqlite3.Connection) -> Principal:
        """This principal with the role memberships ALTER ROLE keeps in the catalog."""
        if self.privileged:
            return self
        roles = set(replace(self, roles=None).member_of)
        for role, is_member in conn.execute(
            "SELECT role, is_member FROM __azsql_role_members WHERE member = ?",
            (self.user_name,),
        ):
            (roles.add if is_member else roles.discard)(role.lower())
        found = frozenset(roles)
        return self if found == self.member_of else replace(self, roles=found)

    @property
    def reads_all(self) -> bool:
        """SELECT on the database through db_datareader."""
        return self.privileged or DB_DATAREADER in self.member_of

    @property
    def sees_definitions(self) -> bool:
        return self.has(VIEW_DEFINITION)

    @property
    def can_write(self) -> bool:
        return self.privileged or DB_DATAWRITER in self.member_of

    @property
    def grantees(self) -> tuple[str, ...]:
        """The principals whose permissions this user holds: itself, public, its roles."""
        return (self.user_name, "public", *sorted(self.member_of))

    @property
    def sees_all_objects(self) -> bool:
        """Some permission on every object that no DENY SELECT takes away: VIEW
        DEFINITION on the database (db_datawriter's INSERT, UPDATE and DELETE apply to
        no procedure or scalar function: hidden_objects.py)."""
        return self.privileged or self.has(VIEW_DEFINITION)

    def may(
        self,
        conn: sqlite3.Connection,
        permission: str,
        object_id: int | None,
        schema_id: int | None,
    ) -> bool:
        """EXECUTE or SELECT on an object (object_id), a schema (schema_id alone) or the
        database (neither): some GRANT on it, its schema or the database (db_datareader
        holds SELECT on the database), and no DENY on any. Column permissions aside."""
        if self.privileged:
            return True
        return self._holds(permission, self._states(conn, permission, object_id, schema_id))

    def _holds(self, permission: str, rows: list[tuple[int, str]]) -> bool:
        """Some GRANT among `rows` (`_states`; db_datareader holds SELECT on the
        database), and no DENY."""
        states = {state for _, state in rows}
        granted = "G" in states or (permission == "SELECT" and self.reads_all)
        return granted and "D" not in states

    def _states(
        self,
        conn: sqlite3.Connection,
        permission: str,
        object_id: int | None,
        schema_id: int | None,
    ) -> list[tuple[int, str]]:
        """(class, state) of the user's `permission` rows on the object, schema, database."""
        rows = conn.execute(
            "SELECT class, state FROM __azsql_permissions WHERE permission_name = ?"
            f" AND grantee IN ({', '.join('?' for _ in self.grantees)}) AND (class = ?"
            " OR (class = ? AND major_id = ?) OR (class = ? AND major_id = ?))",
            (
                permission,
                *self.grantees,
                DATABASE_CLASS,
                SCHEMA_CLASS,
                -1 if schema_id is None else schema_id,
                OBJECT_CLASS,
                -1 if object_id is None else object_id,
            ),
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def unmasks(
        self, conn: sqlite3.Connection, object_id: int, schema_id: int, column_id: int
    ) -> bool:
        """Whether the user reads the column unmasked: dbo, or a GRANT UNMASK
        on the column, its table, schema or the database, and no DENY on any of them (a
        choice: DENY wins, as it does for every permission but SELECT's table-over-column
        exception)."""
        if self.privileged:
            return True
        states = {state for _, state in self._states(conn, UNMASK, object_id, schema_id)}
        columns = self._column_states(conn, UNMASK, object_id)
        states.update(state for c, state in columns if c == column_id)
        return "G" in states and "D" not in states

    def select_access(self, conn: sqlite3.Connection, object_id: int, schema_id: int) -> Access:
        """What the user may SELECT of a table or view: the object-level permission, and
        its column GRANTs and DENYs (__azsql_column_permissions)."""
        if self.privileged:
            return Access(True, False, frozenset(), frozenset())
        rows = self._states(conn, "SELECT", object_id, schema_id)
        above_denied = any(k != OBJECT_CLASS and state == "D" for k, state in rows)
        table = self._holds("SELECT", rows)
        columns = self._column_states(conn, "SELECT", object_id)
        denied = frozenset(c for c, state in columns if state == "D")
        granted = frozenset(c for c, state in columns if state == "G") - denied
        return Access(table, above_denied, granted, denied)

    def _column_states(
        self, conn: sqlite3.Connection, permission: str, object_id: int
    ) -> list[tuple[int, str]]:
        """(column_id, state) of the user's `permission` rows on the table's columns."""
        rows = conn.execute(
            "SELECT column_id, state FROM __azsql_column_permissions WHERE object_id = ?"
            " AND permission_name = ? AND grantee IN"
            f" ({', '.join('?' for _ in self.grantees)})",
            (object_id, permission, *self.grantees),
        )
        return [(row[0], row[1]) for row in rows]

    def holds_any_on_schema(self, conn: sqlite3.Connection, schema_id: int) -> bool:
        """Some permission on the schema: SELECT or EXECUTE on it or the database not
        denied, or a database-wide permission no DENY SELECT takes away."""
        return (
            self.sees_all_objects
            or self.can_write
            or self.may(conn, "SELECT", None, schema_id)
            or self.may(conn, "EXECUTE", None, schema_id)
        )

    # -- the security functions
    def has_perms_by_name(
        self, securable: Any, securable_class: Any, permission: Any, *sub: Any
    ) -> int | None:
        """HAS_PERMS_BY_NAME for this principal (sub-securables: as the securable)."""
        if permission is None:
            return None
        perm = " ".join(str(permission).upper().split())
        klass = "SERVER" if securable_class is None else str(securable_class).upper()
        if not permission_names.is_valid(klass, perm):
            return None
        if self.privileged:
            return 1
        if klass == "SERVER":
            answers = {
                "ANY": True,  # CONNECT SQL at least
                "CONNECT SQL": True,
                "VIEW ANY DATABASE": True,
            }
            if perm in _STATE_GIVERS:
                return int(self.state_holds(perm))
            return int(answers.get(perm, False))
        if klass not in ("DATABASE", "SCHEMA", "OBJECT"):
            return 0
        if perm in ("CONNECT", "ANY"):
            return 1
        if perm == "SELECT":  # db_datareader: SELECT on every object
            return int(self.reads_all)
        if perm in _WRITE_PERMISSIONS:
            return int(self.can_write)
        if perm in _STATE_GIVERS:
            return int(self.state_holds(perm))
        answers = {
            "VIEW DEFINITION": self.has(VIEW_DEFINITION),
            "SHOWPLAN": self.has(SHOWPLAN),
        }
        return int(answers.get(perm, False))

    def is_role_member(self, role: Any, principal: Any = None) -> int | None:
        """IS_ROLEMEMBER / IS_MEMBER for the current user (another principal: NULL)."""
        if role is None or (principal is not None and str(principal) != self.user_name):
            return None
        name = str(role).lower()
        if name not in _DATABASE_ROLES:
            return None
        if self.privileged:
            return 1
        return int(name == "public" or name in self.member_of)

    def is_srvrole_member(self, role: Any, login: Any = None) -> int | None:
        if role is None or (login is not None and str(login).lower() != self.login.lower()):
            return None
        name = str(role).lower()
        if name not in _SERVER_ROLES:
            return None
        return 1 if self.privileged else int(name == "public")

    def user_name_of(self, user_id: Any = None) -> str | None:
        """USER_NAME([id])."""
        if user_id is None:
            return self.user_name
        return _SYSTEM_PRINCIPALS.get(
            int(user_id), self.login if int(user_id) == self.user_id else None
        )

    # -- the errors
    def check_showplan(self, database: str) -> None:
        if not self.has(SHOWPLAN):
            raise TdsError(
                262, f"SHOWPLAN permission denied in database '{database}'.", severity=14
            )

    def check_write(self, verb: str, obj: str, database: str, schema: str) -> None:
        if not self.can_write:
            raise TdsError(
                229,
                f"The {verb} permission was denied on the object '{obj}', database"
                f" '{database}', schema '{schema}'.",
                severity=14,
                state=5,
            )

    def check_object(
        self,
        conn: sqlite3.Connection,
        permission: str,
        obj: str,
        ids: tuple[int, int],
        where: tuple[str, str],
    ) -> None:
        """Error 229 unless the user holds `permission` (EXECUTE on a procedure, SELECT on
        a table or view: a DENY takes it away); `ids`: (object_id, schema_id); `where`:
        (database, schema)."""
        if not self.may(conn, permission, *ids):
            raise object_denied(permission, obj, where)

    def check_select(
        self,
        access: Access,
        obj: str,
        named: Sequence[tuple[int, str]],
        where: tuple[str, str],
    ) -> None:
        """Error 229 unless the user holds SELECT on the table or view or on one of its
        columns; else error 230 on the first column of `named` (the columns the statement
        reads, in the table's order) it may not read. `where`: (database, schema)."""
        if not access.table and not access.any_column:
            raise object_denied("SELECT", obj, where)
        for column_id, name in named:
            if not access.column(column_id):
                raise TdsError(
                    230,
                    f"The SELECT permission was denied on the column '{name}' of the object"
                    f" '{obj}', database '{where[0]}', schema '{where[1]}'.",
                    severity=14,
                    state=1,
                )

    def check_ddl(self, verb: str, kind: str, name: str, database: str) -> None:
        """db_datareader and db_datawriter hold no DDL permission."""
        if self.privileged:
            return
        if verb == "CREATE" and kind != "INDEX":
            raise TdsError(
                262, f"CREATE {kind} permission denied in database '{database}'.", severity=14
            )
        if verb == "DROP":
            raise TdsError(
                3701,
                f"Cannot drop the {kind.lower()} '{name}', because it does not exist or you do"
                " not have permission.",
                severity=11,
            )
        raise TdsError(
            1088,
            f'Cannot find the object "{name}" because it does not exist or you do not have'
            " permissions.",
        )

    def no_database_access(self, database: str) -> TdsError:
        return TdsError(
            916,
            f'The server principal "{self.login}" is not able to access the database'
            f' "{database}" under the current security context.',
            severity=14,
        )


def object_denied(permission: str, obj: str, where: tuple[str, str]) -> TdsError:
    """Error 229 on an object; `where`: (database, schema)."""
    return TdsError(
        229,
        f"The {permission} permission was denied on the object '{obj}', database"
        f" '{where[0]}', schema '{where[1]}'.",
        severity=14,
        state=5,
    )


def privileged(login: str) -> Principal:
    return Principal(login, privileged=True)


def ddl_target(words: list[str | None], texts: list[str]) -> tuple[str, str, str]:
    """(verb, object kind, object name as written) of a DDL statement from its first
    words and its tokens' texts, for the permission errors. CREATE INDEX names the
    table it is on: that is the object SQL Server reports."""
    w = [x or "" for x in words]
    verb, kind = w[0], w[1]
    start = 2
    if kind in ("UNIQUE", "CLUSTERED", "NONCLUSTERED", "INDEX"):
        kind = "INDEX"
        start = next((i + 1 for i, t in enumerate(texts) if t.upper() == "ON"), len(texts))
    elif w[2:4] == ["IF", "EXISTS"]:
        start = 4
    name: list[str] = []
    for text in texts[start:]:
        if text in ("(", ";") or (text != "." and name and name[-1] != "."):
            break
        name.append(text)
    return verb, kind, "".join(name)


def register_functions(
    conn: sqlite3.Connection,
    current: Callable[[], Principal],
    sees_object: Callable[[int], bool],
    unknown: frozenset[str] = frozenset(),
) -> None:
    """The security functions of one session's connection, answering for its principal
    (`current()`: as the session's last ALTER ROLE reload left it; `sees_object`: its
    metadata visibility of an object). `unknown`: permission names the emulated version
    does not have, which HAS_PERMS_BY_NAME answers with NULL."""

    def object_definition(object_id: Any) -> str | None:
        if object_id is None or not current().sees_definitions:
            return None
        row = conn.execute(
            "SELECT definition FROM __azsql_objects WHERE object_id = ?", (int(object_id),)
        ).fetchone()
        return None if row is None else row[0]

    def has_perms_by_name(
        securable: Any, securable_class: Any, permission: Any, *sub: Any
    ) -> int | None:
        principal = current()
        perm = " ".join(str(permission or "").upper().split())
        if perm in unknown:
            return None
        klass = str(securable_class or "").upper()
        kept = perm in _KEPT_PERMISSIONS or (perm == "ANY" and klass != "DATABASE")
        if not kept or principal.privileged or klass not in _KEPT_CLASSES:
            return principal.has_perms_by_name(securable, securable_class, permission, *sub)
        if klass == "DATABASE":
            return int(principal.may(conn, perm, None, None))
        if securable is None:
            return None
        if klass == "SCHEMA":
            row = conn.execute(
                "SELECT schema_id FROM __azsql_schemas WHERE name = ?", (str(securable),)
            ).fetchone()
            if row is None:
                return None
            if perm == "ANY":
                return int(principal.holds_any_on_schema(conn, row[0]))
            return int(principal.may(conn, perm, None, row[0]))
        found = object_ids(str(securable))
        if found is None:
            return None
        if perm == "ANY":  # the catalog hides exactly the objects the user holds none on
            return int(sees_object(found[0]))
        if perm in ("SELECT", UNMASK) and len(sub) >= 2 and str(sub[1]).upper() == "COLUMN":
            column = conn.execute(
                "SELECT column_id FROM __azsql_columns WHERE object_id = ? AND name = ?",
                (found[0], str(sub[0])),
            ).fetchone()
            if column is None:
                return None
            if perm == UNMASK:
                return int(principal.unmasks(conn, *found, column[0]))
            return int(principal.select_access(conn, *found).column(column[0]))
        return int(principal.may(conn, perm, *found))

    def object_ids(securable: str) -> tuple[int, int] | None:
        """(object_id, schema_id) of a one-, two- or three-part object name."""
        parts = [p for p in split_name(securable) if p is not None]
        if not parts or len(parts) > 3:
            return None
        schema = parts[-2] if len(parts) > 1 and parts[-2] else "dbo"
        row = conn.execute(
            "SELECT o.object_id, o.schema_id FROM __azsql_objects AS o JOIN __azsql_schemas"
            " AS s ON s.schema_id = o.schema_id WHERE o.name = ? AND s.name = ?",
            (parts[-1], schema),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def is_grantee(name: Any) -> int:
        """1 when this user holds the permissions of `name` (itself, public, a role)."""
        return int(str(name).casefold() in {g.casefold() for g in current().grantees})

    def is_role_member(role: Any, principal: Any = None) -> int | None:
        return current().is_role_member(role, principal)

    def is_srvrole_member(role: Any, login: Any = None) -> int | None:
        return current().is_srvrole_member(role, login)

    def user_name_of(user_id: Any = None) -> str | None:
        """USER_NAME([id]): another --login user's name too, to a principal that sees
        the database's users (sys.database_principals' rule; a choice for USER_NAME)."""
        principal = current()
        name = principal.user_name_of(user_id)
        if name is None and user_id is not None and principal.sees_definitions:
            row = conn.execute(
                "SELECT name FROM temp.__azsql_users WHERE principal_id = ?", (int(user_id),)
            ).fetchone()
            name = None if row is None else row[0]
        return name

    def sees_all_objects() -> int:
        return int(current().sees_all_objects)

    conn.create_function("OBJECT_DEFINITION", 1, object_definition)
    conn.create_function("AZSQL_IS_GRANTEE", 1, is_grantee)
    conn.create_function("AZSQL_SEES_ALL_OBJECTS", 0, sees_all_objects, deterministic=False)
    conn.create_function("HAS_PERMS_BY_NAME", -1, has_perms_by_name)
    conn.create_function("IS_ROLEMEMBER", -1, is_role_member)
    conn.create_function("IS_MEMBER", -1, is_role_member)
    conn.create_function("IS_SRVROLEMEMBER", -1, is_srvrole_member)
    conn.create_function("USER_NAME", -1, user_name_of)
