"""Which driver errors are transient, how to say them clearly, and the retry schedule.

The schedule follows Microsoft's "Troubleshoot transient connection errors" (Azure SQL):
wait about 5 s before the first retry (sooner risks overwhelming a service that is
reconfiguring), then let the delay grow exponentially up to 60 s.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from azsql_mcp.api import DatabaseError
from azsql_mcp.db.driverrows import TIMEOUT_STATE  # the driver process raises it too
from azsql_mcp.db.error_context import CALL as _CALL
from azsql_mcp.db.error_context import server_number
from azsql_mcp.db.fence_marker import ADVICE_MARKERS, FENCE_START

# Azure SQL errors worth retrying (Microsoft: "Troubleshoot transient connection errors"
# and "Troubleshoot connectivity issues and other errors").
TRANSIENT_NUMBERS = frozenset(
    {
        40613,  # database not currently available (failover, paused serverless resuming)
        40197,  # service error processing the request (reconfiguration)
        40501,  # service is busy
        40540,  # service error processing the request (reconfiguration)
        40143,  # service error processing the request (reconfiguration)
        49918,  # not enough resources to process the request
        49919,  # too many create/update operations in progress
        49920,  # too many operations in progress
        10928,  # resource limit reached
        10929,  # minimum guarantee not met
        4060,  # cannot open database (during failover)
        4221,  # login to read-secondary failed during replica switch
        233,  # no process at the other end of the pipe
        10053,  # transport-level error: connection aborted
        10054,  # transport-level error: connection reset by peer
        10060,  # network error: connection timed out
        64,  # specified network name no longer available
    }
)
# ODBC states for a connection that is broken or could not be made.
CONNECTION_STATES = frozenset({"08S01", "08001", "08003", "08004", "08007", "HYT01"})
DEADLOCK_VICTIM = 1205  # the transaction was rolled back; running it again may succeed
# A reply the driver could not parse (Driver 18: "Protocol error in TDS stream", "Unknown
# token received", and "...was incorrectly formatted" on the next use; FreeTDS: "Bad token
# from the server", under 08S01): the same request gets the same reply, so no retry.
_PROTOCOL_ERROR = re.compile(
    r"Protocol error in TDS stream|Unknown token received|incorrectly formatted|"
    r"Bad token from the server",
    re.IGNORECASE,
)
FIRST_RETRY_S = 5.0  # Microsoft: at least 5 s before the first retry
MAX_RETRY_DELAY_S = 60.0  # Microsoft: the delay grows exponentially up to 60 s
# What the drivers say, under other states, when the server vanished mid-conversation
# (FreeTDS: 01000 "Unexpected EOF"; Driver 18 says 08S01 "TCP Provider", and HY000 with
# no diagnostic at all, which pyodbc words "The driver did not supply an error!", when
# the server went silent mid-result and never answered its ATTENTION). Driver 18's
# "Protocol error in TDS stream" is not here: it means a malformed stream, which a
# retry would only meet again.
_CONNECTION_LOST_TEXT = re.compile(
    r"Communication link failure|TCP Provider|"
    r"connection is no longer usable|Unexpected EOF from the server|"
    r"Read from the server failed|Write to the server failed|Adaptive Server is unavailable|"
    r"The driver did not supply an error",
    re.IGNORECASE,
)

_VENDOR_PREFIX = re.compile(
    r"^\[[0-9A-Z]{5}\]\s*|\[(?:Microsoft|FreeTDS|unixODBC)\][^\]]*\]|\[SQL Server\]"
)
# pyodbc joins a call's diagnostic records with "; [SQLSTATE] ": a "; " of a message's own
# words (the test server's "...; use ... instead") stays in its message
_RECORD = re.compile(r"; (?=\[[0-9A-Z]{5}\] )")
_TRAILER = re.compile(r"\s*\(\d+\)\s*(?:" + _CALL + r")?\s*$")
# A message may quote a row's value, written by anyone (error 245: "Conversion failed
# when converting the nvarchar value '...'"), and reaches the model as the tool's error,
# outside any untrusted-data fence: it stays one line (every line break Unicode knows
# written as an escape, as in a result's cells) and never looks like a fence marker or
# holds an advice marker (escaped too, as in cells: the text is the database's).
_ESCAPED = re.compile(rf"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029{ADVICE_MARKERS}]")


@dataclass(frozen=True)
class DriverErrorInfo:
    """What a pyodbc error says: ODBC state, SQL Server number, readable message."""

    state: str
    number: int | None
    message: str

    @property
    def connection_lost(self) -> bool:
        if self.protocol_error:  # the connection is unusable, but for a reason that repeats
            return False
        return self.state in CONNECTION_STATES or bool(_CONNECTION_LOST_TEXT.search(self.message))

    @property
    def protocol_error(self) -> bool:
        """The driver could not make sense of the stream: deterministic, never retried,
        and the session is in an unknown state."""
        return bool(_PROTOCOL_ERROR.search(self.message))

    @property
    def transient(self) -> bool:
        return self.connection_lost or self.number in TRANSIENT_NUMBERS

    @property
    def timed_out(self) -> bool:
        return self.state == TIMEOUT_STATE


def inspect_error(exc: BaseException) -> DriverErrorInfo:
    """Pull state, error number and a clean message out of a pyodbc.Error."""
    args: tuple[object, ...] = tuple(getattr(exc, "args", ()))
    state = args[0] if len(args) >= 2 and isinstance(args[0], str) else ""
    raw = str(args[1]) if len(args) >= 2 else str(exc)
    messages = [clean_message(part) for part in _RECORD.split(raw) if clean_message(part)]
    return DriverErrorInfo(state, server_number(raw), _one_line(" ".join(messages) or raw))


def _one_line(message: str) -> str:
    """`message` on one line, with nothing in it that looks like a fence or advice marker."""
    message = _ESCAPED.sub(_escaped, message)
    return FENCE_START.sub(r"\\<", message)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r"}.get(char) or f"\\u{ord(char):04x}"


def clean_message(part: str) -> str:
    """A driver's message without its vendor prefixes and the ODBC call it names."""
    text = _VENDOR_PREFIX.sub("", part)
    while (stripped := _VENDOR_PREFIX.sub("", text)) != text:
        text = stripped
    return _TRAILER.sub("", text).strip()


class ConnectionLost(DatabaseError):
    """The connection broke (or could not be made) under a call: always transient."""


class ConnectionStalled(DatabaseError):
    """The server stopped answering in the middle of a call, past the driver's timeouts
    (pool.answer_within): transient, but not retried at once as a lost connection is, as
    the call has used its time already."""


def to_database_error(exc: BaseException) -> DatabaseError:
    """A DatabaseError with the SQL Server number and whether retrying could help."""
    info = inspect_error(exc)
    if info.connection_lost:
        return ConnectionLost(
            f"the connection to the database was lost or could not be made: {info.message}",
            info.number,
            transient=True,
        )
    return DatabaseError(info.message, info.number, transient=info.transient)


class RetryBudget:
    """Microsoft's reconnect schedule within a total time budget (attempts included).

    Delay n is min(cap, first * 2**n), stretched by up to a fifth at random: the jitter
    spreads reconnecting replicas apart and never makes a retry come sooner than the
    schedule. No retry starts after the budget: a caller waits at most the budget plus
    its last attempt.
    """

    def __init__(
        self,
        budget_s: float,
        *,
        first_s: float = FIRST_RETRY_S,
        cap_s: float = MAX_RETRY_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ):
        self._deadline = clock() + budget_s
        self._first_s = first_s
        self._cap_s = cap_s
        self._clock = clock
        self._uniform = (rng or random.Random()).uniform
        self.attempts = 0

    def next_delay(self) -> float | None:
        """How long to wait before the next attempt, or None when the budget is spent."""
        ceiling = min(self._cap_s, self._first_s * 2**self.attempts)
        delay = min(self._cap_s, self._uniform(ceiling, ceiling * 1.2))
        if self._clock() + delay > self._deadline:
            return None
        self.attempts += 1
        return delay
