"""SourceDatabase: the `azsql_mcp.Database` of one configured source.

Reads run in a transaction that is always rolled back, with the source's limits and
query timeout, and transient faults are retried on Microsoft's schedule within
`retry_budget_s`. Writes are retried only when no connection could be opened for them
(nothing was sent). A background probe tracks availability (db/availability.py): while
the database cannot be reached, calls fail at once with DatabaseUnavailable.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pyodbc

from azsql_mcp import metrics
from azsql_mcp.api import (
    AuthProvider,
    Database,
    DatabaseError,
    DatabaseUnavailable,
    Limits,
    ProcedureResult,
    QueryRefused,
    QueryResult,
    Security,
    SourceSettings,
    WriteKind,
    advice,
)
from azsql_mcp.db import (
    driverconn,
    driverdescribe,
    driverrows,
    driverwrites,
    guardworker,
    procedures,
    write_checks,
)
from azsql_mcp.db.availability import Availability, Readiness
from azsql_mcp.db.connstr import (
    attrs_before,
    build_connection_string,
    check_driver_settings,
    parse_server,
)
from azsql_mcp.db.credentials import (
    CredentialsFailed,
    auth_advice,
    obtain_attributes,
    token_driver_refusal,
)
from azsql_mcp.db.driverhosts import DriverHosts
from azsql_mcp.db.drivers import find_driver
from azsql_mcp.db.notices import committed_after_cancel, notice
from azsql_mcp.db.parameters import bind_params, bindable, refuse_unused
from azsql_mcp.db.pool import ConnectionPool, PoolBusy, PooledConnection, answer_within
from azsql_mcp.db.query_errors import query_error
from azsql_mcp.db.reachability import (
    LOGIN_FAILED,
    login_failure_reason,
    reachability_problem,
)
from azsql_mcp.db.result_columns import result_columns
from azsql_mcp.db.retry import (
    DEADLOCK_VICTIM,
    ConnectionLost,
    RetryBudget,
    clean_message,
    inspect_error,
)
from azsql_mcp.db.sessioncontext import session_values
from azsql_mcp.db.sqlpolicy import ReadPolicy
from azsql_mcp.db.timings import Tuning, query_timeout

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a cancelled write is waited for (query_timeout_s if less): ATTENTION has
# stopped its statement, so what is left is at most its COMMIT's round trip.
SETTLE_MAX_S = 5.0
# Retry jitter for every read: one generator, not one seeded from os.urandom per call.
_JITTER = random.Random()


class ConnectFailed(DatabaseError):
    """A new connection could not be opened (as opposed to a query failing)."""


class SourceDatabase(Database):
    """The database handle for one source: implements the `azsql_mcp.Database` protocol
    (declared as its base so that mypy checks every signature against it)."""

    def __init__(
        self,
        name: str,
        settings: SourceSettings,
        security: Security,
        limits: Limits,
        auth: AuthProvider,
        *,
        tuning: Tuning | None = None,
        drivers: DriverHosts | None = None,
    ):
        self.source = name
        self.settings = settings
        self.security = security
        self.limits = limits
        self._auth = auth
        self._tuning = tuning or Tuning()
        self._address = parse_server(settings.server)
        self.driver = find_driver(settings.driver)  # DriverNotFound says what to install
        check_driver_settings(settings, self.driver)  # UnsupportedSetting says the fix
        self._pool = ConnectionPool(
            name,
            self._open_connection,
            size=settings.pool_size,
            acquire_timeout_s=settings.pool_acquire_timeout_s,
            validate_after_s=self._tuning.validate_after_s,
            idle_timeout_s=settings.pool_idle_timeout_s,
            executor=settings.executor,
            drivers=drivers,
        )
        self._availability = Availability(name, self._pool, limits, self._tuning, self._query_error)
        self._uncounted: set[str] = set()  # writing procedures warned about: no row counts

    # --- lifecycle and state -----------------------------------------------------------

    async def start(self) -> None:
        """Start connecting and health probing in the background; returns at once."""
        self._availability.start()

    async def close(self) -> None:
        await self._availability.stop()
        await self._pool.close()

    def policy(self, *, server_state: bool = False) -> ReadPolicy:
        """What this source's statements may reach (databases, server state)."""
        return ReadPolicy.of(
            self.settings.database,
            self.security.allowed_databases,
            allow_server_state=server_state,
            names_ignore_case=self._availability.names_ignore_case is True,  # unknown: as spelled
        )

    def readiness(self) -> Readiness:
        return self._availability.readiness()

    def pool_stats(self) -> dict[str, int]:
        return self._pool.stats()

    # --- the Database protocol ---------------------------------------------------------

    async def read(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_rows: int | None = None,
        offset: int = 0,
        json_values: bool = False,
        server_state: bool = False,
        sql_types: Mapping[str, str] | None = None,
    ) -> QueryResult:
        checked = await guardworker.check_select(sql, policy=self.policy(server_state=server_state))
        args = bind_params(checked.param_names, params, sql_types=sql_types)
        if offset < 0:
            raise ValueError("offset must be 0 or more")
        cap = min(max_rows or self.limits.max_rows, self.limits.max_rows)
        page = await self._retrying(
            driverrows.fetch_page,
            checked.sql,
            args,
            cap,
            offset,
            self.limits.max_result_bytes,
            query_timeout(self.limits),
            json_values,
            (checked.named, checked.param_names),
        )
        columns, rows = page["columns"], page["rows"]
        if columns is None:  # the statement returned no result set
            return QueryResult([], [], duration_ms=page["duration_ms"])
        if page["truncated"]:
            if len(rows) < cap:
                cut_by = f"the size cap (max_result_bytes = {self.limits.max_result_bytes})"
            elif cap < self.limits.max_rows:  # the caller's page, not the operator's cap
                cut_by = f"the rows per page asked for (max_rows = {cap})"
            else:
                cut_by = f"the row cap (max_rows = {cap})"
            notice("info", f"source {self.source}: result cut at {len(rows)} row(s) by {cut_by}")
        return QueryResult(
            result_columns(columns),
            rows,
            truncated=page["truncated"],
            next_offset=offset + len(rows) if page["truncated"] else None,
            duration_ms=page["duration_ms"],
        )

    async def write(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        kinds: Sequence[WriteKind],
        json_values: bool = False,
        sql_types: Mapping[str, str] | None = None,
    ) -> QueryResult:
        self._refuse_if_read_only()
        checked = await write_checks.check_write(self, self.policy(), sql, kinds)
        statement = (checked.sql, bind_params(checked.param_names, params, sql_types=sql_types))
        return (await self._write([statement], json_values))[0]

    async def write_batch(
        self,
        statements: Sequence[str],
        params: Mapping[str, Any] | None = None,
        *,
        json_values: bool = False,
    ) -> list[QueryResult]:
        self._refuse_if_read_only()
        if not statements:
            raise ValueError("write_batch needs at least one statement")
        checked = []
        for number, sql in enumerate(statements, 1):
            try:
                checked.append(
                    await write_checks.check_write(
                        self, self.policy(), sql, ("insert", "update", "delete")
                    )
                )
            except QueryRefused as exc:
                where = f"Statement {number} of {len(statements)}: " if len(statements) > 1 else ""
                raise QueryRefused(where + exc.reason, exc.allowed) from exc
        used = {name for c in checked for name in c.param_names}
        refuse_unused(params, used)
        batch = [(c.sql, bind_params(c.param_names, params, check_unused=False)) for c in checked]
        return await self._write(batch, json_values)

    async def _write(
        self, statements: list[tuple[str, list[Any]]], json_values: bool
    ) -> list[QueryResult]:
        """One transaction, run once (see _write_once)."""
        done = await self._write_once(
            driverwrites.run_writes,
            statements,
            self.limits.max_affected_rows,
            query_timeout(self.limits),
            self.limits.max_rows,
            self.limits.max_result_bytes,
            json_values,
            counted=lambda done: sum(affected for affected, _, _ in done),
        )
        return [_written(*one) for one in done]

    async def _write_once(
        self,
        fn: Callable[..., T],
        *args: Any,
        counted: Callable[[T], int | None],
        keep: bool = True,
    ) -> T:
        """Work that writes, run once: a write that failed midway may have happened, so
        a transient failure is not retried, and says to look before writing again
        (one whose COMMIT failed raises WriteOutcomeUnknown, which says so itself). Only
        a connection that could not be opened for it is retried, on a read's schedule:
        the write was never sent."""
        budget = self._retry_budget()
        while True:
            try:
                return await self._once(fn, *args, keep=keep, counted=counted)
            except DatabaseUnavailable:
                raise
            except ConnectFailed as err:  # no connection: the write was never sent
                delay = budget.next_delay() if self.settings.retry_budget_s > 0 else None
                if delay is None:
                    raise DatabaseError(
                        f"{err}; nothing was sent, so the write did not run",
                        err.number,
                        transient=True,
                    ) from err
                await self._wait_to_retry(err, budget, delay)
            except DatabaseError as err:
                if not err.transient:
                    raise
                raise err.reworded(
                    f"{err}; writes are not retried automatically: check whether the change "
                    "took effect before running it again"
                ) from err

    async def call_procedure(
        self,
        procedure: str,
        params: Mapping[str, Any] | None = None,
        *,
        outputs: Mapping[str, str] | None = None,
        writes: bool = False,
        max_rows: int | None = None,
    ) -> ProcedureResult:
        if writes:
            self._refuse_if_read_only()
        given = (params or {}).items()
        values = {key.lstrip("@"): bindable(key.lstrip("@"), value) for key, value in given}
        batch, last, order = procedures.call_batch(procedure, list(values), outputs or {})
        cap = min(max_rows or self.limits.max_rows, self.limits.max_rows)
        # None: rolled back; a number: committed unless more rows were affected
        max_affected = self.limits.max_affected_rows if writes else None
        args = (batch, [values[name] for name in order], cap, self.limits.max_result_bytes)
        # On a connection closed afterwards: what a procedure leaves on its session
        # (session context keys, some set read_only, which would make every later
        # sp_set_session_context of that key fail; CONTEXT_INFO; cursors) must not
        # reach the next caller, and only a new session clears it all.
        work = (driverwrites.run_procedure, *args, query_timeout(self.limits), max_affected)
        if writes:
            pages, affected, messages = await self._write_once(
                *work, keep=False, counted=lambda done: done[1]
            )
        else:
            pages, affected, messages = await self._retrying(*work, keep=False)
        if writes and affected is None:
            self._warn_uncounted(procedure)
        *sets, final = pages
        if final["columns"] is None or [c for c, _ in final["columns"]] != last:
            raise DatabaseError(f"procedure {procedure} returned no status row")
        status = dict(zip(last, final["rows"][0], strict=True)) if final["rows"] else {}
        return ProcedureResult(
            [
                QueryResult(
                    result_columns(page["columns"] or []),
                    page["rows"],
                    truncated=page["truncated"],
                    duration_ms=page["duration_ms"],
                )
                for page in sets
            ],
            {k: v for k, v in status.items() if k != procedures.RETURN_VALUE},
            status.get(procedures.RETURN_VALUE),
            final["duration_ms"],
            rows_affected=affected if writes else None,
            messages=[clean_message(text) for text in messages],
        )

    def _warn_uncounted(self, procedure: str) -> None:
        """Once per procedure: a writing call that reported no row counts committed
        whatever it changed, as max_affected_rows had nothing to count."""
        if procedure in self._uncounted:
            return
        self._uncounted.add(procedure)
        why = (
            "the FreeTDS driver passes no row counts of a procedure's statements on; "
            "Microsoft's ODBC Driver 18 does"
            if self.driver.kind == "freetds"
            else "it runs SET NOCOUNT ON, which hides them (remove it for the cap to "
            "apply), or it ran no INSERT, UPDATE or DELETE on this call"
        )
        log.warning(
            "source %s: procedure %s (writes = true) reported no row counts, so "
            "max_affected_rows = %d cannot bound what it changes: %s",
            self.source,
            procedure,
            self.limits.max_affected_rows,
            why,
        )

    async def explain(self, sql: str) -> str:
        # Under SHOWPLAN_XML nothing runs, so a plan of a server-state view shows no other
        # session's data.
        checked = await guardworker.check_select(sql, policy=self.policy(server_state=True))
        # Parameters are declared in the batch, not bound (see driverdescribe.showplan).
        names = list(checked.param_names)
        # The session had SHOWPLAN on: it never goes back to the pool.
        return await self._once(
            driverdescribe.showplan, checked.named, names, query_timeout(self.limits), keep=False
        )

    async def ping(self) -> float:
        started = time.perf_counter()
        await self._once(driverconn.select_one, query_timeout(self.limits))
        return (time.perf_counter() - started) * 1000

    # --- running operations --------------------------------------------------------------

    async def _once(
        self,
        fn: Callable[..., T],
        *args: Any,
        keep: bool = True,
        counted: Callable[[T], int | None] | None = None,
    ) -> T:
        """Run `fn(conn, *args)` once on a pooled connection. A write passes `counted`
        (the rows its result says it changed): cancelled, it waits for the work's own end
        (its COMMIT may be on the wire), and one that committed anyway is logged and told
        to the call's audit record instead of passing for rolled back."""
        self._availability.admit_call()
        settle_s, finished = 0.0, None  # a read is not waited for once cancelled
        # a read is given up when the server goes silent; a write is waited for (pool.py)
        bound = answer_within(query_timeout(self.limits))
        within_s: float | None = bound
        if counted is not None:
            settle_s = min(self.limits.query_timeout_s, SETTLE_MAX_S)
            finished = functools.partial(self._committed_anyway, counted)
            within_s = None
        async with self._pool.lease(keep=keep) as lease:
            try:
                if self.settings.session_context:  # every key, on every lease
                    pairs = session_values(self.settings.session_context)
                    await lease.run(
                        driverconn.set_session_context,
                        pairs,
                        query_timeout(self.limits),
                        within_s=bound,
                    )
                return await lease.run(
                    fn, *args, settle_s=settle_s, finished=finished, within_s=within_s
                )
            except pyodbc.Error as exc:
                raise self._query_error(exc) from exc

    def _committed_anyway(self, counted: Callable[[T], int | None], result: T) -> None:
        """A write whose call was cancelled committed: the log and the call's audit
        record say so (a client that went away gets no answer; a call cut by
        call_timeout_s or a shutdown is answered by serving/toolcalls.py)."""
        rows = counted(result)
        log.warning(
            "source %s: a write whose call was cancelled had committed: %s (audited as committed)",
            self.source,
            "it reported no row counts" if rows is None else f"{rows} row(s) changed",
        )
        committed_after_cancel(rows)

    async def _retrying(self, fn: Callable[..., T], *args: Any, keep: bool = True) -> T:
        """Run an idempotent read, retrying transient faults on Microsoft's schedule within
        min(retry_budget_s, query_timeout_s). Two retries come at once: the first after a
        lost connection (it runs on a freshly opened one; only reconnecting waits), and
        those of a deadlock victim (its transaction was rolled back; a read changes
        nothing)."""
        tuning = self._tuning
        budget = self._retry_budget()
        retrying = self.settings.retry_budget_s > 0  # 0 turns retrying off
        deadlocks = 0 if retrying else tuning.deadlock_retries
        reconnected = not retrying
        while True:
            try:
                return await self._once(fn, *args, keep=keep)
            except DatabaseUnavailable:
                raise
            except DatabaseError as err:
                if err.number == DEADLOCK_VICTIM and deadlocks < tuning.deadlock_retries:
                    deadlocks += 1
                    metrics.DB_RETRIES.labels(self.source).inc()
                    log.info("source %s: read chosen as deadlock victim, retrying", self.source)
                    notice("warning", f"source {self.source}: deadlock victim, retrying")
                    continue
                if isinstance(err, ConnectionLost) and not reconnected:
                    reconnected = True  # the pool dropped its idle connections with it
                    metrics.DB_RETRIES.labels(self.source).inc()
                    log.info("source %s: connection lost, retrying on a new one", self.source)
                    notice("warning", f"source {self.source}: connection lost, retrying")
                    continue
                delay = budget.next_delay() if err.transient else None
                if delay is None:
                    if isinstance(err, ConnectFailed):
                        raise self._availability.enter_outage(str(err)) from err
                    raise
                await self._wait_to_retry(err, budget, delay)

    def _retry_budget(self) -> RetryBudget:
        """Microsoft's schedule within min(retry_budget_s, query_timeout_s)."""
        return RetryBudget(
            min(self.settings.retry_budget_s, self.limits.query_timeout_s),
            first_s=self._tuning.retry_first_s,
            cap_s=self._tuning.retry_max_delay_s,
            rng=_JITTER,
        )

    async def _wait_to_retry(self, err: DatabaseError, budget: RetryBudget, delay: float) -> None:
        metrics.DB_RETRIES.labels(self.source).inc()
        log.info(
            "source %s: transient error %s, retry %d in %.2f s",
            self.source,
            err.number,
            budget.attempts,
            delay,
        )
        notice(
            "warning",
            f"source {self.source}: transient error {err.number}, retry"
            f" {budget.attempts} in {delay:.2f} s",
        )
        await asyncio.sleep(delay)

    def _query_error(self, exc: pyodbc.Error) -> DatabaseError:
        return query_error(exc, self.source, self.settings, self.limits)

    def _refuse_if_read_only(self) -> None:
        if self.security.read_only:
            raise QueryRefused(
                f"Source {self.source!r} is read-only (read_only = true), so nothing is written.",
                advice("read_data", "SELECT statements through read_data", "SELECT statements")
                + "; an operator can set read_only = false "
                f"in [security] or [sources.{self.source}.security] to allow writes",
            )

    # --- opening connections -------------------------------------------------------------

    async def _open_connection(self) -> PooledConnection:
        """Open one connection with fresh credentials; the pool calls this."""
        if not self._address.named_instance:  # its port comes from SQL Browser (UDP)
            machine = self._address.machine  # `host\\instance,port`: the host alone resolves
            unreachable = await reachability_problem(
                machine.host,
                machine.effective_port,
                self._tuning.reachability_timeout_s,
            )
            if unreachable is not None:
                if unreachable.unanswered and self._pool.in_use:
                    raise self._busy(unreachable.problem)
                raise self._availability.enter_outage(str(unreachable))
        driver = self.driver
        try:
            attrs = await obtain_attributes(self._auth, self.settings, self.source)
        except CredentialsFailed as exc:
            # a slow credential is not a refusal: probe at the normal pace
            raise self._availability.enter_outage(
                str(exc), credentials=not exc.timed_out, detail=exc.detail
            ) from None
        retire_at = time.monotonic() + self.settings.connection_max_lifetime_s
        token = attrs.access_token
        if token is not None:
            life_s = token.expires_on.timestamp() - time.time()
            if life_s < self._tuning.min_token_life_s:
                # the identity names where a supplied token came from
                who = attrs.identity or f"auth {self.settings.auth!r}"
                advice = (
                    auth_advice(self.settings) if self.settings.auth == "access_token" else None
                )
                raise self._availability.enter_outage(
                    f"{who}: the access token expires at {token.expires_on.isoformat()}, in"
                    f" under {self._tuning.min_token_life_s:g} s; refusing to connect with it"
                    + (f". What to do: {advice}" if advice else ""),
                    credentials=True,
                )
            refusal = token_driver_refusal(driver)
            if refusal is not None:
                raise self._availability.enter_outage("; ".join(refusal))
            # Retire the connection token_margin_s before its token expires; a token with
            # less than twice that left (a supplied token near its end) keeps it for half
            # of its remaining life instead, so the connection is reused meanwhile and
            # still retired at least 30 s before expiry (min_token_life_s is 60 s).
            margin_s = min(self._tuning.token_margin_s, life_s / 2)
            retire_at = min(retire_at, time.monotonic() + life_s - margin_s)
        connection_string = build_connection_string(self.settings, driver, attrs)
        try:
            return await self._pool.connect(
                connection_string,
                attrs_before(attrs),
                self.settings.connection_timeout_s,
                retire_at=retire_at,
            )
        except pyodbc.Error as exc:
            info = inspect_error(exc)
            metrics.count_db_error(self.source, info.number)
            failure = login_failure_reason(
                info.message,
                info.number,
                info.timed_out,
                self._address,
                self.settings,
                token=token is not None,
            )
            if failure.unanswered and self._pool.in_use:
                raise self._busy(failure.problem) from exc
            if info.transient and not info.connection_lost:
                raise ConnectFailed(str(failure), info.number, transient=True) from exc
            refused = info.number == LOGIN_FAILED
            raise self._availability.enter_outage(
                str(failure), credentials=refused, login=refused
            ) from exc

    def _busy(self, reason: str) -> PoolBusy:
        """A new connection timed out while others are answering: the server is slow
        under load, not down, so the source stays up."""
        retry_s = max(1, math.ceil(self.settings.pool_acquire_timeout_s))
        return PoolBusy(
            f"source {self.source!r} is busy: {self._pool.in_use} connections are running "
            f"queries and one more could not be opened ({reason}); retry in {retry_s} s",
            retry_s,
        )


def _written(affected: int, duration_ms: float, returned: driverrows.Page | None) -> QueryResult:
    """One write's result, with the rows its OUTPUT clause returned if it has one."""
    if returned is None:
        return QueryResult([], [], rows_affected=affected, duration_ms=duration_ms)
    return QueryResult(
        result_columns(returned["columns"] or []),
        returned["rows"],
        truncated=returned["truncated"],
        rows_affected=affected,
        duration_ms=duration_ms,
    )
