"""Problems the configuration alone shows that the schema cannot judge and `serve` would
otherwise meet only when it starts serving or connects: a source's `server` string,
`[server.auth]`'s keys and variables, the audit file's directory. Each check reads the
environment and the file system, and changes neither (`config` creates no file)."""

from __future__ import annotations

import os

from azsql_mcp.core.configerrors import from_variable
from azsql_mcp.core.settings import Settings
from azsql_mcp.db.connstr import parse_server
from azsql_mcp.serving.auditlog import audit_path_problems
from azsql_mcp.serving.authsettings import client_auth_problems


def standing_problems(settings: Settings) -> list[str]:
    return [
        *server_string_problems(settings),
        *client_auth_problems(settings.server),
        *audit_path_problems(settings.audit),
    ]


def server_string_problems(settings: Settings) -> list[str]:
    """Each source's `server` as the connection will parse it (db/connstr.py)."""
    problems = []
    for name, source in settings.sources.items():
        try:
            parse_server(source.server)
        except ValueError as exc:
            key = f"sources.{name}.server" + from_variable(["sources", name, "server"], os.environ)
            problems.append(f"{key}: {exc}")
    return problems
