"""SUBSTRING, LEFT, RIGHT, UPPER and LOWER as SQL Server computes them, where SQLite's
differ:

- SUBSTRING(x, start, length) covers the positions start .. start + length - 1 of x,
  counted from 1: a start of 0 or less loses characters (SUBSTRING('abc', -1, 3) is
  'a'), where SQLite's substr counts a negative start from the end ('c').
- A negative length is Msg 537 for SUBSTRING and LEFT and 536 for RIGHT (the pages'
  "If length is negative, an error is generated"), as CHARINDEX(...) - 1 meets on a row
  without the character; SQLite gave the characters before the start, or ''.
- UPPER and LOWER change every letter the default collation knows, not ASCII's only
  (UPPER(N'àb') is 'ÀB'); a letter whose capital is two characters (ß) stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..results import TdsError


def _text(value: Any) -> str | bytes:
    return value if isinstance(value, (str, bytes)) else str(value)


def _length(length: Any, number: int, function: str) -> int:
    count = int(length)
    if count < 0:
        raise TdsError(number, f"Invalid length parameter passed to the {function} function.")
    return count


def tsql_substring(value: Any, start: Any, length: Any) -> str | bytes | None:
    if value is None or start is None or length is None:
        return None
    text = _text(value)
    first = int(start)
    end = first + _length(length, 537, "LEFT or SUBSTRING")  # one past the last position
    begin = max(first, 1)
    return text[begin - 1 : end - 1] if end > begin else text[:0]


def tsql_left(value: Any, length: Any) -> str | bytes | None:
    if value is None or length is None:
        return None
    return _text(value)[: _length(length, 537, "LEFT or SUBSTRING")]


def tsql_right(value: Any, length: Any) -> str | bytes | None:
    if value is None or length is None:
        return None
    text = _text(value)
    count = _length(length, 536, "RIGHT")
    return text[len(text) - count :] if count else text[:0]


def _cased(change: Callable[[str], str]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None or isinstance(value, bytes):
            return value
        text = str(value)
        changed = change(text)
        if len(changed) == len(text):
            return changed
        return "".join(c if len(change(c)) != 1 else change(c) for c in text)

    return convert


TEXT_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    "TSQL_SUBSTRING": (3, tsql_substring, True),
    "TSQL_LEFT": (2, tsql_left, True),
    "TSQL_RIGHT": (2, tsql_right, True),
    "TSQL_UPPER": (1, _cased(str.upper), True),
    "TSQL_LOWER": (1, _cased(str.lower), True),
}
