"""Closing a driver process that stopped reading its socket: close() did not return
while requests it had not read stayed buffered (the transport waits to write them
before it closes), so a reload or shutdown that closed the source waited for ever."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from driver_databases import Conn

from azsql_mcp.db import driverprocess
from azsql_mcp.db.driverprocess import DriverProcess

pytestmark = pytest.mark.driver_process


async def test_a_process_that_stopped_reading_is_closed_within_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(driverprocess, "EXIT_TIMEOUT_S", 0.5)
    process = DriverProcess("stopped", threads=1)
    await process.start()
    assert process._process is not None
    pid = process._process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        # more than the socket pair's buffers hold: the rest stays in the transport
        asked = process.request("run", Conn(1), ("nothing", b"\0" * 16_000_000))
        await asyncio.sleep(0.1)  # written at the end of this loop iteration
        await asyncio.wait_for(process.close(), 10)
        with pytest.raises(driverprocess.DriverProcessLost):
            await asked
        assert process._process.returncode is not None  # killed, not left stopped
    finally:
        if process._process.returncode is None:
            os.kill(pid, signal.SIGKILL)
