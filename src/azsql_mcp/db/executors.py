"""Where a source's connections live and its database work runs: two executors, one interface.

- `DriverProcess` (driverprocess.py; the default on POSIX): a child process
  (driverhost.py) holds the connections; pyodbc and the ODBC driver run in its threads,
  so they never take the GIL from the server's event loop (which cost a third of the
  throughput under load), and a crashing native driver ends only that process. It needs
  socketpair and pass_fds. Several sources may share one (driverhosts.py).
- `ThreadExecutor` (here; the default elsewhere, Windows in particular): the same work
  in threads of the server's own process, one executor per source. Portable; slower
  under load.

Both run exactly the work of driverserve.py (its `Connections` dispatcher) and raise the
same errors, so a query behaves the same in either; `[sources.NAME] executor` chooses
(docs/configuration.md).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import itertools
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import pyodbc

from azsql_mcp.api import QueryRefused, WorkRefused, WriteOutcomeUnknown
from azsql_mcp.db import driverconn, driverserve

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
        """Ask for `fn(connection, *args)`, one of driverserve.WORK, on `conn`."""
        ...

    def tell(self, op: str, connection_id: int) -> None:
        """Send `op` ("cancel", "close") with no answer expected."""
        ...

    def new_connection_id(self) -> int:
        """An id for a connection about to be opened here, unique within this executor."""
        ...

    def add_threads(self, count: int) -> None:
        """`count` more threads, for another source that joined."""
        ...

    async def close(self) -> None: ...


def default_kind() -> Literal["process", "thread"]:
    """The driver process where it can run (it needs POSIX socketpair and pass_fds)."""
    return "process" if os.name == "posix" else "thread"


def work_name(fn: Callable[..., Any]) -> str:
    if driverserve.WORK.get(fn.__name__) is not fn:
        raise ValueError(f"{fn.__name__} is not work the driver process knows")
    return fn.__name__


def rebuild_error(kind: str, name: str, args: tuple[Any, ...]) -> Exception:
    """The exception driverserve.error_value described, on this side."""
    if kind == "pyodbc":
        error_class = getattr(pyodbc, name, pyodbc.Error)
        return error_class(*args)
    if kind == "refused":
        return WorkRefused(args[0])
    if kind == "unbindable":
        return QueryRefused(args[0], driverconn.BINDABLE)
    if kind == "commit_unknown":
        return WriteOutcomeUnknown(args[0])
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        with contextlib.suppress(TypeError):  # UnicodeDecodeError takes five arguments
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
        self._connections = driverserve.Connections()
        self._ids = itertools.count(1)

    def new_connection_id(self) -> int:
        return next(self._ids)

    def add_threads(self, count: int) -> None:
        raise NotImplementedError("a thread executor serves one source")

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
        if op == "run":  # a cancel from now on is for this work, queued or running
            self._connections.expect_work(conn.id)
        return asyncio.ensure_future(
            loop.run_in_executor(self._pool, self._perform, op, conn, args)
        )

    def run(self, conn: Held, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        return self.request("run", conn, (work_name(fn), args))

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
            raise rebuild_error(*driverserve.error_value(exc)) from None
        finally:
            conn.broken = self._connections.broken(conn.id)
