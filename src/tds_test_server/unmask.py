"""UNMASK, as GRANT, DENY and REVOKE keep it: on the database (`GRANT UNMASK TO u`), and
SQL Server 2022's granular UNMASK on a schema, a table or a column ("Dynamic data
masking", Permissions: `GRANT UNMASK ON SCHEMA::s`, `ON s.t`, `ON s.t (c)`), which
HAS_PERMS_BY_NAME answers for. The values themselves are never masked here
(docs/test-server-limits.md): the rows only say who could read them unmasked.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .principals import Principal

UNMASK = "UNMASK"
OBJECT_TYPES = ("U",)  # masks are on table columns


def unmasks(
    principal: Principal, conn: sqlite3.Connection, object_id: int, schema_id: int, column_id: int
) -> bool:
    """Whether the user reads the column unmasked: dbo, or a GRANT UNMASK on the column,
    its table, schema or the database, and no DENY on any of them (a choice: DENY wins,
    as it does for every permission but SELECT's table-over-column exception)."""
    if principal.privileged:
        return True
    states = {state for _, state in principal.states(conn, UNMASK, object_id, schema_id)}
    grantees = principal.grantees
    states.update(
        row[0]
        for row in conn.execute(
            "SELECT state FROM __azsql_column_permissions WHERE object_id = ? AND column_id = ?"
            f" AND permission_name = ? AND grantee IN ({', '.join('?' for _ in grantees)})",
            (object_id, column_id, UNMASK, *grantees),
        )
    )
    return "G" in states and "D" not in states
