"""Where a column of a statement comes from, resolved in its own scope (sqlglot's
optimizer.scope): a base table's column has the catalog's type; a derived table's or
CTE's column is the expression its SELECT projects, for the caller to type. A name a
query has shadowed (`FROM (SELECT CAST(d AS date) AS d FROM t) s`) is not the base
table's column of that name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, build_scope

from ..results import ColumnType
from .catalog import Catalog, Table
from .temp_tables import table_named

# A FROM source: a table, or the scope of a derived table or CTE.
Source: TypeAlias = "exp.Table | Scope"


class ColumnSources:
    """The sources of the columns of one statement, before its tables are renamed."""

    def __init__(self, tree: exp.Expression, catalog: Catalog):
        self._catalog = catalog
        self._scopes: dict[int, Scope] = {}
        self.scopes: list[Scope] = []  # every scope of the statement, subqueries' too
        for root in _root_scopes(tree):
            # innermost first: sqlglot lists a subquery's columns in the enclosing scope
            # too, where its tables are not sources (the subquery's scope resolves them)
            for scope in root.traverse():
                self.scopes.append(scope)
                for column in scope.columns:
                    self._scopes.setdefault(id(column), scope)
        # UPDATE and DELETE have no scope: their own tables (target, FROM, joins) are
        # the source of any column no query scope resolves.
        self._dml: dict[str, Source] = {}
        if isinstance(tree, (exp.Update, exp.Delete)):
            for table in tree.find_all(exp.Table):
                if table.find_ancestor(exp.Query) is None:
                    self._dml.setdefault(table.alias_or_name.casefold(), table)

    def source(self, column: exp.Column) -> ColumnType | exp.Expr | None:
        """A base-table column's type, the expression a derived table or CTE projects
        for the column, or None (unknown: ambiguous, not found, a UNION's column)."""
        return self._resolve(column.name, column.table, self._scopes.get(id(column)))

    def base_table(self, column: exp.Column) -> Table | None:
        """The table or view a column belongs to (None: a derived table's or CTE's
        column, or one no source resolves)."""
        source = self._find(column.name, column.table, self._scopes.get(id(column)))
        return self.table(source) if isinstance(source, exp.Table) else None

    def _resolve(
        self, name: str, qualifier: str, scope: Scope | None
    ) -> ColumnType | exp.Expr | None:
        source = self._find(name, qualifier, scope)
        if isinstance(source, exp.Table):
            table = self.table(source)
            column = table.column(name) if table is not None else None
            return column.type if column is not None else None
        if isinstance(source, Scope):
            return self._projection(name, source)
        return None

    def _find(self, name: str, qualifier: str, scope: Scope | None) -> Source | None:
        """The source the column names: in its scope, else, from a subquery, the
        enclosing one (correlation), up to the UPDATE's or DELETE's own tables. A derived
        table or CTE sees only its own FROM."""
        while scope is not None:
            found = self._pick(name, qualifier, _folded(scope.sources))
            if found is not None:
                return found
            if not scope.is_subquery and scope.parent is not None:
                return None
            scope = scope.parent
        return self._pick(name, qualifier, self._dml)

    def _pick(self, name: str, qualifier: str, sources: dict[str, Source]) -> Source | None:
        if qualifier:
            return sources.get(qualifier.casefold())
        having = [s for s in sources.values() if self._has(s, name)]
        return having[0] if len(having) == 1 else None

    def _has(self, source: Source, name: str) -> bool:
        if isinstance(source, exp.Table):
            table = self.table(source)
            return table is not None and table.column(name) is not None
        select = source.expression
        if not isinstance(select, exp.Select):
            return False
        return any(
            _is_star(p) or p.alias_or_name.casefold() == name.casefold() for p in select.selects
        )

    def _projection(self, name: str, scope: Scope) -> ColumnType | exp.Expr | None:
        """What a derived table's or CTE's SELECT gives for `name` (None for a UNION)."""
        select = scope.expression
        if not isinstance(select, exp.Select):
            return None
        for projection in select.selects:
            if not _is_star(projection) and projection.alias_or_name.casefold() == name.casefold():
                return projection.this if isinstance(projection, exp.Alias) else projection
        star = next((p for p in select.selects if _is_star(p)), None)
        if star is None:
            return None
        return self._resolve(name, star.table if isinstance(star, exp.Column) else "", scope)

    def table(self, table: exp.Table) -> Table | None:
        return table_named(table, self._catalog)


def _root_scopes(tree: exp.Expression) -> list[Scope]:
    """The scopes of a query or INSERT; an UPDATE's or DELETE's subqueries one by one."""
    try:
        root = build_scope(tree)
        if root is not None:
            return [root]
        tops = [q for q in tree.find_all(exp.Query) if q.find_ancestor(exp.Query) is None]
        return [s for s in (build_scope(q) for q in tops) if s is not None]
    except SqlglotError:
        return []


def _folded(sources: Mapping[str, object]) -> dict[str, Source]:
    return {k.casefold(): v for k, v in sources.items() if isinstance(v, (exp.Table, Scope))}


def _is_star(projection: exp.Expr) -> bool:
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
    )
