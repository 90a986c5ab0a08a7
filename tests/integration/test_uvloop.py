"""The database path on uvloop's event loop, which `serve` uses when uvloop is installed
(issue 22): its transports are not asyncio.Transport instances."""

from __future__ import annotations

import pytest

from azsql_mcp import Limits, Security, SourceSettings
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.serving.run import run_loop
from tds_test_server import ThreadedTdsServer

uvloop = pytest.importorskip("uvloop")


def test_a_read_through_the_driver_process_on_uvloop() -> None:
    answers: list[object] = []

    async def read(server: ThreadedTdsServer) -> None:
        import asyncio

        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        source = SourceSettings(
            server=f"tcp:{server.host},{server.port}",
            username=server.user,
            password=server.password,
            encrypt="no",
        )
        db = SourceDatabase("uv", source, Security(), Limits(), SqlLogin(source))
        try:
            answers.append((await db.read("SELECT 41 + 1 AS answer")).rows)
        finally:
            await db.close()

    with ThreadedTdsServer(sample=True) as server:
        run_loop(read(server))
    assert answers == [[(42,)]]
