"""DML triggers: CREATE [OR ALTER] TRIGGER ... ON table AFTER | FOR INSERT, UPDATE, DELETE
AS body, DROP TRIGGER, ENABLE | DISABLE TRIGGER (and ALTER TABLE ... ENABLE | DISABLE
TRIGGER), and running a table's enabled triggers after each write to it.

Written from Microsoft's CREATE TRIGGER, "Use the inserted and deleted tables", ROLLBACK
TRANSACTION, SET NOCOUNT and OUTPUT clause pages:
- CREATE TRIGGER must be the first statement of its batch; the trigger's schema is its
  table's (2103 otherwise); a body is a list of plain statements, as a procedure's is.
- An AFTER trigger runs once per statement, after it, even when no row changed; its body
  reads `inserted` (the rows as they are now: INSERT, UPDATE) and `deleted` (as they
  were: UPDATE, DELETE). The body's writes send their own counts (DONEINPROC) before the
  statement's DONE, unless SET NOCOUNT ON, which ends with the trigger; @@ROWCOUNT in the
  body starts as the statement's count. The body's writes need no permission of the
  caller (ownership chaining: every object is dbo's).
- An error in a trigger ends the batch and rolls the transaction back (XACT_ABORT is ON in
  a trigger); ROLLBACK rolls it back, the body's later statements still run, and the
  batch ends with 3609.
- A direct recursion (the trigger's own table written in its body) does not fire it again
  (RECURSIVE_TRIGGERS OFF); nesting ends at 32 levels (217).
- OUTPUT without INTO on a table with an enabled trigger for the statement's action is
  334 (an UPDATE trigger rules out an UPDATE's OUTPUT, not an INSERT's).
- An INSTEAD OF trigger runs in the statement's place, with `inserted` and `deleted`
  holding the rows the statement would have changed; its own write to the table does not
  fire it again but fires the table's AFTER triggers. The statement reports the rows it
  would have changed (SQL Server 2012 Bible, "INSTEAD OF triggers"). Here the statement
  is run and undone to learn those rows, so a constraint it would break fails it before
  the trigger runs (SQL Server checks constraints only on the trigger's own writes).
- IF/ELSE, WHILE, BEGIN...END in a body: body_flow.py; UPDATE(column) and
  COLUMNS_UPDATED() in their conditions: columns_updated.py.
Not here: INSTEAD OF triggers on views, DDL and logon triggers, sp_settriggerorder
(triggers fire in the order they were made).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.tokens import TokenType

from ..results import Done, Message, Result, TdsError
from . import errors
from .batches import Statement, statement_tokens, tokenize, word
from .body_flow import Return, condition_test, parse_body, run_flow
from .catalog import DEFAULT_SCHEMA, Table
from .columns_updated import with_update_tests
from .module_headers import is_create_procedure, module_header
from .output_capture import capture_setup, capture_teardown
from .output_clause import OUTPUT_TABLE
from .row_security import RowSecurity
from .session_state import Variable, _now_text, _q
from .sql_types import affinity
from .table_variables import with_table_variables_in
from .temp_tables import drop_made_since, tempdb_name, typed_temp_table
from .token_stream import Tokens
from .translate import Query
from .trigger_views import EVENTS
from .try_catch import procedure_name

_NESTING_LIMIT = 32
_SAVEPOINT = "__azsql_trigger"
_INSTEAD = "__azsql_instead_of"  # the statement an INSTEAD OF trigger replaces, undone


@dataclass(frozen=True)
class TriggerDefinition:
    parts: list[str]  # the trigger's name as written
    table: list[str]  # its table's name as written
    alter: bool  # ALTER or CREATE OR ALTER
    create: bool  # CREATE or CREATE OR ALTER
    instead_of: bool
    events: frozenset[str]  # INSERT, UPDATE, DELETE
    body: str  # the statements, without an enclosing BEGIN ... END


def parse_trigger(stmt: Statement) -> TriggerDefinition:
    ts = Tokens(stmt)
    alter, create, parts = module_header(ts, "TRIGGER")
    ts.expect("ON")
    if ts.peek_word() in ("DATABASE", "ALL"):
        raise errors.unsupported("DDL triggers")
    table = ts.multipart()
    if ts.accept("WITH"):  # ENCRYPTION, EXECUTE AS, NATIVE_COMPILATION, SCHEMABINDING
        while not ts.at_end() and ts.peek_word() not in ("FOR", "AFTER", "INSTEAD"):
            ts.next()
    instead_of = ts.expect("FOR", "AFTER", "INSTEAD") == "INSTEAD"
    if instead_of:
        ts.expect("OF")
    events = {ts.expect(*EVENTS)}
    while ts.accept_type(TokenType.COMMA):
        events.add(ts.expect(*EVENTS))
    if ts.accept("WITH"):
        ts.expect("APPEND")
    if ts.accept("NOT"):
        ts.expect("FOR")
        ts.expect("REPLICATION")
    ts.expect("AS")
    body = ts.text_between(ts.i, len(ts.toks))
    return TriggerDefinition(parts, table, alter, create, instead_of, frozenset(events), body)


def _pseudo_table(kind: str, level: int) -> str:
    """The session temporary table that holds `inserted` or `deleted` for a trigger
    `level` deep (a trigger's write may fire another's, each with its own)."""
    return f"#azsql_{kind}_{level}"


_CLAUSES = frozenset(
    {
        *("FROM", "JOIN", "SELECT", "WHERE", "SET", "ON", "GROUP", "ORDER", "HAVING"),
        *("VALUES", "INTO", "UPDATE", "DELETE", "INSERT", "OUTPUT", "APPLY"),
    }
)


def _with_pseudo_tables(body: str, level: int) -> str:
    """`body` with each `inserted` and `deleted` that names a table (after FROM, JOIN or
    a comma of a FROM list, or before a dot) naming the level's temporary table: a
    column of that name (SET Deleted = 1, SELECT Id, Deleted) stays."""
    pieces, at = [], 0
    toks = statement_tokens(body)
    clause = None  # the last clause keyword seen
    for i, tok in enumerate(toks):
        name = tok.text.casefold()
        w = word(tok)
        if tok.token_type not in (TokenType.VAR, TokenType.IDENTIFIER) or name not in (
            "inserted",
            "deleted",
        ):
            clause = w if w in _CLAUSES else clause
            continue
        before = toks[i - 1] if i else None
        after = toks[i + 1] if i + 1 < len(toks) else None
        listed = before is not None and before.text == "," and clause in ("FROM", "JOIN", "ON")
        if (
            (before is not None and word(before) in ("FROM", "JOIN"))
            or listed
            or (after is not None and after.token_type == TokenType.DOT)
        ):
            pieces += [body[at : tok.start], _pseudo_table(name, level)]
            at = tok.end + 1
    return "".join([*pieces, body[at:]])


def _not_found(name: str) -> TdsError:
    return TdsError(
        1088,
        f'Cannot find the object "{name}" because it does not exist or you do not have'
        " permissions.",
    )


Written = tuple[Table, frozenset[str]]  # a trigger's table and the columns written, casefolded


@dataclass
class _Run:
    """One trigger body's run: what UPDATE() tests, its variables, whether it rolled back."""

    written: Written
    scope: dict[str, Variable]
    rolled_back: bool = False


class _Returned(Exception):
    """RETURN in a trigger's body: its later statements do not run."""


def _written_columns(q: Query, table: Table) -> frozenset[str]:
    """The columns an INSERT or UPDATE tries to write (UPDATE() page): all of an INSERT's,
    an UPDATE's SET list, none of a DELETE's."""
    if q.kind == "insert":
        return frozenset(c.name.casefold() for c in table.columns)
    if q.kind != "update":
        return frozenset()
    names = set()
    for assignment in q.tsql.expressions:
        target = assignment.this
        if isinstance(target, exp.Column):
            names.add(target.name.casefold())
    return frozenset(names)


class Triggers(RowSecurity):
    """CREATE/ALTER/DROP/ENABLE/DISABLE TRIGGER and firing a table's triggers."""

    _firing: tuple[int, ...] = ()  # the object_ids of the triggers running, outermost first

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        w = stmt.words(2)
        if is_create_procedure(stmt, ("TRIGGER",)):
            return self._create_trigger
        if w == ["DROP", "TRIGGER"]:
            return self._drop_trigger
        if w[0] in ("ENABLE", "DISABLE") or (
            w == ["ALTER", "TABLE"] and any(word(t) == "TRIGGER" for t in stmt.tokens)
        ):
            return self._enable_trigger
        return super()._ddl_action(stmt)

    # -- DDL
    def _trigger_table(self, parts: list[str], instead_of: bool) -> Table:
        schema, name = self._resolve(parts)
        table = self.catalog.table(schema, name)
        if instead_of and table is not None and table.kind == "V":
            raise errors.unsupported("INSTEAD OF triggers on views")
        if table is None or table.kind != "U" or table.object_id < 0:
            raise TdsError(
                8197,
                f"The object '{'.'.join(parts)}' does not exist or is invalid for this operation.",
            )
        return table

    def _create_trigger(self, stmt: Statement) -> None:
        d = parse_trigger(stmt)
        table = self._trigger_table(d.table, d.instead_of)
        schema = d.parts[-2] if len(d.parts) > 1 and d.parts[-2] else table.schema
        if schema.casefold() != table.schema.casefold():
            raise TdsError(
                2103,
                f"Cannot create trigger '{'.'.join(d.parts)}' because its schema is different"
                " from the schema of the target table or view.",
                severity=15,
            )
        name = d.parts[-1]
        existing = self.catalog.resolve_object_id(f"[{table.schema}].[{name}]")
        if d.instead_of:
            self._check_instead_of(d, table, existing)
        now = _now_text()
        flags = (int(d.instead_of), *(int(e in d.events) for e in EVENTS))
        if existing is not None:
            row = self.catalog.object_row(existing)
            if not d.alter or row is None or row.type != "TR":
                raise errors.object_exists(name)
            object_id = existing
            self.conn.execute(
                "UPDATE __azsql_objects SET modify_date = ?, definition = ?,"
                " parent_object_id = ? WHERE object_id = ?",
                (now, stmt.text, table.object_id, object_id),
            )
            self.conn.execute(
                "UPDATE __azsql_triggers SET is_instead_of = ?, on_insert = ?, on_update = ?,"
                " on_delete = ? WHERE object_id = ?",
                (*flags, object_id),
            )
            return
        if not d.create:
            raise errors.invalid_object(name)
        object_id = self.catalog.next_object_id()
        self.conn.execute(
            "INSERT INTO __azsql_objects (object_id, name, schema_id, parent_object_id, type,"
            " create_date, modify_date, definition) VALUES (?, ?, ?, ?, 'TR', ?, ?, ?)",
            (object_id, name, table.schema_id, table.object_id, now, now, stmt.text),
        )
        # a dropped table leaves its triggers' rows here: an object_id may come again
        self.conn.execute(
            "INSERT OR REPLACE INTO __azsql_triggers VALUES (?, 0, ?, ?, ?, ?)",
            (object_id, *flags),
        )

    def _check_instead_of(self, d: TriggerDefinition, table: Table, existing: int | None) -> None:
        """A table has one INSTEAD OF trigger per action at most (2111), and none for
        DELETE or UPDATE while a foreign key of its own has a DELETE or UPDATE action
        ("INSTEAD OF DELETE Triggers": 2113)."""
        verb = "ALTER" if existing is not None else "CREATE"
        for event in ("DELETE", "UPDATE"):
            cascading = self.conn.execute(
                "SELECT 1 FROM __azsql_objects WHERE type = 'F' AND parent_object_id = ?"
                f" AND {event.lower()}_action <> 0",
                (table.object_id,),
            ).fetchone()
            if event in d.events and cascading is not None:
                raise TdsError(
                    2113,
                    f"Cannot {verb} INSTEAD OF DELETE or INSTEAD OF UPDATE TRIGGER"
                    f" '{'.'.join(d.parts)}' on table '{table.schema}.{table.name}'. This is"
                    " because the table has a FOREIGN KEY with cascading DELETE or UPDATE.",
                )
        for event in EVENTS:
            if event not in d.events:
                continue
            other = self.conn.execute(
                "SELECT 1 FROM __azsql_triggers t JOIN __azsql_objects o"
                " ON o.object_id = t.object_id WHERE o.parent_object_id = ? AND o.type = 'TR'"
                f" AND t.is_instead_of = 1 AND t.on_{event.lower()} = 1 AND o.object_id <> ?",
                (table.object_id, existing if existing is not None else 0),
            ).fetchone()
            if other is not None:
                raise TdsError(
                    2111,
                    f"Cannot {verb} trigger"
                    f" '{'.'.join(d.parts)}' on table '{table.schema}.{table.name}' because an"
                    f" INSTEAD OF {event} trigger already exists on this object.",
                )

    def _trigger_id(self, parts: list[str]) -> int | None:
        schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
        oid = self.catalog.resolve_object_id(f"[{schema}].[{parts[-1]}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        return oid if row is not None and row.type == "TR" else None

    def _drop_trigger(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.expect("DROP")
        ts.expect("TRIGGER")
        if_exists = ts.accept("IF")
        if if_exists:
            ts.expect("EXISTS")
        while True:
            parts = ts.multipart()
            oid = self._trigger_id(parts)
            if oid is not None:
                for sql in (
                    "DELETE FROM __azsql_triggers WHERE object_id = ?",
                    "DELETE FROM __azsql_extended_properties WHERE major_id = ?",
                    "DELETE FROM __azsql_objects WHERE object_id = ?",
                ):
                    self.conn.execute(sql, (oid,))
            elif not if_exists:
                raise errors.cannot_drop("trigger", ".".join(parts))
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()

    def _enable_trigger(self, stmt: Statement) -> None:
        """ENABLE | DISABLE TRIGGER {ALL | name, ...} ON table, or ALTER TABLE table
        ENABLE | DISABLE TRIGGER {ALL | name, ...}."""
        ts = Tokens(stmt)
        table_parts: list[str] = []
        if ts.accept("ALTER"):
            ts.expect("TABLE")
            table_parts = ts.multipart()
        verb = ts.expect("ENABLE", "DISABLE")
        ts.expect("TRIGGER")
        names: list[list[str]] = []
        if not ts.accept("ALL"):
            names.append(ts.multipart())
            while ts.accept_type(TokenType.COMMA):
                names.append(ts.multipart())
        if not table_parts:
            ts.expect("ON")
            if ts.peek_word() in ("DATABASE", "ALL"):
                raise errors.unsupported("DDL triggers")
            table_parts = ts.multipart()
        ts.end()
        schema, name = self._resolve(table_parts)
        table = self.catalog.table(schema, name)
        if table is None or table.object_id < 0:
            raise _not_found(".".join(table_parts))
        mine = dict(
            self.conn.execute(
                "SELECT name, object_id FROM __azsql_objects WHERE type = 'TR'"
                " AND parent_object_id = ?",
                (table.object_id,),
            ).fetchall()
        )
        by_name = {k.casefold(): v for k, v in mine.items()}
        ids = list(mine.values())
        if names:
            ids = []
            for parts in names:
                if parts[-1].casefold() not in by_name:
                    raise _not_found(".".join(parts))
                ids.append(by_name[parts[-1].casefold()])
        self.conn.executemany(
            "UPDATE __azsql_triggers SET is_disabled = ? WHERE object_id = ?",
            [(int(verb == "DISABLE"), oid) for oid in ids],
        )

    # -- firing
    def _enabled_triggers(self, q: Query) -> tuple[Table | None, list[tuple[int, str, bool]]]:
        """The table a write changes and (object_id, definition, is_instead_of) of each
        enabled trigger on it for the write's action, oldest first."""
        if (
            q.target is None
            or q.target.startswith("#")
            or q.kind not in ("insert", "update", "delete")
        ):
            return None, []
        table = self.catalog.tables.get(q.target.casefold())
        if table is None or table.object_id < 0:
            return None, []
        rows = self.conn.execute(
            # the (few) triggers first: every write asks, and objects has no index on
            # parent_object_id (CROSS JOIN keeps SQLite to that order)
            "SELECT o.object_id, o.definition, t.is_instead_of FROM __azsql_triggers t CROSS JOIN"
            " __azsql_objects o ON o.object_id = t.object_id"
            " WHERE o.parent_object_id = ? AND o.type = 'TR'"
            f" AND t.is_disabled = 0 AND t.on_{q.kind} = 1 ORDER BY o.object_id",
            (table.object_id,),
        ).fetchall()
        return table, [(oid, text, bool(i)) for oid, text, i in rows if oid not in self._firing]

    def _written(
        self, q: Query, bindings: dict[str, Any], scope: dict[str, Variable]
    ) -> Iterator[Result]:
        table, fired = self._enabled_triggers(q)
        if table is None or not fired:
            yield from super()._written(q, bindings, scope)
            return
        if q.output is not None:
            raise TdsError(
                334,
                f"The target table '{table.schema}.{table.name}' of the DML statement cannot"
                " have any enabled triggers if the statement contains an OUTPUT clause"
                " without INTO clause.",
            )
        level = len(self._firing) + 1
        if level > _NESTING_LIMIT:
            raise TdsError(
                217,
                "Maximum stored procedure, function, trigger, or view nesting level exceeded"
                f" (limit {_NESTING_LIMIT}).",
            )
        conn = self.conn
        before = set(self.temp_tables)
        names = [
            n[0] for n in conn.execute(f"SELECT * FROM {_q(table.sqlite_name)} WHERE 0").description
        ]
        # the statement and its triggers are one transaction: of their own (taking the write
        # lock first, as DDL does), or a savepoint in the session's
        own = not conn.in_transaction
        conn.execute("BEGIN IMMEDIATE" if own else f"SAVEPOINT {_SAVEPOINT}")
        written = _written_columns(q, table)
        # an INSTEAD OF trigger runs in the statement's place: the statement's AFTER
        # triggers fire only for what its body writes
        instead = [(oid, text) for oid, text, is_instead in fired if is_instead][:1]
        after = [(oid, text) for oid, text, is_instead in fired if not is_instead]
        try:
            count = self._write_captured(q, bindings, table, names, level, bool(instead))
        except BaseException:  # the statement's own failure undoes the statement only
            with contextlib.suppress(sqlite3.Error):
                if own:
                    conn.execute("ROLLBACK")
                else:
                    conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
                    conn.execute(f"RELEASE {_SAVEPOINT}")
            drop_made_since(conn, self.temp_tables, before)
            raise
        try:
            for object_id, definition in instead or after:
                yield from self._fire(object_id, definition, count, level, (table, written))
        except BaseException:
            # a trigger's error ends the transaction as well (XACT_ABORT is ON in one);
            # inside a TRY block the session's stays, uncommittable (try_catch.py)
            if self.trying and self._depth:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
                    conn.execute(f"RELEASE {_SAVEPOINT}")
                self.doomed = True
                raise
            self._depth = 0
            if conn.in_transaction:
                self._finish("ROLLBACK")
            raise
        finally:
            drop_made_since(conn, self.temp_tables, before)
        if conn.in_transaction:
            conn.execute("COMMIT" if own else f"RELEASE {_SAVEPOINT}")
        self.rowcount = count
        yield Done(None if self.nocount else count)

    def _write_captured(
        self,
        q: Query,
        bindings: dict[str, Any],
        table: Table,
        names: list[str],
        level: int,
        undo: bool,
    ) -> int:
        """Run the write, recording the rows it changes (output_capture.py; `names`: the
        target's SQLite columns), and fill the level's `inserted` and `deleted` with
        them. `undo`: for an INSTEAD OF trigger, the write is undone once its rows are
        known (the count is still the rows it would change)."""
        assert q.target is not None
        conn = self.conn
        target = _q(q.target)
        columns = [(n, c.type) for n in names if (c := table.column(n)) is not None]
        listed = ", ".join(_q(n) for n, _ in columns)
        sources = {
            "inserted": f"SELECT {listed} FROM {target} WHERE rowid IN"
            f" (SELECT rowid FROM temp.{_q(OUTPUT_TABLE)})",
            "deleted": f"SELECT {listed} FROM temp.{_q(OUTPUT_TABLE)}",
        }
        skipped = {"inserted": "delete", "deleted": "insert"}
        if undo:
            conn.execute(f"SAVEPOINT {_INSTEAD}")
        try:
            for sql in capture_setup(q.kind, q.target, names):
                conn.execute(sql)
            count = self._write(q, bindings)
            found = {
                kind: [] if q.kind == skipped[kind] else conn.execute(source).fetchall()
                for kind, source in sources.items()
            }
        finally:
            for sql in capture_teardown():
                conn.execute(sql)
            if undo:
                conn.execute(f"ROLLBACK TO {_INSTEAD}")
                conn.execute(f"RELEASE {_INSTEAD}")
        declared = ", ".join(f"{_q(n)} {affinity(t)}" for n, t in columns)
        marks = ", ".join("?" for _ in columns)
        for kind, found_rows in found.items():
            name = _pseudo_table(kind, level)
            conn.execute(f"CREATE TEMP TABLE {_q(name)} ({declared})")
            conn.executemany(f"INSERT INTO temp.{_q(name)} VALUES ({marks})", found_rows)
            self.temp_tables[name.casefold()] = typed_temp_table(
                name, tempdb_name(name), [(n, t, None) for n, t in columns]
            )
        return count

    def _fire(
        self, object_id: int, definition: str, count: int, level: int, written: Written
    ) -> Iterator[Result]:
        """Run one trigger's body; its statements' counts end in DONEINPROC."""
        trigger = parse_trigger(Statement(definition, tokenize(definition), 1))
        body = parse_body(_with_pseudo_tables(trigger.body, level), "a trigger")
        nocount, textsize, date_settings = self.nocount, self.textsize, self.date_settings()
        self._firing = (*self._firing, object_id)
        self._proc_depth += 1
        run = _Run(written, {})
        try:
            self.rowcount = count
            yield from run_flow(
                body,
                lambda condition: self._holds(condition, run),
                lambda node: self._run_statement(node, run),
                self._cancel.is_set,
            )
        except _Returned:
            pass
        except TdsError as exc:
            if exc.procedure is None:  # ERROR_PROCEDURE names the trigger
                named = trigger.parts if len(trigger.parts) > 1 else trigger.table
                schema = named[-2] if len(named) > 1 and named[-2] else DEFAULT_SCHEMA
                exc.procedure = procedure_name(self.engine.edition, schema, trigger.parts[-1])
            exc.nested = True  # a TRY around the statement catches it
            raise
        finally:
            self._proc_depth -= 1
            self._firing = self._firing[:-1]
            self.nocount = nocount
            self.textsize = textsize
            self.restore_date_settings(date_settings)
        if run.rolled_back:
            raise TdsError(
                3609, "The transaction ended in the trigger. The batch has been aborted."
            )

    def _holds(self, condition: str, run: _Run) -> bool:
        """Whether an IF's or WHILE's condition is TRUE (not FALSE or UNKNOWN)."""
        table, columns = run.written
        tested = with_update_tests(with_table_variables_in(condition, run.scope), table, columns)
        return bool(self._evaluate(condition_test(tested), run.scope))

    def _run_statement(self, node: Statement | Return, run: _Run) -> Iterator[Result]:
        if isinstance(node, Return):
            raise _Returned
        head = node.words(1)[0]
        if head == "ROLLBACK":  # the whole transaction, and the statement with it
            self._depth = 0
            self._finish("ROLLBACK")
            run.rolled_back = True
            return
        try:
            for result in self._statement(node, run.scope, False):
                yield Done(result.row_count, True) if isinstance(result, Done) else result
        except TdsError as exc:
            # RAISERROR of severity 11 to 18 sends its error and the trigger runs on
            # (RAISERROR page); THROW and other errors end the batch
            if head != "RAISERROR" or exc.number != 50000 or not 10 < exc.severity <= 18:
                raise
            yield Message(exc.number, exc.message, state=exc.state, severity=exc.severity)
