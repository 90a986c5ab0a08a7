"""Where a source's connections live and its database work runs: two executors, one interface.

- `DriverProcess` (the default on POSIX): a child process per source (driverhost.py)
  holds the connections; pyodbc and the ODBC driver run in its threads, so they never
  take the GIL from the server's event loop (which cost a third of the throughput under
  load), and a crashing native driver ends only that process. It needs socketpair and
  pass_fds.
- `ThreadExecutor` (the default elsewhere, Windows in particular): the same work in
  threads of the server's own process. Portable; slower under load.

Both run exactly the work of driverhost.py (its `Connections` dispatcher), so a query
behaves the same in either; `[sources.NAME] executor` chooses (docs/configuration.md).
"""

from __future__ import annotations

import asyncio
import builtins
import itertools
import logging
import os
import pickle
import socket
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import pyodbc

from azsql_mcp.api import DatabaseError
from azsql_mcp.db import driverhost

log = logging.getLogger(__name__)
EXIT_TIMEOUT_S = 10.0  # how long a closed driver process may take to finish and exit

ExecutorKind = Literal["auto", "process", "thread"]


class Held(Protocol):
    """A connection as an executor sees it (pool.PooledConnection)."""

    id: int
    broken: bool  # its rollback failed: the session state is unknown


class Executor(Protocol):
    """What the pool asks of an executor."""

    source: str

    @property
    def alive(self) -> bool: ...

    async def start(self) -> None: ...

    def request(self, op: str, conn: Held, args: Any) -> asyncio.Future[Any]:
        """Ask for `op` ("connect", "close", "run") on `conn`; the future gets the answer."""
        ...

    def run(self, conn: Held, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Ask for `fn(connection, *args)`, one of driverhost.WORK, on `conn`."""
        ...

    def tell(self, op: str, connection_id: int) -> None:
        """Send `op` ("cancel", "close") with no answer expected."""
        ...

    async def close(self) -> None: ...


def default_kind() -> Literal["process", "thread"]:
    """The driver process where it can run (it needs POSIX socketpair and pass_fds)."""
    return "process" if os.name == "posix" else "thread"


def make_executor(kind: ExecutorKind, source: str, threads: int) -> Executor:
    """An executor of `kind` ("auto": default_kind()) for `source`, not yet started."""
    chosen = default_kind() if kind == "auto" else kind
    if chosen == "process":
        return DriverProcess(source, threads)
    return ThreadExecutor(source, threads)


def _work_name(fn: Callable[..., Any]) -> str:
    if driverhost.WORK.get(fn.__name__) is not fn:
        raise ValueError(f"{fn.__name__} is not work the driver process knows")
    return fn.__name__


class DriverProcess(asyncio.Protocol):
    """One driver process (driverhost.py) and the requests in flight to it. As the
    protocol of its socket, it resolves each request's future as its answer arrives."""

    def __init__(self, source: str, threads: int):
        self.source = source
        self._threads = threads
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[asyncio.Future[Any], Held]] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._transport: asyncio.Transport | None = None
        self._received = bytearray()
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
        self._transport.write(driverhost.frame((request_id, op, conn.id, args)))
        return future

    def run(self, conn: Held, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Ask for `fn(connection, *args)`, one of driverhost.WORK, on `conn`."""
        return self.request("run", conn, (_work_name(fn), args))

    def tell(self, op: str, connection_id: int) -> None:
        """Send `op` with no answer expected (cancel, close)."""
        if self.alive:
            assert self._transport is not None
            self._transport.write(driverhost.frame((None, op, connection_id, None)))

    async def close(self) -> None:
        """Close the socket: the process cancels what still runs, closes its
        connections and exits."""
        self._closing = True
        if self._transport is not None:
            self._transport.close()
            await self._lost.wait()
        if self._process is not None:
            try:
                await asyncio.wait_for(self._process.wait(), EXIT_TIMEOUT_S)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        received = self._received
        received += data
        header = driverhost.HEADER
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
                future.set_exception(self._gone())
        if not self._closing:
            log.error(
                "source %s: the driver process exited; its connections are lost, "
                "and a new one starts with the next connection",
                self.source,
            )

    def _gone(self) -> pyodbc.Error:
        # a lost connection to the caller: reads are retried, idle connections dropped
        return pyodbc.OperationalError(
            "08S01", f"the driver process of source {self.source!r} is gone"
        )


def rebuild_error(kind: str, name: str, args: tuple[Any, ...]) -> Exception:
    """The exception driverhost.error_value described, on this side."""
    if kind == "pyodbc":
        error_class = getattr(pyodbc, name, pyodbc.Error)
        return error_class(*args)
    if kind == "refused":
        return DatabaseError(args[0])
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        return builtin(*args)
    return RuntimeError(f"{name}: {args[0]}")


class ThreadExecutor:
    """The connections in threads of this process: a thread per connection, and two to
    spare, as in the driver process. Errors come back as the driver process would
    send them, so callers cannot tell the two apart."""

    def __init__(self, source: str, threads: int):
        self.source = source
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._connections = driverhost.Connections()

    @property
    def alive(self) -> bool:
        return self._pool is not None

    async def start(self) -> None:
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix=f"azsql-{self.source}")

    def request(self, op: str, conn: Held, args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            future = loop.create_future()
            future.set_exception(
                pyodbc.OperationalError(
                    "08S01", f"the executor of source {self.source!r} is closed"
                )
            )
            return future
        return asyncio.ensure_future(
            loop.run_in_executor(self._pool, self._perform, op, conn, args)
        )

    def run(self, conn: Held, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        return self.request("run", conn, (_work_name(fn), args))

    def tell(self, op: str, connection_id: int) -> None:
        if op == "cancel":  # at once, from this thread: the connection's thread is busy
            self._connections.perform(op, connection_id, None)
        elif self._pool is not None:
            self._pool.submit(self._connections.perform, op, connection_id, None)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        self._connections.cancel_all()
        # closing a connection blocks on the network: not on the event loop
        await asyncio.get_running_loop().run_in_executor(None, self._shut, pool)

    def _shut(self, pool: ThreadPoolExecutor) -> None:
        pool.shutdown(wait=True)
        self._connections.close_all()

    def _perform(self, op: str, conn: Held, args: Any) -> Any:
        try:
            return self._connections.perform(op, conn.id, args)
        except Exception as exc:
            raise rebuild_error(*driverhost.error_value(exc)) from None
        finally:
            conn.broken = self._connections.broken(conn.id)
