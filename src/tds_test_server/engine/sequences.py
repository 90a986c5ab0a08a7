"""Sequence objects: CREATE, ALTER and DROP SEQUENCE, NEXT VALUE FOR and sys.sequences,
written from "CREATE SEQUENCE (Transact-SQL)", "ALTER SEQUENCE", "NEXT VALUE FOR" and
"sys.sequences (Transact-SQL)".

A sequence is an __azsql_objects row of type SO and an __azsql_sequences row of its
state. NEXT VALUE FOR becomes AZSQL_NEXT_VALUE(schema, name), a function of the
session's connection that advances that row as each row of the statement asks for a
value (an INSERT's VALUES, a SELECT's rows, a column's DEFAULT). Unlike SQL Server, a
value taken is used even if its transaction rolls back (SequenceValues.keep), and two
references to one sequence in a row get two values, unlike SQL Server
(docs/test-server-limits.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlglot import exp
from sqlglot.tokens import TokenType

from ..results import TdsError
from . import errors
from .batches import Statement
from .catalog import DEFAULT_SCHEMA, Catalog
from .sequence_views import INTEGER_PRECISIONS
from .sequence_views import SCALED_TYPES as _SCALED
from .text_numbers import INTEGER_RANGES
from .token_stream import Tokens


@dataclass
class _Options:
    type_name: str = "bigint"
    precision: int = 19
    start: int | None = None
    increment: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    cycle: bool | None = None
    cached: bool = True
    cache_size: int | None = None
    restart: int | None = None
    restart_default: bool = False


def _constant(ts: Tokens) -> int:
    """A signed integer constant of the statement."""
    sign = -1 if ts.accept_type(TokenType.DASH) else 1
    if sign == 1:
        ts.accept_type(TokenType.PLUS)
    tok = ts.next()
    if tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
        raise errors.syntax_near(tok.text)
    return sign * int(tok.text)


def _type(ts: Tokens, name: str) -> tuple[str, int]:
    """`AS int`, `AS [bigint]`, `AS decimal(p[, 0])`: the type and its precision."""
    type_name = ts.name().lower()
    if type_name in INTEGER_PRECISIONS:
        return type_name, INTEGER_PRECISIONS[type_name]
    if type_name in _SCALED:
        precision, scale = 18, 0
        if ts.accept_type(TokenType.L_PAREN):
            precision = _constant(ts)
            if ts.accept_type(TokenType.COMMA):
                scale = _constant(ts)
            ts.expect_type(TokenType.R_PAREN)
        if scale == 0 and 1 <= precision <= 18:
            return type_name, precision
        if scale == 0 and precision <= 38:  # past bigint: SQLite's integers stop there
            raise errors.unsupported(f"A sequence of {type_name}({precision}) (above 18 digits)")
    raise TdsError(
        11702,
        f"The sequence object '{name}' must be of data type int, bigint, smallint, tinyint,"
        " or decimal or numeric with a scale of 0, or any user-defined data type that is"
        " based on one of the above integer data types.",
        severity=16,
    )


def _options(ts: Tokens, name: str, alter: bool) -> _Options:
    """The options after the name, as CREATE (or ALTER, which adds RESTART) reads them."""
    o = _Options()
    while not ts.at_end():
        if ts.accept_type(TokenType.SEMICOLON):
            continue
        word = ts.expect("AS", "START", "INCREMENT", "MINVALUE", "MAXVALUE", "NO", "CYCLE",
                         "CACHE", *(("RESTART",) if alter else ()))  # fmt: skip
        if word == "AS" and not alter:
            o.type_name, o.precision = _type(ts, name)
        elif word == "START":
            ts.expect("WITH")
            o.start = _constant(ts)
        elif word == "RESTART":
            if ts.accept("WITH"):
                o.restart = _constant(ts)
            else:
                o.restart_default = True
        elif word == "INCREMENT":
            ts.expect("BY")
            o.increment = _constant(ts)
        elif word in ("MINVALUE", "MAXVALUE"):
            given = ts.peek_is(TokenType.NUMBER) or ts.peek_is(TokenType.DASH)
            value = _constant(ts) if given else None  # MINVALUE alone: the type's bound
            setattr(o, "minimum" if word == "MINVALUE" else "maximum", value)
        elif word == "NO":
            which = ts.expect("MINVALUE", "MAXVALUE", "CYCLE", "CACHE")
            if which == "CYCLE":
                o.cycle = False
            elif which == "CACHE":
                o.cached = False
        elif word == "CYCLE":
            o.cycle = True
        elif word == "CACHE":
            o.cached = True
            if ts.peek_is(TokenType.NUMBER):
                o.cache_size = _constant(ts)
        else:
            raise errors.syntax_near(word)
    return o


def _name_parts(ts: Tokens) -> tuple[str, str, str]:
    """(schema, name, name as written) of the sequence named at the cursor."""
    parts = ts.multipart()
    if len(parts) > 3:
        raise errors.syntax_near(parts[-1])
    schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
    return schema, parts[-1], ".".join(parts)


def _check(name: str, type_name: str, precision: int, increment: int, low: int, high: int,
           start: int) -> None:  # fmt: skip
    """CREATE and ALTER SEQUENCE's checks of the values they keep."""
    if increment == 0:
        raise TdsError(
            11700, f"The increment for sequence object '{name}' cannot be zero.", severity=16
        )
    floor, ceiling = _bounds(type_name, precision)
    if not floor <= low <= ceiling or not floor <= high <= ceiling:
        raise errors.unsupported(f"A bound of sequence '{name}' outside the range of {type_name}")
    if low >= high:
        raise TdsError(
            11705,
            f"The minimum value for sequence object '{name}' must be less than its maximum value.",
            severity=16,
        )
    if not low <= start <= high:
        raise TdsError(
            11703,
            f"The start value for sequence object '{name}' must be between the minimum and"
            " maximum value of the sequence object.",
            severity=16,
        )


def _bounds(type_name: str, precision: int) -> tuple[int, int]:
    if type_name in INTEGER_RANGES:
        return INTEGER_RANGES[type_name]
    return -(10**precision - 1), 10**precision - 1


def _find(conn: sqlite3.Connection, schema: str, name: str) -> tuple[Any, ...] | None:
    """(object_id, precision, start, increment, min, max, cycling, current, last used)
    of a sequence, and its type's name last; None if there is none."""
    return conn.execute(
        "SELECT q.object_id, q.precision, q.start_value, q.increment, q.minimum_value,"
        " q.maximum_value, q.is_cycling, q.current_value, q.last_used_value, q.type_name"
        " FROM __azsql_sequences q JOIN __azsql_objects o ON o.object_id = q.object_id"
        " JOIN __azsql_schemas s ON s.schema_id = o.schema_id"
        " WHERE o.type = 'SO' AND o.name = ? AND s.name = ?",
        (name, schema),
    ).fetchone()


def create_sequence(conn: sqlite3.Connection, catalog: Catalog, stmt: Statement, now: str) -> None:
    """CREATE SEQUENCE [schema.]name [AS type] [START WITH n] [INCREMENT BY n]
    [MINVALUE n | NO MINVALUE] [MAXVALUE n | NO MAXVALUE] [CYCLE | NO CYCLE]
    [CACHE [n] | NO CACHE]. The start defaults to the minimum of an ascending sequence
    and the maximum of a descending one; the bounds to the type's range."""
    ts = Tokens(stmt)
    ts.expect("CREATE")
    ts.expect("SEQUENCE")
    schema, name, written = _name_parts(ts)
    o = _options(ts, written, alter=False)
    floor, ceiling = _bounds(o.type_name, o.precision)
    low = floor if o.minimum is None else o.minimum
    high = ceiling if o.maximum is None else o.maximum
    increment = 1 if o.increment is None else o.increment
    start = o.start if o.start is not None else (low if increment > 0 else high)
    _check(written, o.type_name, o.precision, increment, low, high, start)
    found = catalog.schemas.get(schema.casefold())
    if found is None:
        raise errors.schema_missing(schema)
    schema_id = found[0]
    if conn.execute(
        "SELECT 1 FROM __azsql_objects WHERE schema_id = ? AND name = ? AND parent_object_id = 0",
        (schema_id, name),
    ).fetchone() or catalog.table(schema, name):
        raise errors.object_exists(name)
    oid = catalog.next_object_id()
    conn.execute(
        "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
        " modify_date) VALUES (?, ?, ?, 'SO', ?, ?)",
        (oid, name, schema_id, now, now),
    )
    conn.execute(
        "INSERT INTO __azsql_sequences VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        (oid, o.type_name, o.precision, start, increment, low, high, int(bool(o.cycle)),
         int(o.cached), o.cache_size if o.cached else None, start),
    )  # fmt: skip


def alter_sequence(conn: sqlite3.Connection, stmt: Statement, now: str) -> None:
    """ALTER SEQUENCE name [RESTART [WITH n]] and the options CREATE takes but AS: the
    ones given replace the kept ones; RESTART starts again at n (or the start value)."""
    ts = Tokens(stmt)
    ts.expect("ALTER")
    ts.expect("SEQUENCE")
    schema, name, written = _name_parts(ts)
    row = _find(conn, schema, name)
    if row is None:
        raise errors.invalid_object(written)
    oid, precision, start, increment, low, high, cycling, current, last, type_name = row
    o = _options(ts, name, alter=True)
    increment = increment if o.increment is None else o.increment
    low = o.minimum if o.minimum is not None else low
    high = o.maximum if o.maximum is not None else high
    cycling = cycling if o.cycle is None else int(o.cycle)
    if o.restart is not None:
        start, current, last = o.restart, o.restart, None
    elif o.restart_default:
        current, last = start, None
    _check(written, type_name, precision, increment, low, high, current if last is None else low)
    conn.execute(
        "UPDATE __azsql_sequences SET start_value = ?, increment = ?, minimum_value = ?,"
        " maximum_value = ?, is_cycling = ?, current_value = ?, last_used_value = ?"
        " WHERE object_id = ?",
        (start, increment, low, high, cycling, current, last, oid),
    )
    conn.execute("UPDATE __azsql_objects SET modify_date = ? WHERE object_id = ?", (now, oid))


def drop_sequence(conn: sqlite3.Connection, stmt: Statement) -> None:
    """DROP SEQUENCE [IF EXISTS] name [, name ...]."""
    ts = Tokens(stmt)
    ts.expect("DROP")
    ts.expect("SEQUENCE")
    if_exists = bool(ts.accept("IF")) and bool(ts.expect("EXISTS"))
    while True:
        schema, name, written = _name_parts(ts)
        row = _find(conn, schema, name)
        if row is not None:
            conn.execute("DELETE FROM __azsql_sequences WHERE object_id = ?", (row[0],))
            conn.execute("DELETE FROM __azsql_objects WHERE object_id = ?", (row[0],))
        elif not if_exists:
            raise errors.cannot_drop("sequence", written)
        if not ts.accept_type(TokenType.COMMA):
            break
    ts.end()


@dataclass
class _Run:
    """The values one connection handed out of a sequence one after another."""

    before: tuple[Any, Any]  # (current_value, last_used_value) before the first
    first: int
    last: int
    cycled: bool = False

    def holds(self, state: tuple[Any, Any]) -> bool:
        """Whether the row stands where this run left it or before it or at a value of it."""
        value, used = state
        if state == self.before or value != used or self.cycled:
            return state == self.before
        return min(self.first, self.last) <= value <= max(self.first, self.last)


class SequenceValues:
    """AZSQL_NEXT_VALUE(schema, name) on one connection: the sequence's next value, kept
    in its __azsql_sequences row. SQL Server makes sequence values outside the
    transaction ("Sequence Numbers", Limitations): a value handed out stays used when
    the transaction, or the statement, that asked for it rolls back. SQLite undoes the
    row's change with the rest, so `keep` writes it again afterwards, unless another
    session has moved the sequence on since."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._runs: dict[int, _Run] = {}

    def __call__(self, schema: str, name: str) -> int:
        row = _find(self._conn, schema, name)
        if row is None:
            raise errors.invalid_object(f"{schema}.{name}")
        oid, _, _, increment, low, high, cycling, current, last, _ = row
        value = current if last is None else current + increment
        cycled = not low <= value <= high
        if cycled:
            if not cycling:
                raise TdsError(
                    11728,
                    f"The sequence object '{name}' has reached its minimum or maximum value."
                    " Restart the sequence object to allow new values to be generated.",
                    severity=16,
                )
            value = low if increment > 0 else high  # a cycle starts at the bound, not START
        self._conn.execute(
            "UPDATE __azsql_sequences SET current_value = ?, last_used_value = ?"
            " WHERE object_id = ?",
            (value, value, oid),
        )
        run = self._runs.get(oid)
        if run is not None and (current, last) == (run.last, run.last):
            run.last, run.cycled = value, run.cycled or cycled
        else:
            self._runs[oid] = _Run((current, last), value, value)
        return value

    def keep(self) -> None:
        """After a rollback (of a transaction or a failed statement): each sequence it
        took back moves on to the last value handed out again."""
        for oid, run in self._runs.items():
            state = self._conn.execute(
                "SELECT current_value, last_used_value FROM __azsql_sequences WHERE object_id = ?",
                (oid,),
            ).fetchone()
            if state is not None and tuple(state) != (run.last, run.last) and run.holds(state):
                self._conn.execute(
                    "UPDATE __azsql_sequences SET current_value = ?, last_used_value = ?"
                    " WHERE object_id = ?",
                    (run.last, run.last, oid),
                )

    @contextmanager
    def trial(self) -> Iterator[None]:
        """Statements run again to look at their rows, then undone: what they hand out
        is handed out again after."""
        runs = {oid: replace(run) for oid, run in self._runs.items()}
        try:
            yield
        finally:
            self._runs = runs

    def forget(self) -> None:
        """At a commit, or before a statement outside a transaction: the values handed
        out are the sequences' own now."""
        self._runs.clear()


def rewrite_next_value(node: exp.Expr) -> exp.Expression | None:
    """NEXT VALUE FOR [schema.]name as AZSQL_NEXT_VALUE('schema', 'name'); with OVER
    (ORDER BY ...), not modelled."""
    if not isinstance(node, exp.NextValueFor):
        return None
    if node.args.get("order"):
        raise errors.unsupported("NEXT VALUE FOR ... OVER (ORDER BY ...)")
    target = node.this
    schema = (target.table if isinstance(target, exp.Column) else "") or DEFAULT_SCHEMA
    return exp.Anonymous(
        this="AZSQL_NEXT_VALUE",
        expressions=[exp.Literal.string(schema), exp.Literal.string(target.name)],
    )
