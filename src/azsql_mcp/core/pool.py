"""A bounded pool of pyodbc connections for one source, with blocking calls in threads.

Why not aioodbc: it exposes neither the query timeout (`Connection.timeout`, which makes
the driver send ATTENTION) nor `Cursor.cancel()`, and it hops to a thread for every
fetch. Each database operation here runs as one blocking function in the pool's own
threads, with direct access to pyodbc.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from azsql_mcp.api import DatabaseError, DatabaseUnavailable
from azsql_mcp.core import metrics
from azsql_mcp.core.retry import inspect_error

T = TypeVar("T")


@dataclass
class PooledConnection:
    cnxn: Any  # pyodbc.Connection
    retire_at: float  # monotonic time after which it is closed instead of reused
    last_used: float = field(default_factory=time.monotonic)
    cursor: Any = None  # the statement running now, so a cancelled caller can cancel it
    broken: bool = False  # rollback failed: the session state is unknown
    # cancelling a cursor while another thread closes it crashes the driver
    cursor_lock: threading.Lock = field(default_factory=threading.Lock)

    def cancel_statement(self) -> None:
        """Best effort, from another thread: SQLCancel makes the driver send ATTENTION."""
        with self.cursor_lock:
            if self.cursor is not None:
                with contextlib.suppress(Exception):
                    self.cursor.cancel()


Opener = Callable[[], Awaitable[PooledConnection]]


class ConnectionPool:
    """At most `size` connections; `acquire` waits at most `acquire_timeout_s`.

    Idle connections are checked with a cheap query only when they sat idle longer than
    `validate_after_s`; dead and retired ones are closed, never handed out.
    """

    def __init__(
        self,
        source: str,
        opener: Opener,
        *,
        size: int,
        acquire_timeout_s: float,
        validate_after_s: float = 30.0,
    ):
        self.source = source
        self._open = opener
        self.size = size
        self._acquire_timeout_s = acquire_timeout_s
        self._validate_after_s = validate_after_s
        self._slots = asyncio.Semaphore(size)
        self._idle: list[PooledConnection] = []
        self._in_use = 0
        # one thread per connection, plus room for the health probe and closing
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=size + 2, thread_name_prefix=f"azsql-{source}"
        )
        self._closed = False
        # read when /metrics is scraped, not updated on every acquire and release
        metrics.POOL_CONNECTIONS.labels(source, "in_use").set_function(lambda: self._in_use)
        metrics.POOL_CONNECTIONS.labels(source, "idle").set_function(lambda: len(self._idle))

    # --- running blocking driver calls -------------------------------------------

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in the pool's threads."""
        return await asyncio.wrap_future(self._executor.submit(fn, *args))

    # --- leasing connections ---------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lease(self, *, keep: bool = True) -> AsyncIterator[Lease]:
        """A connection for one operation; returned to the pool afterwards unless
        `keep` is False, its connection was lost, or the caller was cancelled mid-call."""
        conn = await self.acquire()
        lease = Lease(self, conn, keep)
        try:
            yield lease
        finally:
            lease.finish()

    async def acquire(self) -> PooledConnection:
        if self._closed:
            raise DatabaseUnavailable(f"source {self.source!r} is closed")
        try:
            if self._slots.locked():  # every connection busy: wait, but not forever
                async with asyncio.timeout(self._acquire_timeout_s):
                    await self._slots.acquire()
            else:
                await self._slots.acquire()  # returns at once
        except TimeoutError:
            raise DatabaseError(
                f"all {self.size} connections of source {self.source!r} stayed busy for "
                f"{self._acquire_timeout_s:g} s; try again shortly, or raise pool_size / "
                "pool_acquire_timeout_s for this source",
            ) from None  # not retried: waiting longer is what the timeout prevents
        try:
            conn = await self._reuse_idle() or await self._open()
        except BaseException:
            self._slots.release()
            raise
        self._in_use += 1
        return conn

    def release(self, conn: PooledConnection, *, keep: bool) -> None:
        self._in_use -= 1
        self._slots.release()
        if keep and not self._closed and conn.retire_at > time.monotonic():
            conn.last_used = time.monotonic()
            self._idle.append(conn)
        else:
            self._close_soon(conn)

    def discard_idle(self) -> None:
        """Close every idle connection (the server went away; they are all dead)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            self._close_soon(conn)

    def stats(self) -> dict[str, int]:
        return {"in_use": self._in_use, "idle": len(self._idle), "size": self.size}

    async def close(self) -> None:
        self._closed = True
        self.discard_idle()
        self._executor.shutdown(wait=False, cancel_futures=False)

    async def _reuse_idle(self) -> PooledConnection | None:
        while self._idle:
            conn = self._idle.pop()  # most recently used first: likely alive
            now = time.monotonic()
            if conn.retire_at <= now:
                self._close_soon(conn)
            elif now - conn.last_used <= self._validate_after_s or await self._alive(conn):
                return conn
            else:
                self._close_soon(conn)
        return None

    async def _alive(self, conn: PooledConnection) -> bool:
        try:
            await self.run_blocking(_select_one, conn.cnxn)
        except Exception:
            return False
        return True

    def _close_soon(self, conn: PooledConnection) -> None:
        try:
            self._executor.submit(_close_quietly, conn.cnxn)
        except RuntimeError:  # executor shut down: close here
            _close_quietly(conn.cnxn)


class Lease:
    """One connection lent to one operation."""

    def __init__(self, pool: ConnectionPool, conn: PooledConnection, keep: bool):
        self._pool = pool
        self.conn = conn
        self._keep = keep
        self._running: concurrent.futures.Future[Any] | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in a pool thread. Driver errors that mean the
        connection is gone make the lease drop it."""
        future = self._pool._executor.submit(fn, self.conn, *args)
        self._running = future
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            self.conn.cancel_statement()
            raise
        except Exception as exc:
            if inspect_error(exc).connection_lost:
                # the server went away or restarted: the idle connections are dead too
                self._keep = False
                self._pool.discard_idle()
            raise

    def discard(self) -> None:
        self._keep = False

    def finish(self) -> None:
        running = self._running
        if running is not None and not running.done():
            # cancelled while the driver works: give the connection back only when the
            # thread is done with it, and then close it, as its state is unknown
            loop = asyncio.get_running_loop()
            release = functools.partial(self._pool.release, self.conn, keep=False)

            def release_from_thread(_: object) -> None:
                with contextlib.suppress(RuntimeError):  # the event loop is gone
                    loop.call_soon_threadsafe(release)

            running.add_done_callback(release_from_thread)
            return
        self._pool.release(self.conn, keep=self._keep and not self.conn.broken)


def _select_one(cnxn: Any) -> None:
    cursor = cnxn.cursor()
    try:
        cursor.execute("SELECT 1").fetchall()
    finally:
        cursor.close()
        cnxn.rollback()


def _close_quietly(cnxn: Any) -> None:
    with contextlib.suppress(Exception):
        cnxn.close()
