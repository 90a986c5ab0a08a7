"""What the authentication tests share: an unsigned JWT with the claims Entra ID puts in a
token for Azure SQL, the settings of a source on a TDS test server, and its database."""

from __future__ import annotations

import base64
import json
from typing import Any

from azsql_mcp import AuthProvider, Limits, Security, SourceSettings
from azsql_mcp.db.database import SourceDatabase
from tds_test_server import ThreadedTdsServer


def jwt(**claims: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    body = {"aud": "https://database.windows.net/", "tid": "tenant-1", **claims}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}.sig"


def settings(server: ThreadedTdsServer, **values: Any) -> SourceSettings:
    base: dict[str, Any] = {
        "server": f"tcp:{server.host},{server.port}",
        "encrypt": "no",
        "retry_budget_s": 0,
    }
    return SourceSettings.model_validate(base | values)


def database(source: SourceSettings, auth: AuthProvider) -> SourceDatabase:
    """The source "main" with default limits, logging in through `auth`."""
    return SourceDatabase("main", source, Security(), Limits(), auth)
