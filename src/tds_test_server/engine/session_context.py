"""A session's SESSION_CONTEXT: the keys set by sp_set_session_context.

Written from Microsoft's pages on sp_set_session_context and SESSION_CONTEXT: the key is a
sysname of at most 128 bytes, the value a sql_variant of at most 8,000 bytes (NULL frees
the key), a read-only key cannot be changed again on the logical connection, and the whole
context is limited to 1 MB. A connection reset (sp_reset_connection) starts a new logical
connection, so it clears every key, read-only ones included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..results import TdsError

MAX_KEY_CHARS = 128  # sysname
MAX_VALUE_BYTES = 8000
MAX_TOTAL_BYTES = 1024 * 1024


@dataclass
class _Entry:
    value: Any  # in SQLite storage form
    read_only: bool


def _size(value: Any) -> int:
    """The bytes a value takes, as SQL Server counts it for its type (nvarchar: 2 a char)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-16-le"))
    if isinstance(value, bytes):
        return len(value)
    return 8


class SessionKeys:
    """Keys and values of one session; keys compare case-insensitively (they are sysname)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def get(self, key: Any) -> Any:
        if key is None:
            return None
        entry = self._entries.get(str(key).casefold())
        return entry.value if entry else None

    def set(self, key: Any, value: Any, read_only: Any = 0) -> None:
        if key is None or str(key) == "":
            raise TdsError(
                201,
                "Procedure or function 'sp_set_session_context' expects parameter '@key',"
                " which was not supplied.",
            )
        name = str(key)
        # 8152 has one text in sys.messages (Microsoft's 8000-8999 list); which error SQL
        # Server raises for an over-long key or value, its sp_set_session_context page
        # does not say
        if len(name) > MAX_KEY_CHARS or _size(value) > MAX_VALUE_BYTES:
            raise TdsError(8152, "String or binary data would be truncated.")
        folded = name.casefold()
        current = self._entries.get(folded)
        if current is not None and current.read_only:
            raise TdsError(
                15664,
                f"Cannot set key '{name}' in the session context. The key has been set as"
                " read_only for this session.",
            )
        if value is None and not read_only:
            self._entries.pop(folded, None)  # NULL frees the key
            return
        others = sum(_size(e.value) + len(k) * 2 for k, e in self._entries.items() if k != folded)
        if others + _size(value) + len(name) * 2 > MAX_TOTAL_BYTES:
            raise TdsError(
                15665,
                f"The value was not set for key '{name}' because the total size of keys and"
                " values in the session context would exceed the 1 MB limit.",
            )
        self._entries[folded] = _Entry(value, bool(read_only))

    def clear(self) -> None:
        """A connection reset: a new logical connection, with no keys at all."""
        self._entries.clear()
