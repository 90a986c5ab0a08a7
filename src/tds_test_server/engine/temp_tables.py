"""The columns of a session's temporary tables (`#t`), which the shared catalog does not
hold: an INSERT or UPDATE of one converts its values to the columns' types as for a
permanent table (date_literals.py, number_stores.py).

Each session keeps its own map (name -> Table), and TEMP_TABLES points at the map of the
session whose statement the thread runs, as DATE_ORDER follows its date order. A
translation of a statement that names a `#` table depends on the map too, so it is cached
with temp_signature's key. A SELECT from one is typed by its columns as one from a
permanent table is (typing_schema). Its PRIMARY KEY, UNIQUE and CHECK constraints are
its SQLite table's, and its indexes (CREATE INDEX, or INDEX in CREATE TABLE) SQLite indexes
on it; TempTable keeps their names for the errors SQL Server gives. A FOREIGN KEY is not
kept, as SQL Server skips it on a temporary table (message 1756).
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlglot import exp

from ..results import ColumnType
from .catalog import DEFAULT_SCHEMA, Catalog, Column, Table
from .sql_types import type_text

TEMP_TABLES: ContextVar[Mapping[str, Table]] = ContextVar(
    "temp_tables", default=MappingProxyType({})
)

# The column types of each of a session's temporary tables, by name.
TempSignature = tuple[tuple[str, tuple[ColumnType, ...]], ...]


def temp_table(name: str) -> Table | None:
    """The running session's temporary table `name` (`#t`), if it has one."""
    return TEMP_TABLES.get().get(name.casefold()) if name.startswith("#") else None


def temp_table_named(node: exp.Table) -> Table | None:
    """The running session's temporary table a statement names (sqlglot reads `#t` as
    the name t with the temporary flag), if it is one."""
    ident = node.this
    if isinstance(ident, exp.Identifier) and ident.args.get("temporary"):
        return temp_table("#" + ident.name)
    return None


def table_named(node: exp.Table, catalog: Catalog) -> Table | None:
    """The table a statement names: the running session's temporary table, else the
    catalog's (None for a catalog view, a function or a missing table)."""
    return temp_table_named(node) or catalog.table(node.db or DEFAULT_SCHEMA, node.name)


def temp_signature(text: str) -> TempSignature:
    """What a translation of `text` may take from the session's temporary tables: their
    columns' types where the statement may name one ('#' in it), else nothing."""
    if "#" not in text:
        return ()
    tables = TEMP_TABLES.get()
    return tuple((key, tuple(c.type for c in t.columns)) for key, t in sorted(tables.items()))


Identity = tuple[int, int]  # IDENTITY(seed, increment)

# A local temporary table's name is at most 116 characters ("CREATE TABLE
# (Transact-SQL)"); in tempdb it is padded to that with '_' and ends in a 12-digit hex
# number. SQL Server's 547 and 515 name the table so ("tempdb", "dbo.#t___..._000000000003"),
# and its system-named constraints start with it ('PK__#t________3213E83F...'), as
# messages captured from SQL Server show; 2627 names it 'dbo.#t'.
_TEMPDB_WIDTH = 116
_tempdb_numbers = itertools.count(1)
# A table variable's object in tempdb is named '#' and eight hex digits, as its
# system-named key shows ('PK__#606C28F__...' in a message captured from SQL Server).
_variable_numbers = itertools.count(0x2A000001)


@dataclass(frozen=True)
class TempKey:
    """A temporary table's PRIMARY KEY (kind 'PK') or UNIQUE ('UQ') constraint, or, kind
    'INDEX', a unique index; each is an index of its name on the table."""

    name: str
    kind: str
    columns: tuple[str, ...]
    clustered: bool = False


@dataclass(frozen=True)
class TempIndex:
    """An index on a temporary table; its SQLite index is named `sqlite_name`."""

    name: str
    unique: bool
    clustered: bool
    columns: tuple[str, ...]
    sqlite_name: str


@dataclass
class TempTable(Table):
    """A temporary table: its name in tempdb, its key and CHECK constraints (name -> the
    column a column-level one belongs to), which its SQLite table enforces, and its
    indexes, SQLite's indexes on it. `variable` is the table variable's name (without
    '@') where it is one (table_variables.py)."""

    tempdb_name: str = ""
    keys: list[TempKey] = field(default_factory=list)
    checks: dict[str, str | None] = field(default_factory=dict)
    indexes: list[TempIndex] = field(default_factory=list)
    variable: str = ""

    @property
    def sqlite_name(self) -> str:
        return self.name

    @property
    def written_name(self) -> str:
        """The name its statements give it: '#t', or '@t' for a table variable."""
        return f"@{self.variable}" if self.variable else self.name

    @property
    def display_name(self) -> str:
        return f"{DEFAULT_SCHEMA}.{self.written_name}"  # as 2627 names it: 'dbo.#t', 'dbo.@t'

    @property
    def null_error_name(self) -> str:
        """The table 515 names: 'tempdb.dbo.#t___..._000000000003', or a table variable's
        own name, '@t' (as SQL Server's 515 for a table-valued parameter names it)."""
        return self.written_name if self.variable else f"tempdb.{self.qualified_tempdb_name}"

    @property
    def qualified_tempdb_name(self) -> str:
        return f"{DEFAULT_SCHEMA}.{self.tempdb_name}"

    @property
    def constraint_names(self) -> list[str]:
        return [k.name for k in self.keys] + list(self.checks)

    def key_on(self, columns: list[str]) -> TempKey | None:
        """The PRIMARY KEY or UNIQUE constraint, or else the unique index, on exactly these
        columns."""
        wanted = sorted(c.casefold() for c in columns)
        unique = [TempKey(i.name, "INDEX", i.columns) for i in self.indexes if i.unique]
        return next(
            (k for k in self.keys + unique if sorted(map(str.casefold, k.columns)) == wanted),
            None,
        )

    @property
    def all_indexes(self) -> list[TempKey | TempIndex]:
        """The table's indexes: its key constraints' and those made as indexes."""
        return [*self.keys, *self.indexes]

    def index_named(self, name: str) -> TempKey | TempIndex | None:
        folded = name.casefold()
        return next((i for i in self.all_indexes if i.name.casefold() == folded), None)

    @property
    def clustered_index(self) -> str | None:
        """The name of the table's clustered index, if it has one."""
        return next((i.name for i in self.all_indexes if i.clustered), None)


def tempdb_name(name: str, variable: str = "") -> str:
    """A new temporary table's name in tempdb: `name` padded and numbered; a table
    variable's (`variable`) a number."""
    if variable:
        return f"#{next(_variable_numbers):08X}"
    return name.ljust(_TEMPDB_WIDTH, "_") + f"{next(_tempdb_numbers):012X}"


def typed_temp_table(
    name: str,
    stored: str,
    columns: list[tuple[str, ColumnType, Identity | None]],
    variable: str = "",
) -> TempTable:
    """A temporary table's Table: (name, type, IDENTITY or None) for each column; `stored`
    is its name in tempdb, `variable` a table variable's name."""
    typed = [
        Column(i, col, ctype, identity is not None, *(identity or (1, 1)))
        for i, (col, ctype, identity) in enumerate(columns, start=1)
    ]
    return TempTable(0, "", name, "U", typed, tempdb_name=stored, variable=variable)


# Each temporary table's identity: its seed, increment and last value, in the session's
# own temp schema (the shared catalog's __azsql_columns holds a permanent table's).
IDENTITIES = "__azsql_temp_identity"


def create_identity(conn: sqlite3.Connection, table: str, column: str, identity: Identity) -> None:
    """IDENTITY(seed, increment) on a temporary table, kept by the triggers a permanent
    table's is kept by (identity_triggers), its state in the session's temp schema."""
    conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {IDENTITIES} (name TEXT PRIMARY KEY,"
        " seed_value INTEGER, increment_value INTEGER, last_value INTEGER)"
    )
    key = table.casefold()
    conn.execute(
        f"INSERT OR REPLACE INTO temp.{IDENTITIES} VALUES (?, ?, ?, NULL)", (key, *identity)
    )
    where = f"name = '{key.replace(chr(39), chr(39) * 2)}'"
    identity_triggers(conn, table, column, IDENTITIES, where, temp=True)


def identity_triggers(
    conn: sqlite3.Connection, table: str, column: str, state: str, where: str, *, temp: bool
) -> None:
    """The two triggers that keep an identity column: a row inserted without a value takes
    the seed, or the last value plus the increment; an explicit value moves the last value
    up to it. `state` is the table holding seed_value, increment_value and last_value,
    `where` its row for this column (a trigger's statements take no parameters, and no
    schema before their table's name)."""
    create = "CREATE TEMP TRIGGER" if temp else "CREATE TRIGGER"
    t, c = _quoted(table), _quoted(column)
    conn.execute(
        f"{create} {_quoted(table + '.__identity')} AFTER INSERT ON {t}"
        f" WHEN NEW.{c} IS NULL BEGIN UPDATE {state} SET last_value ="
        f" coalesce(last_value + increment_value, seed_value) WHERE {where};"
        f" UPDATE {t} SET {c} = (SELECT last_value FROM {state} WHERE {where})"
        " WHERE rowid = NEW.rowid; END"
    )
    conn.execute(
        f"{create} {_quoted(table + '.__identity_explicit')} AFTER INSERT ON {t}"
        f" WHEN NEW.{c} IS NOT NULL BEGIN UPDATE {state} SET last_value ="
        f" max(coalesce(last_value, NEW.{c}), NEW.{c}) WHERE {where}; END"
    )


def last_identity(conn: sqlite3.Connection, table: str) -> int | None:
    """The identity value a temporary table gave last (SCOPE_IDENTITY, @@IDENTITY)."""
    found = conn.execute(
        f"SELECT last_value FROM temp.{IDENTITIES} WHERE name = ?", (table.casefold(),)
    ).fetchone()
    return found[0] if found else None


def drop_made_since(
    conn: sqlite3.Connection, tables: dict[str, TempTable], before: set[str]
) -> None:
    """Drop the temporary tables made since the keys of `tables` were `before`: a
    procedure's own go when it ends ("CREATE TABLE (Transact-SQL)": a local temporary
    table created in a stored procedure is dropped when the procedure is finished)."""
    for key in [k for k in tables if k not in before]:
        with contextlib.suppress(sqlite3.Error):  # gone already with a rolled-back transaction
            conn.execute(f"DROP TABLE {_quoted(tables[key].name)}")
        del tables[key]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


TypingSchema = dict[str, dict[str, dict[str, str]]]


def typing_schema(shared: TypingSchema) -> TypingSchema:
    """The catalog's {schema: {table: {column: type}}} with the running session's
    temporary tables added, under the schema a name without one is qualified with."""
    tables = TEMP_TABLES.get()
    if not tables:
        return shared
    own = {t.name: {c.name: type_text(c.type) for c in t.columns} for t in tables.values()}
    return shared | {DEFAULT_SCHEMA: shared.get(DEFAULT_SCHEMA, {}) | own}
