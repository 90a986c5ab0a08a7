"""SQL Server metadata on top of SQLite: metadata tables, catalog views (types: sql_types.py).

User tables live in SQLite under one name per object, "schema.name" (SQLite has
no schemas). What SQLite cannot record (declared T-SQL types, object ids,
constraint names, extended properties) is kept in `__azsql_*` tables in the
same database, so it commits and rolls back with the DDL that wrote it. The
catalog views (sys.*, INFORMATION_SCHEMA.*) are TEMP views created on every
connection under their SQL Server names, written from Microsoft's
documentation of each view (column names and types).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from ..results import ColumnType
from .catalog_stamps import STAMPS_DDL, Stamps, among, changed_since, read_stamps
from .clr_types import CLR_TYPES, SYSTEM_TYPE_ID
from .column_features import FEATURES_DDL, SPARSE_TO_MASKED, masked_columns
from .column_ids import MAX_USED_SQL
from .definition_views import SQL_MODULES_COLUMNS, all_sql_modules, check_constraints
from .fulltext_views import FULLTEXT_INDEX_COLUMNS, FULLTEXT_INDEXES
from .hidden_objects import HIDDEN_OBJECTS_VIEW
from .index_leads import index_leads
from .policy_views import security_policies, security_predicates
from .principal_views import database_permissions, database_principals, database_role_members
from .reference_views import REFERENCES_FUNCTION, dependencies_view, referenced_names, synonyms_view
from .sequence_views import SEQUENCES_DDL, sequences_view
from .server_views import (
    DATABASE_FILES,
    EXEC_REQUESTS,
    EXEC_SESSIONS,
    EXEC_SQL_TEXT,
    PARTITIONS,
    SESSION_TEMP_DDL,
    databases_view,
    partition_stats_view,
)
from .sql_types import normalize, parse_type, type_text
from .sqltext import default_definition as default_definition
from .sqltext import split_name as split_name
from .temporal_tables import HISTORY_JOIN, TEMPORAL_COLUMNS, versioned_tables
from .trigger_views import TRIGGERS_DDL, trigger_events_view, triggers_view

DEFAULT_SCHEMA = "dbo"


COLLATION = "SQL_Latin1_General_CP1_CI_AS"


METADATA_DDL = """
CREATE TABLE IF NOT EXISTS __azsql_meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS __azsql_permissions (
    class INTEGER, major_id INTEGER, grantee TEXT COLLATE NOCASE, permission_name TEXT,
    state TEXT, PRIMARY KEY (class, major_id, grantee, permission_name));
CREATE TABLE IF NOT EXISTS __azsql_column_permissions (
    object_id INTEGER, column_id INTEGER, grantee TEXT COLLATE NOCASE, permission_name TEXT,
    state TEXT, PRIMARY KEY (object_id, column_id, grantee, permission_name));
CREATE TABLE IF NOT EXISTS __azsql_role_members (
    role TEXT COLLATE NOCASE, member TEXT COLLATE NOCASE, is_member INTEGER,
    PRIMARY KEY (role, member));
CREATE TABLE IF NOT EXISTS __azsql_schemas (
    schema_id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE, principal_id INTEGER);
CREATE TABLE IF NOT EXISTS __azsql_objects (
    object_id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, schema_id INTEGER,
    parent_object_id INTEGER DEFAULT 0, type TEXT, create_date TEXT, modify_date TEXT,
    is_system_named INTEGER DEFAULT 0, definition TEXT, parent_column_id INTEGER DEFAULT 0,
    unique_index_id INTEGER, referenced_object_id INTEGER, key_index_id INTEGER,
    delete_action INTEGER DEFAULT 0, update_action INTEGER DEFAULT 0,
    identity_mode TEXT);
CREATE INDEX IF NOT EXISTS __azsql_objects_name ON __azsql_objects (schema_id, name);
CREATE INDEX IF NOT EXISTS __azsql_objects_parent ON __azsql_objects (parent_object_id);
CREATE TABLE IF NOT EXISTS __azsql_columns (
    object_id INTEGER, column_id INTEGER, name TEXT COLLATE NOCASE, type_name TEXT,
    system_type_id INTEGER, max_length INTEGER, precision INTEGER, scale INTEGER,
    type_length INTEGER, is_nullable INTEGER, is_identity INTEGER DEFAULT 0,
    seed_value INTEGER, increment_value INTEGER, last_value INTEGER,
    is_computed INTEGER DEFAULT 0, computed_definition TEXT, is_persisted INTEGER DEFAULT 0,
    is_rowguidcol INTEGER DEFAULT 0, default_object_id INTEGER DEFAULT 0,
    char_length INTEGER, octet_length INTEGER, num_precision INTEGER, num_radix INTEGER,
    num_scale INTEGER, dt_precision INTEGER, charset TEXT, collation TEXT,
    PRIMARY KEY (object_id, column_id));
CREATE TABLE IF NOT EXISTS __azsql_indexes (
    object_id INTEGER, index_id INTEGER, name TEXT COLLATE NOCASE, type INTEGER,
    is_unique INTEGER, is_primary_key INTEGER, is_unique_constraint INTEGER, sqlite_name TEXT,
    is_disabled INTEGER DEFAULT 0, filter_definition TEXT, PRIMARY KEY (object_id, index_id));
CREATE TABLE IF NOT EXISTS __azsql_index_columns (
    object_id INTEGER, index_id INTEGER, index_column_id INTEGER, column_id INTEGER,
    key_ordinal INTEGER, is_descending_key INTEGER, is_included_column INTEGER);
CREATE INDEX IF NOT EXISTS __azsql_index_columns_index
    ON __azsql_index_columns (object_id, index_id);
CREATE TABLE IF NOT EXISTS __azsql_fk_columns (
    constraint_object_id INTEGER, constraint_column_id INTEGER, parent_object_id INTEGER,
    parent_column_id INTEGER, referenced_object_id INTEGER, referenced_column_id INTEGER);
CREATE INDEX IF NOT EXISTS __azsql_fk_columns_key ON __azsql_fk_columns (constraint_object_id);
CREATE TABLE IF NOT EXISTS __azsql_extended_properties (
    class INTEGER, major_id INTEGER, minor_id INTEGER, name TEXT COLLATE NOCASE, value,
    PRIMARY KEY (class, major_id, minor_id, name));
CREATE TABLE IF NOT EXISTS __azsql_parameters (
    object_id INTEGER, parameter_id INTEGER, name TEXT COLLATE NOCASE, type_name TEXT,
    system_type_id INTEGER, max_length INTEGER, precision INTEGER, scale INTEGER,
    is_output INTEGER, PRIMARY KEY (object_id, parameter_id));
CREATE TABLE IF NOT EXISTS __azsql_security_predicates (
    object_id INTEGER, security_predicate_id INTEGER, target_object_id INTEGER,
    predicate_definition TEXT, filter TEXT, is_enabled INTEGER DEFAULT 1,
    PRIMARY KEY (object_id, security_predicate_id));
CREATE TABLE IF NOT EXISTS __azsql_identity_seq (seq INTEGER PRIMARY KEY AUTOINCREMENT);
"""


_BUILTIN_SCHEMAS = [(1, "dbo", 1), (2, "guest", 2), (3, "INFORMATION_SCHEMA", 3), (4, "sys", 4)]


def init_metadata(conn: sqlite3.Connection, created: str) -> None:
    conn.executescript(METADATA_DDL + FEATURES_DDL + SEQUENCES_DDL + TRIGGERS_DDL + STAMPS_DDL)
    conn.executemany("INSERT OR IGNORE INTO __azsql_schemas VALUES (?, ?, ?)", _BUILTIN_SCHEMAS)
    conn.execute("INSERT OR IGNORE INTO __azsql_meta VALUES ('create_date', ?)", (created,))


@dataclass(frozen=True)
class Column:
    column_id: int
    name: str
    type: ColumnType
    is_identity: bool = False
    seed: int = 1
    increment: int = 1
    computed: str | None = None
    hidden: bool = False  # HIDDEN: left out of SELECT * (hidden_columns.py)


@dataclass
class Table:
    """A table or view (user or catalog) as the translator and typer see it."""

    object_id: int
    schema: str
    name: str
    kind: str  # 'U' user table, 'V' view
    columns: list[Column] = field(default_factory=list)
    identity_mode: str | None = None  # 'rowid' (INTEGER PRIMARY KEY) or 'trigger'
    schema_id: int = 1

    @property
    def sqlite_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def display_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)

    @property
    def identity(self) -> Column | None:
        return next((c for c in self.columns if c.is_identity), None)


@dataclass(frozen=True)
class ObjectRow:
    object_id: int
    name: str
    schema_id: int
    type: str
    parent_object_id: int


class Catalog:
    """In-memory mirror of the metadata tables plus the catalog views.

    Shared by every session of an Engine; reloaded after DDL. `generation`
    changes on every reload so cached translations are invalidated.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self.schemas: dict[str, tuple[int, str]] = {}
        self.schema_names: dict[int, str] = {}
        self.tables: dict[str, Table] = {}  # key: "schema.name" casefolded
        self.objects: dict[int, ObjectRow] = {}
        # Row-level security: "schema.table" casefolded -> the T-SQL condition its enabled
        # filter predicates put on every read (row_security.py writes them).
        self.filters: dict[str, str] = {}
        self.versioned: dict[int, tuple[str, str, str, str]] = {}  # temporal_tables.py
        # (object_id, base name parts) of each synonym by its casefolded (schema, name)
        self.synonyms: dict[tuple[str, str], tuple[int, list[str]]] = {}  # synonyms.py
        # (object_id, CREATE text) of each inline table-valued function, by its casefolded
        # (schema, name): inline_functions.py
        self.table_functions: dict[tuple[str, str], tuple[int, str]] = {}
        # whether any multi-statement table-valued function exists: a statement is looked
        # through for calls of one only then (table_functions.py)
        self.multi_statement_functions = False
        # scalar functions' return types by object_id; None until a session reads them
        # (scalar_functions.py keeps them)
        self.function_types: dict[int, ColumnType] | None = None
        self.index_leads: frozenset[tuple[int, int]] = frozenset()  # see sort_keys.py
        self._typing_schema: dict[str, dict[str, dict[str, str]]] | None = None
        self._next_object_id = 0
        self._stamps: Stamps | None = None  # what the last load read (catalog_stamps.py)
        self._by_id: dict[int, Table] = {}  # every table and view, the catalog's too
        self._names: dict[tuple[int, str], int] = {}  # (schema_id, casefolded name): id

    # -- loading
    def load(self, conn: sqlite3.Connection) -> None:
        """Mirror the metadata tables: all of them at the first load, after that the rows
        of the objects whose stamp changed (catalog_stamps.py), so a DDL costs what it
        changed, not the size of the catalog."""
        # Under the lock, reads too: the stamps compared must be those the state holds.
        with self._lock:
            stamps = read_stamps(conn)
            changed = None if self._stamps is None else changed_since(self._stamps, stamps)
            where, args = among("object_id", changed)
            schemas = conn.execute("SELECT schema_id, name FROM __azsql_schemas").fetchall()
            objects = conn.execute(
                "SELECT object_id, name, schema_id, type, parent_object_id, identity_mode"
                f" FROM __azsql_objects WHERE {where}",
                args,
            ).fetchall()
            columns = conn.execute(
                "SELECT c.object_id, c.column_id, name, type_name, type_length, precision, scale,"
                " is_nullable, is_identity, seed_value, increment_value, computed_definition,"
                " coalesce(f.is_hidden, 0) FROM __azsql_columns AS c LEFT JOIN"
                f" __azsql_column_features AS f USING (object_id, column_id) WHERE {where}"
                " ORDER BY c.object_id, c.column_id",
                args,
            ).fetchall()
            max_id = conn.execute("SELECT max(object_id) FROM __azsql_objects").fetchone()[0]
            filters = conn.execute(
                "SELECT target_object_id, filter FROM __azsql_security_predicates"
                " WHERE is_enabled = 1"
            ).fetchall()
            leads = index_leads(conn, changed)
            if changed is not None:  # the leads of the tables not read again stay
                reread = set(changed)
                leads |= {lead for lead in self.index_leads if lead[0] not in reread}
            self.index_leads = leads
            self.schemas = {name.casefold(): (sid, name) for sid, name in schemas}
            self.schema_names = {sid: name for sid, name in schemas}
            # New dicts, not the old ones changed: other sessions read them unlocked.
            rows = dict(self.objects) if changed is not None else {}
            names = dict(self._names) if changed is not None else {}
            by_id = (
                dict(self._by_id)
                if changed is not None
                else {v.table.object_id: v.table for v in SYSTEM_VIEWS}
            )
            tables = dict(self.tables) if changed is not None else {}
            for oid in changed or ():
                row = rows.pop(oid, None)
                if row is not None and names.get((row.schema_id, row.name.casefold())) == oid:
                    del names[row.schema_id, row.name.casefold()]
                gone = by_id.pop(oid, None)
                if gone is not None:
                    tables.pop(gone.sqlite_name.casefold(), None)
            for oid, name, sid, otype, parent, identity_mode in objects:
                rows[oid] = ObjectRow(oid, name, sid, otype, parent or 0)
                names.setdefault((sid, name.casefold()), oid)
                if otype in ("U", "V"):
                    t = Table(
                        oid,
                        self.schema_names.get(sid, "dbo"),
                        name,
                        otype,
                        identity_mode=identity_mode,
                        schema_id=sid,
                    )
                    tables[t.sqlite_name.casefold()] = t
                    by_id[oid] = t
            for row in columns:
                owner = by_id.get(row[0])
                if owner is not None:
                    owner.columns.append(_column(row))
            for view in SYSTEM_VIEWS:  # over a user table of the same name
                tables[view.table.sqlite_name.casefold()] = view.table
            # synonyms' bases (synonyms.py) and inline functions' texts, read only when one
            # is among the rows read
            read_again = set(changed or ())
            synonyms = {
                key: found
                for key, found in (self.synonyms.items() if changed is not None else ())
                if found[0] not in read_again
            }
            table_functions = {
                key: found
                for key, found in (self.table_functions.items() if changed is not None else ())
                if found[0] not in read_again
            }
            if any(o[3] in ("SN", "IF") for o in objects):
                for oid, kind, definition in conn.execute(
                    "SELECT object_id, type, definition FROM __azsql_objects"
                    f" WHERE type IN ('SN', 'IF') AND {where}",
                    args,
                ):
                    row = rows[oid]
                    named = (
                        self.schema_names.get(row.schema_id, "").casefold(),
                        row.name.casefold(),
                    )
                    if kind == "SN":
                        synonyms[named] = (oid, split_name(definition))
                    else:
                        table_functions[named] = (oid, definition)
            self.synonyms = synonyms
            self.table_functions = table_functions
            self.objects = rows
            self.multi_statement_functions = any(row.type == "TF" for row in rows.values())
            self._names = names
            self._by_id = by_id
            self.tables = tables
            self._stamps = stamps
            self.filters = {}
            self.versioned = versioned_tables(conn)
            for target, condition in filters:
                table = by_id.get(target)
                if table is not None:
                    key = table.sqlite_name.casefold()
                    known = self.filters.get(key)
                    self.filters[key] = f"({known}) AND ({condition})" if known else condition
            self._next_object_id = max(self._next_object_id, max_id or 0)
            self._typing_schema = None
            self.generation += 1

    # -- lookups
    def table(self, schema: str, name: str) -> Table | None:
        return self.tables.get(f"{schema}.{name}".casefold())

    def table_by_id(self, object_id: int) -> Table | None:
        return self._by_id.get(object_id)

    def schema_id(self, name: str) -> int | None:
        found = self.schemas.get(name.casefold())
        return found[0] if found else None

    def resolve_object_id(self, name: str) -> int | None:
        """OBJECT_ID semantics: 'name', 'schema.name', 'db.schema.name', brackets allowed."""
        parts = split_name(name)
        if not parts or len(parts) > 3:
            return None
        obj_name = parts[-1]
        schema = parts[-2] if len(parts) >= 2 and parts[-2] else DEFAULT_SCHEMA
        table = self.table(schema, obj_name)
        if table:
            return table.object_id
        sid = self.schema_id(schema)
        return None if sid is None else self._names.get((sid, obj_name.casefold()))

    def object_row(self, object_id: int) -> ObjectRow | None:
        row = self.objects.get(object_id)
        if row is None:
            t = self.table_by_id(object_id)
            if t is not None:
                sid = self.schema_id(t.schema) or 4
                row = ObjectRow(t.object_id, t.name, sid, t.kind, 0)
        return row

    def next_object_id(self) -> int:
        with self._lock:
            self._next_object_id = max(self._next_object_id + 16003, 581577053)
            return self._next_object_id

    def typing_schema(self) -> dict[str, dict[str, dict[str, str]]]:
        """{schema: {table: {column: T-SQL type}}} for sqlglot's type annotation."""
        with self._lock:
            if self._typing_schema is None:
                result: dict[str, dict[str, dict[str, str]]] = {}
                for t in self.tables.values():
                    cols = {c.name: type_text(c.type) for c in t.columns}
                    result.setdefault(t.schema, {})[t.name] = cols
                self._typing_schema = result
            return self._typing_schema


def _column(row: tuple[Any, ...]) -> Column:
    """The Column of a row of Catalog.load's column query."""
    _oid, cid, name, tname, tlen, prec, scale, nullable, ident, seed, inc, comp, hidden = row
    ctype = normalize(ColumnType(tname, tlen, prec, scale, bool(nullable)))
    return Column(cid, name, ctype, bool(ident), seed or 1, inc or 1, comp, bool(hidden))


@dataclass(frozen=True)
class SystemView:
    table: Table
    sql: str


def _view(object_id: int, schema: str, name: str, columns: str, sql: str) -> SystemView:
    cols = []
    for i, spec in enumerate(c.strip() for c in columns.split(",") if c.strip()):
        col_name, _, col_type = spec.partition(" ")
        cols.append(Column(i + 1, col_name, parse_type(col_type)))
    table = Table(object_id, schema, name, "V", cols, schema_id=4 if schema == "sys" else 3)
    return SystemView(table, sql)


_OBJ_COLS = (
    "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int,"
    " type char(2), type_desc nvarchar(60), create_date datetime, modify_date datetime,"
    " is_ms_shipped bit, is_published bit, is_schema_published bit"
)


_TYPE_DESC = (
    "CASE o.type WHEN 'U' THEN 'USER_TABLE' WHEN 'V' THEN 'VIEW'"
    " WHEN 'PK' THEN 'PRIMARY_KEY_CONSTRAINT' WHEN 'UQ' THEN 'UNIQUE_CONSTRAINT'"
    " WHEN 'F' THEN 'FOREIGN_KEY_CONSTRAINT' WHEN 'D' THEN 'DEFAULT_CONSTRAINT'"
    " WHEN 'C' THEN 'CHECK_CONSTRAINT' WHEN 'P' THEN 'SQL_STORED_PROCEDURE'"
    " WHEN 'IF' THEN 'SQL_INLINE_TABLE_VALUED_FUNCTION' WHEN 'FN' THEN 'SQL_SCALAR_FUNCTION'"
    " WHEN 'TF' THEN 'SQL_TABLE_VALUED_FUNCTION'"
    " WHEN 'SP' THEN 'SECURITY_POLICY' WHEN 'SO' THEN 'SEQUENCE_OBJECT'"
    " WHEN 'TR' THEN 'SQL_TRIGGER' WHEN 'SN' THEN 'SYNONYM' END"
)


# parent_object_id as stored (0 for a top-level object): an expression over it would
# keep SQLite from any index for the joins on it (tests/tds/test_engine_catalog_cost.py).
_OBJ_SELECT = (
    "o.name, o.object_id, NULL, o.schema_id, o.parent_object_id, o.type, "
    + _TYPE_DESC
    + ", o.create_date, o.modify_date, 0, 0, 0"
)


_COL_COLS = (
    "object_id int, name sysname, column_id int, system_type_id tinyint, user_type_id int,"
    " max_length smallint, precision tinyint, scale tinyint, collation_name sysname,"
    " is_nullable bit, is_ansi_padded bit, is_rowguidcol bit, is_identity bit,"
    " is_computed bit, is_filestream bit, is_replicated bit, is_non_sql_subscribed bit,"
    " is_merge_published bit, is_dts_replicated bit, is_xml_document bit,"
    " xml_collection_id int, default_object_id int, rule_object_id int, is_sparse bit,"
    " is_column_set bit, generated_always_type tinyint,"
    " generated_always_type_desc nvarchar(60), encryption_type int,"
    " encryption_type_desc nvarchar(64), encryption_algorithm_name sysname,"
    " column_encryption_key_id int, column_encryption_key_database_name sysname,"
    " is_hidden bit, is_masked bit, graph_type int, graph_type_desc nvarchar(60)"
)


# sys.columns.user_type_id: the system type id, except for the CLR types (clr_types.py).
_CLR_USER_TYPE_ID = (
    "CASE c.type_name "
    + " ".join(f"WHEN '{name}' THEN {clr.user_type_id}" for name, clr in CLR_TYPES.items())
    + " ELSE c.system_type_id END"
)


_COL_SELECT = (
    "c.object_id, c.name, c.column_id, c.system_type_id, " + _CLR_USER_TYPE_ID + ", c.max_length,"
    " c.precision, c.scale, c.collation, c.is_nullable,"
    " CASE WHEN c.type_name IN ('char','varchar','binary','varbinary','nchar','nvarchar')"
    " THEN 1 ELSE 0 END, c.is_rowguidcol, c.is_identity, c.is_computed, 0, 0, 0, 0, 0, 0,"
    f" 0, c.default_object_id, 0, {SPARSE_TO_MASKED}, NULL, NULL"
)


# Metadata visibility ("Metadata visibility configuration"): a user sees an object it
# holds some permission on; DENY takes precedence; subcomponents (columns, indexes,
# constraints, triggers) go with their parent. temp.__azsql_hidden lists what the
# session's user cannot see; the views below read the objects and columns through it.
_HIDDEN = "(SELECT object_id FROM temp.__azsql_hidden)"
_VISIBLE = f"object_id NOT IN {_HIDDEN}"
_OBJECTS = f"(SELECT * FROM __azsql_objects WHERE {_VISIBLE})"
_COLUMNS = f"(SELECT * FROM __azsql_columns WHERE {_VISIBLE})"
_USER_OBJECTS = f"{_OBJECTS} o"


_INFO_COLS = "TABLE_CATALOG nvarchar(128), TABLE_SCHEMA nvarchar(128), TABLE_NAME sysname"


_CLR_TYPE_ROWS = "".join(
    f", ('{name}', {SYSTEM_TYPE_ID}, {clr.user_type_id}, {clr.max_length}, 0, 0, NULL)"
    for name, clr in CLR_TYPES.items()
)


_SYSTEM_TYPES_ROWS = ", ".join(
    f"('{name}', {tid}, {256 if name == 'sysname' else tid}, {ml}, {p}, {s},"
    f" {'NULL' if name not in ('char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext', 'sysname') else repr(COLLATION)})"  # noqa: E501
    for name, tid, ml, p, s in [
        ("image", 34, 16, 0, 0),
        ("text", 35, 16, 0, 0),
        ("uniqueidentifier", 36, 16, 0, 0),
        ("date", 40, 3, 10, 0),
        ("time", 41, 5, 16, 7),
        ("datetime2", 42, 8, 27, 7),
        ("datetimeoffset", 43, 10, 34, 7),
        ("tinyint", 48, 1, 3, 0),
        ("smallint", 52, 2, 5, 0),
        ("int", 56, 4, 10, 0),
        ("smalldatetime", 58, 4, 16, 0),
        ("real", 59, 4, 24, 0),
        ("money", 60, 8, 19, 4),
        ("datetime", 61, 8, 23, 3),
        ("float", 62, 8, 53, 0),
        ("sql_variant", 98, 8016, 0, 0),
        ("ntext", 99, 16, 0, 0),
        ("bit", 104, 1, 1, 0),
        ("decimal", 106, 17, 38, 38),
        ("numeric", 108, 17, 38, 38),
        ("smallmoney", 122, 4, 10, 4),
        ("bigint", 127, 8, 19, 0),
        ("varbinary", 165, 8000, 0, 0),
        ("varchar", 167, 8000, 0, 0),
        ("binary", 173, 8000, 0, 0),
        ("char", 175, 8000, 0, 0),
        ("timestamp", 189, 8, 0, 0),
        ("nvarchar", 231, 8000, 0, 0),
        ("nchar", 239, 8000, 0, 0),
        ("xml", 241, -1, 0, 0),
        ("sysname", 231, 256, 0, 0),
    ]
)


_FK_ACTION = (
    "CASE {0} WHEN 1 THEN 'CASCADE' WHEN 2 THEN 'SET_NULL' WHEN 3 THEN 'SET_DEFAULT'"
    " ELSE 'NO_ACTION' END"
)


_RULE = (
    "CASE {0} WHEN 1 THEN 'CASCADE' WHEN 2 THEN 'SET NULL' WHEN 3 THEN 'SET DEFAULT'"
    " ELSE 'NO ACTION' END"
)


_DB = "(SELECT value FROM temp.__azsql_session WHERE key = 'db')"


# 1 when the session's principal may see definitions (VIEW DEFINITION), else 0.
_SEES_DEFINITIONS = "(SELECT value FROM temp.__azsql_session WHERE key = 'view_definition')"


_DEFINITION = "CASE WHEN " + _SEES_DEFINITIONS + " THEN {0} END"


_SCHEMA_NAME = "(SELECT name FROM __azsql_schemas s WHERE s.schema_id = {0}.schema_id)"


_TABLE_OBJECTS = f"{_OBJECTS} t JOIN __azsql_schemas s ON s.schema_id = t.schema_id"
_policies = security_policies(_OBJ_COLS, _OBJ_SELECT, _USER_OBJECTS, _SEES_DEFINITIONS)


SYSTEM_VIEWS: list[SystemView] = [
    _view(
        -1,
        "sys",
        "schemas",
        "name sysname, schema_id int, principal_id int",
        "SELECT name, schema_id, principal_id FROM __azsql_schemas",
    ),
    _view(-385, "sys", "objects", _OBJ_COLS, f"SELECT {_OBJ_SELECT} FROM {_USER_OBJECTS}"),
    _view(-386, "sys", "all_objects", _OBJ_COLS, f"SELECT {_OBJ_SELECT} FROM {_USER_OBJECTS}"),
    _view(
        -387,
        "sys",
        "tables",
        _OBJ_COLS + ", lob_data_space_id int, filestream_data_space_id int,"
        " max_column_id_used int, lock_on_bulk_load bit, uses_ansi_nulls bit,"
        " is_replicated bit, has_replication_filter bit, is_merge_published bit,"
        " is_sync_tran_subscribed bit, has_unchecked_assembly_data bit,"
        " text_in_row_limit int, large_value_types_out_of_row bit, is_tracked_by_cdc bit,"
        " lock_escalation tinyint, lock_escalation_desc nvarchar(60), is_filetable bit,"
        " is_memory_optimized bit, durability tinyint, durability_desc nvarchar(60),"
        " temporal_type tinyint, temporal_type_desc nvarchar(60), history_table_id int,"
        " is_remote_data_archive_enabled bit, is_external bit, is_node bit, is_edge bit,"
        " ledger_type tinyint, ledger_type_desc nvarchar(60), is_dropped_ledger_table bit",
        f"SELECT {_OBJ_SELECT}, 0, NULL,"
        f" {MAX_USED_SQL}, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'TABLE', 0,"
        " EXISTS (SELECT 1 FROM __azsql_meta m WHERE m.key = 'memory_optimized:' || o.object_id),"
        " 0, 'SCHEMA_AND_DATA',"
        f" {TEMPORAL_COLUMNS}, 0, 0, 0, 0, 0, 'NON_LEDGER_TABLE', 0"
        f" FROM {_USER_OBJECTS} {HISTORY_JOIN} WHERE o.type = 'U'",
    ),
    _view(
        -388,
        "sys",
        "views",
        _OBJ_COLS + ", is_replicated bit, has_replication_filter bit,"
        " has_opaque_metadata bit, has_unchecked_assembly_data bit, with_check_option bit,"
        " is_date_correlation_view bit, is_tracked_by_cdc bit, has_snapshot bit,"
        " ledger_view_type tinyint, ledger_view_type_desc nvarchar(60),"
        " is_dropped_ledger_view bit",
        f"SELECT {_OBJ_SELECT}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'NON_LEDGER_VIEW', 0"
        f" FROM {_USER_OBJECTS} WHERE o.type = 'V'",
    ),
    _view(
        -389,
        "sys",
        "procedures",
        _OBJ_COLS + ", is_auto_executed bit",
        f"SELECT {_OBJ_SELECT}, 0 FROM {_USER_OBJECTS} WHERE o.type = 'P'",
    ),
    _view(
        -390,
        "sys",
        "sql_modules",
        SQL_MODULES_COLUMNS,
        f"SELECT object_id, {_DEFINITION.format('definition')}, 1, 1, 0, 0, 0, 0, NULL, 0"
        f" FROM {_OBJECTS} WHERE type IN ('V', 'P', 'IF', 'FN', 'TF', 'TR')",
    ),
    _view(-391, "sys", "columns", _COL_COLS, f"SELECT {_COL_SELECT} FROM {_COLUMNS} c"),
    _view(-392, "sys", "all_columns", _COL_COLS, f"SELECT {_COL_SELECT} FROM {_COLUMNS} c"),
    _view(-461, "sys", "masked_columns", *masked_columns(_COL_COLS, _COL_SELECT, _COLUMNS)),
    _view(-462, "sys", "security_policies", *_policies),
    _view(-463, "sys", "security_predicates", *security_predicates(_SEES_DEFINITIONS)),
    _view(-464, "sys", "fulltext_indexes", *FULLTEXT_INDEXES),
    _view(-466, "sys", "sequences", *sequences_view(_OBJ_COLS, _OBJ_SELECT, _USER_OBJECTS)),
    _view(-465, "sys", "fulltext_index_columns", *FULLTEXT_INDEX_COLUMNS),
    _view(-467, "sys", "all_sql_modules", *all_sql_modules()),
    _view(-469, "sys", "database_principals", *database_principals(_SEES_DEFINITIONS)),
    _view(-470, "sys", "database_role_members", *database_role_members(_SEES_DEFINITIONS)),
    _view(-471, "sys", "database_permissions", *database_permissions(_SEES_DEFINITIONS)),
    _view(
        -393,
        "sys",
        "computed_columns",
        _COL_COLS + ", definition nvarchar(max), uses_database_collation bit, is_persisted bit",
        f"SELECT {_COL_SELECT}, {_DEFINITION.format('c.computed_definition')}, 1,"
        " c.is_persisted"
        f" FROM {_COLUMNS} c WHERE c.is_computed = 1",
    ),
    _view(
        -394,
        "sys",
        "identity_columns",
        _COL_COLS + ", seed_value bigint, increment_value bigint, last_value bigint,"
        " is_not_for_replication bit",
        f"SELECT {_COL_SELECT}, c.seed_value, c.increment_value,"
        " coalesce((SELECT seq FROM sqlite_sequence q JOIN __azsql_objects t"
        " ON q.name = (SELECT name FROM __azsql_schemas s WHERE s.schema_id = t.schema_id)"
        " || '.' || t.name WHERE t.object_id = c.object_id), c.last_value), 0"
        f" FROM {_COLUMNS} c WHERE c.is_identity = 1",
    ),
    _view(
        -395,
        "sys",
        "types",
        "name sysname, system_type_id tinyint, user_type_id int, schema_id int,"
        " principal_id int, max_length smallint, precision tinyint, scale tinyint,"
        " collation_name sysname, is_nullable bit, is_user_defined bit,"
        " is_assembly_type bit, default_object_id int, rule_object_id int,"
        " is_table_type bit",
        "WITH v(name, system_type_id, user_type_id, max_length, precision, scale,"
        " collation_name) AS (VALUES " + _SYSTEM_TYPES_ROWS + _CLR_TYPE_ROWS + ")"
        " SELECT name, system_type_id, user_type_id, 4, NULL, max_length, precision, scale,"
        f" collation_name, 1, 0, system_type_id = {SYSTEM_TYPE_ID}, 0, 0, 0 FROM v",
    ),
    _view(
        -396,
        "sys",
        "indexes",
        "object_id int, name sysname, index_id int, type tinyint, type_desc nvarchar(60),"
        " is_unique bit, data_space_id int, ignore_dup_key bit, is_primary_key bit,"
        " is_unique_constraint bit, fill_factor tinyint, is_padded bit, is_disabled bit,"
        " is_hypothetical bit, is_ignored_in_optimization bit, allow_row_locks bit,"
        " allow_page_locks bit, has_filter bit, filter_definition nvarchar(max),"
        " compression_delay int, suppress_dup_key_messages bit, auto_created bit,"
        " optimize_for_sequential_key bit",
        "SELECT object_id, name, index_id, type, CASE type WHEN 0 THEN 'HEAP'"
        " WHEN 1 THEN 'CLUSTERED' ELSE 'NONCLUSTERED' END, is_unique, 1, 0,"
        " is_primary_key, is_unique_constraint, 0, 0, is_disabled, 0, 0, 1, 1,"
        f" filter_definition IS NOT NULL, {_DEFINITION.format('filter_definition')}, NULL,"
        f" 0, 0, 0 FROM __azsql_indexes WHERE {_VISIBLE}",
    ),
    _view(
        -397,
        "sys",
        "index_columns",
        "object_id int, index_id int, index_column_id int, column_id int,"
        " key_ordinal tinyint, partition_ordinal tinyint, is_descending_key bit,"
        " is_included_column bit, column_store_order_ordinal tinyint",
        "SELECT object_id, index_id, index_column_id, column_id, key_ordinal, 0,"
        " is_descending_key, is_included_column, 0"
        f" FROM __azsql_index_columns WHERE {_VISIBLE}",
    ),
    _view(
        -398,
        "sys",
        "foreign_keys",
        _OBJ_COLS + ", referenced_object_id int, key_index_id int, is_disabled bit,"
        " is_not_for_replication bit, is_not_trusted bit,"
        " delete_referential_action tinyint, delete_referential_action_desc nvarchar(60),"
        " update_referential_action tinyint, update_referential_action_desc nvarchar(60),"
        " is_system_named bit",
        f"SELECT {_OBJ_SELECT}, o.referenced_object_id, o.key_index_id, 0, 0, 0,"
        f" o.delete_action, {_FK_ACTION.format('o.delete_action')}, o.update_action,"
        f" {_FK_ACTION.format('o.update_action')}, o.is_system_named"
        f" FROM {_USER_OBJECTS} WHERE o.type = 'F'",
    ),
    _view(
        -399,
        "sys",
        "foreign_key_columns",
        "constraint_object_id int, constraint_column_id int, parent_object_id int,"
        " parent_column_id int, referenced_object_id int, referenced_column_id int",
        # A key belongs to its parent table: the referenced table may be one the user
        # cannot see, and the key's rows stay.
        f"SELECT * FROM __azsql_fk_columns WHERE constraint_object_id NOT IN {_HIDDEN}",
    ),
    _view(
        -400,
        "sys",
        "key_constraints",
        _OBJ_COLS + ", unique_index_id int, is_system_named bit, is_enforced bit",
        f"SELECT {_OBJ_SELECT}, o.unique_index_id, o.is_system_named, 1"
        f" FROM {_USER_OBJECTS} WHERE o.type IN ('PK', 'UQ')",
    ),
    _view(
        -401,
        "sys",
        "default_constraints",
        _OBJ_COLS + ", parent_column_id int, definition nvarchar(max), is_system_named bit",
        f"SELECT {_OBJ_SELECT}, o.parent_column_id, {_DEFINITION.format('o.definition')},"
        " o.is_system_named"
        f" FROM {_USER_OBJECTS} WHERE o.type = 'D'",
    ),
    _view(
        -402,
        "sys",
        "check_constraints",
        _OBJ_COLS + ", is_disabled bit, is_not_for_replication bit, is_not_trusted bit,"
        " parent_column_id int, definition nvarchar(max), uses_database_collation bit,"
        " is_system_named bit",
        f"SELECT {_OBJ_SELECT}, 0, 0, 0, o.parent_column_id,"
        f" {_DEFINITION.format('o.definition')}, 1,"
        f" o.is_system_named FROM {_USER_OBJECTS} WHERE o.type = 'C'",
    ),
    _view(
        -403,
        "sys",
        "extended_properties",
        "class tinyint, class_desc nvarchar(60), major_id int, minor_id int, name sysname,"
        " value nvarchar(max)",
        "SELECT class, CASE class WHEN 0 THEN 'DATABASE' WHEN 1 THEN 'OBJECT_OR_COLUMN'"
        " WHEN 3 THEN 'SCHEMA' END, major_id, minor_id, name, value"
        f" FROM __azsql_extended_properties WHERE class <> 1 OR major_id NOT IN {_HIDDEN}",
    ),
    _view(-404, "sys", "partitions", *PARTITIONS),
    _view(-405, "sys", "dm_db_partition_stats", *partition_stats_view(_HIDDEN)),
    _view(-406, "sys", "databases", *databases_view(COLLATION)),
    _view(-407, "sys", "database_files", *DATABASE_FILES),
    _view(-408, "sys", "dm_exec_sessions", *EXEC_SESSIONS),
    _view(-409, "sys", "dm_exec_requests", *EXEC_REQUESTS),
    _view(-410, "sys", "dm_exec_sql_text", *EXEC_SQL_TEXT),
    _view(
        -411,
        "INFORMATION_SCHEMA",
        "TABLES",
        _INFO_COLS + ", TABLE_TYPE varchar(10)",
        f"SELECT {_DB}, s.name, t.name, CASE t.type WHEN 'U' THEN 'BASE TABLE' ELSE 'VIEW'"
        f" END FROM {_TABLE_OBJECTS} WHERE t.type IN ('U', 'V')",
    ),
    _view(
        -412,
        "INFORMATION_SCHEMA",
        "COLUMNS",
        _INFO_COLS + ", COLUMN_NAME sysname, ORDINAL_POSITION int,"
        " COLUMN_DEFAULT nvarchar(4000), IS_NULLABLE varchar(3), DATA_TYPE nvarchar(128),"
        " CHARACTER_MAXIMUM_LENGTH int, CHARACTER_OCTET_LENGTH int,"
        " NUMERIC_PRECISION tinyint, NUMERIC_PRECISION_RADIX smallint, NUMERIC_SCALE int,"
        " DATETIME_PRECISION smallint, CHARACTER_SET_CATALOG sysname,"
        " CHARACTER_SET_SCHEMA sysname, CHARACTER_SET_NAME sysname,"
        " COLLATION_CATALOG sysname, COLLATION_SCHEMA sysname, COLLATION_NAME sysname,"
        " DOMAIN_CATALOG sysname, DOMAIN_SCHEMA sysname, DOMAIN_NAME sysname",
        f"SELECT {_DB}, s.name, t.name, c.name, c.column_id,"
        f" (SELECT {_DEFINITION.format('d.definition')} FROM __azsql_objects d"
        " WHERE d.object_id = c.default_object_id),"
        " CASE c.is_nullable WHEN 1 THEN 'YES' ELSE 'NO' END,"
        " c.type_name, c.char_length, c.octet_length, c.num_precision, c.num_radix,"
        " c.num_scale, c.dt_precision, NULL, NULL, c.charset, NULL, NULL, c.collation,"
        f" NULL, NULL, NULL FROM {_TABLE_OBJECTS} JOIN __azsql_columns c"
        " ON c.object_id = t.object_id WHERE t.type IN ('U', 'V')",
    ),
    _view(
        -413,
        "INFORMATION_SCHEMA",
        "VIEWS",
        _INFO_COLS + ", VIEW_DEFINITION nvarchar(4000), CHECK_OPTION varchar(7),"
        " IS_UPDATABLE varchar(2)",
        f"SELECT {_DB}, s.name, t.name,"
        f" {_DEFINITION.format('substr(t.definition, 1, 4000)')}, 'NONE', 'NO'"
        f" FROM {_TABLE_OBJECTS} WHERE t.type = 'V'",
    ),
    _view(
        -414,
        "INFORMATION_SCHEMA",
        "ROUTINES",
        "SPECIFIC_CATALOG nvarchar(128), SPECIFIC_SCHEMA nvarchar(128),"
        " SPECIFIC_NAME sysname, ROUTINE_CATALOG nvarchar(128),"
        " ROUTINE_SCHEMA nvarchar(128), ROUTINE_NAME sysname, ROUTINE_TYPE nvarchar(20),"
        " DATA_TYPE sysname, ROUTINE_BODY nvarchar(30), ROUTINE_DEFINITION nvarchar(4000),"
        " IS_DETERMINISTIC nvarchar(10), SQL_DATA_ACCESS nvarchar(30),"
        " CREATED datetime, LAST_ALTERED datetime",
        # Procedures: DATA_TYPE NULL, never deterministic, SQL_DATA_ACCESS MODIFIES;
        # functions READS (table-valued ones, inline or multi-statement, return TABLE).
        f"SELECT {_DB}, s.name, t.name, {_DB}, s.name, t.name,"
        " CASE t.type WHEN 'P' THEN 'PROCEDURE' ELSE 'FUNCTION' END,"
        " CASE WHEN t.type IN ('IF', 'TF') THEN 'TABLE' WHEN t.type = 'FN' THEN (SELECT"
        " type_name FROM __azsql_parameters p WHERE p.object_id = t.object_id"
        " AND p.parameter_id = 0) END,"
        " 'SQL',"
        f" {_DEFINITION.format('substr(t.definition, 1, 4000)')}, 'NO',"
        " CASE t.type WHEN 'P' THEN 'MODIFIES' ELSE 'READS' END, t.create_date,"
        f" t.modify_date FROM {_TABLE_OBJECTS} WHERE t.type IN ('P', 'IF', 'FN', 'TF')",
    ),
    _view(
        -415,
        "INFORMATION_SCHEMA",
        "TABLE_CONSTRAINTS",
        "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128),"
        " CONSTRAINT_NAME sysname, " + _INFO_COLS + ", CONSTRAINT_TYPE varchar(11),"
        " IS_DEFERRABLE varchar(2), INITIALLY_DEFERRED varchar(2)",
        f"SELECT {_DB}, s.name, t.name, {_DB}, s.name, p.name, CASE t.type"
        " WHEN 'PK' THEN 'PRIMARY KEY' WHEN 'UQ' THEN 'UNIQUE' WHEN 'F' THEN 'FOREIGN KEY'"
        f" ELSE 'CHECK' END, 'NO', 'NO' FROM {_TABLE_OBJECTS} JOIN __azsql_objects p"
        " ON p.object_id = t.parent_object_id WHERE t.type IN ('PK', 'UQ', 'F', 'C')",
    ),
    _view(
        -416,
        "INFORMATION_SCHEMA",
        "KEY_COLUMN_USAGE",
        "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128),"
        " CONSTRAINT_NAME sysname, " + _INFO_COLS + ", COLUMN_NAME sysname,"
        " ORDINAL_POSITION int",
        f"SELECT {_DB}, s.name, t.name, {_DB}, s.name, p.name, c.name, ic.key_ordinal"
        f" FROM {_TABLE_OBJECTS} JOIN __azsql_objects p ON p.object_id = t.parent_object_id"
        " JOIN __azsql_index_columns ic ON ic.object_id = t.parent_object_id"
        " AND ic.index_id = t.unique_index_id AND ic.is_included_column = 0"
        " JOIN __azsql_columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
        " WHERE t.type IN ('PK', 'UQ') UNION ALL"
        f" SELECT {_DB}, s.name, t.name, {_DB}, s.name, p.name, c.name,"
        f" fk.constraint_column_id FROM {_TABLE_OBJECTS}"
        " JOIN __azsql_objects p ON p.object_id = t.parent_object_id"
        " JOIN __azsql_fk_columns fk ON fk.constraint_object_id = t.object_id"
        " JOIN __azsql_columns c ON c.object_id = fk.parent_object_id"
        " AND c.column_id = fk.parent_column_id WHERE t.type = 'F'",
    ),
    _view(
        -417,
        "INFORMATION_SCHEMA",
        "REFERENTIAL_CONSTRAINTS",
        "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128),"
        " CONSTRAINT_NAME sysname, UNIQUE_CONSTRAINT_CATALOG nvarchar(128),"
        " UNIQUE_CONSTRAINT_SCHEMA nvarchar(128), UNIQUE_CONSTRAINT_NAME sysname,"
        " MATCH_OPTION varchar(7), UPDATE_RULE varchar(11), DELETE_RULE varchar(11)",
        f"SELECT {_DB}, s.name, t.name, {_DB}, {_SCHEMA_NAME.format('k')}, k.name,"
        f" 'SIMPLE', {_RULE.format('t.update_action')}, {_RULE.format('t.delete_action')}"
        f" FROM {_TABLE_OBJECTS} LEFT JOIN {_OBJECTS} k"
        " ON k.parent_object_id = t.referenced_object_id"
        " AND k.unique_index_id = t.key_index_id AND k.type IN ('PK', 'UQ')"
        " WHERE t.type = 'F'",
    ),
    _view(
        -418,
        "INFORMATION_SCHEMA",
        "SCHEMATA",
        "CATALOG_NAME sysname, SCHEMA_NAME nvarchar(128), SCHEMA_OWNER nvarchar(128),"
        " DEFAULT_CHARACTER_SET_CATALOG varchar(6), DEFAULT_CHARACTER_SET_SCHEMA varchar(3),"
        " DEFAULT_CHARACTER_SET_NAME sysname",
        f"SELECT {_DB}, name, CASE WHEN schema_id <= 4 THEN name ELSE 'dbo' END, NULL,"
        " NULL, 'iso_1' FROM __azsql_schemas",
    ),
    _view(
        -468,
        "INFORMATION_SCHEMA",
        "CHECK_CONSTRAINTS",
        *check_constraints(_DB, _TABLE_OBJECTS, _DEFINITION),
    ),
    # T-SQL procedures keep no defaults here (has_default_value 0, default_value NULL):
    # they are in sys.sql_modules.definition, as Microsoft documents.
    _view(
        -419,
        "sys",
        "parameters",
        "object_id int, name sysname, parameter_id int, system_type_id tinyint,"
        " user_type_id int, max_length smallint, precision tinyint, scale tinyint,"
        " is_output bit, is_cursor_ref bit, has_default_value bit, is_xml_document bit,"
        " default_value nvarchar(4000), xml_collection_id int, is_readonly bit,"
        " is_nullable bit, encryption_type int, encryption_type_desc nvarchar(64),"
        " encryption_algorithm_name sysname, column_encryption_key_id int,"
        " column_encryption_key_database_name sysname",
        "SELECT object_id, name, parameter_id, system_type_id,"
        " CASE type_name WHEN 'sysname' THEN 256 ELSE system_type_id END, max_length,"
        " precision, scale, is_output, 0, 0, 0, NULL, 0, 0, 1, NULL, NULL, NULL, NULL, NULL"
        f" FROM __azsql_parameters WHERE {_VISIBLE}",
    ),
    _view(-531, "sys", "synonyms", *synonyms_view(_OBJ_COLS, _OBJ_SELECT, _USER_OBJECTS)),
    _view(
        -532,
        "sys",
        "sql_expression_dependencies",
        *dependencies_view(_OBJECTS, _DB, _SEES_DEFINITIONS),
    ),
    _view(-420, "sys", "triggers", *triggers_view(_OBJECTS)),
    _view(-421, "sys", "trigger_events", *trigger_events_view(_OBJECTS)),
]


def create_session_objects(conn: sqlite3.Connection) -> None:
    """Per-connection temp tables (live DMV data, row counts) and the catalog views."""
    conn.executescript(SESSION_TEMP_DDL)
    conn.execute(HIDDEN_OBJECTS_VIEW)
    conn.create_function(REFERENCES_FUNCTION, 1, referenced_names, deterministic=True)
    for view in SYSTEM_VIEWS:
        cols = ", ".join(f'"{c.name}"' for c in view.table.columns)
        conn.execute(
            f'CREATE TEMP VIEW IF NOT EXISTS "{view.table.sqlite_name}" ({cols}) AS {view.sql}'
        )
