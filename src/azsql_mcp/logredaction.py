"""`LogRedaction`: no credential and no advice marker in a log record, whatever library
wrote it. The filter `azsql-mcp serve` puts on its one handler (serving/logsetup.py), and
the one an application that embeds the server (`build_server`) puts on its own handlers,
which the server leaves alone.

What it masks, as `***`, in a record's message (its arguments included), exception text,
stack text and `extra=` values (strings, and strings inside dicts, lists and tuples):

- bearer and basic credentials after their scheme (16 characters or more, so
  "Bearer token rejected" stays readable), and the value of an `Authorization` header;
- OAuth parameters: `access_token`, `refresh_token`, `id_token`, `client_secret`,
  `client_assertion`;
- connection-string passwords (`PWD=...;`, `Password={...}`);
- JWT-shaped strings (`eyJ...` in three dot-separated parts);
- uvicorn's access log: each request's whole query string (`/mcp?***`), since any
  parameter may carry a secret.

What it does not: a secret in no such shape (a password alone in a sentence, an API key
of some other scheme), the logger's name, an `extra=` object of another type, and an
exception a formatter formats from `record.exc_info` itself rather than through
`logging.Formatter` (which uses the record's `exc_text`, masked here).

Advice that names a tool (azsql_mcp.advice) is written as the operator reads it, every
tool offered (`plain_advice`), never with its markers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TypeVar, cast

from azsql_mcp.api import plain_advice

MASK = "***"
# A JWS/JWT in compact form: its header is base64url JSON, so it starts with "eyJ" ('{"').
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# A header as some library might print it, and a long credential after its scheme
# (long, so "Bearer token rejected" stays readable).
_HEADER = re.compile(r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?)[^\"'\\\r\n]+")
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{16,}")
_PARAMS = re.compile(
    r"(?i)\b(access_token|refresh_token|id_token|client_secret|client_assertion)"
    r"(\s*[=:]\s*)[^\s&\"',;\\]+"
)
# A connection string's password (`PWD=...;`, `Password={...}`), as a driver or a
# plugin's error may quote one: a brace-quoted value runs to its closing brace.
_CONNECTION_PASSWORD = re.compile(
    r"(?i)\b(pwd|password)(\s*=\s*)(\{(?:[^}]|\}\})*\}?|[^;\s\"'\\]+)"
)
# uvicorn.access: '%s - "%s %s HTTP/%s" %d' % (client, method, path?query, version, status)
_ACCESS_LOGGER = "uvicorn.access"
_ACCESS_PATH_ARG = 2
# Attributes every LogRecord has; any other was passed as `extra=` (or set by a filter).
# uvicorn's `color_message` is its coloured copy of `msg`, a template too.
STANDARD_ATTRIBUTES = frozenset(
    {*vars(logging.makeLogRecord({})), "message", "asctime", "color_message"}
)
_TRACEBACKS = logging.Formatter()


# What each of the masks starts with: a text without any is left as it is at one pass.
_ANY = re.compile(
    r"(?i)eyJ|authorization|bearer|basic|pwd|password|access_token|refresh_token|id_token"
    r"|client_secret|client_assertion"
)


def redact_text(text: str) -> str:
    if not _ANY.search(text):
        return text
    text = _JWT.sub(MASK, text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _CONNECTION_PASSWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _PARAMS.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def redact_query(target: str) -> str:
    path, sep, query = target.partition("?")
    return f"{path}?{MASK}" if sep and query else target


def _for_the_log(text: str) -> str:
    """`text` as a log line may show it: advice plain, credentials masked."""
    return redact_text(plain_advice(text, lambda tool: True))


class LogRedaction(logging.Filter):
    """Masks credentials and renders advice in each record a handler gets: add it to each
    handler that writes somewhere (`handler.addFilter(LogRedaction())`); a logger's
    filter would miss the records its children pass up.

    It changes the record itself (only from Python 3.12 on may a filter hand back a
    changed copy; the server runs on 3.11), and one record goes to every handler: the
    handlers after this one write it masked, those before it as it was logged. A record
    with nothing to mask or render keeps its `msg` and `args`. A credential whole in one
    argument is masked in a copy of the arguments, the template kept; otherwise `msg`
    becomes the whole masked message and `args` None (an error tracker that groups
    records by their template groups such a one by its text). The traceback of
    `exc_info` is formatted into `exc_text`, as `logging.Formatter` caches it, and masked
    there; `exc_info` is kept. Applying it twice changes nothing more."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_message(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _for_the_log(record.exc_text)
        if record.stack_info:
            record.stack_info = _for_the_log(record.stack_info)
        for name in vars(record).keys() - STANDARD_ATTRIBUTES:
            value = getattr(record, name)
            if (clean := _masked(value)) is not value:
                setattr(record, name, clean)
        return True


def _mask_message(record: logging.LogRecord) -> None:
    record.args = _access_path_masked(record)
    try:
        message = record.getMessage()
    except Exception:  # args that do not fit msg: logging reports them, masked here
        record.msg = _masked(record.msg)
        record.args = _masked(record.args)
        return
    plain = _for_the_log(message)
    if plain == message:  # the common case: one pass over the message
        return
    args = _masked(record.args)
    if args is not record.args:
        record.args = args
        again = record.getMessage()
        if _for_the_log(again) == again:  # each credential was whole in an argument
            return
    record.msg, record.args = plain, None
    # uvicorn's formatter would render its coloured template with the old args
    record.__dict__.pop("color_message", None)


def _access_path_masked(
    record: logging.LogRecord,
) -> tuple[object, ...] | Mapping[str, object] | None:
    """The args of a uvicorn access-log record without the path's query; others' as they are."""
    args = record.args
    if record.name == _ACCESS_LOGGER and isinstance(args, tuple) and len(args) == 5:
        path = redact_query(str(args[_ACCESS_PATH_ARG]))
        return (*args[:_ACCESS_PATH_ARG], path, *args[_ACCESS_PATH_ARG + 1 :])
    return args


_Value = TypeVar("_Value")


def _masked(value: _Value) -> _Value:
    """A string masked, and the strings in a dict's values, a list or a tuple; anything
    else as it is. The same object when nothing was masked: it is the caller's, never
    changed (a new one holds what was masked)."""
    if isinstance(value, str):
        clean = _for_the_log(value)
        return value if clean == value else cast(_Value, clean)
    if isinstance(value, dict):
        masked = {key: _masked(item) for key, item in value.items()}
        changed = any(masked[key] is not item for key, item in value.items())
        return cast(_Value, masked) if changed else value
    if isinstance(value, list | tuple):
        items = [_masked(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return cast(_Value, items if isinstance(value, list) else tuple(items))
    return value
