"""What SQL Server says of a statement without running it, in the driver process: its
estimated plan (showplan) and the types it deduces for its parameters."""

from __future__ import annotations

from typing import Any

from azsql_mcp.db.driverconn import Connection, large_values, statement


def showplan(conn: Connection, sql: str, names: list[str], timeout_s: int) -> str:
    """The estimated plan of `sql` (parameters written `@name`), as ShowPlanXML.

    Under SHOWPLAN_XML nothing runs, but a parameterized statement sent as an RPC
    (sp_executesql with every parameter bound as NULL) would have those NULLs sniffed
    when the plan is compiled, so `WHERE x > @p` would be estimated for `x > NULL`.
    The estimate SQL Server documents for an unknown value is that of a local variable,
    so the statement goes as a plain batch that declares its parameters, typed as
    sp_describe_undeclared_parameters suggests (it needs no permission beyond the
    statement's own, and runs before SHOWPLAN is switched on). Where it suggests none
    (a CLR type, or `@a = @b`, which fails the whole call) the parameter is declared
    nvarchar(4000)."""
    with statement(conn, timeout_s) as cursor:
        types: dict[str, str] = {}
        if names:
            import pyodbc

            try:
                described = cursor.execute(
                    "EXEC sp_describe_undeclared_parameters @tsql = ?", sql
                ).fetchall()
            except pyodbc.Error:  # a type SQL Server cannot deduce (`@a = @b`) fails them all
                described = []
            types = suggested_types(described)
        large_values().set_textsize(conn, cursor, None)  # the plan is an nvarchar(max)
        cursor.execute("SET SHOWPLAN_XML ON")  # must be alone in its batch
        try:
            cursor.execute(_declared_batch(sql, names, types))
            documents = []  # one per batch on SQL Server; the plan of the query comes last
            while True:
                if cursor.description is not None:
                    text = "".join(str(r[0]) for r in cursor.fetchall() if r[0] is not None)
                    if text:
                        documents.append(text)
                if not cursor.nextset():
                    break
        finally:
            cursor.execute("SET SHOWPLAN_XML OFF")
    return documents[-1] if documents else ""


UNSUGGESTED_TYPE = "nvarchar(4000)"


def suggested_types(described: list[Any]) -> dict[str, str]:
    """Parameter name -> type from sp_describe_undeclared_parameters' rows (columns 1 and
    3); a NULL suggestion (a CLR type, or one it cannot deduce) is left out."""
    return {str(row[1]).lstrip("@").lower(): str(row[3]) for row in described if row[3] is not None}


def _declared_batch(sql: str, names: list[str], types: dict[str, str]) -> str:
    """`DECLARE @a type, ...;` then the statement (see showplan for why)."""
    unique = list(dict.fromkeys(names))
    if not unique:
        return sql
    # Where SQL Server suggests no type: nvarchar(4000), which LIKE, string functions and
    # arithmetic accept and which converts implicitly to the other side of a comparison
    # (sql_variant would fail LIKE with 8116 and arithmetic with 8117).
    declared = ", ".join(f"@{n} {types.get(n.lower(), UNSUGGESTED_TYPE)}" for n in unique)
    return f"DECLARE {declared};\n{sql}"
