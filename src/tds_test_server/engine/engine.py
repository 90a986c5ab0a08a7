"""The SQL engine of the TDS test server: T-SQL in, SQL Server-shaped results out.

One SQLite database per Engine (a private temporary file for ":memory:", WAL
mode, so sessions get snapshot reads and serialised writes); one SQLite
connection per session, with its own transaction state. See results.py for the
contract with the protocol layer.

EngineSession is built from one class per concern, each in its own module and each
on top of the one before: session_state -> constraint_errors -> statements ->
schema_objects -> ddl -> procedures -> user_procedures -> row_security -> triggers ->
scalar_functions -> EngineSession
(here: batches, EXEC and the statement dispatch). The engine starts empty or from a Seed
(the sample is one), so it never imports the sample.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlglot.tokens import TokenType

from ..editions import SQL_SERVER_2022, Edition
from ..results import (
    Done,
    Message,
    Param,
    ProcedureEnded,
    ProcedureStarted,
    Result,
    SessionInfo,
    TdsError,
)
from . import builtins, errors, functions, try_catch
from .batch_flow import batch_nodes, run_nodes
from .batches import Statement, split_batch, word
from .body_flow import Return
from .catalog import DEFAULT_SCHEMA, Catalog, Table, init_metadata
from .collation import register_collation
from .cursors import cursor_statement, is_cursor_statement
from .exec_string import run_string
from .languages import US_ENGLISH
from .procedures import (
    _bind_positional,
    _datatype_info,
    _parse_param_declarations,
    _proc_name,
)
from .raiserror import raised
from .session_state import (
    _DEFAULT_BUSY_MS,
    _FETCH,
    Request,
    SessionState,
    Variable,
    _now_text,
    _q,
)
from .sqltext import split_name
from .statements import _tail
from .table_functions import TableFunctions
from .table_variables import (
    declare_table,
    drop_table_variables,
    is_table_declaration,
    with_table_variables,
)
from .temp_tables import TEMP_TABLES
from .terminated import note_terminated
from .textsize import ODBC_TEXTSIZE, within_textsize
from .token_stream import Tokens
from .translate import Translator


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

    def __init__(
        self,
        database: str = ":memory:",
        seed: Seed | None = None,
        edition: Edition = SQL_SERVER_2022,
    ):
        self.edition = edition
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
        self.translator = Translator(self.catalog, edition)
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
        self._admin_ctx = _AdminContext(self.catalog, edition)
        builtins.register(self._admin, self._admin_ctx)
        if seed and not seed.is_loaded(self.catalog):
            seed.load(self)  # an existing file without the seed's data yet

    # -- plumbing
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        register_collation(conn)  # before any statement reads a NOCASE index
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

    def _forget(self, session: SessionState) -> None:
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
    edition: Edition
    spid: int = 0
    database: str = "master"
    user_database: str = "master"
    login: str = "sa"
    app_name: str = ""
    host_name: str = ""
    rowcount: int = 0
    error_number: int = 0
    fetch_status: int = -1
    trancount: int = 0
    last_identity: int | None = None
    lock_timeout_ms: int = -1
    textsize: int = ODBC_TEXTSIZE
    language: str = US_ENGLISH.name
    date_first: int = US_ENGLISH.date_first
    pending_error: TdsError | None = None

    def sees_object(self, object_id: int) -> bool:
        return True  # the engine's own connection sees everything


# ENABLE and DISABLE (TRIGGER) are DDL too (triggers.py).
_DDL_VERBS = ("CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "DENY", "REVOKE", "ENABLE", "DISABLE")
# what an uncommittable transaction refuses (3930): statements that write
_WRITES = frozenset(("INSERT", "UPDATE", "DELETE", "MERGE", "SAVE", *_DDL_VERBS))

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


class EngineSession(TableFunctions):
    """One client session: its own SQLite connection, transaction and SET state.

    Its concerns live in the classes it builds on, one module each: session_state,
    constraint_errors, statements, schema_objects, ddl, select_into, procedures, user_procedures,
    row_security, triggers, scalar_functions, table_functions.
    Here:
    batches, EXEC and
    the statement dispatch."""

    # -- batches
    def execute(self, sql: str, params: list[Param] | None = None) -> Iterator[Result]:
        self.apply_date_settings()  # the thread's conversions follow this session
        TEMP_TABLES.set(self.temp_tables)
        self.reload_memberships()
        scope = {
            p.name.lstrip("@").lower(): Variable(p.type, functions.to_sqlite(p.value, p.type))
            for p in params or []
        }
        statements = self._batch_statements(sql)
        try:
            yield from within_textsize(self._run_batch(sql, statements, scope), self._textsize)
        finally:
            self._cancel.clear()  # a cancel is for one request: it ends with it

    def _run_batch(
        self, sql: str, statements: list[Statement], scope: dict[str, Variable]
    ) -> Iterator[Result]:
        nested = self.request is not None  # EXEC sp_executesql's: the batch's request stays
        if not nested:
            self.request = Request(sql, dt.datetime.now(), time.monotonic())
            self.last_request_start = self.request.start
        assert self.request is not None
        try:
            nodes = batch_nodes(sql, statements, "a batch")
            first = nodes[0] if nodes else None
            yield from run_nodes(
                nodes,
                self,
                scope,
                lambda node: self._batch_statement(node, scope, node is first),
                self._cancel.is_set,
                lambda node, walk: try_catch.attempt(self, node, walk),
            )
        except TdsError as exc:
            exc.nested = exc.nested or nested  # a TRY of the caller's catches it
            if not nested:
                self._end_uncommittable()
            raise
        finally:
            drop_table_variables(self.conn, self.temp_tables, scope)  # the batch's scope ends
            if not nested:
                self.request = None
                self.last_request_end = dt.datetime.now()
        if not nested and self._end_uncommittable():
            raise try_catch.rolled_back_at_end()

    def _batch_statement(
        self, node: Statement | Return, scope: dict[str, Variable], first: bool
    ) -> Iterator[Result]:
        assert self.request is not None
        if isinstance(node, Return):
            raise errors.unsupported("'RETURN'")
        self.request.command = (word(node.tokens[0]) or "EXECUTE").upper()
        if not self._depth:  # what earlier statements handed out is committed
            self.sequence_values.forget()
        try:
            # No lock is held across this yield: the protocol layer takes the rows a
            # chunk at a time, sending each before it asks for the next.
            yield from try_catch.read_through(self, self._statement(node, scope, first))
            self.error_number = 0
        except TdsError as exc:
            self.error_number = exc.number
            if not exc.placed:  # a procedure's or dynamic batch's statement placed it
                exc.line, exc.placed = node.line, True
            note_terminated(exc, self.request.command)
            self.sequence_values.keep()  # what the failed statement handed out
            self._failed()
            raise

    def call_procedure(self, name: str, params: list[Param]) -> Iterator[Result]:
        try:
            yield from within_textsize(self._call_procedure(name, params), self._textsize)
        finally:
            self._cancel.clear()  # a cancel is for one request: it ends with it

    def _textsize(self) -> int:
        return self.textsize

    def _call_procedure(self, name: str, params: list[Param]) -> Iterator[Result]:
        if not self._depth:
            self.sequence_values.forget()
        try:
            yield from self._run_procedure(name, params)
        except TdsError:
            self.sequence_values.keep()  # what the failed statement handed out
            raise

    def _run_procedure(self, name: str, params: list[Param]) -> Iterator[Result]:
        self.apply_date_settings()
        TEMP_TABLES.set(self.temp_tables)
        self.reload_memberships()
        found = self._user_procedure(name)
        if found is not None:
            self.request = Request(f"EXEC {name}", dt.datetime.now(), time.monotonic(), "EXECUTE")
            try:
                yield from self._run_user_procedure(
                    found[0], found[1], self._rpc_arguments(params), rpc=True
                )
            except TdsError:
                self._end_uncommittable()
                raise
            finally:
                self.request = None
            if self._end_uncommittable():
                raise try_catch.rolled_back_at_end()
            return
        proc = _proc_name(name)
        args = {p.name.lower(): functions.to_sqlite(p.value, p.type) for p in params}
        positional = [functions.to_sqlite(p.value, p.type) for p in params if not p.name]
        named = _bind_positional(proc, positional, args)
        self.request = Request(f"EXEC {name}", dt.datetime.now(), time.monotonic(), "EXECUTE")
        try:
            yield from self._procedure(proc, named, params, name)
        finally:
            self.request = None

    # -- one statement
    def _statement(
        self, stmt: Statement, scope: dict[str, Variable], first: bool
    ) -> Iterator[Result]:
        self.statement_serial += 1
        stmt = with_table_variables(stmt, scope)
        w = stmt.words(3)
        head = w[0]
        if self.showplan and head != "SET":
            yield self._showplan(stmt, scope)
            return
        if self.doomed and head in _WRITES:
            raise try_catch.uncommittable()
        if head in ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE") or (
            stmt.tokens[0].token_type == TokenType.L_PAREN
        ):
            yield from self._query(stmt, scope)
        elif head == "SET":
            yield from self._set(stmt, scope)
        elif is_cursor_statement(stmt):
            yield from cursor_statement(self, stmt, scope)
        elif head == "DECLARE" and is_table_declaration(stmt):
            declare_table(self, stmt, scope)
        elif head == "DECLARE":
            self._declare(stmt, scope)
        elif head == "BEGIN" and w[1] in ("TRAN", "TRANSACTION"):
            self.begin()
            self.rowcount = 0
        elif head == "BEGIN" and w[1] == "DISTRIBUTED":
            raise errors.unsupported("BEGIN DISTRIBUTED TRANSACTION")
        elif head == "COMMIT":
            if self._depth == 0:
                raise errors.no_begin("COMMIT")
            if self.doomed:
                raise try_catch.uncommittable()
            self._depth -= 1
            if self._depth == 0:
                self._finish("COMMIT")
            self.rowcount = 0
        elif head == "ROLLBACK":
            if len(stmt.tokens) > 2 and w[1] in ("TRAN", "TRANSACTION") and self._depth == 0:
                raise errors.no_begin("ROLLBACK")
            self.rollback()
        elif head == "WAITFOR":
            self._waitfor(stmt, scope)
        elif head == "PRINT":
            value = self._evaluate(_tail(stmt, 1), scope)
            self.rowcount = 0
            yield Message(0, "" if value is None else functions._to_str(value))
        elif head == "THROW" and all(t.token_type == TokenType.SEMICOLON for t in stmt.tokens[1:]):
            raise try_catch.rethrown(self)
        elif head in ("RAISERROR", "THROW"):
            if head == "RAISERROR":  # (the @@ROWCOUNT page is silent on THROW)
                self.rowcount = 0
            yield from raised(head, _tail(stmt, 1), lambda text: self._evaluate(text, scope))
        elif head == "USE":
            self._use(stmt)
            self.rowcount = 0
        elif head in ("EXEC", "EXECUTE"):
            yield from self._exec(stmt, scope, 1)
        elif head in _DDL_VERBS:
            yield from self._ddl(stmt)
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

    # -- EXEC and procedures
    def _exec(self, stmt: Statement, scope: dict[str, Variable], skip: int) -> Iterator[Result]:
        ts = Tokens(stmt)
        for _ in range(skip):
            ts.next()
        if ts.peek_is(TokenType.L_PAREN):  # EXEC ('...'): a string, not a procedure
            yield from run_string(self, ts, scope)
            return
        status_target = None
        if ts.peek_is(TokenType.PARAMETER) and ts.peek_is(TokenType.EQ, 2):
            ts.next()
            status_target = ts.name().lower()
            ts.next()
        written = ".".join(ts.multipart())
        found = self._user_procedure(written)
        if found is not None:
            yield from self._exec_user(ts, scope, found, status_target)
            return
        if status_target is not None:
            raise errors.unsupported("EXEC @return_status = ... of a system procedure")
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
        if proc != "sp_executesql":
            yield from self._procedure(proc, args, None, written)
            return
        # a procedure: its statements end in DONEINPROC, then DONEPROC ([MS-TDS] 2.2.7.7)
        yield ProcedureStarted()
        yield from self._procedure(proc, args, None, written)
        yield ProcedureEnded()

    def _procedure(
        self, proc: str, args: dict[str, Any], params: list[Param] | None, written: str = ""
    ) -> Iterator[Result]:
        if proc in ("sp_datatype_info_100", "sp_datatype_info"):
            yield _datatype_info(args.get("@data_type"), args.get("@odbcver"))
        elif proc == "sp_describe_undeclared_parameters":
            yield self._describe_parameters(args.get("@tsql"), args.get("@params"))
        elif proc == "sp_describe_first_result_set":
            yield self._describe_first_result(args.get("@tsql"), args.get("@params"))
        elif proc in (
            "sp_addextendedproperty",
            "sp_updateextendedproperty",
            "sp_dropextendedproperty",
        ):
            self._extended_property(proc, args)
            yield Done(None)
        elif proc == "sp_executesql":
            yield from self._executesql(args, params)
        elif proc == "sp_set_session_context":
            self.session_keys.set(args.get("@key"), args.get("@value"), args.get("@read_only"))
            yield Done(None)
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
                self._assign(scope, bare, value)
        yield from self._run_batch(stmt, self.engine.split(stmt), scope)
