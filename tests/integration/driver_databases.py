"""What the tests that read through each ODBC driver in turn share: a source on a TDS
test server as SourceDatabase, by SQL login, with no retries; and a connection as the
tests that drive an executor directly hand it over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azsql_mcp import Limits, Security, SourceSettings
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import SqlLogin
from tds_test_server import ThreadedTdsServer

# pytest.fixture(params=DRIVERS, ids=DRIVER_IDS): Microsoft's Driver 18, then FreeTDS
DRIVERS = [None, "FreeTDS"]
DRIVER_IDS = ["msodbc", "freetds"]


@dataclass
class Conn:
    """What an executor needs of a connection (executors.Held)."""

    id: int
    broken: bool = False


def make_db(
    server: ThreadedTdsServer,
    *,
    driver: str | None = None,
    security: Security | None = None,
    **limits: Any,
) -> SourceDatabase:
    """Source "main" on `server` through `driver` (None: Microsoft's), with `limits`."""
    settings = SourceSettings(
        server=f"{server.host},{server.port}",
        username=server.user,
        password=server.password,
        encrypt="no",
        driver=driver,
        retry_budget_s=0,
    )
    return SourceDatabase(
        "main",
        settings,
        security or Security(),
        Limits.model_validate(limits),
        SqlLogin(settings),
    )
