"""`serve --demo`: the TDS test server with its sample database, in-process.

The demo is reached through the normal database path (ODBC driver, pool,
safety model); only the server at the other end is a test double.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from azsql_mcp.api import SourceSettings
from azsql_mcp.core.settings import Settings

DEMO_SOURCE = "demo"
DEMO_DATABASE = "AdventureWorksLT"  # the test server's sample database
DEMO_USER = "demo"


def demo_source(host: str, port: int, password: str) -> SourceSettings:
    """A source pointing at a TDS test server (SQL login, no TLS on loopback)."""
    return SourceSettings.model_validate(
        {
            "server": f"{host},{port}",
            "database": DEMO_DATABASE,
            "auth": "sql",
            "username": DEMO_USER,
            "password": password,
            "encrypt": "no",
        }
    )


@contextmanager
def demo_settings(settings: Settings) -> Iterator[Settings]:
    """Start the test server on a free loopback port; the settings then use only it."""
    from tds_test_server import ThreadedTdsServer

    password = secrets.token_urlsafe(18)
    with ThreadedTdsServer(sample=True, user=DEMO_USER, password=password) as tds:
        source = demo_source(tds.host, tds.port, password)
        server = settings.server.model_copy(update={"default_source": None})
        yield settings.model_copy(update={"sources": {DEMO_SOURCE: source}, "server": server})
