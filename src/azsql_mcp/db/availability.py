"""Whether one source's database answers, kept by a background probe.

While the database cannot be reached, calls fail at once with DatabaseUnavailable
instead of hanging, and service comes back by itself when the database does.

The probe never keeps an idle database awake (a serverless Azure SQL database pauses
only with no session open): while the database is up it runs only after calls used the
database, and during an outage its logins back off unless callers are waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyodbc

from azsql_mcp import metrics
from azsql_mcp.api import DatabaseError, DatabaseUnavailable, Limits, QueryTimeout
from azsql_mcp.db import driverconn
from azsql_mcp.db.notices import notice
from azsql_mcp.db.pool import ConnectionPool, PoolBusy, answer_within
from azsql_mcp.db.retry import inspect_error
from azsql_mcp.db.timings import Tuning, query_timeout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str | None = None
    latency_ms: float | None = None


class Availability:
    """One source's outage state, its readiness (/health, the azsql_mcp_source_up
    gauge) and the probe that keeps them; and the server's collation, which the probe
    learns beside its SELECT 1."""

    def __init__(
        self,
        source: str,
        pool: ConnectionPool,
        limits: Limits,
        tuning: Tuning,
        query_error: Callable[[pyodbc.Error], DatabaseError],
    ):
        self._source = source
        self._pool = pool
        self._limits = limits
        self._tuning = tuning
        self._query_error = query_error
        self._outage: str | None = None  # set while calls must fail fast
        self._credentials_refused = False
        self._login_refused = False  # SQL Server refused the login itself (error 18456)
        self._up = metrics.SOURCE_UP.labels(source)
        self._set_readiness(Readiness(False, "starting: not connected yet"))
        self._probe_task: asyncio.Task[None] | None = None
        self._wake_probe = asyncio.Event()
        self._last_call = -math.inf  # monotonic time of the last call that used the pool
        self._last_probe = -math.inf  # monotonic time the last probe started
        self.names_ignore_case: bool | None = None  # the server's collation, once learnt

    def start(self) -> None:
        """Start probing in the background."""
        if self._probe_task is None:
            self._probe_task = asyncio.create_task(
                self._probe_loop(), name=f"azsql-probe-{self._source}"
            )

    async def stop(self) -> None:
        if self._probe_task is not None:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task
            self._probe_task = None

    def readiness(self) -> Readiness:
        return self._readiness

    def _set_readiness(self, state: Readiness) -> None:
        """Every change of readiness passes here: /health reads it, and the
        azsql_mcp_source_up gauge follows it (probes and outages, not each call)."""
        self._readiness = state
        self._up.set(1 if state.ready else 0)

    def admit_call(self) -> None:
        """A call is about to use the pool: DatabaseUnavailable during an outage, else
        noted, so that the probe runs after it."""
        if self._outage is not None:
            if (
                not self._credentials_refused
                and time.monotonic() - self._last_probe >= self._tuning.probe_interval_down_s
            ):
                self._wake_probe.set()  # a caller is waiting: probe now, not after the back-off
            raise self._unavailable(self._outage)
        self._last_call = time.monotonic()

    def enter_outage(
        self,
        reason: str,
        *,
        credentials: bool = False,
        login: bool = False,
        detail: str | None = None,
    ) -> DatabaseUnavailable:
        """Calls fail fast from now on; the probe keeps trying, slowly when the credentials
        were refused (repeated failed logins can lock an account) or could not be had.
        `login`: SQL Server refused the login, which waiting does not fix. `detail`: for
        the log alone (CredentialsFailed.detail)."""
        if self._outage is None:
            said = reason if detail is None else f"{reason} [{detail}]"
            flat = " | ".join(line.strip() for line in said.splitlines() if line.strip())
            log.warning("source %s: database unavailable: %s", self._source, flat)
            notice("error", f"source {self._source}: database unavailable: {reason}")
        self._outage = reason
        self._credentials_refused = credentials
        self._login_refused = login
        self._set_readiness(Readiness(False, reason))
        self._pool.discard_idle()
        self._wake_probe.set()
        return self._unavailable(reason)

    def _unavailable(self, reason: str) -> DatabaseUnavailable:
        if self._login_refused:  # a wait does not help; the probe keeps trying slowly
            return DatabaseUnavailable(
                f"database unavailable: {reason}; the server refused this source's"
                " credentials: an operator must fix them (retrying cannot help before)"
            )
        return DatabaseUnavailable(f"database unavailable: {reason}; retrying in background")

    def _leave_outage(self, latency_ms: float | None) -> None:
        if self._outage is not None or not self._readiness.ready:
            took = "" if latency_ms is None else f" ({latency_ms:.1f} ms)"
            log.info("source %s: database available%s", self._source, took)
            if self._outage is not None:
                notice("info", f"source {self._source}: database available again")
        self._outage = None
        self._credentials_refused = False
        self._login_refused = False
        self._set_readiness(Readiness(True, None, latency_ms))

    async def _probe_loop(self) -> None:
        tuning = self._tuning
        backoff = tuning.probe_interval_down_s
        while True:
            if not self._readiness.ready or self._last_call > self._last_probe:
                try:
                    await self._probe()
                except Exception as exc:  # the probe must outlive any surprise
                    log.exception("source %s: health probe failed", self._source)
                    self._set_readiness(Readiness(False, f"health probe failed: {exc}"))
            # else: no call since the last probe; probing would keep an idle database awake
            if self._readiness.ready:
                interval = tuning.probe_interval_up_s
                backoff = tuning.probe_interval_down_s
            elif self._credentials_refused:
                interval = tuning.probe_interval_refused_s
            else:
                interval = backoff
                backoff = min(backoff * 2, tuning.probe_interval_down_max_s)
            self._wake_probe.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake_probe.wait()

    async def _probe(self) -> None:
        """One health check: a SELECT 1 that bypasses the fail-fast gate."""
        self._last_probe = time.monotonic()
        timeout = query_timeout(self._limits)
        for _ in range(2):  # a second try on a fresh connection if a pooled one was dead
            if self._outage is None and self._pool.full:
                self._leave_outage(self._readiness.latency_ms)  # busy answering: it is up
                return
            started = time.perf_counter()
            try:
                async with self._pool.lease() as lease:
                    await lease.run(driverconn.select_one, timeout, within_s=answer_within(timeout))
                    latency_ms = (time.perf_counter() - started) * 1000
                    if self.names_ignore_case is None:
                        # Learnt once, beside the probe, never failing it: a server that
                        # cannot say (or is too slow to, this time) keeps names compared
                        # as spelled until a later probe learns it.
                        with contextlib.suppress(pyodbc.Error):
                            self.names_ignore_case = await lease.run(
                                driverconn.names_ignore_case,
                                timeout,
                                within_s=answer_within(timeout),
                            )
            except DatabaseUnavailable:
                return  # enter_outage already recorded why
            except PoolBusy:
                if self._outage is None:
                    self._leave_outage(self._readiness.latency_ms)
                return
            except DatabaseError as err:
                self._probe_failed(err)
                return
            except pyodbc.Error as exc:
                info = inspect_error(exc)
                if info.connection_lost:
                    continue
                self._probe_failed(self._query_error(exc))
                return
            self._leave_outage(latency_ms)
            return
        self._set_readiness(Readiness(False, "the connection was lost during the health check"))

    def _probe_failed(self, err: DatabaseError) -> None:
        reason = str(err)
        if isinstance(err, QueryTimeout):  # a query's advice (ask for less) is not for a probe
            reason = (
                "the health probe (SELECT 1) did not answer within query_timeout_s ="
                f" {self._limits.query_timeout_s:g} s: the server is slow or busy"
            )
        self._set_readiness(Readiness(False, reason))
