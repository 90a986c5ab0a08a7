"""SQLite constraint failures turned into the errors SQL Server reports (2627, 547, ...)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlglot import exp

from ..results import (
    TdsError,
)
from . import errors, functions
from .catalog import Table
from .session_state import SessionState, _q
from .temp_tables import TempIndex, TempKey, TempTable
from .translate import Query
from .unique_nulls import null_key_index_of

# A table's unique indexes (and key constraints) with their key's column ids; {where}
# picks them
_UNIQUE_INDEXES = (
    "SELECT i.object_id, i.name, i.is_primary_key, i.is_unique_constraint,"
    " group_concat(ic.column_id) FROM __azsql_indexes i JOIN __azsql_index_columns ic"
    " ON ic.object_id = i.object_id AND ic.index_id = i.index_id"
    " AND ic.is_included_column = 0 WHERE {where} GROUP BY i.index_id"
)


def _key_kind(is_primary_key: object, is_unique_constraint: object) -> str:
    """duplicate_key's kind: a PRIMARY KEY's or UNIQUE constraint's index, or an index."""
    return "PK" if is_primary_key else "UQ" if is_unique_constraint else "INDEX"


def _qualifiers(q: Query | None) -> frozenset[str]:
    """The names a column may be read through in `q`: each table's alias, or its name
    where it has none (then the alias alone names it: "MSSQLSERVER_4104"), derived
    tables' and CTEs' aliases (case folded)."""
    if q is None:
        return frozenset()
    found = {t.alias_or_name.casefold() for t in q.nodes(exp.Table)}
    # a table named with its schema (SQLite's error then gives its SQLite name)
    unaliased = {
        ".".join(p.name for p in t.parts).casefold() for t in q.nodes(exp.Table) if not t.alias
    }
    found.update(key for key, written in q.names.items() if written.casefold() in unaliased)
    found.update(a.name.casefold() for a in q.nodes(exp.TableAlias) if a.name)
    return frozenset(found)


class ConstraintErrors(SessionState):
    """Constraint failures as SQL Server errors."""

    # -- errors
    def _map(
        self, exc: sqlite3.Error, q: Query | None, bindings: dict[str, Any] | None
    ) -> TdsError:
        if self.pending_error is not None:
            err, self.pending_error = self.pending_error, None
            return err
        if "interrupted" in str(exc):
            return TdsError(3617, "The query was cancelled.", severity=11)
        text = str(exc)
        names = q.names if q is not None else {}
        statement = q.kind.upper() if q is not None else "INSERT"
        try:
            if text.startswith("UNIQUE constraint failed:"):
                return self._unique_error(text, q, bindings)
            if text.startswith("NOT NULL constraint failed:"):
                table, column = self._split_column(text.split(":", 1)[1].strip())
                temporary = self.temp_tables.get(table.casefold())
                if temporary is not None:
                    table = temporary.null_error_name
                else:
                    table = f"{self.database}.{table}"
                return errors.null_insert(column, table, statement)
            if text.startswith("FOREIGN KEY constraint failed"):
                return self._fk_error(q, bindings)
            if text.startswith("CHECK constraint failed:"):
                return self._check_error(text.split(":", 1)[1].strip(), q)
        except sqlite3.Error:
            pass
        return errors.from_sqlite(exc, names, self.spid, _qualifiers(q))

    def _split_column(self, qualified: str) -> tuple[str, str]:
        """'SalesLT.Customer.Name' -> ('SalesLT.Customer', 'Name') using the catalog."""
        table, _, column = qualified.rpartition(".")
        return table, column

    def _unique_error(
        self, text: str, q: Query | None, bindings: dict[str, Any] | None
    ) -> TdsError:
        indexed = null_key_index_of(text)
        if indexed is not None:
            return self._null_key_error(indexed, q, bindings)
        cols = [c.strip() for c in text.split(":", 1)[1].split(",")]
        table_name = cols[0].rpartition(".")[0]
        col_names = [c.rpartition(".")[2] for c in cols]
        table = self.catalog.tables.get(table_name.casefold())
        temporary = self.temp_tables.get(table_name.casefold())
        if table is None and temporary is not None:
            return self._temp_duplicate(
                temporary, temporary.key_on(col_names), col_names, q, bindings
            )
        if table is None:
            return errors.duplicate_key("?", "INDEX", table_name, None)
        want = [col.column_id for c in col_names if (col := table.column(c)) is not None]
        rows = self.conn.execute(
            _UNIQUE_INDEXES.format(where="i.object_id = ? AND i.is_unique = 1"),
            (table.object_id,),
        ).fetchall()
        name, kind = "?", "INDEX"
        for _, iname, is_pk, is_uq, colids in rows:
            if sorted(int(c) for c in str(colids).split(",")) == sorted(want):
                name, kind = iname, _key_kind(is_pk, is_uq)
                break
        values = self._duplicate_values(table, want, q, bindings)
        return errors.duplicate_key(name, kind, table.display_name, values)

    def _null_key_error(
        self, sqlite_name: str, q: Query | None, bindings: dict[str, Any] | None
    ) -> TdsError:
        """2627/2601 for a second key holding a NULL (unique_nulls.py): the unique index
        (or key constraint) the SQLite index `sqlite_name` is."""
        found = self.conn.execute(
            _UNIQUE_INDEXES.format(where="i.sqlite_name = ?"), (sqlite_name,)
        ).fetchone()
        table = self.catalog.table_by_id(found[0]) if found else None
        if found is not None and table is not None:
            want = [int(c) for c in str(found[4]).split(",")]
            kind = _key_kind(found[2], found[3])
            values = self._duplicate_values(table, want, q, bindings)
            return errors.duplicate_key(found[1], kind, table.display_name, values)
        for temporary in self.temp_tables.values():
            if not sqlite_name.startswith(f"{temporary.name}."):
                continue
            index = temporary.index_named(sqlite_name[len(temporary.name) + 1 :])
            if index is None:
                continue
            return self._temp_duplicate(temporary, index, list(index.columns), q, bindings)
        return errors.duplicate_key("?", "INDEX", "?", None)

    def _temp_duplicate(
        self,
        temporary: TempTable,
        key: TempKey | TempIndex | None,
        columns: list[str],
        q: Query | None,
        bindings: dict[str, Any] | None,
    ) -> TdsError:
        """2627/2601 on a temporary table: `key` the constraint or index (None when it
        cannot be told), `columns` its key's."""
        want = [c.column_id for n in columns if (c := temporary.column(n)) is not None]
        values = self._duplicate_values(temporary, want, q, bindings)
        if key is None:
            return errors.duplicate_key("?", "INDEX", temporary.display_name, values)
        kind = key.kind if isinstance(key, TempKey) else "INDEX"
        return errors.duplicate_key(key.name, kind, temporary.display_name, values)

    def _duplicate_values(
        self, table: Table, col_ids: list[int], q: Query | None, bindings: dict[str, Any] | None
    ) -> str | None:
        """Best effort: which key of an INSERT's rows collided (for SQL Server's message)."""
        if q is None or q.kind != "insert" or not isinstance(q.tsql, exp.Insert):
            return None
        source = q.tsql.expression
        if source is None:
            return None
        names = list(
            q.insert_columns
            or [c.name for c in table.columns if c.computed is None and not c.is_identity]
        )
        key_cols = [next(c for c in table.columns if c.column_id == cid) for cid in col_ids]
        try:
            positions = [[n.casefold() for n in names].index(c.name.casefold()) for c in key_cols]
        except ValueError:
            return None
        source_sql = source.sql("tsql")
        if isinstance(source, exp.Values):
            source_sql = f"SELECT * FROM {source_sql}"
        # The source again, undone after: NEXT VALUE FOR hands out the failed statement's
        # values once more, not new ones
        self.conn.execute("SAVEPOINT __azsql_key_probe")
        try:
            with self.sequence_values.trial():
                sq = self.engine.translator.translate(source_sql, self.database)
                rows = self.conn.execute(sq.sql, bindings or {}).fetchall()
        except (TdsError, sqlite3.Error):
            return None
        finally:
            self.conn.execute("ROLLBACK TO __azsql_key_probe")
            self.conn.execute("RELEASE __azsql_key_probe")
        seen: set[tuple[Any, ...]] = set()
        where = " AND ".join(f"{_q(c.name)} IS ?" for c in key_cols)  # one NULL per key
        for row in rows:
            key = tuple(row[p] for p in positions)
            exists = self.conn.execute(
                f"SELECT 1 FROM {_q(table.sqlite_name)} WHERE {where} LIMIT 1", key
            ).fetchone()
            if exists or key in seen:
                return ", ".join("<NULL>" if v is None else functions._to_str(v) for v in key)
            seen.add(key)
        return None

    def _fk_error(self, q: Query | None, bindings: dict[str, Any] | None) -> TdsError:
        statement = q.kind.upper() if q is not None else "INSERT"
        violations: list[tuple[str, int]] = []
        if q is not None:
            conn = self.conn
            conn.execute("SAVEPOINT __azsql_fk_probe")
            try:
                conn.execute("PRAGMA defer_foreign_keys=ON")
                with self.sequence_values.trial():
                    conn.execute(q.sql, bindings or {})
                violations = [(r[0], r[3]) for r in conn.execute("PRAGMA foreign_key_check")]
            except sqlite3.Error:
                violations = []
            finally:
                conn.execute("ROLLBACK TO __azsql_fk_probe")
                conn.execute("RELEASE __azsql_fk_probe")
                conn.execute("PRAGMA defer_foreign_keys=OFF")
        for child_name, fkid in violations:
            child = self.catalog.tables.get(child_name.casefold())
            if child is None:
                continue
            fk_cols = [
                r[3]
                for r in self.conn.execute(f"PRAGMA foreign_key_list({_q(child.sqlite_name)})")
                if r[0] == fkid
            ]
            found = self._find_fk(child, fk_cols)
            if found is None:
                continue
            fk_name, parent, parent_col, child_col = found
            target = q.target.casefold() if q is not None and q.target else ""
            if target == child.sqlite_name.casefold() and statement != "DELETE":
                return errors.constraint_conflict(
                    statement, "FOREIGN KEY", fk_name, self.database, parent, parent_col
                )
            return errors.constraint_conflict(
                statement, "REFERENCE", fk_name, self.database, child.display_name, child_col
            )
        return errors.constraint_conflict(statement, "FOREIGN KEY", "?", self.database, "?", None)

    def _find_fk(self, child: Table, fk_cols: list[str]) -> tuple[str, str, str, str] | None:
        rows = self.conn.execute(
            "SELECT o.name, fk.referenced_object_id, pc.name, rc.name"
            " FROM __azsql_objects o JOIN __azsql_fk_columns fk"
            " ON fk.constraint_object_id = o.object_id"
            " JOIN __azsql_columns pc ON pc.object_id = fk.parent_object_id"
            " AND pc.column_id = fk.parent_column_id"
            " JOIN __azsql_columns rc ON rc.object_id = fk.referenced_object_id"
            " AND rc.column_id = fk.referenced_column_id"
            " WHERE o.type = 'F' AND o.parent_object_id = ? ORDER BY fk.constraint_column_id",
            (child.object_id,),
        ).fetchall()
        wanted = {c.casefold() for c in fk_cols}
        by_fk: dict[str, list[tuple[int, str, str]]] = {}
        for name, ref_id, child_col, parent_col in rows:
            by_fk.setdefault(name, []).append((ref_id, child_col, parent_col))
        for name, cols in by_fk.items():
            if {c[1].casefold() for c in cols} == wanted:
                parent = self.catalog.table_by_id(cols[0][0])
                return name, parent.display_name if parent else "?", cols[0][2], cols[0][1]
        return None

    def _check_error(self, constraint: str, q: Query | None) -> TdsError:
        statement = q.kind.upper() if q is not None else "INSERT"
        temporary = self.temp_tables.get((q.target or "").casefold()) if q else None
        if temporary is not None and constraint in temporary.checks:
            return errors.constraint_conflict(
                statement,
                "CHECK",
                constraint,
                "tempdb",
                temporary.qualified_tempdb_name,
                temporary.checks[constraint],
            )
        row = self.conn.execute(
            "SELECT o.parent_object_id, o.parent_column_id FROM __azsql_objects o"
            " WHERE o.type = 'C' AND o.name = ?",
            (constraint,),
        ).fetchone()
        if row is None:
            return errors.constraint_conflict(
                statement,
                "CHECK",
                constraint,
                self.database,
                q.target_display or "?" if q else "?",
                None,
            )
        table = self.catalog.table_by_id(row[0])
        column = None
        if table is not None and row[1]:
            column = next((c.name for c in table.columns if c.column_id == row[1]), None)
        return errors.constraint_conflict(
            statement,
            "CHECK",
            constraint,
            self.database,
            table.display_name if table else "?",
            column,
        )
