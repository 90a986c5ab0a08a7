"""`azsql-mcp check`: whether the login may call the scalar functions a declared statement
calls.

A scalar user-defined function is called by its two-part name (`dbo.f(x)`, "Create
user-defined functions") and needs EXECUTE, which db_datareader does not hold ("GRANT
Object Permissions"), so such a statement's tool fails with SQL Server's error 229 on
every call until a DBA grants it. HAS_PERMS_BY_NAME answers 0 for a function the user
may not run, DENY included ("returns 0 when the user has no effective permission on the
securable"), and NULL for a name that is no object it can see: a method call on a column
(`g.STAsText()`, whose `g` names no schema), a function that does not exist, or, as far
as Microsoft's pages say nothing of it, one that metadata visibility hides from a user
with no permission on it, its schema or the database. A NULL under a schema of the
database is warned about too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from azsql_mcp.catalog.access import execute_grant, quote
from azsql_mcp.diagnostics.statement_types import DeclaredStatement

EXECUTE_HELD = (
    "SELECT USER_NAME() AS user_name, HAS_PERMS_BY_NAME(?, N'OBJECT', N'EXECUTE') AS held,"
    " SCHEMA_ID(PARSENAME(?, 2)) AS schema_id"
)

Rows = Callable[..., tuple[list[str], list[tuple[Any, ...]]]]


def called_functions(statement: str) -> list[str]:
    """The `schema.function` calls of `statement`, bracketed, in order, each once; none
    when sqlglot cannot parse it (the tool's own calls then say what is wrong). A
    table-valued function read in FROM (parsed as a table) or under CROSS/OUTER APPLY is
    no such call: SQL Server checks SELECT on it ("GRANT Object Permissions" lists no
    EXECUTE among a table-valued function's permissions)."""
    import sqlglot  # only when a declared statement is checked: `check` starts without it
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    from azsql_mcp.db.guard_dialect import GuardTSQL

    try:
        trees = sqlglot.parse(statement, dialect=GuardTSQL)
    except SqlglotError:
        return []
    found: list[str] = []
    for tree in trees:
        for dot in tree.find_all(exp.Dot) if tree is not None else ():
            if isinstance(dot.parent, exp.Lateral):
                continue  # CROSS/OUTER APPLY of a table-valued function: SELECT-checked
            schema = dot.this
            if isinstance(schema, exp.Identifier) and isinstance(dot.expression, exp.Anonymous):
                name = f"{quote(schema.name)}.{quote(dot.expression.name)}"
                if name not in found:
                    found.append(name)
    return found


def uncallable_lines(rows: Rows, statements: Sequence[DeclaredStatement]) -> list[str]:
    """A warning for each function a declared statement calls that the database user may
    not run, with the GRANT (blocking: run in a thread). `rows(sql, *params)`."""
    lines = []
    for declared in statements:
        for function in called_functions(declared.statement):
            _, found = rows(EXECUTE_HELD, function, function)
            user, held, schema_id = found[0]
            grant = execute_grant(function, str(user or ""))
            who = f"tools.{declared.tool}: the database user {quote(str(user or ''))}"
            if held == 0:
                lines.append(
                    f"{who} may not run {function}, which the statement calls (no EXECUTE,"
                    " or a DENY), so every call of the tool fails with SQL Server's error"
                    f" 229. A DBA can allow it with: {grant}"
                )
            elif held is None and schema_id is not None:
                lines.append(
                    f"{who} sees no function {function}, which the statement calls: it does"
                    " not exist, or the user holds no permission on it (SQL Server shows an"
                    " object only to a user with one), so every call of the tool fails. If"
                    f" it exists, a DBA can allow the call with: {grant}"
                )
    return lines
