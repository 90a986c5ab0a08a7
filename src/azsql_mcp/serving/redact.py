"""No credential reaches a log line, whatever a client sends.

Two layers on the one log handler (serving/logsetup.py):

- uvicorn's access log gets each request's path with its query string; the
  query is replaced whole (`/mcp?***`), since any parameter may carry a secret.
- every formatted line, exception text included, has bearer and basic
  credentials, OAuth token parameters, connection-string passwords and JWT-shaped
  strings masked, whichever library wrote it.
"""

from __future__ import annotations

import logging
import re

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
_ACCESS_PATH_ARG = 2


def redact_text(text: str) -> str:
    text = _JWT.sub(MASK, text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _CONNECTION_PASSWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _PARAMS.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def redact_query(target: str) -> str:
    path, sep, query = target.partition("?")
    return f"{path}?{MASK}" if sep and query else target


class AccessLogQueries(logging.Filter):
    """Masks the query string in uvicorn's access-log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            clean = list(args)
            clean[_ACCESS_PATH_ARG] = redact_query(str(args[_ACCESS_PATH_ARG]))
            record.args = tuple(clean)
        return True


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then masks credentials in the whole line."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(self.inner.format(record))
