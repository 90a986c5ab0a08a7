"""LIKE as SQL Server reads its pattern: `%`, `_`, and the character classes `[abc]`,
`[a-f]` and `[^abc]` ("LIKE (Transact-SQL)"), case-insensitive as the default collation
is. SQLite's LIKE knows no classes: `Name LIKE '[ab]%'` matched nothing there.

A LIKE whose pattern is a string without `[` stays SQLite's (which agrees with SQL
Server for it); any other (a class, a parameter, a column, an expression) becomes
TSQL_LIKE(value, pattern, escape), matched here by a regular expression.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlglot import exp

LIKE = "TSQL_LIKE"


def rewrite_like(node: exp.Expr) -> exp.Expression | None:
    """The call SQLite should make for a LIKE (with its ESCAPE), or None to keep it."""
    escape: exp.Expression = exp.null()
    like = node
    if isinstance(node, exp.Escape) and isinstance(node.this, exp.Like):
        like, escape = node.this, node.expression
    elif not isinstance(node, exp.Like) or isinstance(node.parent, exp.Escape):
        return None
    pattern = like.expression
    if isinstance(pattern, exp.Literal) and pattern.is_string and "[" not in pattern.this:
        return None
    call = exp.Anonymous(this=LIKE, expressions=[like.this, pattern, escape])
    return exp.Not(this=call) if like.args.get("negate") else call


def tsql_like(value: Any, pattern: Any, escape: Any) -> int | None:
    if value is None or pattern is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return int(_compiled(str(pattern), escape).fullmatch(text) is not None)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str, escape: str | None) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if escape and char == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char == "[" and (end := pattern.find("]", i + 2)) != -1:
            out.append(_char_class(pattern[i + 1 : end]))
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _char_class(body: str) -> str:
    """A regular expression class for the inside of a T-SQL `[...]`."""
    negate = body.startswith("^")
    body = body[1:] if negate else body
    parts: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            parts.append(f"{re.escape(body[i])}-{re.escape(body[i + 2])}")
            i += 3
        else:
            parts.append(re.escape(body[i]))
            i += 1
    return f"[{'^' if negate else ''}{''.join(parts)}]"


LIKE_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {LIKE: (3, tsql_like, True)}
