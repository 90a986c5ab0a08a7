"""Msg 195 for a whole batch before any of its statements runs.

SQL Server compiles a batch before it runs it: a call of a name that is no built-in
function (Msg 195, Level 15) in any statement stops the batch with nothing run, as a
syntax error does. The test server reads each statement as it reaches it, so here the
later data statements of a batch are parsed first wherever a token reads as a call of
such a name (builtin_names.py). Statements the engine reads with its own parsers (SET,
DECLARE, EXEC, flow, DDL) are checked when they run, as before.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot.tokens import TokenType

from ..results import TdsError
from . import errors
from .batches import Statement
from .builtin_names import BUILT_INS

_DATA = frozenset(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH"])
_QUALIFIERS = frozenset([TokenType.DOT, TokenType.DCOLON, TokenType.IDENTIFIER])


def refuse_unknown_calls(statements: list[Statement]) -> None:
    """Msg 195 (at its statement's line) for the first later data statement calling a
    name no built-in has; the first statement raises its own when it runs first."""
    for stmt in statements[1:]:
        if stmt.words(1)[0] not in _DATA or not _may_call_unknown(stmt):
            continue
        name = _unknown_call(stmt.text)
        if name is not None:
            exc = errors.not_builtin(name)
            exc.line, exc.placed = stmt.line, True
            raise exc


def _may_call_unknown(stmt: Statement) -> bool:
    """Whether a name not among the built-ins stands before a parenthesis (a column
    list, `IN (`, `OVER (` as well: the parse below tells them apart)."""
    tokens = stmt.tokens
    for before, tok, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (
            after.token_type == TokenType.L_PAREN
            and tok.token_type not in _QUALIFIERS
            and before.token_type not in _QUALIFIERS
            and tok.text.upper() not in BUILT_INS
        ):
            return True
    return False


@lru_cache(maxsize=1024)
def _unknown_call(text: str) -> str | None:
    """The name of the statement's first call of no built-in, None if it has none or
    does not parse (its own error comes when it runs)."""
    from .translate import parse_tsql  # translate imports the engine's modules

    try:
        parse_tsql(text)
    except TdsError as exc:
        if exc.number == 195:
            return exc.message.split("'")[1]  # the name errors.not_builtin quotes
    return None
