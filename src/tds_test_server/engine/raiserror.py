"""RAISERROR and THROW, as SQL Server raises them ("RAISERROR (Transact-SQL)", "THROW
(Transact-SQL)"):

- `RAISERROR ('text %d', severity, state, args...) [WITH NOWAIT | LOG | SETERROR]`: a
  severity of 10 or less is an informational message (an INFO token, number 50000,
  as PRINT's but with its severity and state); 11 to 18 an error 50000; 19 to 25 need
  WITH LOG (else Msg 2754), and from 20 end the connection. The text takes printf-like
  placeholders (%d %i %u %s %o %x %X, with flags, width and precision; %% for %).
- `THROW number, 'text', state`: error `number` (50000 or more, else Msg 35100) of
  severity 16, which ends the batch.

`THROW;` without arguments re-raises a CATCH block's error (try_catch.py). A message
number (RAISERROR (50001, ...), from sys.messages) is not emulated. Unlike SQL Server,
where a RAISERROR of severity 11 to 18 ends the statement and the batch runs on, the
test server ends the batch at every error outside a TRY block, except in a trigger's
body, which runs on (triggers.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from ..results import Message, TdsError
from . import errors

_PLACEHOLDER = re.compile(r"%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?(?:I64|h|l)?([diosuxX%])")


def _split(text: str) -> list[str]:
    """Top-level comma-separated parts of `text` (quotes and parentheses kept whole)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _closing_paren(text: str) -> int:
    """The index of the `)` that closes the argument list `text` starts with (one inside
    a quoted message does not); its length when there is none."""
    depth, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch == "'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _format(template: str, args: list[Any]) -> str:
    values = iter(args)

    def one(match: re.Match[str]) -> str:
        flags, width, precision, kind = match.groups()
        if kind == "%":
            return "%"
        width = str(next(values, "")) if width == "*" else width or ""
        precision = str(next(values, "")) if precision == "*" else precision
        value = next(values, None)
        if value is None:
            return "(null)"
        spec = f"%{flags}{width}{'.' + precision if precision else ''}"
        if kind == "s":
            return (spec + "s") % str(value)
        return (spec + ("d" if kind in "diu" else kind)) % int(value)

    return _PLACEHOLDER.sub(one, template)


def raised(head: str, tail: str, evaluate: Callable[[str], Any]) -> Iterator[Message]:
    """The message RAISERROR (`head`) sends, or the error it or THROW raises; `tail` is
    the statement after its first word, `evaluate` an expression's value."""
    if head == "THROW":
        parts = _split(tail.rstrip("; "))
        if len(parts) != 3 or not parts[0]:
            raise errors.unsupported("THROW without its number, message and state")
        number, text, state = (evaluate(p) for p in parts)
        if int(number) < 50000:
            raise TdsError(
                35100,
                f"Error number {number} in the THROW statement is outside the valid range."
                " Specify an error number in the valid range of 50000 to 2147483647.",
            )
        raise TdsError(int(number), str(text), state=int(state))
    text = tail.strip().rstrip(";")
    close = _closing_paren(text)
    body, options = text[:close], text[close + 1 :]
    words = {w.strip().upper() for w in options.replace("WITH", "", 1).split(",")}
    parts = _split(body.strip().lstrip("("))
    if len(parts) < 3:
        raise errors.syntax_near(")")
    first, severity, state = (evaluate(p) for p in parts[:3])
    if not isinstance(first, str):
        raise errors.unsupported("RAISERROR of a message number (sys.messages)")
    text = _format(first, [evaluate(p) for p in parts[3:]])
    severity, state = int(severity), int(state)
    if severity > 18 and "LOG" not in words:
        raise TdsError(
            2754,
            "Error severity levels greater than 18 can only be specified by members of the"
            " sysadmin role, using the WITH LOG option.",
        )
    if severity <= 10:
        yield Message(50000, text, state=state, severity=severity)
        return
    raise TdsError(50000, text, state=state, severity=severity)
