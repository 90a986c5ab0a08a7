"""Object names from the catalog, written in text the model reads and writes back.

A name may hold anything a delimited identifier holds ("Database identifiers"): dots,
brackets, quotes, line breaks, invisible and right-to-left characters. In text it is
written bare when it is a regular identifier, else bracket-quoted as QUOTENAME quotes
it, so `dbo.[x.y]` and `[dbo.x].[y]` stay two tables and parse_table_name reads either
back. Characters that would break a line or hide from a reader are written as JSON
string escapes (`\\n`, `\\u200b`): a model that copies the name into a tool call's JSON
arguments passes the character itself.
"""

from __future__ import annotations

import re
import unicodedata

from azsql_mcp.catalog.access import quote
from azsql_mcp.db.fence_marker import FENCE_START

# What stands for a table the catalog hides from the user: the one a foreign key
# references, or a temporal table's history table, when it holds no permission on it.
# The key belongs to its parent table and stays visible, while the catalog hides the
# referenced table's name and columns ("Metadata visibility configuration"). It has no
# dot, so it never equals a schema.table name.
TABLE_HIDDEN = "table hidden (needs SELECT or VIEW DEFINITION on it)"

# "Rules for regular identifiers": a letter or _ first (@ and # start variables and
# temporary objects), then letters, digits, _, @, $ and #. Reserved words are left bare.
_REGULAR = re.compile(r"[^\W\d][\w@$#]*")
_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_regular(name: str) -> bool:
    """Whether `name` is a regular identifier: one word that T-SQL takes unquoted. Text
    outside an untrusted-data fence names an object only when it is one."""
    return _REGULAR.fullmatch(name) is not None


def identifier(name: str) -> str:
    """One part of a name as T-SQL takes it: bare when regular, else [bracketed]; its
    characters as they are (a value, such as a completion, not text to read)."""
    return name if is_regular(name) else quote(name)


def spelled_as(names: set[str], wanted: str) -> set[str]:
    """The names that `wanted` asks for: itself when the catalog has it as written, else
    those equal to it but for case. Under a case-insensitive collation that is the one
    object; under a case-sensitive one `dbo.Orders` and `dbo.orders` are two tables and
    the one written exactly is meant."""
    if wanted in names:
        return {wanted}
    return {name for name in names if name.casefold() == wanted.casefold()}


def name_text(name: str) -> str:
    """One part of a name as text: identifier(name), escaped."""
    return escaped_text(identifier(name))


def escaped_text(text: str) -> str:
    """A name the catalog gives quoted already (sys.synonyms.base_object_name) as text:
    its line-breaking and invisible characters, and a fence marker, escaped."""
    return FENCE_START.sub("\\\\u003c", "".join(map(_char_text, text)))


def names_text(names: list[str]) -> str:
    """A list of names (a key's columns), comma-separated, each by name_text."""
    return ", ".join(map(name_text, names))


def qualified_text(schema: str, name: str) -> str:
    """schema.name as text, each part by name_text."""
    return f"{name_text(schema)}.{name_text(name)}"


def _char_text(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    # control, format (zero-width, bidirectional, tag characters), unassigned and
    # separator characters but the plain space: invisible, or not what they seem
    category = unicodedata.category(char)
    if category[0] == "C" or (category[0] == "Z" and char != " "):
        code = ord(char)
        if code > 0xFFFF:  # as JSON writes it: a surrogate pair
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"
    return char
