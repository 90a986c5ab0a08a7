"""`EXEC ('...')` and `EXECUTE (@sql)`: a character string run as a batch of its own.

Written from Microsoft's "EXECUTE (Transact-SQL)" page (the "Execute a character string"
form: string literals and string variables joined by `+`, no other expression), "SET
Statements" (a SET in a dynamic SQL string is restored when the string's batch ends, as
one in a procedure is), "Ownership Chains" (dynamic SQL breaks the chain: the string runs
with the caller's permissions, checked when it runs, even inside a procedure) and
"@@ROWCOUNT" (EXECUTE preserves the previous count: here the string's last statement's).
A USE in the string changes the database until the string ends (the EXECUTE page).

The string has its own scope: the caller's variables are not visible in it (137), its
own end with it, as do the temporary tables it makes; the session's temporary tables are
visible. Its result sets, messages and errors reach the client as a batch's would.
Pages are silent on a NULL piece: it adds nothing here. Linked servers (`AT`), the
pass-through form's arguments and `AS LOGIN|USER = 'name'` are 40517.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Protocol

from sqlglot.tokens import TokenType

from ..results import Result, SessionInfo
from . import errors
from .batches import Statement
from .session_state import Variable
from .temp_tables import TempTable, drop_made_since
from .token_stream import Tokens


class StringRunner(Protocol):
    """What run_string needs of the session (engine.py's EngineSession)."""

    conn: sqlite3.Connection
    info: SessionInfo
    temp_tables: dict[str, TempTable]
    nocount: bool
    textsize: int
    _proc_depth: int

    def date_settings(self) -> tuple[str, str, int]: ...

    def restore_date_settings(self, settings: tuple[str, str, int]) -> None: ...

    def _batch_statements(self, sql: str) -> list[Statement]: ...

    def _run_batch(
        self, sql: str, statements: list[Statement], scope: dict[str, Variable]
    ) -> Iterator[Result]: ...


_TEXT_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "text", "ntext", "sysname"})


def run_string(session: StringRunner, ts: Tokens, scope: dict[str, Variable]) -> Iterator[Result]:
    """Run the string of `EXEC ( ... )`, `ts` standing on its opening parenthesis."""
    text = _string(ts, scope)
    statements = session._batch_statements(text)
    chained = session._proc_depth
    nocount, textsize, date_settings = session.nocount, session.textsize, session.date_settings()
    temporary = set(session.temp_tables)
    database = session.info.database
    session._proc_depth = 0  # no ownership chain reaches dynamic SQL: the caller's rights
    try:
        yield from session._run_batch(text, statements, {})
    finally:
        session._proc_depth = chained
        drop_made_since(session.conn, session.temp_tables, temporary)
        session.nocount = nocount
        session.textsize = textsize
        session.restore_date_settings(date_settings)
        if session.info.database != database:  # a USE in the string lasts as long as it
            session.info.database = database
            session.conn.execute(
                "UPDATE temp.__azsql_session SET value = ? WHERE key = 'db'", (database,)
            )


def _string(ts: Tokens, scope: dict[str, Variable]) -> str:
    """The pieces between the parentheses, joined; then nothing else may follow."""
    ts.expect_type(TokenType.L_PAREN)
    pieces: list[str] = []
    while True:
        tok = ts.next()
        if tok.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
            pieces.append(tok.text)
        elif tok.token_type == TokenType.PARAMETER:
            pieces.append(_variable_text(ts.name().lower(), scope))
        else:
            raise errors.syntax_near(tok.text)
        if not ts.accept_type(TokenType.PLUS):
            break
    if ts.peek_is(TokenType.COMMA):
        raise errors.unsupported(
            "EXEC ('...', arguments) (a pass-through command for a linked server)"
        )
    ts.expect_type(TokenType.R_PAREN)
    following = ts.peek_word()
    if following == "AT":
        raise errors.unsupported("EXEC (...) AT linked_server")
    if following == "AS":
        raise errors.unsupported(
            "EXEC (...) AS LOGIN | USER = 'name'; run the string as the session's login"
        )
    ts.end()
    return "".join(pieces)


def _variable_text(name: str, scope: dict[str, Variable]) -> str:
    var = scope.get(name)
    if var is None:
        raise errors.must_declare(name)
    if var.value is None:
        return ""
    if var.type is not None and var.type.name.lower() not in _TEXT_TYPES:
        raise errors.unsupported(
            f"EXEC (@{name}) of a variable of type {var.type.name}; EXEC takes character strings"
            " only: CAST it into an nvarchar variable first"
        )
    return str(var.value)
