"""Result columns as tools show them: a column without a name gets one.

SQL Server leaves an expression without an alias unnamed (`SELECT COUNT(*) ...`, whose
column SSMS shows as "(No column name)"). An empty name is no use to an agent and
would collide with a second one, so such a column is called `(column N, no name)`,
N its 1-based position: unique, and in parentheses, which no bare identifier has.
"""

from __future__ import annotations

from collections.abc import Iterable

from azsql_mcp.api import Column


def result_columns(described: Iterable[tuple[str, str]]) -> list[Column]:
    """Columns of (name, SQL type) pairs as the driver described them, each named."""
    pairs = list(described)
    taken = {name for name, _ in pairs if name}
    columns = []
    for position, (name, sql_type) in enumerate(pairs, start=1):
        if not name:
            name = f"(column {position}, no name)"
            while name in taken:  # a real column aliased so: this one stays distinct
                name = f"({name})"
        columns.append(Column(name, sql_type))
    return columns
