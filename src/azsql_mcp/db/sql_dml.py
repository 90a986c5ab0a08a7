"""INSERT, UPDATE and DELETE forms sqlglot does not read, handled on the guard's tokens.

- `DELETE FROM t OUTPUT deleted.a WHERE id = 1`: sqlglot (30.31, the newest release; its
  main branch parses DELETE alike) reads a DELETE's OUTPUT clause before the optional
  FROM, or after the WHERE clause, never between the two, while `DELETE t OUTPUT ...`
  parses. T-SQL's grammar is `DELETE [TOP (n)] [FROM] target [OUTPUT ...] [FROM ...]
  [WHERE ...]`, that first FROM "an optional keyword" (Microsoft's DELETE page): the
  parser is given the statement without it (parser_tokens). The text sent keeps it.
- `DELETE TOP (n) ...`, `UPDATE TOP (n) ...`, `INSERT TOP (n) ...`: sqlglot reads TOP
  there as a name or not at all. Refused (dml_top) with the form that names the rows
  in the WHERE clause, which the guard checks whole; without an ORDER BY, which DML TOP
  cannot have, TOP picks any n rows anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot.tokens import Token


def parser_tokens(tokens: list[Token]) -> list[Token]:
    """`tokens` (one statement) without the FROM right after the statement's DELETE
    when an OUTPUT clause may follow (an OUTPUT word outside parentheses); else as
    they are, so every other DELETE keeps the tree it always had."""
    from sqlglot.tokens import TokenType

    delete = -1
    output = False
    for i, tok in _top_level(tokens):
        if tok.token_type == TokenType.DELETE and delete < 0:
            delete = i
        elif delete >= 0 and tok.text.upper() == "OUTPUT":
            output = True
    after = delete + 1  # an OUTPUT word follows the DELETE: `after` is a token
    if not output or tokens[after].token_type != TokenType.FROM:
        return tokens
    return [*tokens[:after], *tokens[after + 1 :]]


DML_TOP = (
    ": TOP in an INSERT, UPDATE or DELETE is not accepted here, and it picks any rows (it"
    " takes no ORDER BY). Name the rows in the WHERE clause instead, e.g. DELETE FROM t"
    " WHERE id IN (SELECT TOP (100) id FROM t WHERE ... ORDER BY id); [limits]"
    " max_affected_rows bounds how many rows one write may change."
)


def dml_top(tokens: list[Token]) -> Token | None:
    """The TOP right after the statement's INSERT, UPDATE or DELETE (after a WITH's
    common table expressions), if there is one."""
    from sqlglot.tokens import TokenType

    for i, tok in _top_level(tokens[:-1]):
        if tok.token_type in (TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE):
            after = tokens[i + 1]
            return after if after.token_type == TokenType.TOP else None
    return None


def _top_level(tokens: list[Token]) -> Iterator[tuple[int, Token]]:
    """Each token outside parentheses (the statement's own, not a subquery's or a
    common table expression's), with its index; parentheses themselves are left out."""
    from sqlglot.tokens import TokenType

    depth = 0
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0:
            yield i, tok
