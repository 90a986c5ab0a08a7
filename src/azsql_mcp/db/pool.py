"""A bounded pool of connections for one source, held in its executor (executors.py).

By default the connections live in a driver process (driverhost.py, started with the
pool's first connection and stopped once no source holds a connection in it;
driverhosts.py decides which sources share one), where pyodbc and the ODBC driver run in
threads without taking the GIL from this process's event loop; where no driver process
can run, in threads of this process. Each database operation is one request to the
executor: a blocking function of the driver process's modules (driverserve.WORK), run on
one connection.

Why not aioodbc: it exposes neither the query timeout (`Connection.timeout`, which makes
the driver send ATTENTION) nor `Cursor.cancel()`, and it hops to a thread for every
fetch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio

from azsql_mcp import metrics
from azsql_mcp.api import DatabaseUnavailable, SourceBusy, WriteOutcomeUnknown
from azsql_mcp.db import driverconn
from azsql_mcp.db.driverhosts import DriverHosts
from azsql_mcp.db.driverprocess import DriverProcessLost
from azsql_mcp.db.executors import Executor, ExecutorKind
from azsql_mcp.db.retry import ConnectionStalled, inspect_error

log = logging.getLogger(__name__)
T = TypeVar("T")
VALIDATE_TIMEOUT_S = 5  # for the SELECT 1 that checks a connection idle for long
# Past a read's own timeouts: a server that goes silent mid-result makes Driver 18 wait
# about two minutes for the answer to the ATTENTION it sent when its query timeout
# expired, and then say only "The driver did not supply an error!".
STALL_GRACE_S = 5.0


def answer_within(timeout_s: float) -> float:
    """How long read-only work with the driver timeout `timeout_s` may go unanswered:
    that timeout, as long again for the answer to the ATTENTION the driver then sends
    (FreeTDS waits that long), and STALL_GRACE_S."""
    return 2 * timeout_s + STALL_GRACE_S


@dataclass
class PooledConnection:
    id: int
    driver: Executor  # the driver process or thread executor that holds it
    retire_at: float  # monotonic time after which it is closed instead of reused
    last_used: float = field(default_factory=time.monotonic)
    broken: bool = False  # its rollback failed: the session state is unknown

    def cancel_statement(self) -> None:
        """Best effort: SQLCancel, which makes the driver send ATTENTION."""
        self.driver.tell("cancel", self.id)


Opener = Callable[[], Awaitable[PooledConnection]]


class PoolBusy(SourceBusy):
    """Every connection stayed in use: the source is busy, not down."""

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConnectionPool:
    """At most `size` connections; `acquire` waits at most `acquire_timeout_s`.

    Idle connections are checked with a cheap query only when they sat idle longer than
    `validate_after_s`; dead and retired ones are closed, never handed out. Connections
    idle for `idle_timeout_s` are closed: a serverless Azure SQL database pauses only
    when no session is open.
    """

    def __init__(
        self,
        source: str,
        opener: Opener,
        *,
        size: int,
        acquire_timeout_s: float,
        validate_after_s: float = 30.0,
        idle_timeout_s: float = 300.0,
        executor: ExecutorKind = "auto",
        drivers: DriverHosts | None = None,
    ):
        self.source = source
        self._open = opener
        self.size = size
        self._acquire_timeout_s = acquire_timeout_s
        self._validate_after_s = validate_after_s
        self._idle_timeout_s = idle_timeout_s
        self._reaper: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(size)
        self._idle: list[PooledConnection] = []
        self._in_use = 0
        self._executor = executor
        self._drivers = drivers or DriverHosts(1)  # shared by the server's sources
        self._opening = 0  # connections being opened
        self._closed = False
        # set as they change (not read at scrape time): with worker processes /metrics
        # sums the gauges every worker wrote, the scraped worker's and the others'
        self._in_use_gauge = metrics.POOL_CONNECTIONS.labels(source, "in_use")
        self._idle_gauge = metrics.POOL_CONNECTIONS.labels(source, "idle")
        metrics.POOL_MAX.labels(source).set(size)

    async def connect(
        self,
        connection_string: str,
        before: dict[int, bytes] | None,
        timeout_s: int,
        *,
        retire_at: float,
    ) -> PooledConnection:
        """Open a connection in the source's executor; the opener calls this."""
        if self._closed:
            raise DatabaseUnavailable(f"source {self.source!r} is closed")
        # a thread per connection, and two to spare for reading cancels
        self._opening += 1  # the idle reaper must not stop the process meanwhile
        try:
            driver = await self._drivers.join(
                self, self.source, threads=self.size + 2, kind=self._executor
            )
            conn = PooledConnection(driver.new_connection_id(), driver, retire_at)
            opening = driver.request("connect", conn, (connection_string, before, timeout_s))
            try:
                await asyncio.shield(opening)
            except asyncio.CancelledError:
                # the login may still succeed: close that connection then
                opening.add_done_callback(lambda done: _close_if_opened(done, conn))
                raise
        finally:
            self._opening -= 1
        return conn

    # --- leasing connections ---------------------------------------------------------

    def lease(self, *, keep: bool = True) -> Lease:
        """A connection for one operation (`async with pool.lease() as lease`); returned
        to the pool afterwards unless `keep` is False, its connection was lost, or the
        caller was cancelled mid-call."""
        return Lease(self, keep)

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
            raise self.busy_error() from None  # not retried: the caller decides
        try:
            conn = await self._reuse_idle() or await self._open()
        except BaseException:
            self._slots.release()
            raise
        self._in_use += 1
        self._count()
        return conn

    @property
    def full(self) -> bool:
        """Every connection is in use (by calls that are being answered)."""
        return self._slots.locked()

    @property
    def in_use(self) -> int:
        return self._in_use

    def busy_error(self) -> PoolBusy:
        retry_s = max(1, math.ceil(self._acquire_timeout_s))
        return PoolBusy(
            f"source {self.source!r} is busy: all {self.size} connections are running other "
            f"queries and none came free within {self._acquire_timeout_s:g} s; retry in "
            f"{retry_s} s (the database is up; an operator can raise pool_size or "
            "pool_acquire_timeout_s for this source)",
            retry_s,
        )

    def release(self, conn: PooledConnection, *, keep: bool) -> None:
        self._in_use -= 1
        self._slots.release()
        if keep and not self._closed and conn.retire_at > time.monotonic():
            conn.last_used = time.monotonic()
            self._idle.append(conn)
            if self._reaper is None or self._reaper.done():
                self._reaper = asyncio.get_running_loop().create_task(
                    self._close_when_idle(), name=f"azsql-idle-{self.source}"
                )
        else:
            _close(conn)
        self._count()

    async def _close_when_idle(self) -> None:
        """Close connections idle for idle_timeout_s; ends when none is idle."""
        while self._idle:
            now = time.monotonic()
            expired = [c for c in self._idle if now - c.last_used >= self._idle_timeout_s]
            if expired:
                self._idle = [c for c in self._idle if c not in expired]
                self._count()
                for conn in expired:
                    _close(conn)
                log.debug("source %s: closed %d idle connections", self.source, len(expired))
                continue
            oldest = min(c.last_used for c in self._idle)
            await asyncio.sleep(oldest + self._idle_timeout_s - now)
        if self._in_use == 0 and self._opening == 0 and not self._closed:
            # nothing held: let the driver process stop if no other source uses it
            await self._drivers.leave(self)

    def discard_idle(self) -> None:
        """Close every idle connection (the server went away; they are all dead)."""
        idle, self._idle = self._idle, []
        self._count()
        for conn in idle:
            _close(conn)

    def stats(self) -> dict[str, int]:
        return {"in_use": self._in_use, "idle": len(self._idle), "size": self.size}

    def _count(self) -> None:
        """The gauges, from the pool's own state, after each change of it."""
        self._in_use_gauge.set(self._in_use)
        self._idle_gauge.set(len(self._idle))

    async def close(self) -> None:
        self._closed = True
        self.discard_idle()
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        await self._drivers.leave(self)

    async def _reuse_idle(self) -> PooledConnection | None:
        while self._idle:
            conn = self._idle.pop()  # most recently used first: likely alive
            self._count()
            now = time.monotonic()
            if (
                conn.retire_at <= now
                or now - conn.last_used >= self._idle_timeout_s
                or not conn.driver.alive
            ):
                _close(conn)
            elif now - conn.last_used <= self._validate_after_s or await self._alive(conn):
                return conn
            else:
                _close(conn)
        return None

    async def _alive(self, conn: PooledConnection) -> bool:
        checking = conn.driver.run(conn, driverconn.select_one, (VALIDATE_TIMEOUT_S,))
        try:
            await asyncio.shield(checking)
        except asyncio.CancelledError:
            # no pool holds the connection now: close it once the driver is done with it
            checking.add_done_callback(lambda done: _close_when_done(done, conn))
            raise
        except Exception:
            return False
        return True


def _close(conn: PooledConnection) -> None:
    conn.driver.tell("close", conn.id)


def _close_if_opened(opening: asyncio.Future[Any], conn: PooledConnection) -> None:
    if not opening.cancelled() and opening.exception() is None:
        _close(conn)


def _close_when_done(running: asyncio.Future[Any], conn: PooledConnection) -> None:
    if not running.cancelled():
        running.exception()  # retrieved: nobody awaits it any more
    _close(conn)


async def _answered(running: asyncio.Future[Any], within_s: float) -> bool:
    """Wait up to `within_s` for the driver's answer; whether it came. The work is not
    cancelled by the wait's end, nor by the caller's (as under asyncio.shield)."""
    done, _ = await asyncio.wait([running], timeout=within_s)
    return bool(done)


async def _settled(running: asyncio.Future[Any], timeout_s: float) -> bool:
    """Wait up to `timeout_s` for cancelled work to end; whether it did. Shielded, as an
    anyio cancel scope (FastMCP's) cancels every await in it again; another
    task.cancel() (shutdown) is waited through too, as the wait is bounded anyway."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    with anyio.CancelScope(shield=True):
        while not running.done() and (left := deadline - loop.time()) > 0:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([running], timeout=left)
    return running.done() and not running.cancelled()


def _if_finished(done: asyncio.Future[T], finished: Callable[[T], None], source: str) -> None:
    if done.cancelled():
        return
    error = done.exception()
    if error is None:
        finished(done.result())
    elif isinstance(error, WriteOutcomeUnknown):  # audited cancelled, yet it may be in
        log.warning("source %s: a write whose call was cancelled: %s", source, error)


class Lease:
    """One connection lent to one operation, for the `async with` block. A class rather
    than an `asynccontextmanager`: every database call enters one, and a generator
    costs more to enter and leave."""

    conn: PooledConnection

    def __init__(self, pool: ConnectionPool, keep: bool):
        self._pool = pool
        self._keep = keep
        self._running: asyncio.Future[Any] | None = None

    async def __aenter__(self) -> Lease:
        self.conn = await self._pool.acquire()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.finish()

    async def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        settle_s: float = 0.0,
        finished: Callable[[T], None] | None = None,
        within_s: float | None = None,
    ) -> T:
        """Run `fn(connection, *args)`, one of driverserve.WORK, in the driver process.
        Driver errors that mean the connection is gone make the lease drop it.

        With `within_s` (read-only work: see answer_within), no answer by then raises
        ConnectionStalled: the statement is cancelled, the connection given up (closed
        once the driver lets go of it; its pool slot stays taken until then) and the
        idle ones closed, as the path to the server that went silent is theirs too.

        A write (`settle_s` > 0) whose driver process ends under it raises
        WriteOutcomeUnknown: its COMMIT may have been on the way.

        Cancelled, it sends ATTENTION and re-raises at once; with `settle_s` (a write) it
        first waits up to that long for the work's own end, and passes the value of work
        that finished anyway (it committed) to `finished`: the caller hears nothing more,
        so only the log and the audit can tell that it happened (the log alone, for work
        whose COMMIT failed: it may have committed)."""
        running = self.conn.driver.run(self.conn, fn, args)
        self._running = running
        try:
            if within_s is None:
                result: T = await asyncio.shield(running)
            elif await _answered(running, within_s):
                result = running.result()  # answered: no second wait for it
            else:
                raise self._stalled(within_s)
        except ConnectionStalled:
            raise
        except asyncio.CancelledError:
            self.conn.cancel_statement()
            if settle_s > 0:
                if await _settled(running, settle_s):
                    if finished is not None:
                        _if_finished(running, finished, self._pool.source)
                    self._drop_if_lost(running.exception())
                else:
                    log.warning(
                        "source %s: a cancelled write did not end within %g s after its"
                        " ATTENTION: it is audited cancelled; if it commits after all, a"
                        " warning says so",
                        self._pool.source,
                        settle_s,
                    )
                    if finished is not None:  # told late: the audit line is written by then
                        running.add_done_callback(
                            lambda done: _if_finished(done, finished, self._pool.source)
                        )
            raise
        except Exception as exc:
            self._drop_if_lost(exc)
            if settle_s > 0 and isinstance(exc, DriverProcessLost):
                raise WriteOutcomeUnknown(
                    f"the driver process of source {self._pool.source!r} ended while the"
                    " write ran (it may have sent the COMMIT): whether SQL Server committed"
                    " the change is not known. Read the data to see whether the change is"
                    " there before making it again"
                ) from exc
            raise
        return result

    def _drop_if_lost(self, exc: BaseException | None) -> None:
        if not isinstance(exc, Exception):
            return
        info = inspect_error(exc)
        if info.connection_lost:
            # the server went away or restarted: the idle connections are dead too
            self._keep = False
            self._pool.discard_idle()
        elif info.protocol_error:
            self._keep = False  # where this session's stream stands is unknown

    def _stalled(self, within_s: float) -> ConnectionStalled:
        metrics.count_db_error(self._pool.source, None)  # a database error, no number
        self.conn.cancel_statement()
        self._keep = False
        self._pool.discard_idle()
        log.warning(
            "source %s: no answer from the database within %g s; the connection is given up",
            self._pool.source,
            within_s,
        )
        return ConnectionStalled(
            f"the read had not finished after {within_s:g} s (twice query_timeout_s and"
            " 5 s): the database stopped answering, past the query timeout and the wait"
            " for its cancel's answer, and the connection was given up. The network path"
            " to the server may be failing: retry, and if it repeats run `azsql-mcp"
            " check`; a read whose rows arrive slowly for longer than that needs a larger"
            " query_timeout_s",
            transient=True,
        )

    def discard(self) -> None:
        self._keep = False

    def finish(self) -> None:
        running = self._running
        if running is not None and not running.done():
            # cancelled while the driver works (the caller went away and ATTENTION is on
            # its way): give the connection back when the driver is done with it. Every
            # operation rolls back at its end, so it is kept unless that failed (broken)
            # or the error says the session is gone or its stream is lost.
            def release_when_done(done: asyncio.Future[Any]) -> None:
                keep = self._keep and not done.cancelled()
                if not done.cancelled():
                    exc = done.exception()  # retrieved: nobody awaits it any more
                    if exc is not None:
                        info = inspect_error(exc)
                        keep = keep and not (info.connection_lost or info.protocol_error)
                self._pool.release(self.conn, keep=keep and not self.conn.broken)

            running.add_done_callback(release_when_done)
            return
        self._pool.release(self.conn, keep=self._keep and not self.conn.broken)
