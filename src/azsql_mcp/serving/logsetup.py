"""The one logging set-up of the process: structured records on stderr.

stdout belongs to the stdio transport, so nothing here ever writes to it.
FastMCP's own loggers are routed through the same handler.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

from azsql_mcp.api import DatabaseError
from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.logredaction import STANDARD_ATTRIBUTES, LogRedaction
from azsql_mcp.serving.callrecord import CURRENT_CALL

FASTMCP_HANDLERS = "fastmcp.server.mixins.mcp_operations"
# Loggers whose records below the level given are written only at DEBUG: azure-core's
# record of every token request and answer (headers and all, several lines, at INFO);
# azure-identity's warning of each failed attempt, which the source's own line reports
# with azure-identity's text; the MCP SDK's "Terminating session: None", at INFO after
# every stateless request.
DEBUG_ONLY = {
    "azure.core.pipeline.policies.http_logging_policy": logging.WARNING,
    "azure.identity": logging.ERROR,
    "mcp.server.streamable_http": logging.WARNING,
}


class JsonFormatter(logging.Formatter):
    def __init__(self, with_pid: bool = False):
        super().__init__()
        self.with_pid = with_pid

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
        }
        if self.with_pid:
            entry["pid"] = record.process
        entry |= {"logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD_ATTRIBUTES})
        if record.exc_info:  # as LogRedaction left it, masked
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


FASTMCP_SERVER = "fastmcp.server.server"  # the logger FastMCP reports failed calls on


class RoutineErrors(logging.Filter):
    """FastMCP logs a resource's or prompt's error with its traceback. When the cause is
    the database (unavailable, a SQL error) the traceback says nothing the message does
    not, and an outage would fill the log; nor does it for a caller's mistake (a URI or
    table that does not exist), which FastMCP logs below WARNING as the error asked
    (serving/injection.py): one line instead. A filter of FASTMCP_SERVER itself
    (quiet_routine_errors), so that every handler gets the one line: this process's,
    an embedding application's, pytest's caplog."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and (
            record.levelno < logging.WARNING
            or isinstance(getattr(exc, "__cause__", None), DatabaseError)
        ):
            record.msg, record.args = f"{record.getMessage()}: {exc}", None
            record.exc_info, record.exc_text = None, None
        return True


def quiet_routine_errors() -> None:
    """RoutineErrors on FASTMCP_SERVER, once per process (each app assembled asks)."""
    logger = logging.getLogger(FASTMCP_SERVER)
    if not any(isinstance(f, RoutineErrors) for f in logger.filters):
        logger.addFilter(RoutineErrors())


# Longest message a record keeps: a message may carry a client's text (a resource URI's
# parts, a name), of any length, and one request must not write a megabyte of log.
MAX_MESSAGE_CHARS = 2_000
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


class InertMessages(logging.Filter):
    """Each message at most MAX_MESSAGE_CHARS long, and in text format on one line: its
    control characters escaped (`\\n`, `\\x1b`), so a client's newline cannot forge a
    record that seems to come from the server, nor an escape sequence act on the
    terminal showing the log. JSON lines escape them already."""

    def __init__(self, escape: bool):
        super().__init__()
        self.escape = escape

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose args do not fit: logging reports it itself
            return True
        inert = _CONTROL.sub(_escaped, message) if self.escape else message
        if len(inert) > MAX_MESSAGE_CHARS:
            inert = (
                f"{inert[:MAX_MESSAGE_CHARS]}... ({len(inert) - MAX_MESSAGE_CHARS} more characters)"
            )
        if inert != message:
            record.msg, record.args = inert, None
        return True


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r"}.get(char) or f"\\x{ord(char):02x}"


class CallIds(logging.Filter):
    """A record written while a tool call, prompt get or resource read runs names it by
    the `call_id` of its audit line (a JSON field), so the two logs can be joined."""

    def filter(self, record: logging.LogRecord) -> bool:
        call = CURRENT_CALL.get()
        if call is not None and not call.finished:
            record.call_id = call.call_id
        return True


class StderrHandler(logging.StreamHandler[TextIO]):
    """The one handler of the process (setup_logging); `json`: whether it writes JSON
    lines; `with_pid`: whether each names the process that wrote it."""

    def __init__(self, json: bool, with_pid: bool) -> None:
        super().__init__(sys.stderr)
        self.json = json
        self.with_pid = with_pid


def setup_logging(settings: LoggingSettings, *, with_pid: bool = False) -> None:
    """Send every log record (ours, FastMCP's, uvicorn's) to stderr in one format.
    `with_pid` (`[server] workers` above 1, where the parent and its workers share one
    stderr): each record names the process that wrote it, `pid` in JSON, `[pid]` in text."""
    handler = StderrHandler(log_format(settings) == "json", with_pid)
    if handler.json:
        inner: logging.Formatter = JsonFormatter(with_pid)
    else:
        pid = "[%(process)d] " if with_pid else ""
        inner = logging.Formatter(f"%(asctime)s %(levelname)-7s {pid}%(message)s", "%H:%M:%S")
    handler.setFormatter(inner)
    # No credential nor advice marker in any line, whoever logs it: the filter an
    # embedding application puts on its own handlers (azsql_mcp/logredaction.py).
    handler.addFilter(LogRedaction())
    handler.addFilter(CallIds())
    handler.addFilter(InertMessages(escape=not handler.json))  # after what rewrites them
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    # A Python warning (a library's, a plugin's "coroutine was never awaited") is a
    # record too: printed by the warnings module it would be raw lines among the JSON.
    logging.captureWarnings(True)
    # FastMCP and uvicorn install their own handlers; let their records reach ours instead.
    for name in ("fastmcp", "uvicorn", "uvicorn.error", "uvicorn.access", "mcp"):
        logger = logging.getLogger(name)
        for old in logger.handlers[:]:
            logger.removeHandler(old)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    if not settings.access_log:
        logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # At DEBUG this logger writes every request's arguments (a tool call's SQL and values,
    # a prompt's arguments, a resource URI with its template's values): never below INFO,
    # as argument values are never logged (the audit log keeps them out too).
    logging.getLogger(FASTMCP_HANDLERS).setLevel(max(logging.INFO, root.level))
    debug = root.level <= logging.DEBUG
    for name, level in DEBUG_ONLY.items():
        logging.getLogger(name).setLevel(logging.NOTSET if debug else level)


def writes_json() -> bool:
    """Whether setup_logging has the process's records written as JSON lines."""
    handler = _stderr_handler()
    return handler is not None and handler.json


def names_process() -> bool:
    """Whether setup_logging has each record name the process that wrote it (`with_pid`)."""
    handler = _stderr_handler()
    return handler is not None and handler.with_pid


def _stderr_handler() -> StderrHandler | None:
    """The handler setup_logging installed, if it has run."""
    return next((h for h in logging.getLogger().handlers if isinstance(h, StderrHandler)), None)


def log_format(settings: LoggingSettings) -> str:
    """ "json" or "text": "auto" is text for a person at a terminal, JSON for collectors."""
    if settings.format != "auto":
        return settings.format
    return "text" if sys.stderr.isatty() else "json"
