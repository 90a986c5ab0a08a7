"""T-SQL text to statements: sqlglot's T-SQL tokens, and batches split into statements on
the token stream (T-SQL needs no semicolons).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from ..results import TdsError
from . import errors

_TOKENIZER = sqlglot.Dialect.get_or_raise("tsql").tokenizer()
_COMMANDS = sqlglot.Dialect.get_or_raise("tsql").tokenizer_class.COMMANDS


_TOKENIZE_LOCK = threading.Lock()


_NOT_WORDS = {
    TokenType.IDENTIFIER,
    TokenType.STRING,
    TokenType.NATIONAL_STRING,
    TokenType.NUMBER,
    TokenType.HEX_STRING,
    TokenType.BIT_STRING,
    TokenType.BYTE_STRING,
}


STATEMENT_WORDS = frozenset(
    [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "CREATE",
        "ALTER",
        "DROP",
        "TRUNCATE",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVE",
        "SET",
        "DECLARE",
        "EXEC",
        "EXECUTE",
        "WAITFOR",
        "PRINT",
        "USE",
        "IF",
        "ELSE",
        "WHILE",
        "RETURN",
        "RAISERROR",
        "THROW",
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
        "GOTO",
        "BREAK",
        "CONTINUE",
        "BULK",
        "KILL",
        "CHECKPOINT",
        "SHUTDOWN",
        "GO",
        "WITH",
        "END",
    ]
)


KEYWORDS = STATEMENT_WORDS | frozenset(
    [
        "FROM",
        "WHERE",
        "GROUP",
        "ORDER",
        "BY",
        "HAVING",
        "AND",
        "OR",
        "NOT",
        "NULL",
        "IS",
        "IN",
        "AS",
        "ON",
        "JOIN",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "OUTER",
        "CROSS",
        "UNION",
        "ALL",
        "DISTINCT",
        "TOP",
        "VALUES",
        "INTO",
        "TABLE",
        "VIEW",
        "INDEX",
        "CASE",
        "WHEN",
        "THEN",
        "PRIMARY",
        "KEY",
        "FOREIGN",
        "REFERENCES",
        "CONSTRAINT",
        "DEFAULT",
        "CHECK",
        "UNIQUE",
    ]
)


def word(tok: Token) -> str | None:
    """The upper-cased keyword a token spells, or None for names, strings, numbers."""
    if tok.token_type in _NOT_WORDS:
        return None
    return tok.text.upper()


_HEAD = 5  # the most words a statement's dispatch looks at


@dataclass
class Statement:
    text: str
    tokens: list[Token]
    line: int
    # its first _HEAD words, read once: each statement of a batch (cached by its text in
    # the engine) is asked its first words by every dispatch step that might take it
    _head: list[str | None] | None = field(default=None, init=False, repr=False, compare=False)

    def words(self, n: int) -> list[str | None]:
        """The first n words, None where the statement is shorter or a token is no word."""
        if n > _HEAD:
            found = [word(t) for t in self.tokens[:n]]
            return found + [None] * (n - len(found))
        head = self._head
        if head is None:
            found = [word(t) for t in self.tokens[:_HEAD]]
            head = self._head = found + [None] * (_HEAD - len(found))
        return head[:n]


def refuse_fetch_without_offset(statements: list[Statement]) -> None:
    """Msg 153 for `ORDER BY ... FETCH NEXT n ROWS ONLY` without OFFSET: SQL Server reads
    that FETCH as a cursor's FETCH statement, a syntax error that stops the whole batch
    before it runs (a cursor's `FETCH NEXT FROM c` goes on to cursors.py)."""
    for stmt in statements:
        first, option, after = stmt.words(3)
        if first == "FETCH" and option in ("NEXT", "FIRST") and after != "FROM":
            raise TdsError(
                153,
                f"Invalid usage of the option {option} in the FETCH statement.",
                severity=15,
                line=stmt.line,
            )


def tokenize(text: str) -> list[Token]:
    """sqlglot's T-SQL tokens, with multi-word keywords ('PRIMARY KEY') split into words."""
    try:
        with _TOKENIZE_LOCK:
            tokens = _TOKENIZER.tokenize(text)
    except SqlglotError as exc:  # unterminated string or comment
        near = text.strip().split()[-1] if text.strip() else ""
        raise errors.syntax_error(near, str(exc)) from None
    result: list[Token] = []
    for tok in tokens:
        if tok.token_type in _NOT_WORDS or not any(ch.isspace() for ch in tok.text):
            result.append(tok)
            continue
        source = text[tok.start : tok.end + 1]
        for m in re.finditer(r"\S+", source):
            start = tok.start + m.start()
            result.append(
                Token(
                    TokenType.VAR,
                    m.group(),
                    tok.line,
                    tok.col,
                    start,
                    start + len(m.group()) - 1,
                    tok.comments,
                )
            )
    return result


def statement_tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of text[start:end] for finding where statements start. sqlglot's T-SQL
    tokenizer takes a command (PRINT; END after `;` or BEGIN) and the rest up to the next
    `;` for its text, one STRING (with only its end in place): that rest is tokenized
    again, so `PRINT 'x' SELECT 1` is two statements and a block's END after `PRINT 'x'`
    closes it."""
    stop = len(text) if end is None else end
    lines = text.count("\n", 0, start)  # the slice's tokens count lines from 1
    found: list[Token] = []
    for tok in tokenize(text[start:stop]):
        at, last = tok.start + start, tok.end + start
        if found and found[-1].token_type in _COMMANDS and tok.token_type == TokenType.STRING:
            rest = found[-1].end + 1
            if text[rest : last + 1].strip() == tok.text:
                found += statement_tokens(text, rest, last + 1)
                continue
        line = tok.line + lines
        found.append(Token(tok.token_type, tok.text, line, tok.col, at, last, tok.comments))
    return found


def split_batch(text: str) -> list[Statement]:
    """Split a batch into statements the way SQL Server delimits them."""
    tokens = statement_tokens(text)
    statements: list[Statement] = []
    current: list[Token] = []
    state: dict[str, Any] = {}
    depth = 0
    cases = 0  # open CASE expressions: their ELSE and END belong to the statement

    def flush() -> None:
        if current:
            start, end = current[0].start, current[-1].end + 1
            statements.append(Statement(text[start:end], list(current), current[0].line))
            current.clear()
            state.clear()

    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.SEMICOLON and depth == 0:
            flush()
            continue
        w = word(tok)
        after = word(tokens[i + 1]) if i + 1 < len(tokens) else None
        if w == "CASE":
            cases += 1
        elif w == "END" and cases:
            cases -= 1
        elif (
            depth == 0
            and not cases
            and current
            and w in STATEMENT_WORDS
            and not _continues(w, after, current, state)
        ):
            flush()
        if not current:
            state["kind"] = w or ""
        if depth == 0 and w is not None:
            _track(w, current, state)
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth = max(0, depth - 1)
        current.append(tok)
    flush()
    return statements


def _track(w: str, current: list[Token], state: dict[str, Any]) -> None:
    kind = state.get("kind")
    if kind == "WITH" and w in ("INSERT", "UPDATE", "DELETE", "MERGE") and not state.get("body"):
        state["kind"] = w  # the statement the CTEs introduce: WITH c AS (...) UPDATE t SET ...
        return
    if kind == "CREATE" and w == "VIEW" and len(current) <= 3:
        state["view"] = True
    body_words = ("SELECT", "VALUES", "DEFAULT", "INSERT", "UPDATE", "DELETE", "MERGE")
    fk_action = w in ("UPDATE", "DELETE") and word(current[-1]) == "ON" if current else False
    if current and w in body_words and not fk_action:
        state["body"] = True
    if kind == "UPDATE" and w == "SET":
        state["set"] = True


def _continues(w: str, after: str | None, current: list[Token], state: dict[str, Any]) -> bool:
    """Whether statement keyword `w` at paren depth 0 belongs to the current statement."""
    kind = state.get("kind")
    prev = word(current[-1])
    body = state.get("body", False)
    if w == "WITH":
        return True
    if kind in ("GRANT", "DENY", "REVOKE") and (
        prev in ("GRANT", "DENY", "REVOKE", "FOR") or current[-1].text == ","
    ):
        return True  # a permission: GRANT EXECUTE, SELECT, ...; REVOKE GRANT OPTION FOR ...
    if w == "UPDATE" and prev == "FOR" and kind == "DECLARE":
        return True  # DECLARE c CURSOR FOR SELECT ... FOR UPDATE (cursors.py)
    ddl = kind in ("CREATE", "ALTER")
    if w in ("DELETE", "UPDATE") and prev == "ON" and ddl:
        return True  # ON DELETE CASCADE
    if w == "SET":
        if prev in ("DELETE", "UPDATE") and len(current) > 1 and word(current[-2]) == "ON" and ddl:
            return True  # ON DELETE SET NULL
        return (kind == "UPDATE" and not state.get("set")) or kind == "ALTER"
    if w == "SELECT":
        if prev in ("UNION", "ALL", "EXCEPT", "INTERSECT", "AS", "FOR"):
            return True
        return (kind in ("INSERT", "WITH") or state.get("view", False)) and not body
    if w in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        return kind == "WITH" and not body
    if w in ("DROP", "ALTER"):  # ALTER TABLE t DROP CONSTRAINT x / ALTER COLUMN c ...
        member = w == "DROP" and after == "MEMBER"  # ALTER ROLE r DROP MEMBER u
        return kind == "ALTER" and (member or after in ("COLUMN", "CONSTRAINT", "INDEX", "PERIOD"))
    if w in ("EXEC", "EXECUTE"):
        return kind == "INSERT" and not body
    if w == "IF":
        return kind in ("DROP", "CREATE", "ALTER")  # DROP TABLE IF EXISTS
    if w == "FETCH":
        return prev in ("ROWS", "ROW")
    if w == "END":
        return kind in ("SELECT", "UPDATE", "INSERT", "DELETE", "SET", "WITH", "DECLARE")
    return False
