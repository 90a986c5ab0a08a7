"""The guard's memory of its verdicts: one cache, by statement text, bounded in size.

Tools repeat the same statements with new parameter values, and a client that repeats
a long statement must not cost the guard a second check: accepted statements and
refusals are both remembered (a refusal as its reason, raised afresh each time).
The bound is on the characters held (statement text, checked text, reasons) plus a
fixed allowance per entry, so many short statements and a few 100,000-character ones
weigh what they cost; the least recently used go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from azsql_mcp.api import QueryRefused

if TYPE_CHECKING:
    from azsql_mcp.db.statements import CheckedStatement, Rules

# About 16 MB at most (4 bytes a character in the worst case, 1 for ASCII text).
BUDGET_CHARS = 4_000_000
ENTRY_OVERHEAD_CHARS = 512  # the key tuple, the objects and the dict slot of one entry


@dataclass(frozen=True)
class Refusal:
    """A remembered refusal: what QueryRefused said."""

    reason: str
    allowed: str


class VerdictCache:
    """A least-recently-used map from a key holding the statement text to its verdict.

    Thread-safe: checks run on the event loop and, for warm-up, in threads.
    """

    def __init__(self, budget_chars: int = BUDGET_CHARS):
        self.budget_chars = budget_chars
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: object, chars: int) -> None:
        """Remember `value`, which (with its key) holds about `chars` characters."""
        cost = chars + ENTRY_OVERHEAD_CHARS
        if cost > self.budget_chars:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._held -= old[1]
            self._entries[key] = (value, cost)
            self._held += cost
            while self._held > self.budget_chars:
                _, (_, freed) = self._entries.popitem(last=False)
                self._held -= freed

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def held_chars(self) -> int:
        return self._held


VERDICTS = VerdictCache()

CheckKey = tuple[str, str, "Rules"]


def check_key(sql: str, rules: Rules) -> CheckKey:
    """The key of a check: the same text checked under other rules is another check."""
    return ("check", sql, rules)


def remember(key: CheckKey, verdict: CheckedStatement | Refusal) -> None:
    if isinstance(verdict, Refusal):
        held = len(verdict.reason) + len(verdict.allowed)
    else:
        named = 0 if verdict.named is verdict.sql else len(verdict.named)
        held = len(verdict.sql) + named + 16 * len(verdict.param_names)
    VERDICTS.put(key, verdict, len(key[1]) + held)


def settle(verdict: CheckedStatement | Refusal) -> CheckedStatement:
    """The accepted statement, or QueryRefused (a new one each time) for a refusal."""
    if isinstance(verdict, Refusal):
        raise QueryRefused(verdict.reason, verdict.allowed)
    return verdict
