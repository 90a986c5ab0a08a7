"""The catalog side of DDL: columns, constraints, keys, indexes, identity triggers and
table rewrites, kept in step with SQLite.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection
from dataclasses import replace

from ..results import (
    ColumnType,
    Message,
    TdsError,
)
from . import errors, functions
from .catalog import DEFAULT_SCHEMA, Column, Table
from .column_features import record as record_features
from .column_ids import FORGET_SQL
from .date_literals import stored_default
from .ddl_parse import ColumnDef, ConstraintDef, CreateTable, IndexDef
from .infoschema import information_schema_facts
from .session_state import _q
from .sql_types import TYPE_IDS, affinity, storage
from .sqltext import default_definition
from .statements import Statements
from .system_versioning import period_columns, period_default
from .temp_tables import (
    TempIndex,
    TempKey,
    TempTable,
    create_identity,
    identity_triggers,
    tempdb_name,
    typed_temp_table,
)
from .unique_nulls import create_null_key_index, drop_null_key_index


def takes_null(col: ColumnDef, keyed: Collection[str]) -> bool:
    """Whether a new column takes NULL: as written, else not for an identity column or a
    column of the PRIMARY KEY (`keyed`, casefolded)."""
    if col.nullable is not None:
        return col.nullable
    return not (col.identity or col.name.casefold() in keyed)


def index_exists(name: str, table: Table) -> TdsError:
    """1913: `table` has an index `name` already ("Database Engine events and errors (1000
    to 1999)"; a PRIMARY KEY or UNIQUE constraint's index has the constraint's name)."""
    return TdsError(
        1913,
        f"The operation failed because an index or statistics with name '{name}' already"
        f" exists on table '{table.display_name}'.",
    )


def second_clustered(table: Table, existing: str) -> TdsError:
    """1902: a clustered index on a table that has one (`existing`)."""
    return TdsError(
        1902,
        f"Cannot create more than one clustered index on table '{table.display_name}'."
        f" Drop the existing clustered index '{existing}' before creating another.",
    )


def key_index_dropped(table: Table, name: str, kind: str) -> TdsError:
    """3723: DROP INDEX of the index of a PRIMARY KEY (kind 'PK') or UNIQUE constraint."""
    return TdsError(
        3723,
        f"An explicit DROP INDEX is not allowed on index '{table.display_name}.{name}'."
        f" It is being used for {'PRIMARY' if kind == 'PK' else 'UNIQUE'} KEY constraint"
        " enforcement.",
    )


class SchemaObjects(Statements):
    """Catalog rows and SQLite objects behind tables, constraints and indexes."""

    # The informational messages the running DDL statement sends (Ddl._ddl resets them).
    _ddl_info: list[Message]

    def _resolve(self, parts: list[str]) -> tuple[str, str]:
        if len(parts) == 3 and parts[0] and parts[0].casefold() != self.database.casefold():
            raise errors.unsupported("cross-database DDL")
        name = parts[-1]
        schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
        return schema, name

    def _resolve_new(self, parts: list[str]) -> tuple[str, str, int]:
        """The schema, name and schema_id of a module CREATE names (a procedure, a
        function, a security policy): 2760 when the schema does not exist."""
        schema, name = self._resolve(parts)
        schema_id = self.catalog.schema_id(schema)
        if schema_id is None:
            raise errors.schema_missing(schema)
        return schema, name, schema_id

    def _create_temp_table(self, name: str, ddl: CreateTable, variable: str = "") -> None:
        """CREATE TABLE #t, or the temporary table of the table variable `variable`
        (table_variables.py)."""
        identities = [c for c in ddl.columns if c.identity]
        if len(identities) > 1:
            raise errors.multiple_identities(name)
        if any(col.type is None for col in ddl.columns):
            raise errors.unsupported("computed columns in temporary tables")
        keyed = {col.casefold() for c in ddl.constraints if c.kind == "PK" for col, _ in c.columns}
        # NOT NULL, a PRIMARY KEY's column and an identity column take no NULL: typed so,
        # a SELECT's result metadata says so, as a permanent table's does
        columns = [
            (c.name, replace(c.type, nullable=takes_null(c, keyed)), c.identity)
            for c in ddl.columns
            if c.type
        ]
        table = typed_temp_table(name, tempdb_name(name, variable), columns, variable)
        defaults = {
            c.for_column.casefold(): c.expression
            for c in ddl.constraints
            if c.kind == "D" and c.for_column and c.expression
        }
        scalar = self.engine.translator.translate_scalar
        cols = []
        for col, written in zip(table.columns, ddl.columns, strict=True):
            decl = f"{_q(col.name)} {affinity(col.type)}"
            # a PRIMARY KEY's columns take no NULL; an identity column's trigger fills it after
            if (written.nullable is False or col.name.casefold() in keyed) and not col.is_identity:
                decl += " NOT NULL"
            default = defaults.get(col.name.casefold())
            if default is not None:
                decl += f" DEFAULT ({stored_default(scalar(default_definition(default)), col)})"
            cols.append(decl)
        cols += self._temp_constraints(table, ddl.constraints)
        try:
            self.conn.execute(f"CREATE TEMP TABLE {_q(name)} ({', '.join(cols)})")
        except sqlite3.OperationalError as exc:
            if "already exists" in str(exc):
                raise errors.object_exists(name) from None
            raise
        for key in table.keys:
            if key.kind == "UQ":
                create_null_key_index(
                    self.conn, table, f"{table.name}.{key.name}", list(key.columns)
                )
        if identities and identities[0].identity:
            create_identity(self.conn, name, identities[0].name, identities[0].identity)
        for idx in ddl.indexes:
            self._create_temp_index(table, idx)
        # SQL Server creates the table without its FOREIGN KEYs and says so, naming a
        # system-named one by the table ("Database Engine events and errors (1000 to 1999)")
        self._ddl_info += [
            Message(
                1756,
                f"Skipping FOREIGN KEY constraint '{c.name or name}' definition for temporary"
                " table. FOREIGN KEY constraints are not enforced on local or global temporary"
                " tables.",
                severity=10,
            )
            for c in ddl.constraints
            if c.kind == "F"
        ]
        self.temp_tables[name.casefold()] = table

    def _create_temp_index(self, table: TempTable, idx: IndexDef) -> None:
        """CREATE INDEX on a temporary table (or INDEX in its CREATE TABLE): a SQLite index,
        unique for a UNIQUE one. Its name is the table's own (1913 if the table has it
        already), and a table has one clustered index at most (1902)."""
        if table.index_named(idx.name) is not None:
            raise index_exists(idx.name, table)
        clustered = table.clustered_index
        if idx.clustered and clustered is not None:
            raise second_clustered(table, clustered)
        for col_name in [c for c, _ in idx.columns] + idx.include:
            if table.column(col_name) is None:
                raise errors.invalid_column(col_name)
        sqlite_name = f"{table.name}.{idx.name}"
        self._sqlite_index(idx, table, sqlite_name)
        columns = tuple(c for c, _ in idx.columns)
        table.indexes.append(TempIndex(idx.name, idx.unique, idx.clustered, columns, sqlite_name))

    def _drop_temp_index(self, table: TempTable, name: str) -> bool:
        """DROP INDEX name ON #t: False if the table has no such index; 3723 for a key
        constraint's."""
        found = table.index_named(name)
        if isinstance(found, TempKey):
            raise key_index_dropped(table, name, found.kind)
        if found is None:
            return False
        self.conn.execute(f"DROP INDEX {_q(found.sqlite_name)}")
        drop_null_key_index(self.conn, found.sqlite_name)
        table.indexes.remove(found)
        return True

    def _temp_constraints(self, table: TempTable, constraints: list[ConstraintDef]) -> list[str]:
        """A temporary table's PRIMARY KEY, UNIQUE and CHECK constraints as its SQLite
        table's, named as a permanent table's are (a system name starts with its tempdb
        name) and noted on `table` for their errors (constraint_errors.py). A name another
        of the session's temporary tables has is 2714, a second PRIMARY KEY 8110
        ("Database Engine events and errors (8000 to 8999)")."""
        if sum(c.kind == "PK" for c in constraints) > 1:
            raise TdsError(
                8110,
                f"Cannot add multiple PRIMARY KEY constraints to table '{table.written_name}'.",
            )
        taken = {n.casefold() for t in self.temp_tables.values() for n in t.constraint_names}
        parts = []
        for c in constraints:
            if c.kind not in ("PK", "UQ", "C"):
                continue
            name = c.name or self._constraint_name(c.kind, table.tempdb_name, c.for_column)
            if name.casefold() in taken:
                raise errors.object_exists(name)
            taken.add(name.casefold())
            if c.kind == "C":
                check = self.engine.translator.translate_scalar(c.expression or "")
                parts.append(f"CONSTRAINT {_q(name)} CHECK ({check})")
                table.checks[name] = c.for_column
                continue
            columns = tuple(col for col, _ in c.columns)
            missing = next((col for col in columns if table.column(col) is None), None)
            if missing is not None:
                raise errors.invalid_column(missing)
            parts.append(f"CONSTRAINT {_q(name)} UNIQUE ({', '.join(_q(c) for c in columns)})")
            clustered = c.clustered if c.clustered is not None else c.kind == "PK"
            table.keys.append(TempKey(name, c.kind, columns, clustered))
        return parts

    def _insert_column(self, object_id: int, column_id: int, col: ColumnDef, pk: set[str]) -> None:
        ctype = col.type or ColumnType("sql_variant")
        nullable = takes_null(col, pk)
        ctype = ColumnType(ctype.name, ctype.length, ctype.precision, ctype.scale, nullable)
        if col.type is None:
            max_length, precision, scale = 0, 0, 0
            facts = information_schema_facts(ColumnType("int"))
            facts = dict.fromkeys(facts)
        else:
            max_length, precision, scale = storage(ctype)
            facts = information_schema_facts(ctype)
            if facts["collation"] is not None and col.collation:
                facts["collation"] = col.collation
        seed, inc = col.identity or (None, None)
        self.conn.execute(
            "INSERT INTO __azsql_columns (object_id, column_id, name, type_name, system_type_id,"
            " max_length, precision, scale, type_length, is_nullable, is_identity, seed_value,"
            " increment_value, is_computed, computed_definition, is_persisted, is_rowguidcol,"
            " char_length, octet_length, num_precision, num_radix, num_scale, dt_precision,"
            " charset, collation) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                object_id,
                column_id,
                col.name,
                ctype.name,
                TYPE_IDS.get(ctype.name, 0),
                max_length,
                precision,
                scale,
                ctype.length,
                int(nullable),
                int(bool(col.identity)),
                seed,
                inc,
                int(col.computed is not None),
                default_definition(col.computed) if col.computed else None,
                int(col.persisted),
                int(col.rowguidcol),
                facts["char_length"],
                facts["octet_length"],
                facts["num_precision"],
                facts["num_radix"],
                facts["num_scale"],
                facts["dt_precision"],
                facts["charset"],
                facts["collation"],
            ),
        )
        record_features(self.conn, object_id, column_id, col.features)

    def _set_column_type(self, object_id: int, column_id: int, ctype: ColumnType) -> None:
        max_length, precision, scale = storage(ctype)
        facts = information_schema_facts(ctype)
        self.conn.execute(
            "UPDATE __azsql_columns SET type_name = ?, system_type_id = ?, max_length = ?,"
            " precision = ?, scale = ?, type_length = ?, char_length = ?, octet_length = ?,"
            " num_precision = ?, num_radix = ?, num_scale = ?, dt_precision = ?, charset = ?,"
            " collation = ? WHERE object_id = ? AND column_id = ?",
            (
                ctype.name,
                TYPE_IDS.get(ctype.name, 0),
                max_length,
                precision,
                scale,
                ctype.length,
                *facts.values(),
                object_id,
                column_id,
            ),
        )

    def _reload_table(self, table: Table) -> Table:
        """`table` with the columns of the metadata written so far (before catalog reload):
        a copy, as the catalog's own Table stays as loaded if the DDL rolls back."""
        columns: list[Column] = []
        for (
            cid,
            cname,
            tname,
            tlen,
            prec,
            scale,
            nullable,
            ident,
            seed,
            inc,
            comp,
        ) in self.conn.execute(
            "SELECT column_id, name, type_name, type_length, precision, scale, is_nullable,"
            " is_identity, seed_value, increment_value, computed_definition FROM __azsql_columns"
            " WHERE object_id = ? ORDER BY column_id",
            (table.object_id,),
        ):
            columns.append(
                Column(
                    cid,
                    cname,
                    ColumnType(tname, tlen, prec, scale, bool(nullable)),
                    bool(ident),
                    seed or 1,
                    inc or 1,
                    comp,
                )
            )
        return replace(table, columns=columns)

    def _constraint_name(self, kind: str, table: str, column: str | None) -> str:
        """A system name shaped like SQL Server's: PK__Customer__A1B2..., DF__Customer__Modif__."""
        suffix = os.urandom(8).hex().upper()
        if kind in ("PK", "UQ"):
            return f"{kind}__{table[:8]}__{suffix}"
        prefix = {"F": "FK", "C": "CK", "D": "DF"}[kind]
        return f"{prefix}__{table[:9]}__{(column or '')[:5]}__{suffix[:8]}"

    def _add_constraint_metadata(self, table: Table, c: ConstraintDef, now: str) -> None:
        conn = self.conn
        system_named = c.name is None
        column = c.for_column or (
            c.columns[0][0] if c.kind in ("F",) and len(c.columns) == 1 else None
        )
        name = c.name or self._constraint_name(c.kind, table.name, column)
        if (
            self.catalog.resolve_object_id(f"[{table.schema}].[{name}]") is not None
            or conn.execute(
                "SELECT 1 FROM __azsql_objects WHERE schema_id = ? AND name = ?",
                (table.schema_id, name),
            ).fetchone()
        ):
            raise errors.object_exists(name)
        oid = self.catalog.next_object_id()
        col_id = 0
        if c.for_column:
            col = table.column(c.for_column)
            if col is None:
                raise errors.invalid_column(c.for_column)
            col_id = col.column_id
        definition = default_definition(c.expression) if c.expression else None
        conn.execute(
            "INSERT INTO __azsql_objects (object_id, name, schema_id, parent_object_id, type,"
            " create_date, modify_date, is_system_named, definition, parent_column_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                oid,
                name,
                table.schema_id,
                table.object_id,
                c.kind,
                now,
                now,
                int(system_named),
                definition,
                col_id,
            ),
        )
        if c.kind == "D":
            if col_id == 0:
                raise errors.syntax_near("DEFAULT")
            conn.execute(
                "UPDATE __azsql_columns SET default_object_id = ? WHERE object_id = ?"
                " AND column_id = ?",
                (oid, table.object_id, col_id),
            )
        elif c.kind == "C" and c.expression:
            self.engine.translator.translate_scalar(c.expression)  # validate now
        elif c.kind == "F":
            self._fk_metadata(table, c, oid)
        c.name = name

    def _fk_metadata(self, table: Table, c: ConstraintDef, oid: int) -> None:
        assert c.ref_table is not None
        rschema, rname = self._resolve(c.ref_table)
        parent = self.catalog.table(rschema, rname)
        if parent is None and (rschema, rname) == (table.schema, table.name):
            parent = table
        if parent is None or parent.kind != "U":
            raise TdsError(
                1767,
                f"Foreign key '{c.name or ''}' references invalid table '{'.'.join(c.ref_table)}'.",
            )
        ref_cols = c.ref_columns
        key_index = self.conn.execute(
            "SELECT index_id FROM __azsql_indexes WHERE object_id = ? AND is_primary_key = 1",
            (parent.object_id,),
        ).fetchone()
        if not ref_cols:
            if key_index is None:
                raise TdsError(
                    1773,
                    f"Foreign key '{c.name}' has implicit reference to object"
                    f" '{parent.display_name}' which does not have a primary key defined"
                    " on it.",
                )
            ref_cols = [
                r[0]
                for r in self.conn.execute(
                    "SELECT c.name FROM __azsql_index_columns ic JOIN __azsql_columns c"
                    " ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
                    " WHERE ic.object_id = ? AND ic.index_id = ? ORDER BY ic.key_ordinal",
                    (parent.object_id, key_index[0]),
                )
            ]
            c.ref_columns = ref_cols
        if len(ref_cols) != len(c.columns):
            raise TdsError(
                8140,
                "More than one key specified in column level FOREIGN KEY"
                f" constraint, table '{table.name}'.",
            )
        ids = []
        for i, ((child_col, _), parent_col) in enumerate(zip(c.columns, ref_cols, strict=True)):
            cc, pc = table.column(child_col), parent.column(parent_col)
            if cc is None:
                raise TdsError(
                    1769,
                    f"Foreign key '{c.name}' references invalid column"
                    f" '{child_col}' in referencing table '{table.name}'.",
                )
            if pc is None:
                raise TdsError(
                    1770,
                    f"Foreign key '{c.name}' references invalid column"
                    f" '{parent_col}' in referenced table '{parent.name}'.",
                )
            ids.append(pc.column_id)
            self.conn.execute(
                "INSERT INTO __azsql_fk_columns VALUES (?, ?, ?, ?, ?, ?)",
                (oid, i + 1, table.object_id, cc.column_id, parent.object_id, pc.column_id),
            )
        idx = self.conn.execute(
            "SELECT i.index_id FROM __azsql_indexes i WHERE i.object_id = ? AND i.is_unique = 1"
            " AND (SELECT group_concat(column_id) FROM (SELECT column_id FROM"
            " __azsql_index_columns ic WHERE ic.object_id = i.object_id AND ic.index_id ="
            " i.index_id AND ic.is_included_column = 0 ORDER BY column_id)) = ?",
            (parent.object_id, ",".join(str(i) for i in sorted(ids))),
        ).fetchone()
        if idx is None and parent is not table:
            raise TdsError(
                1776,
                f"There are no primary or candidate keys in the referenced table"
                f" '{parent.display_name}' that match the referencing column list in"
                f" the foreign key '{c.name}'.",
            )
        self.conn.execute(
            "UPDATE __azsql_objects SET referenced_object_id = ?, key_index_id = ?,"
            " delete_action = ?, update_action = ? WHERE object_id = ?",
            (parent.object_id, idx[0] if idx else 1, c.on_delete, c.on_update, oid),
        )

    def _create_key_index(self, table: Table, c: ConstraintDef) -> None:
        """PRIMARY KEY / UNIQUE constraints are unique indexes in SQLite (the rowid PK excepted)."""
        clustered = c.clustered if c.clustered is not None else c.kind == "PK"
        idx = IndexDef(c.name or "", [table.schema, table.name], c.columns, True, clustered)
        rowid = c.kind == "PK" and table.identity_mode == "rowid"
        index_id = self._create_index(idx, table, sqlite=not rowid)
        self.conn.execute(
            "UPDATE __azsql_indexes SET is_primary_key = ?, is_unique_constraint = ?"
            " WHERE object_id = ? AND index_id = ?",
            (int(c.kind == "PK"), int(c.kind == "UQ"), table.object_id, index_id),
        )
        self.conn.execute(
            "UPDATE __azsql_objects SET unique_index_id = ?"
            " WHERE parent_object_id = ? AND name = ?",
            (index_id, table.object_id, c.name),
        )

    def _create_index(self, idx: IndexDef, table: Table | None = None, sqlite: bool = True) -> int:
        if table is None:
            schema, name = self._resolve(idx.table)
            table = self.catalog.table(schema, name)
            if table is None or table.kind != "U":
                raise errors.invalid_object(".".join(idx.table))
        conn = self.conn
        if conn.execute(
            "SELECT 1 FROM __azsql_indexes WHERE object_id = ? AND name = ?",
            (table.object_id, idx.name),
        ).fetchone():
            raise index_exists(idx.name, table)
        if idx.clustered:
            existing = conn.execute(
                "SELECT name FROM __azsql_indexes WHERE object_id = ? AND index_id = 1",
                (table.object_id,),
            ).fetchone()
            if existing:
                raise second_clustered(table, existing[0])
            conn.execute(
                "DELETE FROM __azsql_indexes WHERE object_id = ? AND index_id = 0",
                (table.object_id,),
            )
            index_id = 1
        else:
            row = conn.execute(
                "SELECT max(index_id) FROM __azsql_indexes WHERE object_id = ?", (table.object_id,)
            ).fetchone()
            index_id = max(row[0] or 0, 1) + 1
        sqlite_name = f"{table.sqlite_name}.{idx.name}" if sqlite else None
        conn.execute(
            "INSERT INTO __azsql_indexes VALUES (?, ?, ?, ?, ?, 0, 0, ?, 0, ?)",
            (
                table.object_id,
                index_id,
                idx.name,
                1 if idx.clustered else 2,
                int(idx.unique),
                sqlite_name,
                default_definition(idx.where) if idx.where else None,
            ),
        )
        for i, (col_name, desc) in enumerate(idx.columns, start=1):
            col = table.column(col_name)
            if col is None:
                raise errors.invalid_column(col_name)
            conn.execute(
                "INSERT INTO __azsql_index_columns VALUES (?, ?, ?, ?, ?, ?, 0)",
                (table.object_id, index_id, i, col.column_id, i, int(desc)),
            )
        for j, col_name in enumerate(idx.include, start=len(idx.columns) + 1):
            col = table.column(col_name)
            if col is None:
                raise errors.invalid_column(col_name)
            conn.execute(
                "INSERT INTO __azsql_index_columns VALUES (?, ?, ?, ?, 0, 0, 1)",
                (table.object_id, index_id, j, col.column_id),
            )
        if sqlite_name is not None:
            self._sqlite_index(idx, table, sqlite_name)
        return index_id

    def _sqlite_index(self, idx: IndexDef, table: Table, sqlite_name: str) -> None:
        """The SQLite index behind `idx` (a unique one with its NULL-key index,
        unique_nulls.py); a unique one over rows that share a key, NULLs equal, is 1505,
        naming the first such key ("Database Engine events and errors (1000 to 1999)")."""
        key_sql = ", ".join(f"{_q(c)}{' DESC' if desc else ''}" for c, desc in idx.columns)
        row_filter = self.engine.translator.translate_scalar(idx.where) if idx.where else None
        try:
            self.conn.execute(
                f"CREATE {'UNIQUE ' if idx.unique else ''}INDEX {_q(sqlite_name)} ON"
                f" {_q(table.sqlite_name)} ({key_sql})"
                + (f" WHERE {row_filter}" if row_filter else "")
            )
            if idx.unique:
                columns = [c for c, _ in idx.columns]
                create_null_key_index(self.conn, table, sqlite_name, columns, row_filter)
        except sqlite3.IntegrityError:
            self.conn.execute(f"DROP INDEX IF EXISTS {_q(sqlite_name)}")
            columns_sql = ", ".join(_q(c) for c, _ in idx.columns)
            key = self.conn.execute(
                f"SELECT {columns_sql} FROM {_q(table.sqlite_name)}"
                + (f" WHERE {row_filter}" if row_filter else "")
                + f" GROUP BY {columns_sql} HAVING count(*) > 1 LIMIT 1"
            ).fetchone()
            shown = ", ".join("<NULL>" if v is None else functions._to_str(v) for v in key)
            raise TdsError(
                1505,
                "The CREATE UNIQUE INDEX statement terminated because a duplicate key was found"
                f" for the object name '{table.display_name}' and the index name '{idx.name}'."
                f" The duplicate key value is ({shown}).",
            ) from None

    def _table_sql(self, table: Table) -> str:
        """The SQLite CREATE TABLE for a table, generated from its metadata."""
        conn = self.conn
        scalar = self.engine.translator.translate_scalar
        defaults = dict(
            conn.execute(
                "SELECT parent_column_id, definition FROM __azsql_objects"
                " WHERE parent_object_id = ? AND type = 'D'",
                (table.object_id,),
            ).fetchall()
        )
        periods = period_columns(conn, table.object_id)
        parts = []
        for col in table.columns:
            if col.computed is not None:
                parts.append(f"{_q(col.name)} GENERATED ALWAYS AS ({scalar(col.computed)}) VIRTUAL")
                continue
            if col.is_identity and table.identity_mode == "rowid":
                parts.append(f"{_q(col.name)} INTEGER PRIMARY KEY AUTOINCREMENT")
                continue
            decl = f"{_q(col.name)} {affinity(col.type)}"
            if not col.type.nullable and not col.is_identity:
                decl += " NOT NULL"
            if col.column_id in defaults:
                decl += f" DEFAULT ({stored_default(scalar(defaults[col.column_id]), col)})"
            elif col.column_id in periods:
                decl += f" DEFAULT ({period_default(periods[col.column_id], col.type)})"
            parts.append(decl)
        for name, definition in conn.execute(
            "SELECT name, definition FROM __azsql_objects WHERE parent_object_id = ?"
            " AND type = 'C' ORDER BY object_id",
            (table.object_id,),
        ).fetchall():
            parts.append(f"CONSTRAINT {_q(name)} CHECK ({scalar(definition)})")
        fks: dict[int, list[tuple[str, str, str, int, int]]] = {}
        for oid, child, ref_table, parent, on_delete, on_update in conn.execute(
            "SELECT o.object_id, cc.name, (SELECT s.name || '.' || r.name FROM __azsql_objects r"
            " JOIN __azsql_schemas s ON s.schema_id = r.schema_id WHERE r.object_id ="
            " fk.referenced_object_id), pc.name, o.delete_action, o.update_action"
            " FROM __azsql_objects o JOIN __azsql_fk_columns fk ON fk.constraint_object_id ="
            " o.object_id JOIN __azsql_columns cc ON cc.object_id = fk.parent_object_id AND"
            " cc.column_id = fk.parent_column_id JOIN __azsql_columns pc ON pc.object_id ="
            " fk.referenced_object_id AND pc.column_id = fk.referenced_column_id"
            " WHERE o.parent_object_id = ? AND o.type = 'F'"
            " ORDER BY o.object_id, fk.constraint_column_id",
            (table.object_id,),
        ):
            fks.setdefault(oid, []).append((child, ref_table, parent, on_delete, on_update))
        actions = {0: "NO ACTION", 1: "CASCADE", 2: "SET NULL", 3: "SET DEFAULT"}
        for cols in fks.values():
            child_cols = ", ".join(_q(c[0]) for c in cols)
            parent_cols = ", ".join(_q(c[2]) for c in cols)
            parts.append(
                f"FOREIGN KEY ({child_cols}) REFERENCES {_q(cols[0][1])} ({parent_cols})"
                f" ON DELETE {actions[cols[0][3]]} ON UPDATE {actions[cols[0][4]]}"
            )
        return f"CREATE TABLE {_q(table.sqlite_name)} ({', '.join(parts)})"

    def _identity_triggers(self, table: Table) -> None:
        ident = table.identity
        assert ident is not None
        where = f"object_id = {table.object_id} AND column_id = {ident.column_id}"
        identity_triggers(
            self.conn, table.sqlite_name, ident.name, "__azsql_columns", where, temp=False
        )

    def _rewrite_table_sql(self, table: Table) -> None:
        """Swap a table's stored CREATE statement (constraints added or dropped) in place."""
        conn = self.conn
        sql = self._table_sql(table)
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("PRAGMA writable_schema=ON")
        try:
            conn.execute(
                "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
                (sql, table.sqlite_name),
            )
            conn.execute(f"PRAGMA schema_version={version + 1}")
        finally:
            conn.execute("PRAGMA writable_schema=OFF")

    def _drop_index(self, table: Table, index_id: int) -> None:
        row = self.conn.execute(
            "SELECT sqlite_name, type FROM __azsql_indexes WHERE object_id = ? AND index_id = ?",
            (table.object_id, index_id),
        ).fetchone()
        if row and row[0]:
            self.conn.execute(f"DROP INDEX IF EXISTS {_q(row[0])}")
            drop_null_key_index(self.conn, row[0])
        self.conn.execute(
            "DELETE FROM __azsql_indexes WHERE object_id = ? AND index_id = ?",
            (table.object_id, index_id),
        )
        self.conn.execute(
            "DELETE FROM __azsql_index_columns WHERE object_id = ? AND index_id = ?",
            (table.object_id, index_id),
        )
        if row and row[1] == 1:
            self.conn.execute(
                "INSERT INTO __azsql_indexes VALUES (?, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL)",
                (table.object_id,),
            )

    def _drop_object(self, table: Table, kind: str) -> None:
        conn = self.conn
        oid = table.object_id
        if kind == "TABLE":
            ref = conn.execute(
                "SELECT name FROM __azsql_objects WHERE type = 'F' AND referenced_object_id = ?"
                " AND parent_object_id <> ?",
                (oid, oid),
            ).fetchone()
            if ref:
                raise TdsError(
                    3726,
                    f"Could not drop object '{table.display_name}' because it is"
                    f" referenced by a FOREIGN KEY constraint.",
                )
            for (index_name,) in conn.execute(
                "SELECT sqlite_name FROM __azsql_indexes WHERE object_id = ? AND sqlite_name"
                " IS NOT NULL",
                (oid,),
            ).fetchall():
                conn.execute(f"DROP INDEX IF EXISTS {_q(index_name)}")
            conn.execute(f"DROP TABLE {_q(table.sqlite_name)}")
            conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table.sqlite_name,))
        else:
            conn.execute(f"DROP VIEW {_q(table.sqlite_name)}")
        for sql in (
            "DELETE FROM __azsql_objects WHERE object_id = ? OR parent_object_id = ?",
            "DELETE FROM __azsql_fk_columns WHERE parent_object_id = ? OR referenced_object_id = ?",
        ):
            conn.execute(sql, (oid, oid))
        for sql in (
            "DELETE FROM __azsql_columns WHERE object_id = ?",
            "DELETE FROM __azsql_column_features WHERE object_id = ?",
            "DELETE FROM __azsql_indexes WHERE object_id = ?",
            "DELETE FROM __azsql_index_columns WHERE object_id = ?",
            "DELETE FROM __azsql_extended_properties WHERE class IN (1, 7) AND major_id = ?",
            "DELETE FROM __azsql_permissions WHERE class = 1 AND major_id = ?",
            "DELETE FROM __azsql_column_permissions WHERE object_id = ?",
            FORGET_SQL,
        ):
            conn.execute(sql, (oid,))
