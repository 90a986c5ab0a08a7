"""The columns of each table and view a statement reads, for column permissions: every
column a scope names that resolves to a table or view (a correlated subquery's outer
columns included), and every column of the tables a `*` or `t.*` selects from, in a
derived table or CTE too (SQL Server checks the columns a `*` expands to).
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope

from .catalog import Catalog, Table
from .column_sources import ColumnSources


def columns_read(tree: exp.Expression, catalog: Catalog) -> dict[int, set[str]] | None:
    """object_id -> the casefolded names of the columns the statement reads of it; None
    when the statement cannot be scoped (the caller then takes every column as read)."""
    sources = ColumnSources(tree, catalog)
    if not sources.scopes:
        return None
    reads: dict[int, set[str]] = {}
    for scope in sources.scopes:
        for column in scope.columns:
            table = sources.base_table(column)
            if table is not None:
                reads.setdefault(table.object_id, set()).add(column.name.casefold())
        for table in _starred(scope, sources):
            names = reads.setdefault(table.object_id, set())
            names.update(c.name.casefold() for c in table.columns)
    return reads


def _starred(scope: Scope, sources: ColumnSources) -> list[Table]:
    """The tables and views a `*` or `t.*` of the scope's SELECT list expands."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    found: list[exp.Table | Scope] = []
    try:
        for projection in select.selects:
            if isinstance(projection, exp.Star):
                found.extend(source for _, source in scope.selected_sources.values())
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                source = scope.sources.get(projection.table)
                if source is not None:
                    found.append(source)
    except SqlglotError:  # an alias used twice: SQL Server refuses the statement anyway
        return []
    tables = [sources.table(s) for s in found if isinstance(s, exp.Table)]
    return [t for t in tables if t is not None]
