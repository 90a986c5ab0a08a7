"""Tests of tools, resources and prompts run as both logins of the test server, through
both ODBC drivers; the database tests run on both executors.

The privileged login and `azsql_reader`, the db_datareader user that docs/security.md
recommends. A test that expects a difference takes `azsql_principal` and asserts it: a
clear permission message is the right answer for the reader, a crash, a silent "none"
or a wrong answer is not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from azsql_mcp import metrics
from azsql_mcp.db import executors
from azsql_mcp.db.availability import Availability
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS

# The modules whose tests run once per principal.
_PER_PRINCIPAL = ("test_tools_", "test_resources", "test_prompts")
# The modules whose tests run once per executor (db/executors.py): the driver process
# and threads of the server's own process (the default where no driver process can run).
_PER_EXECUTOR = "test_database_"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "azsql_principal" in metafunc.fixturenames and module.startswith(_PER_PRINCIPAL):
        metafunc.parametrize("azsql_principal", PRINCIPALS, indirect=True)
        metafunc.parametrize("azsql_driver", DRIVERS, indirect=True)
    if module.startswith(_PER_EXECUTOR):
        metafunc.parametrize("executor", ["process", "thread"], indirect=True)


@pytest.fixture(autouse=True)
def executor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The executor that `executor = "auto"` (every source here) picks: each in turn for
    the database tests, the driver process elsewhere."""
    kind = str(getattr(request, "param", "process"))
    if kind != "process" and request.node.get_closest_marker("driver_process"):
        pytest.skip("about the driver process itself")
    monkeypatch.setattr(executors, "default_kind", lambda: kind)
    metrics.DB_RETRIES.clear()  # tests count a source's retries, and sources repeat by name
    return kind


@pytest.fixture
def statements_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the sources read from now on (each a round trip to the server)."""
    sent: list[str] = []
    read = SourceDatabase.read

    async def counted(self: SourceDatabase, sql: str, *args: Any, **kw: Any) -> Any:
        sent.append(sql)
        return await read(self, sql, *args, **kw)

    monkeypatch.setattr(SourceDatabase, "read", counted)
    return sent


@pytest.fixture
def first_probe(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Awaitable[None]]:
    """Waits for the end of the first background probe (db/availability.py) of the
    sources started from now on. A source probes as it starts, on a connection of its
    own, with the same SELECT 1 as a status read's or health_check's ping: under load
    it may still be logging in when a test adds a fault for that ping, or still hold
    the only connection of a pool of one."""
    ended = asyncio.Event()
    probe = Availability._probe

    async def probed(self: Availability) -> None:
        try:
            await probe(self)
        finally:
            ended.set()

    monkeypatch.setattr(Availability, "_probe", probed)

    async def wait() -> None:
        async with asyncio.timeout(60):  # a login on a loaded machine, many times over
            await ended.wait()

    return wait
