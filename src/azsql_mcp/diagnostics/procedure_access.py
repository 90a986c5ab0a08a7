"""`azsql-mcp check`: whether the login may run each procedure the config declares as a
tool on a source.

db_datareader holds no EXECUTE and does not even see a procedure (its SELECT on the
database shows none, as widely observed; "Metadata visibility configuration" lists no
role's implicit permissions), which the catalog step reports with the GRANT; check.py
asks here only of the procedures that step found. A login that sees them without
EXECUTE (VIEW DEFINITION, or a permission on their schema) gets a tool that matches the
catalog, is listed, and fails every call with SQL Server's error 229 until a DBA
grants EXECUTE (docs/security.md). HAS_PERMS_BY_NAME answers 0 for a procedure the
user may not run, DENY included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azsql_mcp.api import Database
from azsql_mcp.catalog.access import execute_grant, quote
from azsql_mcp.values import records

EXECUTE_HELD = """
SELECT USER_NAME() AS user_name,
       HAS_PERMS_BY_NAME(@procedure, N'OBJECT', N'EXECUTE') AS held
"""


def declared_procedures(
    tools: Mapping[str, Mapping[str, Any]], source: str, default_source: str | None
) -> list[tuple[str, str]]:
    """(tool, procedure) of each `[tools.NAME]` with a `procedure` on `source` (a table
    that names no source uses the default one), by tool name."""
    return [
        (name, table["procedure"])
        for name, table in sorted(tools.items())
        if isinstance(table.get("procedure"), str)
        and (table.get("source") or default_source) == source
    ]


async def execute_missing_lines(db: Database, procedures: list[tuple[str, str]]) -> list[str]:
    """A warning for each declared procedure the database user may not run, with the GRANT."""
    lines = []
    for tool, procedure in procedures:
        r = records(await db.read(EXECUTE_HELD, {"procedure": procedure}))[0]
        if r["held"] != 0:
            continue
        user = str(r["user_name"] or "")
        lines.append(
            f"tools.{tool}: the database user {quote(user)} may not run {procedure} (no"
            " EXECUTE, or a DENY), so every call of the tool fails with SQL Server's error"
            f" 229. A DBA can allow it with: {execute_grant(procedure, user)}"
        )
    return lines
