"""The driver process: one driverhost.py process and the requests in flight to it.

Each database operation is one request over a socket pair: a blocking function of
the driver process (driverserve.WORK), run on one connection in one of the process's
threads, whose answer the event loop reads like any other network reply. Several
sources' pools may share one process (driverhosts.py); connection ids are therefore the
process's, not a pool's.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import pickle
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any, cast

import pyodbc

from azsql_mcp import metrics
from azsql_mcp.api import DatabaseError
from azsql_mcp.db import driverhost, driverserve
from azsql_mcp.db.executors import Held, rebuild_error, work_name

log = logging.getLogger(__name__)
EXIT_TIMEOUT_S = 10.0  # how long a closed driver process may take to finish and exit


class DriverProcessLost(pyodbc.OperationalError):
    """The driver process ended with the request in flight: how far its work got, a
    write's COMMIT included, is not known."""


class DriverProcess(asyncio.Protocol):
    """One driver process (driverhost.py) and the requests in flight to it. As the
    protocol of its socket, it resolves each request's future as its answer arrives."""

    def __init__(self, source: str, threads: int):
        self.source = source
        # every source whose connections it holds (DriverHosts adds and removes them): a
        # crash ends all of theirs
        self.sources = [source]
        self._threads = threads
        self._ids = itertools.count(1)
        self._connection_ids = itertools.count(1)
        self._pending: dict[int, tuple[asyncio.Future[Any], Held]] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._transport: asyncio.Transport | None = None
        self._received = bytearray()
        self._outbox: list[bytes] = []  # requests of this loop iteration, sent in one write
        self._lost = asyncio.Event()
        self._closing = False

    @property
    def alive(self) -> bool:
        """Started, not closed, and its socket still open."""
        return self._transport is not None and not self._closing and not self._lost.is_set()

    async def start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            with theirs:
                self._process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    driverhost.__file__,
                    str(theirs.fileno()),
                    str(self._threads),
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,  # stdout may be the MCP stdio channel
                )
            await asyncio.get_running_loop().create_unix_connection(lambda: self, sock=ours)
        except OSError as exc:
            ours.close()
            raise DatabaseError(
                f"cannot start the driver process of source {self.source!r}: {exc}"
            ) from exc

    def request(self, op: str, conn: Held, args: Any) -> asyncio.Future[Any]:
        """Ask for `op` on `conn`; the future gets the answer."""
        future = asyncio.get_running_loop().create_future()
        if not self.alive:
            future.set_exception(self._gone())
            return future
        assert self._transport is not None
        request_id = next(self._ids)
        self._pending[request_id] = (future, conn)
        self._send(driverserve.frame((request_id, op, conn.id, args)))
        return future

    def _send(self, data: bytes) -> None:
        # One write (a system call that wakes the process) for all the requests made in
        # this iteration of the event loop, sent at its end.
        if not self._outbox:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outbox.append(data)

    def _flush(self) -> None:
        outbox, self._outbox = self._outbox, []
        if self.alive and outbox:
            assert self._transport is not None
            self._transport.write(b"".join(outbox))

    def run(self, conn: Held, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Ask for `fn(connection, *args)`, one of driverserve.WORK, on `conn`."""
        return self.request("run", conn, (work_name(fn), args))

    def new_connection_id(self) -> int:
        """An id for a connection this process will hold (unique among all its sources)."""
        return next(self._connection_ids)

    def add_threads(self, count: int) -> None:
        """Start `count` more threads in the process, for a source that joins it."""
        if self.alive:
            assert self._transport is not None
            self._send(driverserve.frame((None, "threads", 0, count)))

    def tell(self, op: str, connection_id: int) -> None:
        """Send `op` with no answer expected (cancel, close)."""
        if self.alive:
            self._send(driverserve.frame((None, op, connection_id, None)))

    async def close(self) -> None:
        """Close the socket: the process cancels what still runs, closes its
        connections and exits."""
        self._flush()  # the closes and cancels told this iteration still go out
        self._closing = True
        if self._transport is not None:
            self._transport.close()  # once what is buffered is written
            try:
                async with asyncio.timeout(EXIT_TIMEOUT_S):
                    await self._lost.wait()
            except TimeoutError:  # a process that stopped reading never takes the rest
                self._transport.abort()
                await self._lost.wait()
        if self._process is not None:
            try:
                async with asyncio.timeout(EXIT_TIMEOUT_S):
                    await self._process.wait()
            except TimeoutError:
                self._process.kill()
                await self._process.wait()

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have the interface of asyncio.Transport without its class
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        received = self._received
        received += data
        header = driverserve.HEADER
        while len(received) >= header.size:
            (length,) = header.unpack_from(received)
            end = header.size + length
            if len(received) < end:
                return
            request_id, ok, value, broken = pickle.loads(received[header.size : end])
            del received[:end]
            future, conn = self._pending.pop(request_id)
            conn.broken = broken
            if future.done():  # its caller was cancelled and did not shield it
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(rebuild_error(*value))

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost.set()
        pending, self._pending = self._pending, {}
        for future, _ in pending.values():
            if not future.done():
                future.set_exception(DriverProcessLost(*self._gone().args))
        if not self._closing:
            metrics.DRIVER_PROCESS_EXITS.inc()
            log.error(
                "source %s: the driver process exited; its connections are lost, "
                "and a new one starts with the next connection",
                ", ".join(self.sources),
            )

    def _gone(self) -> pyodbc.Error:
        # a lost connection to the caller: reads are retried, idle connections dropped
        return pyodbc.OperationalError(
            "08S01", f"the driver process of source {', '.join(self.sources)} is gone"
        )
