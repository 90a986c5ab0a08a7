"""LIKE as SQL Server reads its pattern: `%`, `_`, and the character classes `[abc]`,
`[a-f]` and `[^abc]` ("LIKE (Transact-SQL)"), case-insensitive as the default collation
is. SQLite's LIKE knows no classes: `Name LIKE '[ab]%'` matched nothing there.

A LIKE whose pattern is a string without `[` stays SQLite's (which agrees with SQL
Server for it); any other (a class, a parameter, a column, an expression) becomes
TSQL_LIKE(value, pattern, escape), matched here by a regular expression.

Trailing blanks ("LIKE", Pattern matching by using LIKE): the pattern's count, and so
do the value's when either side is Unicode (nchar, nvarchar); ASCII LIKE, of a char or
varchar value with a char or varchar pattern, ignores the value's. Such a LIKE whose
pattern does not end in `%` (which takes them anyway) becomes TSQL_LIKE_ASCII; in a
Unicode one a char(n) or nchar(n) column, kept here without its padding, is padded.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlglot import exp

from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type

LIKE = "TSQL_LIKE"
ASCII_LIKE = "TSQL_LIKE_ASCII"
_ASCII_TYPES = ("char", "varchar")
_FIXED_TYPES = ("char", "nchar")


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


def rewrite_ascii_likes(tree: exp.Expression, catalog: Catalog) -> None:
    """Each ASCII LIKE (both sides char or varchar where plain to see: a column, a
    string literal, a CAST) as TSQL_LIKE_ASCII, and a Unicode one's char(n) or nchar(n)
    value padded, before the tree's names change."""
    likes = [
        like
        for like in tree.find_all(exp.Like)
        if not (_ends_in_percent(like.expression) and not isinstance(like.parent, exp.Escape))
    ]
    if not likes:
        return
    columns = ColumnSources(tree, catalog)
    typed = [
        (like, source_type(like.this, columns), source_type(like.expression, columns))
        for like in likes
    ]
    for like, value, pattern in typed:
        if value is None or pattern is None:
            continue
        if value.name in _ASCII_TYPES and pattern.name in _ASCII_TYPES:
            whole = like.parent if isinstance(like.parent, exp.Escape) else like
            escape = whole.expression if isinstance(whole, exp.Escape) else exp.null()
            call = exp.Anonymous(this=ASCII_LIKE, expressions=[like.this, like.expression, escape])
            whole.replace(exp.Not(this=call) if like.args.get("negate") else call)
        elif value.name in _FIXED_TYPES and value.length and value.length > 0:
            # Unicode LIKE: a char(n) or nchar(n) value with the blanks it is padded with
            width = exp.DataType.build(f"nchar({value.length})", dialect="tsql")
            like.set("this", exp.Cast(this=like.this.copy(), to=width))


def _ends_in_percent(pattern: exp.Expression) -> bool:
    return isinstance(pattern, exp.Literal) and pattern.is_string and pattern.this.endswith("%")


def tsql_like(value: Any, pattern: Any, escape: Any) -> int | None:
    return _like(value, pattern, escape, False)


def tsql_like_ascii(value: Any, pattern: Any, escape: Any) -> int | None:
    return _like(value, pattern, escape, True)


def _like(value: Any, pattern: Any, escape: Any, ascii_blanks: bool) -> int | None:
    if value is None or pattern is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return int(_compiled(str(pattern), escape, ascii_blanks).fullmatch(text) is not None)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str, escape: str | None, ascii_blanks: bool) -> re.Pattern[str]:
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
    if ascii_blanks:  # the value's trailing blanks, left over, still match
        out.append(" *")
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


LIKE_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {
    LIKE: (3, tsql_like, True),
    ASCII_LIKE: (3, tsql_like_ascii, True),
}
