"""The tokens the guard's parser gets for a `DELETE FROM t OUTPUT ... WHERE ...`.

sqlglot (30.31, the newest release; its main branch parses DELETE alike) reads a
DELETE's OUTPUT clause before the optional FROM, or after the WHERE clause, never
between the two: so `DELETE FROM t OUTPUT deleted.a WHERE id = 1` does not parse,
while `DELETE t OUTPUT deleted.a WHERE id = 1` does. T-SQL's grammar is
`DELETE [TOP (n)] [FROM] target [OUTPUT ...] [FROM ...] [WHERE ...]`, that first FROM
"an optional keyword" (Microsoft's DELETE page): the parser is given the statement
without it. The text sent to SQL Server keeps it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot.tokens import Token


def parser_tokens(tokens: list[Token]) -> list[Token]:
    """`tokens` (one statement) without the FROM right after the statement's DELETE
    when an OUTPUT clause may follow (an OUTPUT word outside parentheses); else as
    they are, so every other DELETE keeps the tree it always had."""
    from sqlglot.tokens import TokenType

    depth = 0
    delete = -1
    output = False
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and tok.token_type == TokenType.DELETE and delete < 0:
            delete = i
        elif depth == 0 and delete >= 0 and tok.text.upper() == "OUTPUT":
            output = True
    after = delete + 1
    if not output or after >= len(tokens) or tokens[after].token_type != TokenType.FROM:
        return tokens
    return [*tokens[:after], *tokens[after + 1 :]]
