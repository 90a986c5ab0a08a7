"""list_long_running_queries called while another session runs a long statement."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pyodbc
from fastmcp import Client
from waiting import wait_until

from azsql_mcp.testing.pytest_plugin import TEST_USER
from tds_test_server import ThreadedTdsServer


async def while_another_session_waits(
    client: Client[Any], server: ThreadedTdsServer, password: str
) -> Any:
    """The tool's result while a session of the privileged login runs WAITFOR DELAY."""
    busy = pyodbc.connect(
        server.odbc_connection_string(driver="freetds", user=TEST_USER, password=password),
        autocommit=True,
        timeout=10,
    )
    cursor = busy.cursor()

    def wait() -> None:
        with contextlib.suppress(pyodbc.Error):  # cancelled at the end
            cursor.execute("WAITFOR DELAY '00:01'")

    waiting = threading.Thread(target=wait, daemon=True)
    waiting.start()
    try:
        # a loaded machine may take seconds to run the thread's statement
        await wait_until(lambda: _running(server), 60, "the WAITFOR running")
        return await client.call_tool(
            "list_long_running_queries", {"min_seconds": 0}, raise_on_error=False
        )
    finally:
        cursor.cancel()
        await asyncio.to_thread(waiting.join)
        busy.close()


def _running(server: ThreadedTdsServer) -> bool:
    """Whether the WAITFOR shows in the server's sessions."""
    return any(
        s.request is not None and "WAITFOR" in s.request.text for s in server.engine.sessions()
    )
