"""Transactions, queries and DML, variables, SET, WAITFOR, USE, the live DMV refresh and
SHOWPLAN_XML for one session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from .. import compat_levels, dmv_permissions
from ..results import (
    ColumnType,
    Done,
    Message,
    Result,
    ResultColumn,
    ResultSet,
    TdsError,
)
from . import errors, functions, generated_columns, ledger, masking, memory_optimized, showplan
from .batches import Statement, word
from .catalog import DEFAULT_SCHEMA
from .column_reads import columns_read
from .constraint_errors import ConstraintErrors
from .date_parts import parse_datetime
from .date_strings import DATE_ORDERS
from .expression_types import variable_arithmetic_type
from .for_json import json_result
from .for_xml import xml_result
from .inline_functions import functions_read
from .languages import date_first, language
from .output_capture import capture_setup, capture_teardown
from .result_types import result_of_branches
from .session_state import (
    _DEFAULT_BUSY_MS,
    _FETCH,
    _NONAME,
    Chunks,
    RowStream,
    Variable,
    _q,
    datetime_text,
)
from .sql_types import UnknownType, parse_type
from .synonyms import synonyms_read
from .table_variables import is_table_variable, restore_table_variables, saved_table_variables
from .temp_tables import last_identity
from .textsize import textsize_setting
from .token_stream import Tokens
from .translate import OutputColumn, Query
from .variable_types import SCALE_SUFFIX, TYPE_SUFFIX, named_variables, string_variables

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


_INTEGER = re.compile(r"[-+]?\d+")


def _tail(stmt: Statement, skip: int) -> str:
    if len(stmt.tokens) <= skip:
        raise errors.syntax_near(stmt.tokens[-1].text)
    start = stmt.tokens[skip].start - stmt.tokens[0].start
    return stmt.text[start:]


def _literal_type(text: str) -> str:
    """int for an integer literal (Msg 220 names its overflow), else varchar (unknown)."""
    return "int" if _INTEGER.fullmatch(text.strip()) else "varchar"


def _sql_handle(text: str) -> bytes:
    return b"\x02\x00\x00\x00" + hashlib.sha1(text.encode("utf-16-le")).digest() + bytes(16)


def _connection_id(spid: int) -> str:
    return f"{spid:08X}-0000-4000-8000-000000000000"


def inferred(types: list[ColumnType | None], rows: list[tuple[Any, ...]]) -> list[ColumnType]:
    """Each column's type where the statement tells it, else its first non-NULL value's
    among `rows` (functions.infer_type)."""
    return [
        t or functions.infer_type(next((r[i] for r in rows if r[i] is not None), None))
        for i, t in enumerate(types)
    ]


class Statements(ConstraintErrors):
    """Transactions, statements that are not DDL or EXEC, and their results."""

    # -- transactions
    def begin(self) -> None:
        with self._lock:
            if self._depth == 0:
                self.conn.execute("BEGIN")
                self._temp_tables_at_begin = dict(self.temp_tables)
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

    def _end_uncommittable(self) -> bool:
        """Roll back a transaction a caught error left uncommittable, at the end of the
        outermost batch or call (XACT_STATE page); whether there was one."""
        if not self.doomed:
            return False
        self._depth = 0
        with contextlib.suppress(TdsError):
            self._finish("ROLLBACK")
        return True

    def _failed(self) -> None:
        """After a statement's error: SET XACT_ABORT ON rolls the transaction back, or
        inside a TRY block leaves it uncommittable (SET XACT_ABORT page)."""
        if self.xact_abort and self._depth:
            self.doomed = True
            if not self.trying:
                self._end_uncommittable()

    def _finish(self, verb: str) -> None:
        self.doomed = False  # the transaction ends: the next may commit
        # a ROLLBACK leaves table variables as they are ("Variables (Transact-SQL)")
        saved = None
        if verb == "ROLLBACK":
            saved = saved_table_variables(self.conn, self.temp_tables, self._temp_tables_at_begin)
        try:
            self.conn.execute(verb)
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                raise self._map(exc, None, None) from None
        if verb == "ROLLBACK":
            self.sequence_values.keep()
        else:
            self.sequence_values.forget()
        if verb == "ROLLBACK" and self._ddl_in_tran:
            self.catalog.load(self.conn)
            # SQLite's temp schema rolls back with the rest: #tables made since BEGIN go,
            # dropped ones come back, as SQL Server's do
            self.temp_tables.clear()
            self.temp_tables.update(self._temp_tables_at_begin)
        if saved is not None:
            restore_table_variables(self.conn, self.temp_tables, saved)
        self._ddl_in_tran = False

    def cancel(self) -> None:
        """Stop the request running, or else the next one to start: a cancel sent just
        before its request gets under way is not lost. The request's end forgets it."""
        self._cancel.set()
        with contextlib.suppress(sqlite3.Error):
            self.conn.interrupt()

    def forget_cancel(self) -> None:
        """Drop a cancel that came as the last request ended (the protocol layer, as it
        starts the next one)."""
        self._cancel.clear()

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
                    self.sequence_values.keep()
            self.conn.close()
        self.engine._forget(self)

    # -- queries and DML
    def _query(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]:
        compat_levels.check(self.engine.edition, stmt.text)  # what SQL Server's compile finds
        types = {name: v.type.name if v.type else None for name, v in scope.items()}
        strings = string_variables(stmt.text, types)
        q = self.engine.translator.translate(stmt.text, self.database, strings)
        if q.kind != "select":
            self._check_write(q)
        self._check_select(q)
        if self._depth:  # a user transaction: no READ COMMITTED for memory-optimized tables
            memory_optimized.check(self.conn, self.catalog, q.nodes(exp.Table))
        if q.kind == "insert":
            self._check_identity_insert(q)
        if q.target is not None:
            target = self.catalog.tables.get(q.target.casefold())
            generated_columns.check(self.conn, target, q, self.database)
            ledger.check(self.conn, target, q.kind)
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
            result = (
                self._document(cursor, q, scope)
                if q.json is not None or q.xml is not None
                else self._result_set(cursor, q, scope)
            )
            try:
                yield result
            finally:
                close = getattr(result.rows, "close", None)
                if close is not None:
                    close()
            return
        yield from self._written(q, bindings, scope)

    def _written(
        self, q: Query, bindings: dict[str, Any], scope: dict[str, Variable]
    ) -> Iterator[Result]:
        """Run a write: the rows of its OUTPUT clause, or its DONE (triggers.py fires the
        table's triggers around it)."""
        if q.output is not None:
            yield self._with_output(q, q.output, bindings, scope)
            return
        count = self._write(q, bindings)
        self.rowcount = count
        yield Done(None if self.nocount else count)

    def _write(self, q: Query, bindings: dict[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE: the rows it changed."""
        cursor = self._run(q, bindings)
        count = self._changes(cursor)
        cursor.close()
        if q.kind == "insert" and q.target is not None:
            self._note_identity(q.target, cursor)
        return count

    def _with_output(
        self, q: Query, output: Query, bindings: dict[str, Any], scope: dict[str, Variable]
    ) -> ResultSet:
        """A write with an OUTPUT clause: its rows, recorded as it runs (output_capture),
        read in full before the recording is dropped; the DONE after them counts them."""
        assert q.target is not None
        self._check_select(output)
        output_bindings = self._bindings(output, scope)
        try:
            names = self.conn.execute(f"SELECT * FROM {_q(q.target)} WHERE 0").description
            for sql in capture_setup(q.kind, q.target, [n[0] for n in names]):
                self.conn.execute(sql)
        except sqlite3.Error as exc:
            raise self._map(exc, q, bindings) from None
        try:
            self._run(output, output_bindings).close()  # a bad column fails before the write
            count = self._write(q, bindings)
            result = self._result_set(self._run(output, output_bindings), output, scope)
            rows = list(result.rows)
        finally:
            for sql in capture_teardown():
                self.conn.execute(sql)
        self.rowcount = count
        return ResultSet(result.columns, iter(rows))

    def _changes(self, cursor: sqlite3.Cursor) -> int:
        """The rows a write changed: Python's sqlite3 (before 3.12) has no rowcount for a
        statement that starts with WITH."""
        if cursor.rowcount >= 0:
            return cursor.rowcount
        return int(self.conn.execute("SELECT changes()").fetchone()[0])

    def _check_write(self, q: Query) -> None:
        """A write needs db_datawriter (or INSERT/UPDATE/DELETE); temporary tables do not,
        nor does a procedure's own statement (ownership chaining: everything is dbo's)."""
        if (
            self.principal.can_write
            or self._proc_depth
            or q.target is None
            or q.target.startswith("#")
        ):
            return
        schema, _, name = q.target.partition(".")
        table = self.catalog.table(schema, name)
        if table is not None:
            schema, name = table.schema, table.name
        self.principal.check_write(q.kind.upper(), name, self.database, schema)

    def _check_select(self, q: Query) -> None:
        """SELECT on each table or view the statement reads, whatever its kind (not the
        target of a write: that is _check_write's; nor inside a procedure: ownership
        chaining, as for writes): the object's permission, or, where that is not enough
        (column GRANTs or DENYs), the columns the statement reads of it."""
        if self.principal.privileged:
            return
        # A server or database permission: no ownership chain reaches it.
        dmv_permissions.check(self.engine.edition, self.principal, set(q.reads), self.database)
        if self._proc_depth:
            return
        tables, subqueries = q.nodes(exp.Table), q.nodes(exp.Subquery)
        read = [*synonyms_read(q.tsql, q.kind, tables), *functions_read(subqueries)]
        for oid, schema_id in read:  # a synonym instead of its base, a function's tables
            name, schema = self.catalog.objects[oid].name, self.catalog.schema_names[schema_id]
            self.principal.check_object(
                self.conn, "SELECT", name, (oid, schema_id), (self.database, schema)
            )
        reads: dict[int, set[str]] | None = None
        scoped = False
        for sqlite_name in sorted(q.reads):
            schema, _, name = sqlite_name.partition(".")
            table = self.catalog.table(schema, name)
            if table is None or table.object_id <= 0:
                continue
            access = self.principal.select_access(self.conn, table.object_id, table.schema_id)
            if access.whole:
                continue
            if not scoped:
                reads, scoped = columns_read(q.tsql, self.catalog), True
            names = None if reads is None else reads.get(table.object_id, set())
            named = [
                (c.column_id, c.name)
                for c in table.columns
                if names is None or c.name.casefold() in names
            ]
            where = (self.database, table.schema)
            self.principal.check_select(access, table.name, named, where)

    def _run(self, q: Query, bindings: dict[str, Any]) -> sqlite3.Cursor:
        try:
            return self.conn.execute(q.sql, bindings)
        except sqlite3.Error as exc:
            raise self._map(exc, q, bindings) from None

    def _bindings(self, q: Query, scope: dict[str, Variable]) -> dict[str, Any]:
        bindings: dict[str, Any] = {}
        for name in q.params:
            if name.endswith(TYPE_SUFFIX):  # a variable's declared type (variable_types.py)
                typed = scope.get(name.removesuffix(TYPE_SUFFIX))
                bindings[name] = typed.type.name if typed and typed.type else None
                continue
            if name.endswith(SCALE_SUFFIX):
                typed = scope.get(name.removesuffix(SCALE_SUFFIX))
                bindings[name] = (typed.type.scale or 0) if typed and typed.type else 0
                continue
            var = scope.get(name)
            if var is None:
                raise errors.must_declare(name)
            bindings[name] = var.value
        return bindings

    def _document(self, cursor: sqlite3.Cursor, q: Query, scope: dict[str, Variable]) -> ResultSet:
        """FOR JSON and FOR XML: the stored values by their T-SQL types (for_json.py,
        for_xml.py)."""
        desc = cursor.description or []
        types = [t for t, _ in self._declared(q, len(desc), scope)]
        names = ["" if d[0].startswith(_NONAME) else d[0] for d in desc]
        rows: Iterable[tuple[Any, ...]] = cursor
        if self.fmtonly:
            cursor.close()
            rows = ()
        try:
            columns = list(zip(names, types, strict=True))
            if q.json is not None:
                return json_result(rows, columns, q.json)
            assert q.xml is not None
            return xml_result(rows, columns, q.xml)
        except sqlite3.Error as exc:
            raise self._map(exc, q, None) from None

    def _declared(
        self, q: Query, count: int, scope: dict[str, Variable]
    ) -> list[tuple[ColumnType | None, bool]]:
        """Each output column's type where the statement tells it (a bare @variable's by
        its declaration), and whether its values are a base column's (need no checking)."""
        typed = q.columns if q.columns is not None and len(q.columns) == count else None
        out: list[tuple[ColumnType | None, bool]] = []
        for i in range(count):
            col = typed[i] if typed else None
            ctype = _column_type(col, scope) if col is not None else None
            out.append((ctype, bool(col and col.base)))
        return out

    def _result_set(
        self, cursor: sqlite3.Cursor, q: Query, scope: dict[str, Variable]
    ) -> ResultSet:
        desc = cursor.description or []
        declared = self._declared(q, len(desc), scope)
        trusted = [base for _, base in declared]
        head: list[tuple[Any, ...]] = []
        if any(t is None for t, _ in declared):
            try:
                head = cursor.fetchmany(_FETCH)
            except sqlite3.Error as exc:
                cursor.close()
                raise self._map(exc, q, None) from None
        types = inferred([t for t, _ in declared], head)
        columns = []
        for (name, *_), ctype in zip(desc, types, strict=True):
            columns.append(ResultColumn("" if name.startswith(_NONAME) else name, ctype))
        convs = [
            (i, f)
            for i, t in enumerate(types)
            if (f := functions.column_converter(t, trusted[i])) is not None
        ]
        convs += masking.maskers(self.conn, self.principal, q.columns, types)
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
        found = table or self.temp_tables.get(q.target.casefold())
        ident = found.identity if found is not None else None
        if ident is None or q.target.casefold() in self.identity_insert:
            return
        cols = q.insert_columns
        if cols and any(c.casefold() == ident.name.casefold() for c in cols):
            raise errors.identity_insert(table.display_name if table else q.target)

    def _note_identity(self, target: str, cursor: sqlite3.Cursor) -> None:
        table = self.catalog.tables.get(target.casefold())
        if table is None:
            temporary = self.temp_tables.get(target.casefold())
            if temporary is not None and temporary.identity is not None:
                self.last_identity = last_identity(self.conn, target)
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
    def _assign(
        self, scope: dict[str, Variable], name: str, value: Any, source: str = "varchar"
    ) -> None:
        """Set a variable, converted to its type from `source` (the value's type)."""
        var = scope.get(name)
        if var is None:
            raise errors.must_declare(name)
        if var.type is not None and value is not None:
            t = var.type
            length = t.precision if t.name in ("decimal", "numeric") else t.length
            value = functions.assigned(value, t.name, length or 0, t.scale or 0, source)
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
        while True:
            ts.expect_type(TokenType.PARAMETER)
            name = ts.name().lower()
            if is_table_variable(scope.get(name)):
                raise errors.already_declared(name)
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
                self._assign(scope, name, self._evaluate(expr, scope), _literal_type(expr))
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
            self._assign(scope, name, self._evaluate(rest, scope), _literal_type(rest))
            self.rowcount = 1  # a simple assignment (@@ROWCOUNT page)
            return
        words = [word(t) or t.text.upper() for t in toks[1:]]
        if not words:
            raise errors.syntax_near("SET")
        option = words[0]
        value = words[-1]
        on = value == "ON"
        if option not in _SET_ACCEPTED:
            raise errors.unsupported(f"SET {option}")
        self.rowcount = 0  # SET <option> resets @@ROWCOUNT (@@ROWCOUNT page)
        if option == "NOCOUNT":
            self.nocount = on
        elif option == "DATEFORMAT":
            self._set_date_order(self._set_argument(toks, scope))
        elif option == "DATEFIRST":
            self._set_date_first(self._set_argument(toks, scope))
        elif option == "LANGUAGE":
            found = language(self._set_argument(toks, scope))
            self.set_language(found)
            yield Message(5703, f"Changed language setting to {found.name}.")
        elif option == "SHOWPLAN_XML":
            if on:
                self.principal.check_showplan(self.database)
            self.showplan = on
        elif option == "TEXTSIZE":
            self.textsize = textsize_setting(self._set_argument(toks, scope))
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
            table = self.temp_tables.get(name.casefold()) or self.catalog.table(schema, name)
            if table is None:
                raise errors.invalid_object(".".join(parts))
            if table.identity is None:
                raise TdsError(
                    8106,
                    f"Table '{table.display_name}' does not have the identity property."
                    " Cannot perform SET operation.",
                )
            key = table.sqlite_name.casefold()
            held = next(iter(self.identity_insert), None)
            held_name = self._identity_insert_name(held) if held not in (None, key) else None
            if on and held_name is not None:
                raise errors.identity_insert_held(held_name, name)
            if on:
                self.identity_insert = {key}
            else:
                self.identity_insert.discard(key)
        return
        yield  # a generator, like the other statement handlers

    def _identity_insert_name(self, key: str | None) -> str | None:
        """The three-part name 8107 gives the table whose IDENTITY_INSERT is ON, None
        where it was dropped since."""
        temporary = self.temp_tables.get(key or "")
        if temporary is not None:
            return f"tempdb.{temporary.qualified_tempdb_name}"
        table = self.catalog.tables.get(key or "")
        return f"{self.database}.{table.display_name}" if table is not None else None

    def _set_argument(self, toks: list[Token], scope: dict[str, Variable]) -> str:
        """The argument of SET DATEFORMAT, DATEFIRST or LANGUAGE: a word, a string
        (N'' too), a number (-1 too) or a @variable's value."""
        if len(toks) == 4 and toks[2].token_type == TokenType.PARAMETER:
            name = toks[3].text.lower()
            if name not in scope:
                raise errors.must_declare(name)
            value = scope[name].value
            return "" if value is None else str(value)
        if len(toks) == 4 and toks[2].token_type == TokenType.DASH:
            return "-" + toks[3].text
        if len(toks) == 3:
            return toks[2].text
        raise errors.syntax_near(toks[-1].text)

    def _set_date_order(self, value: str) -> None:
        """SET DATEFORMAT dmy, 'dmy' or @variable: the order of a numeric date's parts
        (date_strings.in_date_order) for this session, from the next statement on."""
        order = value.strip().lower()
        if order not in DATE_ORDERS:
            raise TdsError(2741, f"SET DATEFORMAT date order '{value}' is invalid.")
        self.date_order = order
        self.apply_date_settings()

    def _set_date_first(self, value: str) -> None:
        """SET DATEFIRST 1 to 7 or @variable: the first day of the week for DATEPART
        and DATETRUNC (languages.py), from the next statement on."""
        try:
            number = int(value)
        except ValueError:
            raise errors.syntax_near(value) from None
        self.date_first = date_first(number)
        self.apply_date_settings()

    # -- WAITFOR, USE
    def _waitfor(self, stmt: Statement, scope: dict[str, Variable]) -> None:
        w = stmt.words(2)
        if w[1] not in ("DELAY", "TIME"):
            raise errors.unsupported("WAITFOR other than DELAY/TIME")
        value = self._evaluate(_tail(stmt, 2), scope)
        try:
            parsed = parse_datetime(f"1900-01-01 {value}")
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
        self.engine.edition.check_use(self.database, name)
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
            # Without the state permission the session DMVs show the caller's own session
            # only; on Azure SQL Database VIEW DATABASE STATE shows its database's sessions.
            edition = self.engine.edition
            sees_all = dmv_permissions.sees_all_sessions(edition, self.principal)
            sessions = self.engine.sessions() if sees_all else [self]
            if edition.is_azure_sql_database:
                sessions = [
                    s for s in sessions if s.database.casefold() == self.database.casefold()
                ]
            conn.execute("DELETE FROM temp.__azsql_dmv_sessions")
            conn.execute("DELETE FROM temp.__azsql_dmv_requests")
            conn.execute("DELETE FROM temp.__azsql_dmv_sql_text")
            now = time.monotonic()
            for s in sessions:
                req = s.request
                conn.execute(
                    "INSERT INTO temp.__azsql_dmv_sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        s.spid,
                        s.login_time,
                        s.host_name,
                        s.app_name,
                        s.login,
                        "running" if req else "sleeping",
                        datetime_text(s.last_request_start),
                        datetime_text(s.last_request_end),
                        s.lock_timeout_ms,
                        s.rowcount,
                        s.trancount,
                        s.date_order,  # SET DATEFORMAT
                        s.language,
                        s.date_first,
                    ),
                )
                if req is None:
                    continue
                handle = _sql_handle(req.text)
                conn.execute(
                    "INSERT INTO temp.__azsql_dmv_requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        s.spid,
                        datetime_text(req.start),
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

    # -- SHOWPLAN_XML
    def _showplan(self, stmt: Statement, scope: dict[str, Variable]) -> ResultSet:
        head = (word(stmt.tokens[0]) or "EXECUTE").upper()
        plan: list[tuple[int, int, str]] | None = None
        q: Query | None = None
        if head in ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE"):
            compat_levels.check(self.engine.edition, stmt.text)
            # nothing is declared under SHOWPLAN_XML: a string column beside a variable is
            # planned as compared as text, by its index (the plan is shown, never run)
            strings = named_variables(stmt.text)
            q = self.engine.translator.translate(stmt.text, self.database, strings)
            # "Showplan Security": the plan also needs the permission to run the statement.
            if q.kind != "select":
                self._check_write(q)
            self._check_select(q)
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


def _column_type(col: OutputColumn, scope: dict[str, Variable]) -> ColumnType | None:
    """An output column's type, a @variable's (or arithmetic on some) by its declaration
    in `scope`; a set operation's of its queries' types, where one is such a column."""
    if col.branches:
        types = [_column_type(b, scope) for b in col.branches]
        return result_of_branches(types) if None not in types else None
    if col.param is not None:
        var = scope.get(col.param)
        return var.type if var is not None else None
    if col.arithmetic is not None:
        return variable_arithmetic_type(col.arithmetic, {n: v.type for n, v in scope.items()})
    return col.type
