"""SELECT ... INTO new_table ("SELECT - INTO clause (Transact-SQL)"): a new table, a session
temporary one (`#t`, as CREATE TABLE #t makes) or a permanent one, made from the select
list and filled with its rows in one statement.

Each new column has the name, type and nullability of its select-list expression as the
query's result is typed (translate.py), NULL-able where a row holds a NULL (a NOT NULL
column read through an outer join); an expression without a name is error 1038, a name
given twice 2705. A column that selects an identity column keeps or loses its IDENTITY
property as into_clause.py reads the docs. No index, constraint or trigger of the source is
carried over. The DONE token counts the rows, as an INSERT's does.

A permanent table needs the CREATE TABLE permission in the database (262 without it); a
temporary one is made in tempdb, where anyone may. The table is made and filled as DDL is
(Ddl._in_ddl_transaction), in its own transaction unless the session holds one: a failure
leaves no table, and a ROLLBACK of the session's transaction takes it away again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlglot import exp

from ..results import ColumnType, Done, Result, TdsError
from . import errors
from .batches import Statement
from .catalog import Table
from .ddl import Ddl
from .ddl_parse import ColumnDef, CreateTable
from .into_clause import IdentitySource, IntoClause, identity_sources
from .session_state import _NONAME, Variable, _q
from .statements import inferred
from .temp_tables import table_named
from .translate import Query


def _unnamed() -> TdsError:
    return TdsError(
        1038,
        "An object or column name is missing or empty. For SELECT INTO statements, verify"
        " each column has a name. For other statements, look for empty alias names. Aliases"
        ' defined as "" or [] are not allowed. Change the alias to a valid name.',
        severity=15,
    )


class SelectInto(Ddl):
    """SELECT ... INTO: the statement's query, typed as a SELECT's, makes the new table."""

    def _query(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]:
        q = self.engine.translator.translate(stmt.text, self.database)
        if q.into is None:
            yield from super()._query(stmt, scope)
            return
        into = q.into.table
        temporary = isinstance(into.this, exp.Identifier) and bool(into.this.args.get("temporary"))
        schema, name = self._resolve(
            [into.catalog, into.db, ("#" if temporary else "") + into.name]
        )
        written = ".".join(p for p in (into.catalog, into.db, name) if p)
        if not temporary:
            self.principal.check_ddl("CREATE", "TABLE", written, self.database)
        if q.assign or q.json is not None or q.xml is not None:
            raise errors.unsupported("SELECT ... INTO with variables, FOR JSON or FOR XML")
        self._check_select(q)
        if self.fmtonly:  # SET FMTONLY ON: nothing runs, and the statement has no columns
            yield Done(None)
            return
        self._refresh(q.needs)
        bindings = self._bindings(q, scope)
        self.pending_error = None
        self._ddl_info = []  # CREATE TABLE's messages: a SELECT ... INTO table has no FOREIGN KEY
        filled: list[int] = []
        self._in_ddl_transaction(
            lambda: filled.append(self._fill(q, bindings, scope, [schema, name], written)),
            reload=not temporary,
        )
        self.rowcount = filled[0]
        yield Done(None if self.nocount else filled[0])

    def _fill(
        self,
        q: Query,
        bindings: dict[str, Any],
        scope: dict[str, Variable],
        parts: list[str],
        written: str,
    ) -> int:
        """Run the query, make the table from its columns and insert its rows: how many."""
        cursor = self._run(q, bindings)
        try:
            rows = cursor.fetchall()
        except sqlite3.Error as exc:
            raise self._map(exc, q, bindings) from None
        finally:
            cursor.close()
        names = [d[0] for d in cursor.description or []]
        types = inferred([t for t, _ in self._declared(q, len(names), scope)], rows)
        sources = identity_sources(q.tsql, self._table_of, len(names))
        name = parts[-1]
        assert q.into is not None
        self._identity_functions(q.into, names, types, sources, name)
        columns: list[ColumnDef] = []
        for i, (column, ctype, source) in enumerate(zip(names, types, sources, strict=True)):
            if column.startswith(_NONAME) or not column:
                raise _unnamed()
            if any(c.name.casefold() == column.casefold() for c in columns):
                raise errors.duplicate_column(column, written)
            columns.append(_column(column, ctype, source, any(r[i] is None for r in rows)))
        ddl = CreateTable(parts, columns, [], [])
        temporary = name.startswith("#")
        if temporary:
            self._create_temp_table(name, ddl)
            target = name
        else:
            self._create_table(ddl)
            target = f"{parts[0]}.{name}"
        try:
            marks = ", ".join("?" * len(columns))
            inserted = self.conn.executemany(f"INSERT INTO {_q(target)} VALUES ({marks})", rows)
        except BaseException:
            self.temp_tables.pop(target.casefold(), None)  # its SQLite table is rolled back
            raise
        if rows and any(c.identity for c in columns):
            # "@@IDENTITY (Transact-SQL)": after SELECT INTO, the last identity value it made
            if not temporary:
                self.catalog.load(self.conn)
            self._note_identity(target, inserted)
        return len(rows)

    @staticmethod
    def _identity_functions(
        into: IntoClause,
        names: list[str],
        types: list[ColumnType],
        sources: list[IdentitySource | None],
        table: str,
    ) -> None:
        """The IDENTITY function's column takes its type and identity, in place; with
        another it is 8109, beside an inherited identity column 8108 ("Database Engine
        events and errors (8000 to 8999)")."""
        if len(into.identity_functions) > 1:
            raise TdsError(
                8109,
                f"Attempting to add multiple identity columns to table '{table}' using the"
                " SELECT INTO statement.",
            )
        for column, ctype, identity in into.identity_functions:
            held = zip(names, sources, strict=True)
            inherited = next((n for n, s in held if s and s.identity), None)
            if inherited is not None:
                raise TdsError(
                    8108,
                    f"Cannot add identity column, using the SELECT INTO statement, to table"
                    f" '{table}', which already has column '{inherited}' that inherits the"
                    " identity property.",
                )
            for i, n in enumerate(names):  # none where it has no name: 1038 follows
                if n.casefold() == column.casefold():
                    types[i], sources[i] = ctype, IdentitySource(identity)

    def _table_of(self, node: exp.Table) -> Table | None:
        """The session's temporary table or the catalog's table a FROM names."""
        return table_named(node, self.catalog)


def _column(
    name: str, ctype: ColumnType, source: IdentitySource | None, has_null: bool
) -> ColumnDef:
    """A new column: an identity column's IDENTITY kept or, lost, NOT NULL in its place
    (an IDENTITY function's rows are NULLs its identity fills in)."""
    identity = source.identity if source else None
    nullable = identity is None and (has_null or (ctype.nullable and source is None))
    typed = replace(ctype, nullable=nullable)
    return ColumnDef(name, typed, nullable, identity)
