"""Which driver errors are transient, how to say them clearly, and backoff with jitter."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from azsql_mcp.api import DatabaseError

# Azure SQL errors worth retrying (Microsoft: "Troubleshoot transient connection errors").
TRANSIENT_NUMBERS = frozenset(
    {
        40613,  # database not currently available (failover, paused serverless resuming)
        40197,  # service error processing the request (reconfiguration)
        40501,  # service is busy
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
TIMEOUT_STATE = "HYT00"
# What the drivers say, under other states, when the server vanished mid-conversation
# (Driver 18: HY000 "Protocol error in TDS stream"; FreeTDS: 01000 "Unexpected EOF").
_CONNECTION_LOST_TEXT = re.compile(
    r"Protocol error in TDS stream|Communication link failure|TCP Provider|"
    r"connection is no longer usable|Unexpected EOF from the server|"
    r"Read from the server failed|Write to the server failed|Adaptive Server is unavailable",
    re.IGNORECASE,
)

_CALL = r"\(SQL\w+(?:\([^)]*\))?\)"  # pyodbc names the ODBC call: (SQLSetConnectAttr(X))
_NUMBER = re.compile(r"\((\d+)\)\s*" + _CALL)
_VENDOR_PREFIX = re.compile(
    r"^\[[0-9A-Z]{5}\]\s*|\[(?:Microsoft|FreeTDS|unixODBC)\][^\]]*\]|\[SQL Server\]"
)
_TRAILER = re.compile(r"\s*\(\d+\)\s*(?:" + _CALL + r")?\s*$")


@dataclass(frozen=True)
class DriverErrorInfo:
    """What a pyodbc error says: ODBC state, SQL Server number, readable message."""

    state: str
    number: int | None
    message: str

    @property
    def connection_lost(self) -> bool:
        return self.state in CONNECTION_STATES or bool(_CONNECTION_LOST_TEXT.search(self.message))

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
    numbers = [int(n) for n in _NUMBER.findall(raw) if int(n) != 0]
    messages = [_clean(part) for part in raw.split("; ") if _clean(part)]
    return DriverErrorInfo(state, numbers[0] if numbers else None, " ".join(messages) or raw)


def _clean(part: str) -> str:
    text = _VENDOR_PREFIX.sub("", part)
    while (stripped := _VENDOR_PREFIX.sub("", text)) != text:
        text = stripped
    return _TRAILER.sub("", text).strip()


def to_database_error(exc: BaseException) -> DatabaseError:
    """A DatabaseError with the SQL Server number and whether retrying could help."""
    info = inspect_error(exc)
    if info.connection_lost:
        message = f"the connection to the database was lost or could not be made: {info.message}"
    else:
        message = info.message
    return DatabaseError(message, info.number, transient=info.transient)


class RetryBudget:
    """Exponential backoff with jitter within a total time budget (attempts included).

    Delay n is uniform in [ceiling/10, ceiling] with ceiling = min(cap, base * 2**n): the
    jitter spreads reconnecting replicas apart, the floor keeps retries from spinning.
    """

    def __init__(
        self,
        budget_s: float,
        *,
        base_s: float = 0.25,
        cap_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ):
        self._deadline = clock() + budget_s
        self._base_s = base_s
        self._cap_s = cap_s
        self._clock = clock
        self._uniform = (rng or random.Random()).uniform
        self.attempts = 0

    def next_delay(self) -> float | None:
        """How long to wait before the next attempt, or None when the budget is spent."""
        ceiling = min(self._cap_s, self._base_s * 2**self.attempts)
        delay = self._uniform(ceiling / 10, ceiling)
        if self._clock() + delay > self._deadline:
            return None
        self.attempts += 1
        return delay
