"""T-SQL cursors: `DECLARE c CURSOR ... FOR select`, `OPEN c`, `FETCH ... FROM c [INTO
@a, ...]`, `CLOSE c`, `DEALLOCATE c` and @@FETCH_STATUS.

Written from Microsoft's "DECLARE CURSOR", "OPEN", "FETCH", "CLOSE", "DEALLOCATE" and
"@@FETCH_STATUS" pages and "Database engine events and errors (16000 to 16999)" for the
errors' numbers and texts. Every cursor is a snapshot: OPEN runs the query once and keeps
its rows (what STATIC and INSENSITIVE promise; KEYSET and DYNAMIC cursors here do not see
later changes either, and no fetch is -2). The variables the query names keep the values
they had at DECLARE ("Variables may be used as part of the select_statement ... cursor
variable values do not change after a cursor is declared"). Without SCROLL, STATIC,
KEYSET or DYNAMIC, or with FORWARD_ONLY or FAST_FORWARD, a cursor is forward-only (ISO's
INSENSITIVE too) and FETCH takes NEXT alone (16911); a DYNAMIC cursor takes no ABSOLUTE
(16925).
Scope: GLOBAL is the default (the database option "default to local cursor" is OFF): a
global cursor lives in the session until DEALLOCATE; a LOCAL one is an entry of its
batch's or procedure call's scope and ends with it. A name without GLOBAL is the local
cursor's where both exist. Cursor variables (`DECLARE @c CURSOR`) and `FOR UPDATE` are
40517 (`WHERE CURRENT OF c` is left to the translator: a syntax error).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sqlglot.tokens import TokenType

from ..results import ColumnType, Result, ResultColumn, ResultSet, TdsError
from . import errors, functions
from .batches import Statement, tokenize, word
from .session_state import Variable

# The type of a scope's entry that is a LOCAL cursor; its value is the Cursor. Its key
# has a space no variable's name can have.
CURSOR = ColumnType("cursor")

_VERBS = frozenset(["OPEN", "FETCH", "CLOSE", "DEALLOCATE"])
# OPEN SYMMETRIC KEY, CLOSE MASTER KEY, CLOSE ALL SYMMETRIC KEYS: encryption, not cursors
_NOT_CURSOR = frozenset(["SYMMETRIC", "MASTER", "ALL"])
_OPTIONS = frozenset(
    [
        "LOCAL",
        "GLOBAL",
        "FORWARD_ONLY",
        "SCROLL",
        "STATIC",
        "KEYSET",
        "DYNAMIC",
        "FAST_FORWARD",
        "READ_ONLY",
        "SCROLL_LOCKS",
        "OPTIMISTIC",
        "TYPE_WARNING",
        "INSENSITIVE",
    ]
)
_ORIENTATIONS = frozenset(["NEXT", "PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE"])


@dataclass
class Cursor:
    """A declared cursor: its query and the variables it read at DECLARE; while open, the
    rows OPEN took and the current row (-1 before the first, len(rows) after the last)."""

    name: str
    query: Statement
    scope: dict[str, Variable]
    scroll: bool
    dynamic: bool
    columns: list[ResultColumn] | None = None
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    at: int = -1


class CursorSession(Protocol):
    """What the cursor statements need of the session (statements.py, session_state.py)."""

    cursors: dict[str, Cursor]
    fetch_status: int
    rowcount: int

    def _query(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]: ...

    def _evaluate(self, text: str, scope: dict[str, Variable]) -> Any: ...

    def _assign(
        self, scope: dict[str, Variable], name: str, value: Any, source: str = "varchar"
    ) -> None: ...


def is_cursor_statement(stmt: Statement) -> bool:
    """DECLARE name ... CURSOR, OPEN, FETCH (not a query's FETCH NEXT n ROWS), CLOSE or
    DEALLOCATE of a cursor."""
    w = stmt.words(5)
    if w[0] == "DECLARE":
        return stmt.tokens[1].token_type != TokenType.PARAMETER and "CURSOR" in w[2:]
    return w[0] in _VERBS and w[1] not in _NOT_CURSOR


def cursor_statement(
    session: CursorSession, stmt: Statement, scope: dict[str, Variable]
) -> Iterator[Result]:
    """Run one cursor statement."""
    head = word(stmt.tokens[0])
    if head == "DECLARE":
        _declare(session, stmt, scope)
        session.rowcount = 1  # "@@ROWCOUNT": DECLARE CURSOR and FETCH set it to 1
    elif head == "OPEN":
        _open(session, _named(session, stmt, 1, scope)[0])
    elif head == "FETCH":
        yield from _fetch(session, stmt, scope)
    elif head == "CLOSE":
        cursor = _named(session, stmt, 1, scope)[0]
        if cursor.columns is None:
            raise _not_open()
        cursor.columns, cursor.rows, cursor.at = None, [], -1
        session.rowcount = 0  # "@@ROWCOUNT": CLOSE CURSOR resets it
    else:
        cursor, i = _named(session, stmt, 1, scope)
        if i < len(stmt.tokens):
            raise errors.syntax_near(stmt.tokens[i].text)
        if _key(cursor.name) in scope and scope[_key(cursor.name)].value is cursor:
            del scope[_key(cursor.name)]
        else:
            del session.cursors[cursor.name.lower()]
        session.rowcount = 0  # "@@ROWCOUNT": DEALLOCATE CURSOR resets it


def _key(name: str) -> str:
    return f"cursor {name.lower()}"


def _declare(session: CursorSession, stmt: Statement, scope: dict[str, Variable]) -> None:
    toks = stmt.tokens
    name = _name_text(toks[1].text)
    options: list[str] = []
    i = 2
    while i < len(toks) and word(toks[i]) != "FOR":
        w = word(toks[i])
        if w != "CURSOR" and w not in _OPTIONS:
            raise errors.syntax_near(toks[i].text)
        options.append(w)
        i += 1
    if i + 1 >= len(toks) or word(toks[i + 1]) not in ("SELECT", "WITH"):
        raise errors.syntax_near(toks[min(i, len(toks) - 1)].text)
    end = len(toks)
    # a trailing FOR READ ONLY / FOR UPDATE [OF ...] is the cursor's, not the query's
    for j in range(len(toks) - 2, i + 1, -1):
        if word(toks[j]) == "FOR" and word(toks[j + 1]) in ("UPDATE", "READ"):
            if word(toks[j + 1]) == "UPDATE":
                raise errors.unsupported(
                    "DECLARE CURSOR ... FOR UPDATE; cursors here are read-only snapshots"
                )
            end = j
            break
    base = toks[0].start
    text = stmt.text[toks[i + 1].start - base : toks[end - 1].end + 1 - base]
    query = Statement(text, tokenize(text), stmt.line)
    scroll = bool({"SCROLL", "STATIC", "KEYSET", "DYNAMIC"} & set(options))
    if {"FORWARD_ONLY", "FAST_FORWARD"} & set(options):
        scroll = False
    # the variables keep the values they have now (DECLARE CURSOR page)
    frozen = {k: replace(v) for k, v in scope.items() if v.type is not CURSOR}
    cursor = Cursor(name, query, frozen, scroll, "DYNAMIC" in options)
    if "LOCAL" in options:
        if _key(name) in scope:
            raise _exists(name)
        scope[_key(name)] = Variable(CURSOR, cursor)
        return
    if name.lower() in session.cursors:
        raise _exists(name)
    session.cursors[name.lower()] = cursor


def _open(session: CursorSession, cursor: Cursor) -> None:
    if cursor.columns is not None:
        raise TdsError(16905, "The cursor is already open.")
    count = session.rowcount  # the OPEN page says nothing of @@ROWCOUNT: kept
    columns: list[ResultColumn] = []
    rows: list[tuple[Any, ...]] = []
    for result in session._query(cursor.query, cursor.scope):
        if isinstance(result, ResultSet):
            columns = result.columns
            rows = list(result.rows)
    session.rowcount = count
    cursor.columns, cursor.rows, cursor.at = columns, rows, -1


def _fetch(session: CursorSession, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]:
    toks = stmt.tokens
    i = 1
    orientation = "NEXT"
    amount = ""
    if word(toks[i]) in _ORIENTATIONS:
        orientation = str(word(toks[i]))
        i += 1
        start = i
        if orientation in ("ABSOLUTE", "RELATIVE"):
            while i < len(toks) and word(toks[i]) != "FROM":
                i += 1
            amount = _between(stmt, start, i)
            if not amount:
                raise errors.syntax_near("FROM" if i < len(toks) else orientation)
        if i >= len(toks) or word(toks[i]) != "FROM":
            raise errors.syntax_near(toks[min(i, len(toks) - 1)].text)
        i += 1
    elif word(toks[i]) == "FROM":
        i += 1
    cursor, i = _named(session, stmt, i, scope)
    targets: list[str] = []
    if i < len(toks):
        if word(toks[i]) != "INTO":
            raise errors.syntax_near(toks[i].text)
        i += 1
        while i < len(toks):
            if toks[i].token_type != TokenType.PARAMETER or i + 1 >= len(toks):
                raise errors.syntax_near(toks[i].text)
            targets.append(toks[i + 1].text.lower())
            i += 2
            if i < len(toks):
                if toks[i].token_type != TokenType.COMMA:
                    raise errors.syntax_near(toks[i].text)
                i += 1
    if cursor.columns is None:
        raise _not_open()
    if orientation != "NEXT" and not cursor.scroll:
        raise TdsError(
            16911, f"fetch: The fetch type {orientation} cannot be used with forward only cursors."
        )
    if orientation == "ABSOLUTE" and cursor.dynamic:
        raise TdsError(16925, "The fetch type ABSOLUTE cannot be used with dynamic cursors.")
    if targets and len(targets) != len(cursor.columns):
        raise TdsError(
            16924,
            "Cursorfetch: The number of variables declared in the INTO list must match that"
            " of selected columns.",
        )
    for name in targets:
        if name not in scope:
            raise errors.must_declare(name)
    steps = int(session._evaluate(amount, scope)) if amount else 0
    cursor.at = _moved(cursor, orientation, steps)
    found = 0 <= cursor.at < len(cursor.rows)
    session.fetch_status = 0 if found else -1
    session.rowcount = 1  # "@@ROWCOUNT": FETCH sets it to 1 (the page makes no exception)
    if not targets:  # the row as a result set, none past either end (FETCH page)
        yield ResultSet(cursor.columns, iter([cursor.rows[cursor.at]] if found else []))
        return
    if found:
        for name, column, value in zip(
            targets, cursor.columns, cursor.rows[cursor.at], strict=True
        ):
            stored = functions.to_sqlite(value, column.type)
            session._assign(scope, name, stored, column.type.name)


def _moved(cursor: Cursor, orientation: str, steps: int) -> int:
    """The current row after a FETCH (FETCH page), -1 before the first and len(rows) after
    the last where it falls outside."""
    count, at = len(cursor.rows), cursor.at
    if orientation == "NEXT":
        at += 1
    elif orientation == "PRIOR":
        at -= 1
    elif orientation == "FIRST":
        at = 0
    elif orientation == "LAST":
        at = count - 1
    elif orientation == "ABSOLUTE":
        at = steps - 1 if steps > 0 else count + steps if steps < 0 else -1
    else:  # RELATIVE: 0 or less on the first fetch returns no row
        at = -1 if at == -1 and steps <= 0 else at + steps
    if at < 0:
        return -1
    return min(at, count)


def _named(
    session: CursorSession, stmt: Statement, i: int, scope: dict[str, Variable]
) -> tuple[Cursor, int]:
    """The cursor `[GLOBAL] name` at token `i` names, and the index after the name."""
    toks = stmt.tokens
    glob = i + 1 < len(toks) and word(toks[i]) == "GLOBAL"
    if glob:
        i += 1
    if i >= len(toks):
        raise errors.syntax_near(toks[-1].text)
    if toks[i].token_type == TokenType.PARAMETER:
        raise errors.unsupported("cursor variables (@cursor); name the cursor")
    name = _name_text(toks[i].text)
    local = None if glob else scope.get(_key(name))
    cursor = local.value if local is not None else session.cursors.get(name.lower())
    if cursor is None:
        raise TdsError(16916, f"A cursor with the name '{name}' does not exist.")
    return cursor, i + 1


def _name_text(text: str) -> str:
    return text[1:-1].replace("]]", "]") if text.startswith("[") else text.strip('"')


def _between(stmt: Statement, start: int, stop: int) -> str:
    if start >= stop:
        return ""
    base = stmt.tokens[0].start
    return stmt.text[stmt.tokens[start].start - base : stmt.tokens[stop - 1].end + 1 - base]


def _exists(name: str) -> TdsError:
    return TdsError(16915, f"A cursor with the name '{name}' already exists.")


def _not_open() -> TdsError:
    return TdsError(16917, "Cursor is not open.")
