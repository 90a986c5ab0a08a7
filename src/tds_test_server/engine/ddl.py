"""DDL statements: CREATE/ALTER/DROP of schemas, tables, views and indexes, TRUNCATE, run in
their own transaction unless the session holds one.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable

from sqlglot.tokens import TokenType

from .. import principals
from ..results import (
    ColumnType,
    Message,
    TdsError,
)
from . import (
    errors,
    generated_columns,
    ledger,
    memory_optimized,
    sequences,
    synonyms,
    system_versioning,
    temporal_tables,
)
from .batches import Statement, word
from .catalog import DEFAULT_SCHEMA, Table
from .column_ids import keep_max_used, max_used
from .ddl_parse import (
    AlterTable,
    ColumnDef,
    CreateTable,
    IndexDef,
    parse_alter_table,
    parse_create_index,
    parse_create_table,
)
from .index_state import alter_index
from .schema_objects import SchemaObjects, key_index_dropped
from .session_state import _NONAME, _now_text, _q
from .sql_types import affinity
from .token_stream import Tokens

_PERMISSION_VERBS = ("GRANT", "DENY", "REVOKE")
# The sys.objects types each kept permission applies to (procedures and scalar
# functions are executed; tables, views and inline table-valued functions selected).
# The tables GRANT, DENY and REVOKE keep their rows in, with each row's key columns.
_OBJECT_ROWS = ("__azsql_permissions", ("class", "major_id", "grantee", "permission_name"))
_COLUMN_ROWS = (
    "__azsql_column_permissions",
    ("object_id", "column_id", "grantee", "permission_name"),
)
_PERMISSION_OBJECT_TYPES = {
    "EXECUTE": ("P", "PC", "FN", "FS", "X", "SN"),
    "SELECT": ("U", "V", "IF", "TF", "SN"),  # a synonym takes either (synonyms.py)
    principals.UNMASK: ("U",),  # masks are on table columns
}


def _column_list(ts: Tokens) -> list[str]:
    """`(column, ...)` of a column permission, or nothing."""
    if not ts.accept_type(TokenType.L_PAREN):
        return []
    columns = [ts.name()]
    while ts.accept_type(TokenType.COMMA):
        columns.append(ts.name())
    ts.expect_type(TokenType.R_PAREN)
    return columns


def _on_temporary_table(stmt: Statement) -> bool:
    """Whether a DDL statement's object is a temporary table: `CREATE TABLE #t`, `DROP
    INDEX #t.ix`, or an index `... ON #t` (anyone may change their own)."""
    tokens = stmt.tokens
    if any(t.token_type == TokenType.HASH for t in tokens[:4]):
        return True
    after_on = [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t.token_type == TokenType.ON]
    return (
        "INDEX" in stmt.words(4)
        and bool(after_on)
        and all(t.token_type == TokenType.HASH for t in after_on)
    )


class Ddl(SchemaObjects):
    """The DDL statements."""

    # -- DDL
    def _ddl(self, stmt: Statement) -> list[Message]:
        """Run a DDL statement; the informational messages it sends (1756)."""
        self._ddl_info = []
        if stmt.words(1)[0] in _PERMISSION_VERBS:
            if not self.principal.privileged:
                raise TdsError(4613, "Grantor does not have GRANT permission.", severity=16)
            self._in_ddl_transaction(lambda: self._permission(stmt), reload=False)
            return []
        if stmt.words(2) == ["ALTER", "ROLE"]:
            self._in_ddl_transaction(lambda: self._alter_role(stmt), reload=False)
            return []
        action = self._ddl_action(stmt)
        temp = _on_temporary_table(stmt)
        if not temp and not self.principal.privileged:
            target = principals.ddl_target(stmt.words(4), [t.text for t in stmt.tokens])
            self.principal.check_ddl(*target, self.database)
        self._in_ddl_transaction(lambda: action(stmt), reload=not temp)
        return self._ddl_info

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        w = stmt.words(4)
        verb, kind = w[0], w[1]
        if verb == "CREATE" and kind in ("UNIQUE", "CLUSTERED", "NONCLUSTERED", "INDEX"):
            return lambda s: self._create_index_statement(parse_create_index(s))
        if verb == "CREATE" and kind == "TABLE":
            return lambda s: self._create_table(parse_create_table(s), s)
        if verb == "ALTER" and kind == "DATABASE" and memory_optimized.is_elevate_option(stmt):
            return lambda s: memory_optimized.set_elevate(self.conn, s)
        if verb == "CREATE" and kind == "SCHEMA":
            return self._create_schema
        if (verb in ("CREATE", "ALTER") and kind == "VIEW") or (kind == "OR" and w[3] == "VIEW"):
            return self._create_view
        if verb == "ALTER" and kind == "TABLE":
            return lambda s: self._alter_table(parse_alter_table(s))
        if verb == "ALTER" and kind == "INDEX":
            return lambda s: alter_index(self.conn, self.catalog, self._resolve, s)
        if verb == "DROP" and kind in ("TABLE", "VIEW", "INDEX", "SCHEMA"):
            return self._drop
        if verb == "TRUNCATE" and kind == "TABLE":
            return self._truncate
        if verb == "CREATE" and kind == "SEQUENCE":
            return lambda s: sequences.create_sequence(self.conn, self.catalog, s, _now_text())
        if verb == "ALTER" and kind == "SEQUENCE":
            return lambda s: sequences.alter_sequence(self.conn, s, _now_text())
        if verb == "DROP" and kind == "SEQUENCE":
            return lambda s: sequences.drop_sequence(self.conn, s)
        if verb == "CREATE" and kind == "SYNONYM":
            return lambda s: synonyms.create_synonym(self.conn, self.catalog, s, _now_text())
        if verb == "DROP" and kind == "SYNONYM":
            return lambda s: synonyms.drop_synonym(self.conn, self.catalog, s)
        what = stmt.tokens[1].text.upper() if len(stmt.tokens) > 1 else ""
        raise errors.unsupported(f"{verb} {what}".strip())

    def _create_index_statement(self, idx: IndexDef) -> None:
        """CREATE INDEX on a temporary table of the session or on a permanent table."""
        name = self._resolve(idx.table)[1]
        temporary = self.temp_tables.get(name.casefold()) if name.startswith("#") else None
        if temporary is not None:
            self._create_temp_index(temporary, idx)
        else:
            self._create_index(idx)

    def _in_ddl_transaction(self, action: Callable[[], object], reload: bool = True) -> None:
        conn = self.conn
        own = self._depth == 0
        try:
            if own:
                conn.execute("BEGIN IMMEDIATE")
            else:
                conn.execute("SAVEPOINT __azsql_ddl")
            action()
            if own:
                conn.execute("COMMIT")
            else:
                conn.execute("RELEASE __azsql_ddl")
                self._ddl_in_tran = True
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                if own:
                    conn.execute("ROLLBACK")
                else:
                    conn.execute("ROLLBACK TO __azsql_ddl")
                    conn.execute("RELEASE __azsql_ddl")
            if isinstance(exc, sqlite3.Error):
                raise self._map(exc, None, None) from None
            raise
        finally:
            if reload:
                self.catalog.load(conn)

    def _alter_role(self, stmt: Statement) -> None:
        """ALTER ROLE db_datareader | db_datawriter ADD | DROP MEMBER user: kept in
        __azsql_role_members over what --login gave the user (members are not checked to
        exist, like grantees)."""
        ts = Tokens(stmt)
        ts.expect("ALTER")
        ts.expect("ROLE")
        role = ts.name()
        if not self.principal.privileged:
            raise TdsError(
                15151,
                f"Cannot alter the role '{role}', because it does not exist or you do not"
                " have permission.",
            )
        verb = ts.expect("ADD", "DROP")
        ts.expect("MEMBER")
        member = ts.name()
        ts.end()
        if role.lower() not in principals.MEMBER_ROLES:
            modelled = " and ".join(principals.MEMBER_ROLES)
            raise errors.unsupported(f"ALTER ROLE {role} (only {modelled} are modelled)")
        self.conn.execute(
            "INSERT OR REPLACE INTO __azsql_role_members VALUES (?, ?, ?)",
            (role.lower(), member, int(verb == "ADD")),
        )

    def _permission(self, stmt: Statement) -> None:
        """GRANT / DENY / REVOKE EXECUTE | SELECT | UNMASK [(column, ...)] [ON [OBJECT::]s.o
        [(column, ...)] | ON SCHEMA::s] TO principal, ... (no ON: the database). Other
        permissions are not modelled."""
        ts = Tokens(stmt)
        verb = ts.expect(*_PERMISSION_VERBS)
        if verb == "REVOKE" and ts.accept("GRANT"):
            ts.expect("OPTION")
            ts.expect("FOR")
        permission = ts.name().upper()
        permission = "EXECUTE" if permission == "EXEC" else permission
        columns = _column_list(ts)
        if permission not in principals.KEPT_PERMISSIONS or ts.peek_is(TokenType.COMMA):
            *others, last = principals.KEPT_PERMISSIONS
            modelled = f"{', '.join(others)} and {last}"
            raise errors.unsupported(f"{verb} {permission} (only {modelled} are modelled)")
        klass, major_id = principals.DATABASE_CLASS, 0
        if ts.accept("ON"):
            kind = "OBJECT"
            if ts.peek_word() in ("OBJECT", "SCHEMA") and ts.peek_is(TokenType.DCOLON, 1):
                kind = ts.expect("OBJECT", "SCHEMA")
                ts.next()
            parts = ts.multipart()
            klass, major_id = self._permission_target(kind, parts, permission)
            columns = columns or _column_list(ts)
        if columns and (klass != principals.OBJECT_CLASS or permission == "EXECUTE"):
            raise errors.syntax_near("(")
        ts.expect("TO", "FROM")
        grantees = [ts.name()]
        while ts.accept_type(TokenType.COMMA):
            grantees.append(ts.name())
        if ts.accept("WITH"):
            ts.expect("GRANT")
            ts.expect("OPTION")
        ts.accept("CASCADE")
        if ts.accept("AS"):
            ts.name()
        ts.end()
        if columns:
            self._column_permission(verb, major_id, columns, grantees, permission)
            return
        for grantee in grantees:
            self._keep(verb, _OBJECT_ROWS, (klass, major_id, grantee, permission))

    def _column_permission(
        self, verb: str, object_id: int, columns: list[str], grantees: list[str], permission: str
    ) -> None:
        """SELECT or UNMASK on columns, one __azsql_column_permissions row per column and grantee
        (sys.database_permissions' minor_id); the object-level rows stay as they are."""
        table = self.catalog.table_by_id(object_id)
        ids = []
        for name in columns:
            column = table.column(name) if table is not None else None
            if column is None:
                raise errors.invalid_column(name)
            ids.append(column.column_id)
        for grantee in grantees:
            for column_id in ids:
                self._keep(verb, _COLUMN_ROWS, (object_id, column_id, grantee, permission))

    def _keep(
        self, verb: str, rows: tuple[str, tuple[str, ...]], key: tuple[int | str, ...]
    ) -> None:
        """One permission row of `rows` (table, key columns) after GRANT, DENY or REVOKE:
        REVOKE removes it, and a GRANT replaces a DENY of the same permission, and the
        reverse."""
        table, columns = rows
        if verb == "REVOKE":
            where = " AND ".join(f"{c} = ?" for c in columns)
            self.conn.execute(f"DELETE FROM {table} WHERE {where}", key)
        else:
            self.conn.execute(
                f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?, ?)",
                (*key, "G" if verb == "GRANT" else "D"),
            )

    def _permission_target(self, kind: str, parts: list[str], permission: str) -> tuple[int, int]:
        """(class, major_id) of `ON SCHEMA::s` or `ON [OBJECT::]s.o`, as
        sys.database_permissions has them."""
        written = ".".join(parts)
        if kind == "SCHEMA":
            schema_id = self.catalog.schema_id(parts[-1]) if len(parts) == 1 else None
            if schema_id is None:
                raise TdsError(
                    15151,
                    f"Cannot find the schema '{written}', because it does not exist or you do"
                    " not have permission.",
                )
            return principals.SCHEMA_CLASS, schema_id
        schema, name = self._resolve(parts)
        oid = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        if row is None:
            raise TdsError(
                15151,
                f"Cannot find the object '{name}', because it does not exist or you do not"
                " have permission.",
            )
        if row.type not in _PERMISSION_OBJECT_TYPES[permission]:
            raise TdsError(
                4606, f"Granted or revoked privilege {permission} is not compatible with object."
            )
        return principals.OBJECT_CLASS, row.object_id

    def _create_schema(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.next()
        ts.next()
        name = ts.name()
        if ts.accept("AUTHORIZATION"):
            ts.name()
        ts.end()
        if self.catalog.schema_id(name) is not None:
            raise errors.object_exists(name)
        row = self.conn.execute("SELECT max(schema_id) FROM __azsql_schemas").fetchone()
        self.conn.execute(
            "INSERT INTO __azsql_schemas VALUES (?, ?, 1)", (max(row[0] or 0, 4) + 1, name)
        )

    def _create_table(self, ddl: CreateTable, stmt: Statement | None = None) -> None:
        schema, name = self._resolve(ddl.name)
        if name.startswith("#"):
            self._create_temp_table(name, ddl)
            return
        schema_id = self.catalog.schema_id(schema)
        if schema_id is None:
            raise errors.schema_missing(schema)
        if self.catalog.resolve_object_id(f"[{schema}].[{name}]") is not None:
            raise errors.object_exists(f"{schema}.{name}" if schema != DEFAULT_SCHEMA else name)
        conn = self.conn
        now = _now_text()
        object_id = self.catalog.next_object_id()
        identity = [c for c in ddl.columns if c.identity]
        if len(identity) > 1:
            raise errors.multiple_identities(name)
        pk = next((c for c in ddl.constraints if c.kind == "PK"), None)
        mode = None
        if identity:
            col = identity[0]
            is_rowid = (
                pk is not None
                and len(pk.columns) == 1
                and pk.columns[0][0].casefold() == col.name.casefold()
                and col.identity is not None
                and col.identity[1] == 1
                and not pk.columns[0][1]
            )
            mode = "rowid" if is_rowid else "trigger"
        conn.execute(
            "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
            " modify_date, identity_mode) VALUES (?, ?, ?, 'U', ?, ?, ?)",
            (object_id, name, schema_id, now, now, mode),
        )
        if stmt is not None:  # its WITH options: the kind of table it is
            memory_optimized.record(conn, object_id, memory_optimized.declared(stmt))
            ledger.record(conn, object_id, ledger.declared(stmt))
        generated_columns.record(conn, object_id, ddl.columns)
        pk_cols = {c.casefold() for c, _ in pk.columns} if pk else set()
        for i, col in enumerate(ddl.columns, start=1):
            self._insert_column(object_id, i, col, pk_cols)
        temp_table = self._reload_table(
            Table(object_id, schema, name, "U", identity_mode=mode, schema_id=schema_id)
        )
        has_clustered = any(
            (c.kind == "PK" and c.clustered is not False) or (c.kind == "UQ" and c.clustered)
            for c in ddl.constraints
        ) or any(i.clustered for i in ddl.indexes)
        if not has_clustered:
            conn.execute(
                "INSERT INTO __azsql_indexes VALUES (?, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL)",
                (object_id,),
            )
        for c in ddl.constraints:
            self._add_constraint_metadata(temp_table, c, now)
        conn.execute(self._table_sql(temp_table))
        for c in ddl.constraints:
            if c.kind in ("PK", "UQ"):
                self._create_key_index(temp_table, c)
        for idx in ddl.indexes:
            self._create_index(idx, temp_table)
        computed = [(i, c) for i, c in enumerate(ddl.columns, start=1) if c.computed]
        if computed:  # typed like SQL Server: from the expression over the other columns
            self.catalog.load(conn)
            for column_id, col in computed:
                q = self.engine.translator.translate(
                    f"SELECT {col.computed} FROM [{schema}].[{name}]", self.database
                )
                ctype = (q.columns[0].type if q.columns else None) or ColumnType("nvarchar", -1)
                self._set_column_type(object_id, column_id, ctype)
        if mode == "rowid":
            seed = identity[0].identity[0] if identity[0].identity else 1
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                (temp_table.sqlite_name, seed - 1),
            )
        elif mode == "trigger":
            self._identity_triggers(temp_table)
        if ddl.history_table is not None:
            self._history_table(
                ddl.history_table or [schema, f"MSSQL_TemporalHistoryFor_{object_id}"],
                schema,
                name,
                object_id,
            )

    def _history_table(self, parts: list[str], schema: str, name: str, object_id: int) -> None:
        """Link a system-versioned table to its history table, created with the same
        columns (types as created, computed ones included) when it is not there, and
        keep its history (system_versioning.py)."""
        history_schema, history_name = self._resolve(parts)
        history = f"[{history_schema}].[{history_name}]"
        self.catalog.load(self.conn)
        table = self.catalog.table(schema, name)
        assert table is not None
        if self.catalog.resolve_object_id(history) is None:
            columns = [ColumnDef(c.name, c.type, nullable=c.type.nullable) for c in table.columns]
            self._create_table(CreateTable([history_schema, history_name], columns, [], []))
            self.catalog.load(self.conn)
        history_id = self.catalog.resolve_object_id(history)
        assert history_id is not None
        temporal_tables.link(self.conn, object_id, history_id)
        kept = self.catalog.table(history_schema, history_name)
        if kept is not None:
            system_versioning.version(self.conn, table, kept)

    def _alter_table(self, alter: AlterTable) -> None:
        schema, name = self._resolve(alter.name)
        table = self.catalog.table(schema, name)
        if table is None or table.kind != "U" or table.object_id < 0:
            raise errors.invalid_object(".".join(alter.name))
        if alter.versioning_off:
            system_versioning.stop_versioning(self.conn, table, self.database)
            return
        now = _now_text()
        conn = self.conn
        rewrite = False
        for col in alter.columns:
            if col.identity or col.computed:
                raise errors.unsupported("ALTER TABLE ADD of identity or computed columns")
            if table.column(col.name) is not None:
                raise errors.duplicate_column(col.name, table.display_name)
            column_id = max_used(conn, table.object_id) + 1
            self._insert_column(table.object_id, column_id, col, set())
            assert col.type is not None
            decl = f"{_q(col.name)} {affinity(col.type)}"
            conn.execute(f"ALTER TABLE {_q(table.sqlite_name)} ADD COLUMN {decl}")
            table = self._reload_table(table)
            rewrite = True
        for c in alter.constraints:
            self._add_constraint_metadata(table, c, now)
            if c.kind in ("PK", "UQ"):
                if (
                    c.kind == "PK"
                    and conn.execute(
                        "SELECT 1 FROM __azsql_indexes WHERE object_id = ? AND is_primary_key = 1",
                        (table.object_id,),
                    ).fetchone()
                ):
                    raise TdsError(
                        1779, f"Table '{table.name}' already has a primary key defined on it."
                    )
                self._create_key_index(table, c)
            else:
                rewrite = True
        for cname in alter.drop_constraints:
            row = conn.execute(
                "SELECT object_id, type, unique_index_id FROM __azsql_objects"
                " WHERE parent_object_id = ? AND name = ?",
                (table.object_id, cname),
            ).fetchone()
            if row is None:
                raise TdsError(3728, f"'{cname}' is not a constraint.", severity=16)
            oid, kind, index_id = row
            conn.execute("DELETE FROM __azsql_objects WHERE object_id = ?", (oid,))
            conn.execute("DELETE FROM __azsql_fk_columns WHERE constraint_object_id = ?", (oid,))
            conn.execute(
                "UPDATE __azsql_columns SET default_object_id = 0 WHERE default_object_id = ?",
                (oid,),
            )
            if kind in ("PK", "UQ"):
                self._drop_index(table, index_id)
            else:
                rewrite = True
        for col_name in alter.drop_columns:
            dropped = table.column(col_name)
            if dropped is None:
                raise errors.invalid_column(col_name)
            conn.execute(f"ALTER TABLE {_q(table.sqlite_name)} DROP COLUMN {_q(dropped.name)}")
            keep_max_used(conn, table.object_id)
            for sql in (
                "DELETE FROM __azsql_columns WHERE object_id = ? AND column_id = ?",
                "DELETE FROM __azsql_column_features WHERE object_id = ? AND column_id = ?",
                "DELETE FROM __azsql_column_permissions WHERE object_id = ? AND column_id = ?",
            ):
                conn.execute(sql, (table.object_id, dropped.column_id))
            table = self._reload_table(table)
        if rewrite:
            self._rewrite_table_sql(table)
        conn.execute(
            "UPDATE __azsql_objects SET modify_date = ? WHERE object_id = ?", (now, table.object_id)
        )

    def _create_view(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        first = ts.next()
        alter = word(first) == "ALTER"
        if ts.accept("OR"):
            ts.expect("ALTER")
            alter = True
        ts.expect("VIEW")
        schema, name = self._resolve(ts.multipart())
        if ts.peek_is(TokenType.L_PAREN):
            raise errors.unsupported("a column list in CREATE VIEW (alias the columns instead)")
        if ts.accept("WITH"):
            while ts.peek_word() in ("SCHEMABINDING", "VIEW_METADATA", "ENCRYPTION"):
                ts.next()
                ts.accept_type(TokenType.COMMA)
        ts.expect("AS")
        body = ts.text_between(ts.i, len(ts.toks))
        schema_id = self.catalog.schema_id(schema)
        if schema_id is None:
            raise errors.schema_missing(schema)
        existing = self.catalog.table(schema, name)
        if existing is not None and alter:
            self._drop_object(existing, "VIEW")
        elif existing is not None or self.catalog.resolve_object_id(f"[{schema}].[{name}]"):
            raise errors.object_exists(name)
        elif alter and word(first) == "ALTER":
            raise errors.invalid_object(f"{schema}.{name}")
        q = self.engine.translator.translate(body, self.database)
        if q.kind != "select":
            raise errors.syntax_near(stmt.tokens[0].text)
        sqlite_name = f"{schema}.{name}"
        self.conn.execute(f"CREATE VIEW {_q(sqlite_name)} AS {q.sql}")
        info = self.conn.execute(f"PRAGMA table_info({_q(sqlite_name)})").fetchall()
        for i, row in enumerate(info):
            if row[1].startswith(_NONAME):
                raise TdsError(
                    4511,
                    "Create View or Function failed because no column name was"
                    f" specified for column {i + 1}.",
                )
        now = _now_text()
        object_id = self.catalog.next_object_id()
        self.conn.execute(
            "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
            " modify_date, definition) VALUES (?, ?, ?, 'V', ?, ?, ?)",
            (object_id, name, schema_id, now, now, stmt.text),
        )
        typed = q.columns if q.columns is not None and len(q.columns) == len(info) else None
        for i, row in enumerate(info):
            ctype = (typed[i].type if typed else None) or ColumnType("nvarchar", -1)
            self._insert_column(object_id, i + 1, ColumnDef(row[1], ctype, ctype.nullable), set())

    def _drop(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.next()
        kind = ts.next().text.upper()
        if_exists = False
        if ts.accept("IF"):
            ts.expect("EXISTS")
            if_exists = True
        while True:
            parts = ts.multipart()
            if kind == "INDEX":
                if ts.accept("ON"):
                    table_parts = ts.multipart()
                    index_name = parts[-1]
                else:
                    table_parts, index_name = parts[:-1], parts[-1]
                self._drop_named_index(table_parts, index_name, if_exists)
            elif kind == "SCHEMA":
                self._drop_schema(parts[-1], if_exists)
            else:
                schema, name = self._resolve(parts)
                if name.startswith("#"):
                    exists_sql = (
                        "SELECT 1 FROM temp.sqlite_schema WHERE type = 'table' AND name = ?"
                    )
                    if self.conn.execute(exists_sql, (name,)).fetchone():
                        self.conn.execute(f"DROP TABLE {_q(name)}")
                        self.temp_tables.pop(name.casefold(), None)
                    elif not if_exists:
                        raise errors.cannot_drop("table", name)
                else:
                    table = self.catalog.table(schema, name)
                    want = "U" if kind == "TABLE" else "V"
                    if table is None or table.kind != want or table.object_id < 0:
                        if not if_exists:
                            raise errors.cannot_drop(kind.lower(), ".".join(parts))
                    else:
                        if kind == "TABLE":
                            system_versioning.check_drop(self.conn, table, self.database, False)
                        self._drop_object(table, kind)
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()

    def _drop_named_index(self, table_parts: list[str], index_name: str, if_exists: bool) -> None:
        schema, name = self._resolve(table_parts)
        temporary = self.temp_tables.get(name.casefold()) if name.startswith("#") else None
        if temporary is not None and self._drop_temp_index(temporary, index_name):
            return
        table = self.catalog.table(schema, name) if temporary is None else None
        row = None
        if table is not None:
            row = self.conn.execute(
                "SELECT index_id, is_primary_key, is_unique_constraint FROM __azsql_indexes"
                " WHERE object_id = ? AND name = ?",
                (table.object_id, index_name),
            ).fetchone()
        if table is None or row is None:
            if if_exists:
                return
            raise TdsError(
                3701,
                f"Cannot drop the index '{'.'.join(table_parts)}.{index_name}',"
                " because it does not exist or you do not have permission.",
                severity=11,
                state=7,
            )
        if row[1] or row[2]:
            raise key_index_dropped(table, index_name, "PK" if row[1] else "UQ")
        self._drop_index(table, row[0])

    def _drop_schema(self, name: str, if_exists: bool) -> None:
        sid = self.catalog.schema_id(name)
        if sid is None:
            if if_exists:
                return
            raise errors.cannot_drop("schema", name)
        if sid <= 4:
            raise TdsError(3708, f"Cannot drop the schema '{name}' because it is a system schema.")
        used = self.conn.execute(
            "SELECT name FROM __azsql_objects WHERE schema_id = ? LIMIT 1", (sid,)
        ).fetchone()
        if used:
            raise TdsError(
                3729,
                f"Cannot drop schema '{name}' because it is being referenced by"
                f" object '{used[0]}'.",
            )
        self.conn.execute("DELETE FROM __azsql_schemas WHERE schema_id = ?", (sid,))

    def _truncate(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.next()
        ts.next()
        parts = ts.multipart()
        ts.end()
        schema, name = self._resolve(parts)
        table = self.catalog.table(schema, name)
        if table is None or table.kind != "U" or table.object_id < 0:
            raise errors.invalid_object(".".join(parts))
        system_versioning.check_drop(self.conn, table, self.database, True)
        if self.conn.execute(
            "SELECT 1 FROM __azsql_objects WHERE type = 'F' AND referenced_object_id = ?",
            (table.object_id,),
        ).fetchone():
            raise TdsError(
                4712,
                f"Cannot truncate table '{table.display_name}' because it is"
                " being referenced by a FOREIGN KEY constraint.",
            )
        self.conn.execute(f"DELETE FROM {_q(table.sqlite_name)}")
        ident = table.identity
        if ident is not None:
            self.conn.execute(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ?",
                (ident.seed - 1, table.sqlite_name),
            )
            self.conn.execute(
                "UPDATE __azsql_columns SET last_value = NULL WHERE object_id = ?",
                (table.object_id,),
            )
