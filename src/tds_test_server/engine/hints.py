"""Query hints SQLite has no use for: a trailing OPTION (...) clause is accepted and
dropped (RECOMPILE, OPTIMIZE FOR UNKNOWN, MAXDOP n and the rest change plans, not results).
"""

from __future__ import annotations

from sqlglot.dialects.tsql import TSQL
from sqlglot.tokens import TokenType


def strip_option_clause(text: str) -> str:
    """`text` without a final depth-0 `OPTION ( ... )` (and a trailing semicolon)."""
    if "option" not in text.casefold():
        return text
    tokens = TSQL().tokenize(text)
    depth = 0
    start = None
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif (
            depth == 0
            and tok.text.upper() == "OPTION"
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type == TokenType.L_PAREN
        ):
            start = i
    if start is None:
        return text
    depth = 0
    for j in range(start + 1, len(tokens)):
        if tokens[j].token_type == TokenType.L_PAREN:
            depth += 1
        elif tokens[j].token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                rest = tokens[j + 1 :]
                if all(t.token_type == TokenType.SEMICOLON for t in rest):
                    return text[: tokens[start].start] + text[tokens[j].end + 1 :].replace(";", "")
                return text
    return text
