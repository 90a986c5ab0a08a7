"""The audit log: one JSON line per tool call, prompt and resource read (who, what,
where, how long, how it ended; never argument values, passwords or tokens), appended
to a file or stderr."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic
from typing import Any, Literal, TextIO

from azsql_mcp import metrics
from azsql_mcp.api import ConfigError
from azsql_mcp.core.settingtables import AuditSettings
from azsql_mcp.serving.callrecord import CallRecord
from azsql_mcp.serving.logsetup import names_process

log = logging.getLogger(__name__)

# What an audit line is about; its name is under this key.
Audited = Literal["tool", "prompt", "resource"]
# Why a call failed (`error_kind`), a few words an alert can count: the server's
# concurrency limit, the guard, the arguments, an unknown name, a name the token's scopes
# hide, the source down, slow or busy, a write whose COMMIT failed, another database
# error, an error the tool raised with its message, or a bug.
ErrorKind = Literal[
    "limited",
    "refused",
    "invalid_arguments",
    "not_found",
    "scope",
    "unavailable",
    "timeout",
    "busy",
    "outcome_unknown",
    "database",
    "tool",
    "internal",
]

# While writing fails, how often the log says so again, with the count of lost lines.
REPORT_EVERY_S = 60.0


class AuditLog:
    """Appends one JSON line per request to `[audit] path`, or writes it to stderr.

    A plain line-buffered file rather than a logging handler: it runs on every call,
    and an audit line needs no levels, formatting or caller lookup."""

    def __init__(self, path: str | None):
        self.path = path
        # held open for the server's life (closed by a reload that replaces it)
        self._file: TextIO = _append(path) if path else sys.stderr
        self._lost = 0  # lines not written since writing last worked
        self._next_report = 0.0  # monotonic time before which a failure is not logged again

    def write(self, line: str) -> None:
        try:
            self._file.write(line + "\n")
            if self.path is None:
                self._file.flush()
        except (OSError, ValueError) as exc:  # disk full, file gone: the call still counts
            self._failed(exc)
        else:
            if self._lost:
                self._recovered()

    def _failed(self, exc: Exception) -> None:
        """Count the lost line; log at once, then at most every REPORT_EVERY_S while
        writing keeps failing, so that a long outage is not one line in the log."""
        metrics.AUDIT_WRITE_FAILURES.inc()
        self._lost += 1
        now = monotonic()
        if now >= self._next_report:
            self._next_report = now + REPORT_EVERY_S
            log.error(
                "audit log %s: cannot write: %s; %d audit line(s) lost so far",
                self.path or "stderr",
                exc,
                self._lost,
            )

    def _recovered(self) -> None:
        log.warning(
            "audit log %s: writing again; %d audit line(s) were lost",
            self.path or "stderr",
            self._lost,
        )
        self._lost = 0
        self._next_report = 0.0

    def reopen(self) -> None:
        """Open the file at `path` again: after logrotate moved it away (and created a
        new one), lines would go on into the moved file. The old file stays in use when
        the path cannot be opened."""
        if self.path is None:
            return
        try:
            fresh = _append(self.path)
        except OSError as exc:
            log.error("audit log %s: cannot reopen, still writing the old file: %s", self.path, exc)
            return
        old, self._file = self._file, fresh
        old.close()

    def close(self) -> None:
        if self._lost:  # replaced by a reload, or shut down, while writing failed
            log.error(
                "audit log %s: closed while writing failed; %d audit line(s) were lost",
                self.path or "stderr",
                self._lost,
            )
        if self.path is not None:
            self._file.close()


def _append(path: str) -> TextIO:
    """`path` opened for appending lines; created readable by its owner only (it says who
    did what: the operator opens it to a group, or logrotate's `create` sets the mode)."""
    return open(path, "a", encoding="utf-8", buffering=1, opener=_owner_only)


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def open_audit_log(settings: AuditSettings) -> AuditLog | None:
    """The audit log `[audit]` asks for; None when it is switched off. ConfigError
    when the file cannot be opened for appending."""
    if not settings.enabled:
        return None
    try:
        return AuditLog(settings.path)
    except OSError as exc:
        raise ConfigError([f"audit.path: cannot append to {settings.path!r}: {exc}"]) from None


def audit_path_problems(settings: AuditSettings) -> list[str]:
    """Why `[audit] path` could not be appended to, judged without opening it (`config`
    and `check` create no file): its directory must exist (the server creates the file,
    not directories) and the file, or the directory to create it in, be writable."""
    if not settings.enabled or not settings.path:
        return []
    path = Path(settings.path)
    folder = path.parent
    key = f"audit.path: {settings.path!r}"
    if path.is_dir():
        return [f"{key} is a directory; give a file in it (e.g. {str(path / 'audit.jsonl')!r})"]
    if not folder.is_dir():
        where = "" if path.is_absolute() else f" in the working directory {os.getcwd()}"
        return [
            f"{key} is in directory {str(folder)!r}, which does not exist{where}; create it"
            " (the server creates the file, not its directory), or choose another path"
        ]
    if path.exists() and not os.access(path, os.W_OK):
        return [f"{key} is not writable by this user; fix its permissions"]
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return [
            f"{key} cannot be created: directory {str(folder)!r} is not writable by this"
            " user; fix its permissions, or choose another path"
        ]
    return []


def audit_entry(
    kind: Audited,
    name: str,
    plugin: str,
    record: CallRecord,
    duration_s: float,
    outcome: str,
    number: int | None,
    error_kind: ErrorKind | None,
) -> dict[str, Any]:
    """One request's audit line, as a dict: the console's activity page keeps the last
    ones, with audit off too, and only the audit log needs them as text (audit_text)."""
    client = record.client
    entry: dict[str, Any] = {"time": datetime.now(UTC).isoformat(timespec="milliseconds")}
    if names_process():  # `[server] workers` above 1: which one, as its log records say
        entry["pid"] = os.getpid()
    entry |= {
        "call_id": record.call_id,
        "client": client.subject,
        "client_id": client.client_id,
        kind: name,
        "plugin": plugin,
        "source": record.source,
        "fingerprint": record.fingerprint,
        # what a failed call read on the way (a hint's catalog query) was not its result;
        # a cancelled call whose write committed has the rows it changed
        "rows": record.rows if outcome in ("ok", "committed") else None,
        "duration_ms": round(duration_s * 1000, 3),
        "outcome": outcome,
        "error_number": number,
        "error_kind": error_kind,
    }
    return entry


def audit_text(entry: dict[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"))
