"""Faults on demand: `KIND[:ARG]@WHEN[:COUNT][~TEXT]`, and the errors Azure SQL really
sends."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .results import TdsError

Kind = Literal["error", "drop", "stall", "delay", "refuse", "garble"]
When = Literal["connect", "login", "query", "commit"]

FAULT_HELP = """\
fault specs (--fault KIND[:ARG]@WHEN[:COUNT][~TEXT], repeatable; no COUNT = every time;
  ~TEXT, after a @query fault: only queries whose text holds TEXT, any case):
  error:N@login[:COUNT]   the next COUNT logins fail with SQL Server error N
  error:N@query[:COUNT]   the next COUNT queries fail with error N (severity >= 20
                          closes the connection after the error, as SQL Server does)
  drop@query[:COUNT]      drop the connection in the middle of the next result
  drop@login[:COUNT]      drop the connection instead of answering LOGIN7
  stall@query[:COUNT]     send half a packet of the next result, then nothing more,
                          ATTENTION unanswered, until the client closes the connection
                          (a network path that went silent mid-result)
  garble@query[:COUNT]    answer the next COUNT queries with a token stream no client
                          can read (Driver 18: "Unknown token received from SQL Server")
  delay:SECONDS@query     every query waits SECONDS before it runs (ATTENTION cancels)
  delay:SECONDS@login     logins wait SECONDS;  delay:SECONDS@connect delays PRELOGIN
  delay:SECONDS@commit[:COUNT]  a COMMIT request waits SECONDS, then commits (ATTENTION
                          does not stop it: the commit is a round trip already sent)
  refuse@connect[:COUNT]  close the next COUNT TCP connections at once
error numbers with SQL Server's texts: 40613, 40501, 40197, 40540, 49918, 49919,
  49920, 10928, 10929, 4060, 4221, 18456, 1205; others get a generic text.
examples: error:40613@login:2  error:40501@query:1  drop@query:1  delay:2.5@query
  error:1205@query:1~HAS_PERMS_BY_NAME
"""

_ALLOWED: dict[str, tuple[str, ...]] = {
    "error": ("login", "query"),
    "drop": ("login", "query"),
    "stall": ("query",),
    "garble": ("query",),
    "delay": ("connect", "login", "query", "commit"),
    "refuse": ("connect",),
}

# number -> (severity, state, text); {db}, {server}, {user} and {id} are filled in.
_ERRORS: dict[int, tuple[int, int, str]] = {
    40613: (
        17,
        1,
        "Database '{db}' on server '{server}' is not currently available. Please "
        "retry the connection later. If the problem persists, contact customer "
        "support, and provide them the session tracing ID of '{id}'.",
    ),
    40501: (
        20,
        1,
        "The service is currently busy. Retry the request after 10 seconds. "
        "Incident ID: {id}. Code: 4.",
    ),
    40197: (
        20,
        1,
        "The service has encountered an error processing your request. Please try "
        "again. Error code 4815.",
    ),
    40540: (
        20,
        1,
        "The service has encountered an error processing your request. Please try again.",
    ),
    49918: (
        16,
        1,
        "Cannot process request. Not enough resources to process request. The "
        "service is currently busy. Please retry the request later.",
    ),
    49919: (
        16,
        1,
        "Cannot process create or update request. Too many create or update "
        'operations in progress for subscription "0".',
    ),
    49920: (16, 1, 'Cannot process request. Too many operations in progress for subscription "0".'),
    10928: (
        20,
        1,
        "Resource ID: 1. The request limit for the database is 30 and has been "
        "reached. For more information, see http://go.microsoft.com/fwlink/"
        "?LinkId=267637.",
    ),
    10929: (
        20,
        1,
        "Resource ID: 1. The request minimum guarantee is 0, maximum limit is 30, "
        "and the current usage for the database is 30. However, the server is "
        "currently too busy to support requests greater than 30 for this database. "
        "For more information, see http://go.microsoft.com/fwlink/?LinkId=267637. "
        "Otherwise, please try again later.",
    ),
    4060: (11, 1, 'Cannot open database "{db}" requested by the login. The login failed.'),
    4221: (
        16,
        1,
        "Login to read-secondary failed due to long wait on "
        "'HADR_DATABASE_WAIT_FOR_TRANSITION_TO_VERSIONING'. The replica is not "
        "available for login because row versions are missing for transactions that "
        "were in-flight when the replica was recycled. The issue can be resolved by "
        "rolling back or committing the active transactions on the primary replica. "
        "Occurrences of this condition can be minimized by avoiding long write "
        "transactions on the primary.",
    ),
    18456: (14, 1, "Login failed for user '{user}'."),
    1205: (
        13,
        51,
        "Transaction (Process ID {spid}) was deadlocked on lock resources with "
        "another process and has been chosen as the deadlock victim. Rerun the "
        "transaction.",
    ),
}


def fault_error(number: int, *, database: str, server: str, user: str, spid: int) -> TdsError:
    """The error SQL Server / Azure SQL sends for `number`, with a realistic text."""
    severity, state, text = _ERRORS.get(
        number, (16, 1, f"Injected fault: error {number} from the TDS test server.")
    )
    message = text.format(db=database, server=server, user=user, spid=spid, id=uuid.uuid4())
    return TdsError(number, message, state=state, severity=severity)


@dataclass
class Fault:
    """One fault: what happens, at which phase, how many more times (None = always)."""

    kind: Kind
    when: When
    arg: float | None = None
    count: int | None = None
    matching: str | None = None  # a query fault: only queries whose text holds this

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """Parse `KIND[:ARG]@WHEN[:COUNT][~TEXT]`; a bad spec is a ValueError saying what
        to write."""
        text, tilde, matching = spec.strip().partition("~")
        what, sep, phase = text.strip().partition("@")
        if not sep:
            raise ValueError(
                f"fault {spec!r}: expected KIND[:ARG]@WHEN[:COUNT], for example error:40613@login:2"
            )
        kind, _, arg_text = what.partition(":")
        when, _, count_text = phase.partition(":")
        kind, when = kind.strip().lower(), when.strip().lower()
        if kind not in _ALLOWED:
            raise ValueError(
                f"fault {spec!r}: unknown kind {kind!r}; use one of " + ", ".join(_ALLOWED)
            )
        if when not in _ALLOWED[kind]:
            raise ValueError(f"fault {spec!r}: {kind} works @" + " or @".join(_ALLOWED[kind]))
        arg: float | None = None
        if kind in ("error", "delay"):
            if not arg_text:
                hint = (
                    "an error number, e.g. error:40613"
                    if kind == "error"
                    else "seconds, e.g. delay:2.5"
                )
                raise ValueError(f"fault {spec!r}: {kind} needs {hint}")
            try:
                arg = float(int(arg_text)) if kind == "error" else float(arg_text)
            except ValueError:
                raise ValueError(f"fault {spec!r}: {arg_text!r} is not a number") from None
            if arg < 0:
                raise ValueError(f"fault {spec!r}: {arg_text!r} must not be negative")
        elif arg_text:
            raise ValueError(f"fault {spec!r}: {kind} takes no argument")
        count: int | None = None
        if count_text:
            try:
                count = int(count_text)
            except ValueError:
                raise ValueError(
                    f"fault {spec!r}: count {count_text!r} is not an integer"
                ) from None
            if count < 1:
                raise ValueError(f"fault {spec!r}: count must be at least 1")
        if tilde and (when != "query" or not matching):
            raise ValueError(
                f"fault {spec!r}: ~TEXT follows a @query fault, e.g. error:1205@query:1~sys.objects"
            )
        return cls(kind, when, arg, count, matching or None)  # type: ignore[arg-type]

    def __str__(self) -> str:
        arg = ""
        if self.arg is not None:
            arg = f":{int(self.arg)}" if self.kind == "error" else f":{self.arg:g}"
        count = "" if self.count is None else f":{self.count}"
        matching = "" if self.matching is None else f"~{self.matching}"
        return f"{self.kind}{arg}@{self.when}{count}{matching}"


@dataclass
class Triggered:
    """What the faults say for one connect, login or query."""

    delay: float = 0.0
    action: Fault | None = None


@dataclass
class FaultSet:
    """Faults shared by all sessions; each use consumes one count."""

    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def remove(self, faults: Iterable[Fault]) -> None:
        """Take out these very faults (by identity: an equal fault from elsewhere stays);
        those already used up are gone already."""
        gone = {id(fault) for fault in faults}
        with self._lock:
            self.faults[:] = [fault for fault in self.faults if id(fault) not in gone]

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def trigger(self, when: When, text: str = "") -> Triggered:
        """Delays add up; the first matching error/drop/stall/refuse wins. `text`: the query's,
        for faults that name what they match."""
        out = Triggered()
        with self._lock:
            for fault in list(self.faults):
                if fault.when != when or (fault.kind != "delay" and out.action is not None):
                    continue
                if fault.matching is not None and fault.matching.lower() not in text.lower():
                    continue
                if fault.kind == "delay":
                    out.delay += fault.arg or 0.0
                else:
                    out.action = fault
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
        return out
