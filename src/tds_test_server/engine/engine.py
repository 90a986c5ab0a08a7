"""The SQL engine of the TDS test server: T-SQL in, SQL Server-shaped results out.

One SQLite database per Engine (a private temporary file for ":memory:", WAL
mode, so sessions get snapshot reads and serialised writes); one SQLite
connection per session, with its own transaction state. See results.py for the
contract with the protocol layer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlglot import exp
from sqlglot.tokens import TokenType

from .. import principals
from ..results import (
    ColumnType,
    Done,
    Message,
    Param,
    Result,
    ResultColumn,
    ResultSet,
    SessionInfo,
    TdsError,
)
from . import errors, functions, showplan
from .catalog import (
    DEFAULT_SCHEMA,
    TYPE_IDS,
    Catalog,
    Table,
    UnknownType,
    affinity,
    create_session_objects,
    default_definition,
    init_metadata,
    parse_type,
    split_name,
    storage,
    type_text,
)
from .index_state import alter_index
from .infoschema import information_schema_facts
from .translate import (
    AlterTable,
    ColumnDef,
    ConstraintDef,
    CreateTable,
    IndexDef,
    Query,
    Statement,
    Tokens,
    Translator,
    parse_alter_table,
    parse_create_index,
    parse_create_table,
    split_batch,
    word,
)

_FETCH = 1000
_DEFAULT_BUSY_MS = 60_000
_NONAME = "__azsql_noname_"


def _now_text() -> str:
    return functions.format_datetime(dt.datetime.now(), "datetime")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


Chunks = Generator[Iterable[tuple[Any, ...]], None, None]


class RowStream(itertools.chain[tuple[Any, ...]]):
    """The rows of a result set, fetched and converted a chunk at a time.

    Iterating it is chain's C-level `next`, not a generator resumed per row;
    `close()` ends the producer (closes the cursor, records @@ROWCOUNT).
    """

    _chunks: Chunks

    def __new__(cls, chunks: Chunks) -> RowStream:
        stream = cast(RowStream, cls.from_iterable(chunks))
        stream._chunks = chunks
        return stream

    def close(self) -> None:
        self._chunks.close()


@dataclass
class Variable:
    type: ColumnType | None
    value: Any  # in SQLite storage form


@dataclass
class Request:
    text: str
    start: str
    started: float
    command: str = "SELECT"


class Seed(Protocol):
    """What an Engine starts from besides the empty database: the sample implements it,
    so the engine never imports the sample."""

    database: str  # the user database's name (database id 5)

    def copy_to(self, path: str) -> None:
        """Write a prebuilt copy to the new file `path`; write nothing if there is none."""
        ...

    def is_loaded(self, catalog: Catalog) -> bool: ...

    def load(self, engine: Engine) -> None:
        """Create the seed's objects and rows in `engine`."""
        ...


class Engine:
    """A SQLite-backed T-SQL engine shared by many sessions."""

    def __init__(self, database: str = ":memory:", seed: Seed | None = None):
        self._tempdir: str | None = None
        if database == ":memory:":
            self._tempdir = tempfile.mkdtemp(prefix="azsql-tds-")
            self.path = os.path.join(self._tempdir, "db.sqlite")
        else:
            self.path = database
        # With a seed (the sample) the user database is the seed's (AdventureWorksLT);
        # without one, the user database takes the name each login asks for (None).
        self.user_database: str | None = seed.database if seed else None
        if seed and not os.path.exists(self.path):
            seed.copy_to(self.path)  # a new file: a copy of the seed's prebuilt database
        self.catalog = Catalog()
        self.translator = Translator(self.catalog)
        self._batches: OrderedDict[str, list[Statement]] = OrderedDict()
        self._batch_lock = threading.Lock()
        self._sessions: dict[int, EngineSession] = {}
        self._sessions_lock = threading.Lock()
        self._admin_lock = threading.Lock()
        self._closed = False
        self._admin = self._connect()
        self._admin.execute("PRAGMA journal_mode=WAL")
        init_metadata(self._admin, _now_text())
        self.catalog.load(self._admin)
        self._admin_ctx = _AdminContext(self.catalog)
        functions.register(self._admin, self._admin_ctx)
        if seed and not seed.is_loaded(self.catalog):
            seed.load(self)  # an existing file without the seed's data yet

    # -- plumbing
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={_DEFAULT_BUSY_MS}")
        if self._tempdir is not None:
            conn.execute("PRAGMA synchronous=OFF")
        return conn

    def split(self, text: str) -> list[Statement]:
        """Statements of a batch, cached by text (the same batches arrive again and again)."""
        with self._batch_lock:
            found = self._batches.get(text)
            if found is not None:
                self._batches.move_to_end(text)
                return found
        statements = split_batch(text)
        with self._batch_lock:
            self._batches[text] = statements
            if len(self._batches) > 2048:
                self._batches.popitem(last=False)
        return statements

    # -- public API
    def session(self, info: SessionInfo) -> EngineSession:
        if self._closed:
            raise TdsError(6005, "SHUTDOWN is in progress.", severity=14)
        if not self.has_database(info.database or "master"):
            raise TdsError(
                4060,
                f'Cannot open database "{info.database}" requested by the login. The login failed.',
                severity=11,
            )
        for known in ("master", "tempdb", self.user_database or ""):
            if info.database.casefold() == known.casefold():
                info.database = known  # as SQL Server spells it, whatever the login wrote
        session = EngineSession(self, info)
        with self._sessions_lock:
            self._sessions[info.spid] = session
        return session

    def has_database(self, name: str) -> bool:
        """master and tempdb, and the user database (any name when it has none yet)."""
        known = {"master", "tempdb"}
        if self.user_database is None:
            return True
        return name.casefold() in known | {self.user_database.casefold()}

    def sessions(self) -> list[EngineSession]:
        with self._sessions_lock:
            return list(self._sessions.values())

    def _forget(self, session: EngineSession) -> None:
        with self._sessions_lock:
            if self._sessions.get(session.info.spid) is session:
                del self._sessions[session.info.spid]

    def bulk_insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Load rows fast: one transaction, no translation. Identity values may be given
        (then for every row: the identity triggers are off during the load)."""
        parts = split_name(table)
        name = parts[-1]
        schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
        meta = self.catalog.table(schema, name)
        if meta is None or meta.kind != "U":
            raise errors.invalid_object(table)
        cols = []
        for c in columns:
            col = meta.column(c)
            if col is None:
                raise errors.invalid_column(c)
            cols.append(col)
        convs = [(i, f) for i, c in enumerate(cols) if (f := functions.storage_converter(c.type))]

        def converted() -> Iterator[tuple[Any, ...]]:
            batch = list(itertools.islice(iter_rows, _FETCH))
            while batch:
                columns: list[Any] = list(zip(*batch, strict=True))
                for i, convert in convs:
                    values = columns[i]
                    columns[i] = (
                        [None if v is None else convert(v) for v in values]
                        if None in values
                        else list(map(convert, values))
                    )
                yield from zip(*columns, strict=True)
                batch = list(itertools.islice(iter_rows, _FETCH))

        iter_rows = iter(rows)
        sql = (
            f"INSERT INTO {_q(meta.sqlite_name)} ({', '.join(_q(c.name) for c in cols)})"
            f" VALUES ({', '.join('?' for _ in cols)})"
        )
        ident = meta.identity
        explicit_identity = ident is not None and meta.identity_mode == "trigger" and ident in cols
        with self._admin_lock:
            conn = self._admin
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Explicit identity values: the per-row identity triggers are dropped for the
                # load and the identity's last value is set once at the end.
                triggers = self._identity_trigger_sql(meta) if explicit_identity else []
                for trigger_name, _ in triggers:
                    conn.execute(f"DROP TRIGGER {_q(trigger_name)}")
                conn.executemany(sql, converted() if convs else iter_rows)
                for _, trigger_sql in triggers:
                    conn.execute(trigger_sql)
                if explicit_identity:
                    assert ident is not None
                    conn.execute(
                        "UPDATE __azsql_columns SET last_value = (SELECT max("
                        f"{_q(ident.name)}) FROM {_q(meta.sqlite_name)})"
                        " WHERE object_id = ? AND column_id = ?",
                        (meta.object_id, ident.column_id),
                    )
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise errors.from_sqlite(exc, {}, 0) from None

    def _identity_trigger_sql(self, table: Table) -> list[tuple[str, str]]:
        """(name, CREATE TRIGGER text) of a table's identity triggers."""
        names = [table.sqlite_name + ".__identity", table.sqlite_name + ".__identity_explicit"]
        return self._admin.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            names,
        ).fetchall()

    def save_copy(self, path: str) -> None:
        """Write a consistent copy of the whole database to `path` (SQLite's backup API)."""
        target = sqlite3.connect(path)
        try:
            with self._admin_lock:
                self._admin.backup(target)
        finally:
            target.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for session in self.sessions():
            session.close()
        with self._admin_lock:
            with contextlib.suppress(sqlite3.Error):
                self._admin.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._admin.close()
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _AdminContext:
    """Function context for the engine's own loading connection."""

    catalog: Catalog
    spid: int = 0
    database: str = "master"
    user_database: str = "master"
    login: str = "sa"
    app_name: str = ""
    host_name: str = ""
    rowcount: int = 0
    trancount: int = 0
    last_identity: int | None = None
    lock_timeout_ms: int = -1
    pending_error: TdsError | None = None


_SET_ACCEPTED = frozenset(
    [
        "ANSI_NULLS",
        "ANSI_PADDING",
        "ANSI_WARNINGS",
        "ANSI_NULL_DFLT_ON",
        "ANSI_NULL_DFLT_OFF",
        "ANSI_DEFAULTS",
        "QUOTED_IDENTIFIER",
        "ARITHABORT",
        "ARITHIGNORE",
        "CONCAT_NULL_YIELDS_NULL",
        "NUMERIC_ROUNDABORT",
        "TEXTSIZE",
        "DATEFORMAT",
        "DATEFIRST",
        "LANGUAGE",
        "DEADLOCK_PRIORITY",
        "CURSOR_CLOSE_ON_COMMIT",
        "STATISTICS",
        "NOEXEC",
        "PARSEONLY",
        "CONTEXT_INFO",
        "QUERY_GOVERNOR_COST_LIMIT",
        "XACT_ABORT",
        "NOCOUNT",
        "LOCK_TIMEOUT",
        "TRANSACTION",
        "IMPLICIT_TRANSACTIONS",
        "SHOWPLAN_XML",
        "FMTONLY",
        "ROWCOUNT",
        "IDENTITY_INSERT",
        "FORCEPLAN",
    ]
)
_CONTROL_FLOW = frozenset(
    [
        "IF",
        "ELSE",
        "WHILE",
        "BEGIN",
        "END",
        "GO",
        "RETURN",
        "BREAK",
        "CONTINUE",
        "GOTO",
        "TRY",
        "CATCH",
        "THROW",
        "RAISERROR",
        "MERGE",
        "GRANT",
        "DENY",
        "REVOKE",
        "DBCC",
        "BACKUP",
        "RESTORE",
        "OPEN",
        "FETCH",
        "CLOSE",
        "DEALLOCATE",
        "BULK",
        "KILL",
        "CHECKPOINT",
        "SHUTDOWN",
        "SAVE",
    ]
)
# Positional parameters of sp_addextendedproperty and its siblings, as documented.
_LEVELS = ["@level0type", "@level0name", "@level1type", "@level1name", "@level2type", "@level2name"]
_PROC_PARAMS: dict[str, list[str]] = {
    "sp_datatype_info_100": ["@data_type", "@odbcver"],
    "sp_datatype_info": ["@data_type", "@odbcver"],
    "sp_describe_undeclared_parameters": ["@tsql", "@params"],
    "sp_executesql": ["@stmt", "@params"],
    "sp_addextendedproperty": ["@name", "@value", *_LEVELS],
    "sp_updateextendedproperty": ["@name", "@value", *_LEVELS],
    "sp_dropextendedproperty": ["@name", *_LEVELS],
}


class EngineSession:
    """One client session: its own SQLite connection, transaction and SET state."""

    def __init__(self, engine: Engine, info: SessionInfo):
        self.engine = engine
        self.info = info
        self.principal = info.principal or principals.privileged(info.user)
        self.catalog = engine.catalog
        self.rowcount = 0
        self.last_identity: int | None = None
        self.lock_timeout_ms = -1
        self.pending_error: TdsError | None = None
        self.nocount = False
        self.showplan = False
        self.fmtonly = False
        self.xact_abort = False
        self.identity_insert: set[str] = set()
        self.login_time = _now_text()
        self.last_request_start: str | None = None
        self.last_request_end: str | None = None
        self.request: Request | None = None
        self._depth = 0
        self._ddl_in_tran = False
        self._cancel = threading.Event()
        self._lock = threading.RLock()
        self._closed = False
        self.conn = engine._connect()
        create_session_objects(self.conn)
        self.conn.execute(
            "INSERT OR REPLACE INTO temp.__azsql_session VALUES ('db', ?), ('file', ?),"
            " ('userdb', ?), ('view_definition', ?)",
            (
                self.database,
                engine.path,
                engine.user_database or self.database,
                int(self.principal.sees_definitions),
            ),
        )
        functions.register(self.conn, self)
        principals.register_functions(self.conn, self.principal)

    # -- context for functions.py
    @property
    def spid(self) -> int:
        return self.info.spid

    @property
    def database(self) -> str:
        return self.info.database or "master"

    @property
    def user_database(self) -> str:
        """The database with id 5: the sample's, else the one this session logged in to."""
        return self.engine.user_database or self.database

    @property
    def login(self) -> str:
        return self.info.user

    @property
    def app_name(self) -> str:
        return self.info.app_name

    @property
    def host_name(self) -> str:
        return self.info.host_name

    @property
    def trancount(self) -> int:
        return self._depth

    # -- transactions
    def begin(self) -> None:
        with self._lock:
            if self._depth == 0:
                self.conn.execute("BEGIN")
            self._depth += 1

    def commit(self) -> None:
        """Transaction-manager commit: ends the whole transaction."""
        with self._lock:
            if self._depth == 0:
                raise errors.no_begin("COMMIT")
            self._depth = 0
            self._finish("COMMIT")

    def rollback(self) -> None:
        with self._lock:
            if self._depth == 0:
                raise errors.no_begin("ROLLBACK")
            self._depth = 0
            self._finish("ROLLBACK")

    def _finish(self, verb: str) -> None:
        try:
            self.conn.execute(verb)
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                raise self._map(exc, None, None) from None
        if verb == "ROLLBACK" and self._ddl_in_tran:
            self.catalog.load(self.conn)
        self._ddl_in_tran = False

    def cancel(self) -> None:
        self._cancel.set()
        with contextlib.suppress(sqlite3.Error):
            self.conn.interrupt()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cancel.set()
        with contextlib.suppress(sqlite3.Error):
            self.conn.interrupt()
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            self.conn.close()
        self.engine._forget(self)

    # -- batches
    def execute(self, sql: str, params: list[Param] | None = None) -> Iterator[Result]:
        self._cancel.clear()
        scope = {
            p.name.lstrip("@").lower(): Variable(p.type, functions.to_sqlite(p.value, p.type))
            for p in params or []
        }
        statements = self.engine.split(sql)
        yield from self._run_batch(sql, statements, scope)

    def _run_batch(
        self, sql: str, statements: list[Statement], scope: dict[str, Variable]
    ) -> Iterator[Result]:
        self.request = Request(sql, _now_text(), time.monotonic())
        self.last_request_start = self.request.start
        try:
            for index, stmt in enumerate(statements):
                if self._cancel.is_set():
                    return
                self.request.command = (word(stmt.tokens[0]) or "EXECUTE").upper()
                try:
                    # No lock is held across this yield: the protocol layer takes the rows
                    # a chunk at a time, sending each before it asks for the next.
                    yield from self._statement(stmt, scope, index == 0)
                except TdsError as exc:
                    exc.line = stmt.line
                    if self.xact_abort and self._depth:
                        self._depth = 0
                        with contextlib.suppress(TdsError):
                            self._finish("ROLLBACK")
                    raise
        finally:
            self.request = None
            self.last_request_end = _now_text()

    def call_procedure(self, name: str, params: list[Param]) -> Iterator[Result]:
        self._cancel.clear()
        proc = _proc_name(name)
        args = {p.name.lower(): functions.to_sqlite(p.value, p.type) for p in params}
        positional = [functions.to_sqlite(p.value, p.type) for p in params if not p.name]
        named = _bind_positional(proc, positional, args)
        self.request = Request(f"EXEC {name}", _now_text(), time.monotonic(), "EXECUTE")
        try:
            yield from self._procedure(proc, named, params, name)
        finally:
            self.request = None

    # -- one statement
    def _statement(
        self, stmt: Statement, scope: dict[str, Variable], first: bool
    ) -> Iterator[Result]:
        w = stmt.words(3)
        head = w[0]
        if self.showplan and head != "SET":
            yield self._showplan(stmt, scope)
            return
        if head in ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE") or (
            stmt.tokens[0].token_type == TokenType.L_PAREN
        ):
            yield from self._query(stmt, scope)
        elif head == "SET":
            yield from self._set(stmt, scope)
        elif head == "DECLARE":
            self._declare(stmt, scope)
        elif head == "BEGIN" and w[1] in ("TRAN", "TRANSACTION"):
            self.begin()
        elif head == "BEGIN" and w[1] == "DISTRIBUTED":
            raise errors.unsupported("BEGIN DISTRIBUTED TRANSACTION")
        elif head == "COMMIT":
            if self._depth == 0:
                raise errors.no_begin("COMMIT")
            self._depth -= 1
            if self._depth == 0:
                self._finish("COMMIT")
        elif head == "ROLLBACK":
            if len(stmt.tokens) > 2 and w[1] in ("TRAN", "TRANSACTION") and self._depth == 0:
                raise errors.no_begin("ROLLBACK")
            self.rollback()
        elif head == "WAITFOR":
            self._waitfor(stmt, scope)
        elif head == "PRINT":
            value = self._evaluate(_tail(stmt, 1), scope)
            yield Message(0, "" if value is None else functions._to_str(value))
        elif head == "USE":
            self._use(stmt)
        elif head in ("EXEC", "EXECUTE"):
            yield from self._exec(stmt, scope, 1)
        elif head in ("CREATE", "ALTER", "DROP", "TRUNCATE"):
            self._ddl(stmt)
            yield Done(None)
        elif (
            first
            and head not in _CONTROL_FLOW
            and stmt.tokens[0].token_type in (TokenType.VAR, TokenType.IDENTIFIER)
        ):  # a batch may start with a bare procedure name: sp_datatype_info_100 12,3
            yield from self._exec(stmt, scope, 0)
        else:
            what = stmt.tokens[0].text.upper()
            if what == "GO":
                raise errors.syntax_near("GO")
            if what == "BEGIN":
                what = "BEGIN ... END blocks"
            raise errors.unsupported(f"'{what}'" if what.isalpha() else what)

    # -- queries and DML
    def _query(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]:
        q = self.engine.translator.translate(stmt.text, self.database)
        if q.kind != "select":
            self._check_write(q)
        if q.kind == "insert":
            self._check_identity_insert(q)
        self._refresh(q.needs)
        bindings = self._bindings(q, scope)
        self.pending_error = None
        if q.kind == "select":
            cursor = self._run(q, bindings)
            if q.assign:
                rows = cursor.fetchall()
                cursor.close()
                if rows:
                    for name, value in zip(q.assign, rows[-1], strict=True):
                        self._assign(scope, name, value)
                self.rowcount = len(rows)
                return
            result = self._result_set(cursor, q, scope)
            try:
                yield result
            finally:
                close = getattr(result.rows, "close", None)
                if close is not None:
                    close()
            return
        cursor = self._run(q, bindings)
        count = cursor.rowcount
        cursor.close()
        if q.kind == "insert" and q.target is not None:
            self._note_identity(q.target, cursor)
        self.rowcount = count
        yield Done(None if self.nocount else count)

    def _check_write(self, q: Query) -> None:
        """A write needs db_datawriter (or INSERT/UPDATE/DELETE); temporary tables do not."""
        if self.principal.can_write or q.target is None or q.target.startswith("#"):
            return
        schema, _, name = q.target.partition(".")
        table = self.catalog.table(schema, name)
        if table is not None:
            schema, name = table.schema, table.name
        self.principal.check_write(q.kind.upper(), name, self.database, schema)

    def _run(self, q: Query, bindings: dict[str, Any]) -> sqlite3.Cursor:
        try:
            return self.conn.execute(q.sql, bindings)
        except sqlite3.Error as exc:
            raise self._map(exc, q, bindings) from None

    def _bindings(self, q: Query, scope: dict[str, Variable]) -> dict[str, Any]:
        bindings = {}
        for name in q.params:
            var = scope.get(name)
            if var is None:
                raise errors.must_declare(name)
            bindings[name] = var.value
        return bindings

    def _result_set(
        self, cursor: sqlite3.Cursor, q: Query, scope: dict[str, Variable]
    ) -> ResultSet:
        desc = cursor.description or []
        typed = q.columns if q.columns is not None and len(q.columns) == len(desc) else None
        types: list[ColumnType | None] = []
        trusted: list[bool] = []
        for i in range(len(desc)):
            col = typed[i] if typed else None
            ctype = col.type if col else None
            if col is not None and col.param is not None:
                var = scope.get(col.param)
                ctype = var.type if var is not None else None
            types.append(ctype)
            trusted.append(bool(col and col.base))
        head: list[tuple[Any, ...]] = []
        if any(t is None for t in types):
            try:
                head = cursor.fetchmany(_FETCH)
            except sqlite3.Error as exc:
                cursor.close()
                raise self._map(exc, q, None) from None
            for i, t in enumerate(types):
                if t is None:
                    sample = next((r[i] for r in head if r[i] is not None), None)
                    types[i] = functions.infer_type(sample)
        columns = []
        for (name, *_), ctype in zip(desc, types, strict=True):
            assert ctype is not None
            columns.append(ResultColumn("" if name.startswith(_NONAME) else name, ctype))
        convs = [
            (i, f)
            for i, t in enumerate(types)
            if t is not None and (f := functions.column_converter(t, trusted[i])) is not None
        ]
        if self.fmtonly:
            cursor.close()
            return ResultSet(columns, iter(()))
        return ResultSet(columns, self._rows(cursor, head, convs, q))

    def _rows(
        self,
        cursor: sqlite3.Cursor,
        head: list[tuple[Any, ...]],
        convs: list[tuple[int, functions.ColumnConverter]],
        q: Query,
    ) -> RowStream:
        return RowStream(self._chunks(cursor, head, convs, q))

    def _chunks(
        self,
        cursor: sqlite3.Cursor,
        head: list[tuple[Any, ...]],
        convs: list[tuple[int, functions.ColumnConverter]],
        q: Query,
    ) -> Chunks:
        count = 0
        cancel = self._cancel
        try:
            chunk = head
            while True:
                if chunk:
                    count += len(chunk)
                    if convs:  # column at a time: the converters run in C-level loops
                        columns: list[Any] = list(zip(*chunk, strict=True))
                        for i, convert in convs:
                            columns[i] = convert(columns[i])
                        yield zip(*columns, strict=True)
                    else:
                        yield chunk
                if cancel.is_set():
                    return
                try:
                    chunk = cursor.fetchmany(_FETCH)
                except sqlite3.Error as exc:
                    if cancel.is_set():
                        return
                    raise self._map(exc, q, None) from None
                if not chunk:
                    return
        finally:
            cursor.close()
            self.rowcount = count

    def _check_identity_insert(self, q: Query) -> None:
        if q.target is None:
            return
        table = self.catalog.tables.get(q.target.casefold())
        ident = table.identity if table else None
        if table is None or ident is None or q.target.casefold() in self.identity_insert:
            return
        cols = q.insert_columns
        if cols and any(c.casefold() == ident.name.casefold() for c in cols):
            raise errors.identity_insert(table.display_name)

    def _note_identity(self, target: str, cursor: sqlite3.Cursor) -> None:
        table = self.catalog.tables.get(target.casefold())
        if table is None:
            if target.startswith("#") and cursor.lastrowid:
                self.last_identity = cursor.lastrowid
            return
        ident = table.identity
        if ident is None:
            return
        if table.identity_mode == "rowid":
            self.last_identity = cursor.lastrowid
        else:
            row = self.conn.execute(
                "SELECT last_value FROM __azsql_columns WHERE object_id = ? AND column_id = ?",
                (table.object_id, ident.column_id),
            ).fetchone()
            self.last_identity = row[0] if row else None

    # -- variables
    def _assign(self, scope: dict[str, Variable], name: str, value: Any) -> None:
        var = scope.get(name)
        if var is None:
            raise errors.must_declare(name)
        if var.type is not None and value is not None:
            t = var.type
            value = functions.tsql_cast(value, t.name, t.length or 0, t.scale or 0)
        var.value = value

    def _evaluate(self, text: str, scope: dict[str, Variable]) -> Any:
        q = self.engine.translator.translate(f"SELECT {text}", self.database)
        self._refresh(q.needs)
        cursor = self._run(q, self._bindings(q, scope))
        try:
            row = cursor.fetchone()
        except sqlite3.Error as exc:
            raise self._map(exc, q, None) from None
        finally:
            cursor.close()
        return row[0] if row else None

    def _declare(self, stmt: Statement, scope: dict[str, Variable]) -> None:
        ts = Tokens(stmt)
        ts.expect("DECLARE")
        if not ts.peek_is(TokenType.PARAMETER) and "CURSOR" in stmt.words(5):
            raise errors.unsupported("cursors (DECLARE ... CURSOR)")
        while True:
            ts.expect_type(TokenType.PARAMETER)
            name = ts.name().lower()
            ts.accept("AS")
            if ts.peek_word() in ("TABLE", "CURSOR"):
                raise errors.unsupported(f"DECLARE ... {ts.peek_word()}")
            start = ts.i
            ts.next()
            while ts.peek_word() in ("PRECISION", "VARYING"):
                ts.next()
            if ts.peek_is(TokenType.L_PAREN):
                ts.parenthesized()
            type_text_ = ts.text_between(start, ts.i)
            try:
                ctype = parse_type(type_text_)
            except (UnknownType, ValueError):
                raise errors.unknown_type(type_text_) from None
            scope[name] = Variable(ctype, None)
            if ts.accept_type(TokenType.EQ):
                expr = ts.expression(frozenset())
                self._assign(scope, name, self._evaluate(expr, scope))
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()

    # -- SET
    def _set(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]:
        toks = stmt.tokens
        if len(toks) > 1 and toks[1].token_type == TokenType.PARAMETER:
            ts = Tokens(stmt)
            ts.next()
            ts.next()
            name = ts.name().lower()
            op = ts.next()
            rest = ts.text_between(ts.i, len(toks))
            if op.token_type != TokenType.EQ:
                compound = op.text
                if compound in ("+", "-", "*", "/", "%") and ts.accept_type(TokenType.EQ):
                    rest = f"@{name} {compound} ({ts.text_between(ts.i, len(toks))})"
                else:
                    raise errors.syntax_near(op.text)
            if name not in scope:
                raise errors.must_declare(name)
            self._assign(scope, name, self._evaluate(rest, scope))
            return
        words = [word(t) or t.text.upper() for t in toks[1:]]
        if not words:
            raise errors.syntax_near("SET")
        option = words[0]
        value = words[-1]
        on = value == "ON"
        if option not in _SET_ACCEPTED:
            raise errors.unsupported(f"SET {option}")
        if option == "NOCOUNT":
            self.nocount = on
        elif option == "SHOWPLAN_XML":
            if on:
                self.principal.check_showplan(self.database)
            self.showplan = on
        elif option == "FMTONLY":
            self.fmtonly = on
        elif option == "XACT_ABORT":
            self.xact_abort = on
        elif option == "LOCK_TIMEOUT":
            ms = int(toks[-1].text) if toks[-1].token_type == TokenType.NUMBER else -1
            if toks[-2].token_type == TokenType.DASH:
                ms = -ms
            self.lock_timeout_ms = ms
            self.conn.execute(f"PRAGMA busy_timeout={_DEFAULT_BUSY_MS if ms < 0 else ms}")
        elif option == "IMPLICIT_TRANSACTIONS" and on:
            raise errors.unsupported("SET IMPLICIT_TRANSACTIONS ON")
        elif option == "ROWCOUNT" and value != "0":
            raise errors.unsupported("SET ROWCOUNT other than 0 (use TOP)")
        elif option == "IDENTITY_INSERT":
            ts = Tokens(stmt)
            ts.next()
            ts.next()
            parts = ts.multipart()
            name = parts[-1]
            schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
            table = self.catalog.table(schema, name)
            if table is None:
                raise errors.invalid_object(".".join(parts))
            if table.identity is None:
                raise TdsError(
                    8106,
                    f"Table '{table.display_name}' does not have the identity property."
                    " Cannot perform SET operation.",
                )
            key = table.sqlite_name.casefold()
            if on:
                self.identity_insert = {key}
            else:
                self.identity_insert.discard(key)
        return
        yield  # a generator, like the other statement handlers

    # -- WAITFOR, USE
    def _waitfor(self, stmt: Statement, scope: dict[str, Variable]) -> None:
        w = stmt.words(2)
        if w[1] not in ("DELAY", "TIME"):
            raise errors.unsupported("WAITFOR other than DELAY/TIME")
        value = self._evaluate(_tail(stmt, 2), scope)
        try:
            parsed = functions.parse_datetime(f"1900-01-01 {value}")
        except TdsError:
            raise TdsError(
                148,
                f"Incorrect time syntax in time string '{value}' used with WAITFOR.",
                severity=15,
            ) from None
        seconds = (parsed - dt.datetime(1900, 1, 1)).total_seconds()
        if w[1] == "TIME":
            now = dt.datetime.now()
            target = now.replace(
                hour=parsed.hour,
                minute=parsed.minute,
                second=parsed.second,
                microsecond=parsed.microsecond,
            )
            seconds = (target - now).total_seconds() % 86400
        self._cancel.wait(seconds)

    def _use(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.next()
        name = ts.name()
        ts.end()
        known = {n.casefold() for n in (self.database, self.user_database, "master", "tempdb")}
        if name.casefold() not in known:
            if self.engine.user_database is None and not self.principal.privileged:
                # Without the sample every name is a database, and the user of a
                # least-privileged login exists only in the one it logged in to.
                raise self.principal.no_database_access(name)
            raise errors.database_missing(name)
        self.info.database = name
        self.conn.execute("UPDATE temp.__azsql_session SET value = ? WHERE key = 'db'", (name,))

    # -- live DMV data and row counts, refreshed only for statements that read them
    def _refresh(self, needs: frozenset[str]) -> None:
        if not needs:
            return
        conn = self.conn
        if "dmv" in needs:
            # Without VIEW SERVER STATE the session DMVs show the caller's own session only.
            sessions = self.engine.sessions() if self.principal.sees_all_sessions else [self]
            conn.execute("DELETE FROM temp.__azsql_dmv_sessions")
            conn.execute("DELETE FROM temp.__azsql_dmv_requests")
            conn.execute("DELETE FROM temp.__azsql_dmv_sql_text")
            now = time.monotonic()
            for s in sessions:
                req = s.request
                conn.execute(
                    "INSERT INTO temp.__azsql_dmv_sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        s.spid,
                        s.login_time,
                        s.host_name,
                        s.app_name,
                        s.login,
                        "running" if req else "sleeping",
                        s.last_request_start,
                        s.last_request_end,
                        s.lock_timeout_ms,
                        s.rowcount,
                        s.trancount,
                    ),
                )
                if req is None:
                    continue
                handle = _sql_handle(req.text)
                conn.execute(
                    "INSERT INTO temp.__azsql_dmv_requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        s.spid,
                        req.start,
                        "running" if s is self else "suspended",
                        req.command,
                        handle,
                        b"\x06" + handle[1:],
                        _connection_id(s.spid),
                        None if s is self or "WAITFOR" not in req.command else "WAITFOR",
                        int((now - req.started) * 1000),
                        s.trancount,
                        int((now - req.started) * 1000),
                        s.lock_timeout_ms,
                    ),
                )
                conn.execute(
                    "INSERT INTO temp.__azsql_dmv_sql_text VALUES (?, ?)", (handle, req.text)
                )
        if "rowcounts" in needs or "files" in needs:
            conn.execute("DELETE FROM temp.__azsql_rowcounts")
            for table in list(self.catalog.tables.values()):
                if table.kind != "U" or table.object_id < 0:
                    continue
                try:
                    rows = conn.execute(f"SELECT count(*) FROM {_q(table.sqlite_name)}").fetchone()[
                        0
                    ]
                except sqlite3.Error:
                    continue
                conn.execute(
                    "INSERT INTO temp.__azsql_rowcounts VALUES (?, ?, ?)",
                    (table.object_id, rows, max(1, -(-rows * 64 // 8192))),
                )
            page_count = conn.execute("PRAGMA page_count").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            conn.execute(
                "INSERT OR REPLACE INTO temp.__azsql_session VALUES ('pages', ?)",
                (max(1, page_count * page_size // 8192),),
            )

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
                return errors.null_insert(column, f"{self.database}.{table}", statement)
            if text.startswith("FOREIGN KEY constraint failed"):
                return self._fk_error(q, bindings)
            if text.startswith("CHECK constraint failed:"):
                return self._check_error(text.split(":", 1)[1].strip(), q)
        except sqlite3.Error:
            pass
        return errors.from_sqlite(exc, names, self.spid)

    def _split_column(self, qualified: str) -> tuple[str, str]:
        """'SalesLT.Customer.Name' -> ('SalesLT.Customer', 'Name') using the catalog."""
        table, _, column = qualified.rpartition(".")
        return table, column

    def _unique_error(
        self, text: str, q: Query | None, bindings: dict[str, Any] | None
    ) -> TdsError:
        cols = [c.strip() for c in text.split(":", 1)[1].split(",")]
        table_name = cols[0].rpartition(".")[0]
        col_names = [c.rpartition(".")[2] for c in cols]
        table = self.catalog.tables.get(table_name.casefold())
        if table is None:
            return errors.duplicate_key("?", "INDEX", table_name, None)
        want = [col.column_id for c in col_names if (col := table.column(c)) is not None]
        rows = self.conn.execute(
            "SELECT i.index_id, i.name, i.is_primary_key, i.is_unique_constraint,"
            " group_concat(ic.column_id) FROM __azsql_indexes i JOIN __azsql_index_columns ic"
            " ON ic.object_id = i.object_id AND ic.index_id = i.index_id"
            " AND ic.is_included_column = 0 WHERE i.object_id = ? AND i.is_unique = 1"
            " GROUP BY i.index_id",
            (table.object_id,),
        ).fetchall()
        name, kind = "?", "INDEX"
        for _iid, iname, is_pk, is_uq, colids in rows:
            if sorted(int(c) for c in str(colids).split(",")) == sorted(want):
                name, kind = iname, "PK" if is_pk else "UQ" if is_uq else "INDEX"
                break
        values = self._duplicate_values(table, want, q, bindings)
        return errors.duplicate_key(name, kind, table.display_name, values)

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
        try:
            sq = self.engine.translator.translate(source_sql, self.database)
            rows = self.conn.execute(sq.sql, bindings or {}).fetchall()
        except (TdsError, sqlite3.Error):
            return None
        seen: set[tuple[Any, ...]] = set()
        where = " AND ".join(f"{_q(c.name)} = ?" for c in key_cols)
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

    # -- SHOWPLAN_XML
    def _showplan(self, stmt: Statement, scope: dict[str, Variable]) -> ResultSet:
        head = (word(stmt.tokens[0]) or "EXECUTE").upper()
        plan: list[tuple[int, int, str]] | None = None
        q: Query | None = None
        if head in ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE"):
            q = self.engine.translator.translate(stmt.text, self.database)
            self._refresh(q.needs)
            bindings = {name: scope[name].value if name in scope else None for name in q.params}
            try:
                plan = [
                    (r[0], r[1], r[3])
                    for r in self.conn.execute(f"EXPLAIN QUERY PLAN {q.sql}", bindings)
                ]
            except sqlite3.Error as exc:
                raise self._map(exc, q, bindings) from None
        xml = showplan.build(stmt.text, head, q, plan, self._plan_facts(q))
        column = ResultColumn("Microsoft SQL Server 2005 XML Showplan", ColumnType("nvarchar", -1))
        return ResultSet([column], iter([(xml,)]))

    def _plan_facts(self, q: Query | None) -> showplan.Facts:
        facts = showplan.Facts(self.database)
        if q is None:
            return facts
        for sqlite_name in q.names:
            table = self.catalog.tables.get(sqlite_name)
            if table is None or table.kind != "U":
                continue
            try:
                rows = self.conn.execute(
                    f"SELECT count(*) FROM {_q(table.sqlite_name)}"
                ).fetchone()[0]
            except sqlite3.Error:
                rows = 0
            indexes = self.conn.execute(
                "SELECT i.name, i.type, i.sqlite_name, group_concat(c.name)"
                " FROM __azsql_indexes i LEFT JOIN __azsql_index_columns ic"
                " ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal = 1"
                " LEFT JOIN __azsql_columns c ON c.object_id = ic.object_id"
                " AND c.column_id = ic.column_id WHERE i.object_id = ? GROUP BY i.index_id",
                (table.object_id,),
            ).fetchall()
            facts.tables[table.sqlite_name.casefold()] = showplan.TableFacts(
                table,
                rows,
                {(r[2] or "").casefold(): (r[0], r[1]) for r in indexes},
                {(r[3] or "").casefold() for r in indexes if r[3]},
            )
        return facts

    # -- EXEC and procedures
    def _exec(self, stmt: Statement, scope: dict[str, Variable], skip: int) -> Iterator[Result]:
        ts = Tokens(stmt)
        for _ in range(skip):
            ts.next()
        if ts.peek_is(TokenType.PARAMETER):
            raise errors.unsupported("EXEC @return_status = ...")
        if ts.peek_is(TokenType.L_PAREN):
            raise errors.unsupported("EXEC (dynamic SQL string)")
        written = ".".join(ts.multipart())
        proc = _proc_name(written)
        positional: list[Any] = []
        named: dict[str, Any] = {}
        while not ts.at_end():
            name = None
            if ts.peek_is(TokenType.PARAMETER) and ts.peek_is(TokenType.EQ, 2):
                ts.next()
                name = "@" + ts.name().lower()
                ts.next()
            value = self._exec_value(ts, scope)
            ts.accept("OUTPUT", "OUT")
            if name is None:
                positional.append(value)
            else:
                named[name] = value
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()
        args = _bind_positional(proc, positional, named)
        yield from self._procedure(proc, args, None, written)

    def _exec_value(self, ts: Tokens, scope: dict[str, Variable]) -> Any:
        tok = ts.next()
        tt = tok.token_type
        if tt in (TokenType.STRING, TokenType.NATIONAL_STRING):
            return tok.text
        if tt == TokenType.NUMBER:
            return _number(tok.text)
        if tt == TokenType.DASH:
            return -_number(ts.next().text)
        if tt == TokenType.HEX_STRING:
            return bytes.fromhex(tok.text)
        if tt == TokenType.NULL:
            return None
        if tt == TokenType.PARAMETER:
            var = ts.name().lower()
            if var not in scope:
                raise errors.must_declare(var)
            return scope[var].value
        if word(tok) == "DEFAULT":
            return None
        return tok.text  # an unquoted name, as T-SQL allows for procedure arguments

    def _procedure(
        self, proc: str, args: dict[str, Any], params: list[Param] | None, written: str = ""
    ) -> Iterator[Result]:
        if proc in ("sp_datatype_info_100", "sp_datatype_info"):
            yield _datatype_info(args.get("@data_type"), args.get("@odbcver"))
        elif proc == "sp_describe_undeclared_parameters":
            yield self._describe_parameters(args.get("@tsql"), args.get("@params"))
        elif proc in (
            "sp_addextendedproperty",
            "sp_updateextendedproperty",
            "sp_dropextendedproperty",
        ):
            self._extended_property(proc, args)
            yield Done(None)
        elif proc == "sp_executesql":
            yield from self._executesql(args, params)
        else:
            raise errors.proc_not_found(written or proc)

    def _executesql(self, args: dict[str, Any], params: list[Param] | None) -> Iterator[Result]:
        stmt = args.get("@stmt")
        if not isinstance(stmt, str):
            raise TdsError(
                214, "Procedure expects parameter '@statement' of type 'ntext/nchar/nvarchar'."
            )
        declared = _parse_param_declarations(args.get("@params") or "")
        scope: dict[str, Variable] = {}
        for name, ctype in declared.items():
            scope[name] = Variable(ctype, None)
        for p in params or []:
            key = p.name.lstrip("@").lower()
            if key in ("stmt", "params", "statement"):
                continue
            scope[key] = Variable(declared.get(key, p.type), functions.to_sqlite(p.value, p.type))
        for key, value in args.items():
            bare = key.lstrip("@")
            if bare not in ("stmt", "params") and bare in scope and scope[bare].value is None:
                scope[bare].value = value
        yield from self._run_batch(stmt, self.engine.split(stmt), scope)

    def _describe_parameters(self, tsql: Any, declared_text: Any) -> ResultSet:
        from .translate import parse_tsql

        columns = [ResultColumn(n, t) for n, t in _DESCRIBE_COLUMNS]
        if not isinstance(tsql, str):
            raise TdsError(
                214, "Procedure expects parameter '@tsql' of type 'ntext/nchar/nvarchar'."
            )
        declared = _parse_param_declarations(declared_text or "")
        statements = self.engine.split(tsql)
        found: list[tuple[str, ColumnType]] = []
        seen: set[str] = set(declared)
        for stmt in statements:
            try:
                tree = parse_tsql(stmt.text)
            except TdsError:
                continue
            hints = _parameter_hints(tree, self.catalog)
            for node in tree.find_all(exp.Parameter):
                if isinstance(node.this, exp.Parameter) or isinstance(node.parent, exp.Parameter):
                    continue
                name = node.name.lower()
                if name in seen:
                    continue
                seen.add(name)
                found.append((node.name, hints.get(name, ColumnType("nvarchar", 4000))))
        rows = [_describe_row(i + 1, name, ctype) for i, (name, ctype) in enumerate(found)]
        return ResultSet(columns, iter(rows))

    def _extended_property(self, proc: str, args: dict[str, Any]) -> None:
        name = args.get("@name")
        if not name:
            raise TdsError(
                15600, f"An invalid parameter or option was specified for procedure '{proc}'."
            )
        levels = [
            (str(args.get(f"@level{i}type") or "").upper(), args.get(f"@level{i}name"))
            for i in range(3)
        ]
        klass, major, minor = 0, 0, 0
        label = self.database
        if levels[0][0] == "SCHEMA":
            sid = self.catalog.schema_id(str(levels[0][1]))
            if sid is None:
                raise errors.schema_missing(str(levels[0][1]))
            klass, major, label = 3, sid, str(levels[0][1])
            if levels[1][0]:
                table = self.catalog.table(str(levels[0][1]), str(levels[1][1]))
                if table is None or table.object_id < 0:
                    raise TdsError(
                        15135,
                        f"Object is invalid. Extended properties are not"
                        f" permitted on '{levels[0][1]}.{levels[1][1]}', or the object"
                        " does not exist.",
                    )
                klass, major, label = 1, table.object_id, table.display_name
                if levels[2][0] == "COLUMN":
                    col = table.column(str(levels[2][1]))
                    if col is None:
                        raise TdsError(
                            15135,
                            f"Object is invalid. Extended properties are not"
                            f" permitted on '{label}.{levels[2][1]}', or the object"
                            " does not exist.",
                        )
                    minor, label = col.column_id, f"{label}.{col.name}"
                elif levels[2][0] in ("CONSTRAINT", "INDEX"):
                    oid = self.catalog.resolve_object_id(f"{table.schema}.{levels[2][1]}")
                    if levels[2][0] == "CONSTRAINT" and oid is not None:
                        major = oid
                    elif levels[2][0] == "INDEX":
                        row = self.conn.execute(
                            "SELECT index_id FROM __azsql_indexes WHERE object_id = ? AND name = ?",
                            (table.object_id, levels[2][1]),
                        ).fetchone()
                        if row is None:
                            raise errors.invalid_object(str(levels[2][1]))
                        klass, minor = 7, row[0]
        key = (klass, major, minor, name)
        exists = self.conn.execute(
            "SELECT 1 FROM __azsql_extended_properties WHERE class = ? AND major_id = ?"
            " AND minor_id = ? AND name = ?",
            key,
        ).fetchone()
        if proc == "sp_addextendedproperty":
            if exists:
                raise TdsError(
                    15233,
                    f"Property cannot be added. Property '{name}' already exists for '{label}'.",
                )
            self.conn.execute(
                "INSERT INTO __azsql_extended_properties VALUES (?, ?, ?, ?, ?)",
                (*key, args.get("@value")),
            )
        elif not exists:
            raise TdsError(
                15217,
                f"Property cannot be updated or deleted. Property '{name}'"
                f" does not exist for '{label}'.",
            )
        elif proc == "sp_updateextendedproperty":
            self.conn.execute(
                "UPDATE __azsql_extended_properties SET value = ? WHERE class = ?"
                " AND major_id = ? AND minor_id = ? AND name = ?",
                (args.get("@value"), *key),
            )
        else:
            self.conn.execute(
                "DELETE FROM __azsql_extended_properties WHERE class = ? AND major_id = ?"
                " AND minor_id = ? AND name = ?",
                key,
            )

    # -- DDL
    def _ddl(self, stmt: Statement) -> None:
        action = self._ddl_action(stmt)
        temp = any(t.token_type == TokenType.HASH for t in stmt.tokens[:4])
        if not temp and not self.principal.privileged:
            target = principals.ddl_target(stmt.words(4), [t.text for t in stmt.tokens])
            self.principal.check_ddl(*target, self.database)
        self._in_ddl_transaction(lambda: action(stmt), reload=not temp)

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        w = stmt.words(4)
        verb, kind = w[0], w[1]
        if verb == "CREATE" and kind in ("UNIQUE", "CLUSTERED", "NONCLUSTERED", "INDEX"):
            return lambda s: self._create_index(parse_create_index(s))
        if verb == "CREATE" and kind == "TABLE":
            return lambda s: self._create_table(parse_create_table(s))
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
        what = stmt.tokens[1].text.upper() if len(stmt.tokens) > 1 else ""
        raise errors.unsupported(f"{verb} {what}".strip())

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

    def _resolve(self, parts: list[str]) -> tuple[str, str]:
        if len(parts) == 3 and parts[0] and parts[0].casefold() != self.database.casefold():
            raise errors.unsupported("cross-database DDL")
        name = parts[-1]
        schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
        return schema, name

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

    def _create_table(self, ddl: CreateTable) -> None:
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
            raise TdsError(
                2744,
                f"Multiple identity columns specified for table '{name}'."
                " Only one identity column per table is allowed.",
            )
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
        pk_cols = {c.casefold() for c, _ in pk.columns} if pk else set()
        for i, col in enumerate(ddl.columns, start=1):
            self._insert_column(object_id, i, col, pk_cols)
        temp_table = Table(object_id, schema, name, "U", identity_mode=mode, schema_id=schema_id)
        self._reload_table(temp_table)
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

    def _create_temp_table(self, name: str, ddl: CreateTable) -> None:
        cols = []
        for col in ddl.columns:
            if col.type is None:
                raise errors.unsupported("computed columns in temporary tables")
            decl = f"{_q(col.name)} {affinity(col.type)}"
            if col.identity:
                decl = f"{_q(col.name)} INTEGER PRIMARY KEY AUTOINCREMENT"
            elif col.nullable is False:
                decl += " NOT NULL"
            cols.append(decl)
        try:
            self.conn.execute(f"CREATE TEMP TABLE {_q(name)} ({', '.join(cols)})")
        except sqlite3.OperationalError as exc:
            if "already exists" in str(exc):
                raise errors.object_exists(name) from None
            raise

    def _insert_column(self, object_id: int, column_id: int, col: ColumnDef, pk: set[str]) -> None:
        ctype = col.type or ColumnType("sql_variant")
        nullable = col.nullable
        if nullable is None:
            nullable = not (col.identity or col.name.casefold() in pk)
        ctype = ColumnType(ctype.name, ctype.length, ctype.precision, ctype.scale, nullable)
        if col.type is None:
            max_length, precision, scale = 0, 0, 0
            facts = information_schema_facts(ColumnType("int"))
            facts = dict.fromkeys(facts)
        else:
            max_length, precision, scale = storage(ctype)
            facts = information_schema_facts(ctype)
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

    def _reload_table(self, table: Table) -> None:
        """Fill `table.columns` from the metadata written so far (before catalog reload)."""
        table.columns = []
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
            from .catalog import Column

            table.columns.append(
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
                    f" '{parent.display_name}' on which there is no primary key"
                    " defined.",
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
            raise TdsError(
                1913,
                f"The operation failed because an index or statistics with name"
                f" '{idx.name}' already exists on table '{table.display_name}'.",
            )
        if idx.clustered:
            if conn.execute(
                "SELECT 1 FROM __azsql_indexes WHERE object_id = ? AND index_id = 1",
                (table.object_id,),
            ).fetchone():
                raise TdsError(
                    1902,
                    f"Cannot create more than one clustered index on table"
                    f" '{table.display_name}'. Drop the existing clustered index"
                    " before creating another.",
                )
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
        key_sql = []
        for i, (col_name, desc) in enumerate(idx.columns, start=1):
            col = table.column(col_name)
            if col is None:
                raise errors.invalid_column(col_name)
            conn.execute(
                "INSERT INTO __azsql_index_columns VALUES (?, ?, ?, ?, ?, ?, 0)",
                (table.object_id, index_id, i, col.column_id, i, int(desc)),
            )
            key_sql.append(f"{_q(col.name)}{' DESC' if desc else ''}")
        for j, col_name in enumerate(idx.include, start=len(idx.columns) + 1):
            col = table.column(col_name)
            if col is None:
                raise errors.invalid_column(col_name)
            conn.execute(
                "INSERT INTO __azsql_index_columns VALUES (?, ?, ?, ?, 0, 0, 1)",
                (table.object_id, index_id, j, col.column_id),
            )
        if sqlite:
            where = ""
            if idx.where:
                where = " WHERE " + self.engine.translator.translate_scalar(idx.where)
            unique = "UNIQUE " if idx.unique else ""
            conn.execute(
                f"CREATE {unique}INDEX {_q(sqlite_name or '')} ON"
                f" {_q(table.sqlite_name)} ({', '.join(key_sql)}){where}"
            )
        return index_id

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
                decl += f" DEFAULT ({scalar(defaults[col.column_id])})"
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
        t, c = _q(table.sqlite_name), _q(ident.name)
        where = f"object_id = {table.object_id} AND column_id = {ident.column_id}"
        self.conn.execute(
            f"CREATE TRIGGER {_q(table.sqlite_name + '.__identity')} AFTER INSERT ON {t}"
            f" WHEN NEW.{c} IS NULL BEGIN"
            " UPDATE __azsql_columns SET last_value = coalesce(last_value + increment_value,"
            f" seed_value) WHERE {where};"
            f" UPDATE {t} SET {c} = (SELECT last_value FROM __azsql_columns WHERE {where})"
            " WHERE rowid = NEW.rowid; END"
        )
        self.conn.execute(
            f"CREATE TRIGGER {_q(table.sqlite_name + '.__identity_explicit')} AFTER INSERT ON {t}"
            f" WHEN NEW.{c} IS NOT NULL BEGIN UPDATE __azsql_columns SET last_value ="
            f" max(coalesce(last_value, NEW.{c}), NEW.{c}) WHERE {where}; END"
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

    def _alter_table(self, alter: AlterTable) -> None:
        schema, name = self._resolve(alter.name)
        table = self.catalog.table(schema, name)
        if table is None or table.kind != "U" or table.object_id < 0:
            raise errors.invalid_object(".".join(alter.name))
        now = _now_text()
        conn = self.conn
        rewrite = False
        for col in alter.columns:
            if col.identity or col.computed:
                raise errors.unsupported("ALTER TABLE ADD of identity or computed columns")
            if table.column(col.name) is not None:
                raise TdsError(
                    2705,
                    f"Column names in each table must be unique. Column name"
                    f" '{col.name}' in table '{table.display_name}' is specified more"
                    " than once.",
                )
            column_id = max((c.column_id for c in table.columns), default=0) + 1
            self._insert_column(table.object_id, column_id, col, set())
            assert col.type is not None
            decl = f"{_q(col.name)} {affinity(col.type)}"
            conn.execute(f"ALTER TABLE {_q(table.sqlite_name)} ADD COLUMN {decl}")
            self._reload_table(table)
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
            conn.execute(
                "DELETE FROM __azsql_columns WHERE object_id = ? AND column_id = ?",
                (table.object_id, dropped.column_id),
            )
            self._reload_table(table)
        if rewrite:
            self._rewrite_table_sql(table)
        conn.execute(
            "UPDATE __azsql_objects SET modify_date = ? WHERE object_id = ?", (now, table.object_id)
        )

    def _drop_index(self, table: Table, index_id: int) -> None:
        row = self.conn.execute(
            "SELECT sqlite_name, type FROM __azsql_indexes WHERE object_id = ? AND index_id = ?",
            (table.object_id, index_id),
        ).fetchone()
        if row and row[0]:
            self.conn.execute(f"DROP INDEX IF EXISTS {_q(row[0])}")
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
                    elif not if_exists:
                        raise errors.cannot_drop("table", name)
                else:
                    table = self.catalog.table(schema, name)
                    want = "U" if kind == "TABLE" else "V"
                    if table is None or table.kind != want or table.object_id < 0:
                        if not if_exists:
                            raise errors.cannot_drop(kind.lower(), ".".join(parts))
                    else:
                        self._drop_object(table, kind)
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()

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
            "DELETE FROM __azsql_indexes WHERE object_id = ?",
            "DELETE FROM __azsql_index_columns WHERE object_id = ?",
            "DELETE FROM __azsql_extended_properties WHERE class IN (1, 7) AND major_id = ?",
        ):
            conn.execute(sql, (oid,))

    def _drop_named_index(self, table_parts: list[str], index_name: str, if_exists: bool) -> None:
        schema, name = self._resolve(table_parts)
        table = self.catalog.table(schema, name)
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
            raise TdsError(
                3723,
                f"An explicit DROP INDEX is not allowed on index"
                f" '{table.display_name}.{index_name}'. It is being used for"
                " PRIMARY KEY constraint enforcement.",
            )
        self._drop_index(table, row[0])

    def _drop_schema(self, name: str, if_exists: bool) -> None:
        sid = self.catalog.schema_id(name)
        if sid is None:
            if if_exists:
                return
            raise errors.cannot_drop("schema", name)
        if sid <= 4:
            raise TdsError(3729, f"Cannot drop schema '{name}' because it is a system schema.")
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


# ---------------------------------------------------------------- helpers


def _tail(stmt: Statement, skip: int) -> str:
    if len(stmt.tokens) <= skip:
        raise errors.syntax_near(stmt.tokens[-1].text)
    start = stmt.tokens[skip].start - stmt.tokens[0].start
    return stmt.text[start:]


def _number(text: str) -> int | float | Decimal:
    if re.fullmatch(r"\d+", text):
        return int(text)
    return Decimal(text) if "e" not in text.lower() else float(text)


def _proc_name(name: str) -> str:
    parts = split_name(name)
    return (parts[-1] if parts else name).lower()


def _bind_positional(proc: str, positional: list[Any], named: dict[str, Any]) -> dict[str, Any]:
    order = _PROC_PARAMS.get(proc, [])
    args = {k.lower(): v for k, v in named.items()}
    for name, value in zip(order, positional, strict=False):
        args.setdefault(name, value)
    return args


def _sql_handle(text: str) -> bytes:
    return b"\x02\x00\x00\x00" + hashlib.sha1(text.encode("utf-16-le")).digest() + bytes(16)


def _connection_id(spid: int) -> str:
    return f"{spid:08X}-0000-4000-8000-000000000000"


_DECL = re.compile(r"@(\w+)\s+([^,]+?)(?:\s+(?:OUTPUT|OUT))?\s*(?:,|$)", re.IGNORECASE)


def _parse_param_declarations(text: str) -> dict[str, ColumnType]:
    """'@P1 int, @name nvarchar(50) OUTPUT' -> {'p1': int, 'name': nvarchar(50)}."""
    result: dict[str, ColumnType] = {}
    depth, current, parts = 0, "", []
    for ch in str(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    for part in parts:
        m = re.match(r"\s*@(\w+)\s+(.+?)(?:\s+(?:OUTPUT|OUT))?\s*$", part, re.IGNORECASE)
        if not m:
            continue
        try:
            result[m.group(1).lower()] = parse_type(m.group(2))
        except (UnknownType, ValueError):
            result[m.group(1).lower()] = ColumnType("nvarchar", 4000)
    return result


def _parameter_hints(tree: exp.Expression, catalog: Catalog) -> dict[str, ColumnType]:
    """Types for @parameters from the column they are compared with, inserted or assigned to."""
    tables: dict[str, Table] = {}
    for t in tree.find_all(exp.Table):
        meta = catalog.table(t.db or DEFAULT_SCHEMA, t.name)
        if meta is not None:
            tables[(t.alias or t.name).casefold()] = meta
            tables.setdefault("", meta)

    def column_type(col: exp.Expression) -> ColumnType | None:
        if not isinstance(col, exp.Column):
            return None
        candidates = (
            [tables[col.table.casefold()]]
            if col.table.casefold() in tables
            else list(tables.values())
        )
        for meta in candidates:
            found = meta.column(col.name)
            if found is not None:
                return found.type
        return None

    hints: dict[str, ColumnType] = {}
    for node in tree.find_all(exp.Binary):
        left, right = node.this, node.expression
        for a, b in ((left, right), (right, left)):
            if isinstance(a, exp.Parameter) and not isinstance(a.this, exp.Parameter):
                ctype = column_type(b)
                if ctype is not None:
                    hints.setdefault(a.name.lower(), ctype)
    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
        meta = catalog.table(tree.this.this.db or DEFAULT_SCHEMA, tree.this.this.name)
        values = tree.expression
        if meta is not None and isinstance(values, exp.Values):
            names = [i.name for i in tree.this.expressions]
            for row in values.expressions:
                for name, value in zip(names, row.expressions, strict=False):
                    col = meta.column(name)
                    if isinstance(value, exp.Parameter) and col is not None:
                        hints.setdefault(value.name.lower(), col.type)
    return hints


_TDS_TYPE_IDS = {
    "tinyint": 38,
    "smallint": 38,
    "int": 38,
    "bigint": 38,
    "bit": 104,
    "decimal": 106,
    "numeric": 108,
    "float": 109,
    "real": 109,
    "money": 110,
    "smallmoney": 110,
    "datetime": 111,
    "smalldatetime": 111,
    "date": 40,
    "time": 41,
    "datetime2": 42,
    "datetimeoffset": 43,
    "uniqueidentifier": 36,
    "char": 175,
    "varchar": 167,
    "nchar": 239,
    "nvarchar": 231,
    "binary": 173,
    "varbinary": 165,
    "xml": 241,
}
_DESCRIBE_COLUMNS: list[tuple[str, ColumnType]] = [
    ("parameter_ordinal", ColumnType("int", nullable=False)),
    ("name", ColumnType("nvarchar", 128, nullable=False)),
    ("suggested_system_type_id", ColumnType("int", nullable=False)),
    ("suggested_system_type_name", ColumnType("nvarchar", 256)),
    ("suggested_max_length", ColumnType("smallint", nullable=False)),
    ("suggested_precision", ColumnType("tinyint", nullable=False)),
    ("suggested_scale", ColumnType("tinyint", nullable=False)),
    ("suggested_user_type_id", ColumnType("int")),
    ("suggested_user_type_database", ColumnType("nvarchar", 128)),
    ("suggested_user_type_schema", ColumnType("nvarchar", 128)),
    ("suggested_user_type_name", ColumnType("nvarchar", 128)),
    ("suggested_assembly_qualified_type_name", ColumnType("nvarchar", 4000)),
    ("suggested_xml_collection_id", ColumnType("int")),
    ("suggested_xml_collection_database", ColumnType("nvarchar", 128)),
    ("suggested_xml_collection_schema", ColumnType("nvarchar", 128)),
    ("suggested_xml_collection_name", ColumnType("nvarchar", 128)),
    ("suggested_is_xml_document", ColumnType("bit", nullable=False)),
    ("suggested_is_case_sensitive", ColumnType("bit", nullable=False)),
    ("suggested_is_fixed_length_type", ColumnType("bit", nullable=False)),
    ("suggested_is_input", ColumnType("bit", nullable=False)),
    ("suggested_is_output", ColumnType("bit", nullable=False)),
    ("formal_parameter_name", ColumnType("nvarchar", 128)),
    ("suggested_tds_type_id", ColumnType("int", nullable=False)),
    ("suggested_tds_length", ColumnType("int", nullable=False)),
]


def _describe_row(ordinal: int, name: str, ctype: ColumnType) -> tuple[Any, ...]:
    max_length, precision, scale = storage(ctype)
    fixed = ctype.name not in ("varchar", "nvarchar", "varbinary", "xml")
    tds_length = {"tinyint": 1, "smallint": 2, "int": 4, "bigint": 8}.get(
        ctype.name, 8000 if max_length == -1 else max_length
    )
    return (
        ordinal,
        f"@{name}",
        TYPE_IDS.get(ctype.name, 231),
        type_text(ctype),
        max_length,
        precision,
        scale,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        False,
        False,
        fixed,
        True,
        False,
        "",
        _TDS_TYPE_IDS.get(ctype.name, 231),
        tds_length,
    )


_DATATYPE_COLUMNS: list[tuple[str, ColumnType]] = [
    ("TYPE_NAME", ColumnType("nvarchar", 128, nullable=False)),
    ("DATA_TYPE", ColumnType("smallint", nullable=False)),
    ("PRECISION", ColumnType("int")),
    ("LITERAL_PREFIX", ColumnType("varchar", 32)),
    ("LITERAL_SUFFIX", ColumnType("varchar", 32)),
    ("CREATE_PARAMS", ColumnType("varchar", 32)),
    ("NULLABLE", ColumnType("smallint", nullable=False)),
    ("CASE_SENSITIVE", ColumnType("smallint", nullable=False)),
    ("SEARCHABLE", ColumnType("smallint", nullable=False)),
    ("UNSIGNED_ATTRIBUTE", ColumnType("smallint")),
    ("MONEY", ColumnType("smallint", nullable=False)),
    ("AUTO_INCREMENT", ColumnType("smallint")),
    ("LOCAL_TYPE_NAME", ColumnType("nvarchar", 128)),
    ("MINIMUM_SCALE", ColumnType("smallint")),
    ("MAXIMUM_SCALE", ColumnType("smallint")),
    ("SQL_DATA_TYPE", ColumnType("smallint", nullable=False)),
    ("SQL_DATETIME_SUB", ColumnType("smallint")),
    ("NUM_PREC_RADIX", ColumnType("int")),
    ("INTERVAL_PRECISION", ColumnType("smallint")),
    ("USERTYPE_ID", ColumnType("int")),
]
# (name, ODBC 3 type, precision, prefix, suffix, create params, searchable, unsigned, money,
#  auto increment, min scale, max scale, datetime sub, radix, usertype)
_DATATYPES: list[tuple[Any, ...]] = [
    ("sql_variant", -150, 8000, None, None, None, 2, None, 0, None, 0, 0, None, 10, 0),
    ("uniqueidentifier", -11, 36, "'", "'", None, 2, None, 0, None, None, None, None, None, 0),
    ("ntext", -10, 1073741823, "N'", "'", None, 1, None, 0, None, None, None, None, None, 0),
    ("xml", -152, 0, "N'", "'", None, 0, None, 0, None, None, None, None, None, 0),
    ("nvarchar", -9, 4000, "N'", "'", "max length", 3, None, 0, None, None, None, None, None, 0),
    ("sysname", -9, 128, "N'", "'", None, 3, None, 0, None, None, None, None, None, 18),
    ("nchar", -8, 4000, "N'", "'", "length", 3, None, 0, None, None, None, None, None, 0),
    ("bit", -7, 1, None, None, None, 2, None, 0, None, 0, 0, None, None, 16),
    ("tinyint", -6, 3, None, None, None, 2, 1, 0, 0, 0, 0, None, 10, 5),
    ("tinyint identity", -6, 3, None, None, None, 2, 1, 0, 1, 0, 0, None, 10, 5),
    ("bigint", -5, 19, None, None, None, 2, 0, 0, 0, 0, 0, None, 10, 0),
    ("bigint identity", -5, 19, None, None, None, 2, 0, 0, 1, 0, 0, None, 10, 0),
    ("image", -4, 2147483647, "0x", None, None, 0, None, 0, None, None, None, None, None, 20),
    ("varbinary", -3, 8000, "0x", None, "max length", 2, None, 0, None, None, None, None, None, 4),
    ("binary", -2, 8000, "0x", None, "length", 2, None, 0, None, None, None, None, None, 3),
    ("timestamp", -2, 8, "0x", None, None, 2, None, 0, None, None, None, None, None, 80),
    ("text", -1, 2147483647, "'", "'", None, 1, None, 0, None, None, None, None, None, 19),
    ("char", 1, 8000, "'", "'", "length", 3, None, 0, None, None, None, None, None, 1),
    ("numeric", 2, 38, None, None, "precision,scale", 2, 0, 0, 0, 0, 38, None, 10, 10),
    ("numeric() identity", 2, 38, None, None, "precision", 2, 0, 0, 1, 0, 0, None, 10, 10),
    ("decimal", 3, 38, None, None, "precision,scale", 2, 0, 0, 0, 0, 38, None, 10, 24),
    ("money", 3, 19, "$", None, None, 2, 0, 1, 0, 4, 4, None, 10, 11),
    ("smallmoney", 3, 10, "$", None, None, 2, 0, 1, 0, 4, 4, None, 10, 21),
    ("decimal() identity", 3, 38, None, None, "precision", 2, 0, 0, 1, 0, 0, None, 10, 24),
    ("int", 4, 10, None, None, None, 2, 0, 0, 0, 0, 0, None, 10, 7),
    ("int identity", 4, 10, None, None, None, 2, 0, 0, 1, 0, 0, None, 10, 7),
    ("smallint", 5, 5, None, None, None, 2, 0, 0, 0, 0, 0, None, 10, 6),
    ("smallint identity", 5, 5, None, None, None, 2, 0, 0, 1, 0, 0, None, 10, 6),
    ("float", 6, 53, None, None, None, 2, 0, 0, 0, None, None, None, 2, 8),
    ("real", 7, 24, None, None, None, 2, 0, 0, 0, None, None, None, 2, 23),
    ("varchar", 12, 8000, "'", "'", "max length", 3, None, 0, None, None, None, None, None, 2),
    ("date", 91, 10, "'", "'", None, 3, None, 0, None, None, None, 1, None, 0),
    ("time", -154, 16, "'", "'", "scale", 3, None, 0, None, 0, 7, 2, None, 0),
    ("datetime2", 93, 27, "'", "'", "scale", 3, None, 0, None, 0, 7, 3, None, 0),
    ("datetimeoffset", -155, 34, "'", "'", "scale", 3, None, 0, None, 0, 7, 4, None, 0),
    ("datetime", 93, 23, "'", "'", None, 3, None, 0, None, 3, 3, 3, None, 12),
    ("smalldatetime", 93, 16, "'", "'", None, 3, None, 0, None, 0, 0, 3, None, 22),
]
_ODBC2_DATES = {91: 9, 92: 10, 93: 11}


def _datatype_info(data_type: Any, odbc_ver: Any) -> ResultSet:
    """sp_datatype_info_100: SQLGetTypeInfo's result set, one row per type (filtered)."""
    wanted = int(data_type) if data_type not in (None, "") else 0
    odbc2 = odbc_ver is not None and int(odbc_ver) == 2
    rows = []
    for (
        name,
        code,
        precision,
        prefix,
        suffix,
        params,
        searchable,
        unsigned,
        money,
        auto,
        min_scale,
        max_scale,
        dt_sub,
        radix,
        usertype,
    ) in _DATATYPES:
        data = _ODBC2_DATES.get(code, code) if odbc2 else code
        if wanted and data != wanted:
            continue
        sql_data_type = 9 if code in (91, 92, 93) else code
        sub = dt_sub if code in (91, 92, 93) else None
        case_sensitive = 0
        rows.append(
            (
                name,
                data,
                precision,
                prefix,
                suffix,
                params,
                1,
                case_sensitive,
                searchable,
                unsigned,
                money,
                auto,
                name,
                min_scale,
                max_scale,
                sql_data_type,
                sub,
                radix,
                None,
                usertype,
            )
        )
    rows.sort(key=lambda r: (r[1], r[0]))
    columns = [ResultColumn(n, t) for n, t in _DATATYPE_COLUMNS]
    return ResultSet(columns, iter(rows))
