"""`azsql-mcp check`: whether the login may read the tables a declared statement reads and
write the table it writes.

A declared statement's tool runs the same statement on every call, so a table it reads
without SELECT, or writes without INSERT, UPDATE or DELETE, fails every call with SQL
Server's error 229 ("GRANT Object Permissions"). HAS_PERMS_BY_NAME answers 0 when the
user holds no effective permission on the table, a DENY included, and NULL when the
query fails ("HAS_PERMS_BY_NAME (Transact-SQL)"); the page says nothing of a table that
does not exist or that metadata visibility hides, which is warned about as a NULL under
a schema of the database. A table granted column by column answers 0 for the table
while the statement may read only granted columns, so it is not warned about (a column
the statement may not read is error 230 on the call, which names the GRANT).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from azsql_mcp.catalog.access import quote
from azsql_mcp.diagnostics.statement_types import DeclaredStatement

TABLE_HELD = (
    "SELECT USER_NAME() AS user_name, HAS_PERMS_BY_NAME(?, N'OBJECT', ?) AS held,"
    " SCHEMA_ID(?) AS schema_id,"
    " (SELECT COUNT(*) FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(?)"
    "  AND HAS_PERMS_BY_NAME(?, N'OBJECT', N'SELECT', c.name, N'COLUMN') = 1) AS columns"
)

Rows = Callable[..., tuple[list[str], list[tuple[Any, ...]]]]
_SYSTEM_SCHEMAS = {"sys", "information_schema"}


def needed_permissions(statement: str) -> list[tuple[str, str, str]]:
    """(table, permission, schema) for each table of this database `statement` names: the
    write's target with INSERT, UPDATE or DELETE, every other table with SELECT; the
    table bracketed, the schema as written ('' for none), each once. None for a CTE's
    name, an alias, a temporary table, a system view, another database's table, or when
    sqlglot cannot parse the statement (the tool's calls say what is wrong then)."""
    import sqlglot  # only when a declared statement is checked: `check` starts without it
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    from azsql_mcp.db.guard_dialect import GuardTSQL

    try:
        trees = sqlglot.parse(statement, dialect=GuardTSQL)
    except SqlglotError:
        return []
    writes: dict[type, str] = {exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE"}
    found: list[tuple[str, str, str]] = []
    for tree in trees:
        if tree is None:
            continue
        ctes = {cte.alias_or_name.casefold() for cte in tree.find_all(exp.CTE)}
        tables = list(tree.find_all(exp.Table))
        aliases = {t.alias.casefold() for t in tables if t.alias}
        write = writes.get(type(tree), "")
        target = tree.this if write else None
        if isinstance(target, exp.Schema):  # INSERT INTO t (a, b)
            target = target.this
        if isinstance(target, exp.Table) and not target.db:  # UPDATE a ... FROM t AS a
            aliased = [t for t in tables if t.alias.casefold() == target.name.casefold()]
            target = aliased[0] if aliased else target
        for table in tables:
            identifier = table.this
            if not isinstance(identifier, exp.Identifier) or table.catalog:
                continue  # a table-valued function, another database's table
            if table.db.casefold() in _SYSTEM_SCHEMAS:
                continue  # a system view: public's, or a state permission's (read_data says)
            if identifier.args.get("temporary") or identifier.args.get("global_"):
                continue  # #t and ##t need no permission
            if table.name.casefold() in ctes or (not table.db and table.name.casefold() in aliases):
                continue  # a CTE, or the alias an UPDATE or DELETE names as its target
            name = quote(table.name)
            if table.db:
                name = f"{quote(table.db)}.{name}"
            need = (name, write if table is target else "SELECT", table.db)
            if need not in found:
                found.append(need)
    return found


def unreachable_lines(rows: Rows, statements: Sequence[DeclaredStatement]) -> list[str]:
    """A warning for each table a declared statement reads or writes that the database
    user may not, with the GRANT (blocking: run in a thread). `rows(sql, *params)`."""
    lines = []
    for declared in statements:
        for table, permission, schema in needed_permissions(declared.statement):
            _, found = rows(TABLE_HELD, table, permission, schema or None, table, table)
            user, held, schema_id, columns = found[0]
            who = f"tools.{declared.tool}: the database user {quote(str(user or ''))}"
            grant = f"GRANT {permission} ON OBJECT::{table} TO {quote(str(user or ''))};"
            verb = "reads" if permission == "SELECT" else "writes"
            if held == 0 and not (permission == "SELECT" and columns):
                lines.append(
                    f"{who} lacks {permission} on {table}, which the statement {verb} (no"
                    f" GRANT, or a DENY), so every call of the tool fails with SQL Server's"
                    f" error 229. A DBA can allow it with: {grant}"
                )
            elif held is None and schema_id is not None:
                lines.append(
                    f"{who} sees no table {table}, which the statement {verb}: it does not"
                    " exist, or the user holds no permission on it (SQL Server shows a"
                    " table only to a user with one), so every call of the tool fails. If"
                    f" it exists, a DBA can allow it with: {grant}"
                )
    return lines
