"""SourceDatabase: the `azsql_mcp.Database` of one configured source.

Reads run in a transaction that is always rolled back, with the source's limits and
query timeout, and transient faults are retried on Microsoft's schedule within
`retry_budget_s`. Writes are retried only when no connection could be opened for them
(nothing was sent). A background probe tracks availability:
while the database cannot be reached, calls fail at once with DatabaseUnavailable
instead of hanging, and service comes back by itself when the database does.

The probe never keeps an idle database awake (a serverless Azure SQL database pauses
only with no session open): while the database is up it runs only after calls used the
database, and during an outage its logins back off unless callers are waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import random
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
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
    QueryTimeout,
    Security,
    SourceSettings,
    WriteKind,
)
from azsql_mcp.db import (
    driverconn,
    driverdescribe,
    driverrows,
    driverwrites,
    guardworker,
    procedures,
    sqlguard,
    write_effects,
    write_filters,
)
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
from azsql_mcp.db.reachability import (
    LOGIN_FAILED,
    login_failure_reason,
    reachability_problem,
)
from azsql_mcp.db.result_columns import result_columns
from azsql_mcp.db.retry import (
    DEADLOCK_VICTIM,
    FIRST_RETRY_S,
    MAX_RETRY_DELAY_S,
    ConnectionLost,
    RetryBudget,
    clean_message,
    inspect_error,
    to_database_error,
)
from azsql_mcp.db.sessioncontext import session_values
from azsql_mcp.db.sqlpolicy import ReadPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")
# Azure SQL Database: 40508 "USE statement is not supported to switch between databases",
# 40515 "Reference to database and/or server name in '...' is not supported".
ONE_DATABASE_ERRORS = frozenset({40508, 40515})
# "Failed to update database '...' because the database is read-only": what a readable
# secondary, where ApplicationIntent=ReadOnly logins are routed, says to a write.
READ_ONLY_DATABASE = 3906
# error_context.name_statement's words at the start of a failed batch statement's message
STATEMENT_NAMED = re.compile(r"(Statement \d+ of \d+) failed:")
# How long a cancelled write is waited for (query_timeout_s if less): ATTENTION has
# stopped its statement, so what is left is at most its COMMIT's round trip.
SETTLE_MAX_S = 5.0
# Retry jitter for every read: one generator, not one seeded from os.urandom per call.
_JITTER = random.Random()


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class Tuning:
    """Timings of the availability machinery; the defaults suit production."""

    probe_interval_up_s: float = 15.0  # while up, and only after calls used the database
    probe_interval_down_s: float = 0.5  # first outage re-probe; also the fastest callers
    # can make it re-probe (how fast service resumes after an outage)
    probe_interval_down_max_s: float = 30.0  # the outage back-off doubles up to this
    probe_interval_refused_s: float = 30.0  # after a refused login or token
    reachability_timeout_s: float = 2.0  # TCP connect check before each new login
    validate_after_s: float = 30.0  # idle time after which a pooled connection is checked
    token_margin_s: float = 300.0  # recycle connections this long before their token expires
    min_token_life_s: float = 60.0  # never open a connection with a token closer to expiry
    retry_first_s: float = FIRST_RETRY_S  # a read's first retry after a transient fault
    retry_max_delay_s: float = MAX_RETRY_DELAY_S
    deadlock_retries: int = 2  # immediate reruns of a read chosen as deadlock victim


# A table of this database (name as written, bracket-quoted parts): its type (SN for a
# synonym, whose columns sys.columns does not list) and whether a column of that name
# may be NULL (NULL when it has no such column). No row: not an object of this database
# that this login can see.
TABLE_COLUMN = """
SELECT o.type, c.is_nullable FROM sys.objects AS o
LEFT JOIN sys.columns AS c ON c.object_id = o.object_id AND c.name = @column
WHERE o.object_id = OBJECT_ID(@table)
"""


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
        self._outage: str | None = None  # set while calls must fail fast
        self._credentials_refused = False
        self._login_refused = False  # SQL Server refused the login itself (error 18456)
        self._up = metrics.SOURCE_UP.labels(name)
        self._set_readiness(Readiness(False, "starting: not connected yet"))
        self._probe_task: asyncio.Task[None] | None = None
        self._wake_probe = asyncio.Event()
        self._last_call = -math.inf  # monotonic time of the last call that used the pool
        self._last_probe = -math.inf  # monotonic time the last probe started
        self._uncounted: set[str] = set()  # writing procedures warned about: no row counts
        self._names_ignore_case: bool | None = None  # the server's collation; the probe learns it

    # --- lifecycle and state -----------------------------------------------------------

    async def start(self) -> None:
        """Start connecting and health probing in the background; returns at once."""
        if self._probe_task is None:
            self._probe_task = asyncio.create_task(
                self._probe_loop(), name=f"azsql-probe-{self.source}"
            )

    async def close(self) -> None:
        if self._probe_task is not None:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task
            self._probe_task = None
        await self._pool.close()

    def policy(self, *, server_state: bool = False) -> ReadPolicy:
        """What this source's statements may reach (databases, server state)."""
        return ReadPolicy.of(
            self.settings.database,
            self.security.allowed_databases,
            allow_server_state=server_state,
            names_ignore_case=self._names_ignore_case is True,  # unknown: as spelled
        )

    def readiness(self) -> Readiness:
        return self._readiness

    def _set_readiness(self, state: Readiness) -> None:
        """Every change of readiness passes here: /health reads it, and the
        azsql_mcp_source_up gauge follows it (probes and outages, not each call)."""
        self._readiness = state
        self._up.set(1 if state.ready else 0)

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
            self._query_timeout(),
            json_values,
            (checked.named, checked.param_names),
        )
        columns, rows = page["columns"], page["rows"]
        if columns is None:  # the statement returned no result set
            return QueryResult([], [], duration_ms=page["duration_ms"])
        if page["truncated"]:
            cut_by = (
                f"the row cap ({cap})"
                if len(rows) >= cap
                else f"the size cap (max_result_bytes = {self.limits.max_result_bytes})"
            )
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
        checked = await self._check_write(sql, kinds)
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
                checked.append(await self._check_write(sql, ("insert", "update", "delete")))
            except QueryRefused as exc:
                where = f"Statement {number} of {len(statements)}: " if len(statements) > 1 else ""
                raise QueryRefused(where + exc.reason, exc.allowed) from exc
        used = {name for c in checked for name in c.param_names}
        refuse_unused(params, used)
        batch = [(c.sql, bind_params(c.param_names, params, check_unused=False)) for c in checked]
        return await self._write(batch, json_values)

    async def _check_write(self, sql: str, kinds: Collection[str]) -> sqlguard.CheckedStatement:
        """check_write, with what only the catalog knows: whether the WHERE filters, and
        whether the cap can count every row the write changes."""
        checked = await self._checked_filter(sql, kinds)
        if not self.security.allow_uncounted_writes:
            await self._refuse_uncounted(checked)
        return checked

    async def _refuse_uncounted(self, checked: sqlguard.CheckedStatement) -> None:
        """QueryRefused when a cascading foreign key or a trigger acts on the table the
        write changes (db/write_effects.py): the statement's row count leaves those rows
        out. Where the guard could not tell that table (a CTE, a derived table), every
        table the statement names is asked (a false refusal says what to do; a missed
        cascade would be committed). A table of another database the operator opened has
        its keys and triggers in that database's catalog, which this source does not ask:
        refused in doubt too."""
        action = checked.kind.upper()
        for parts in (checked.target,) if checked.target else checked.tables:
            name = write_filters.object_name(parts)
            if parts[-1].startswith("#"):
                continue  # "A DML trigger cannot be created on a temporary ... table", and
                # a foreign key on one is not enforced (message 1756)
            if not self._in_catalog(parts):
                raise QueryRefused(
                    write_effects.unchecked(action, name, parts[0]), write_effects.ALLOWED
                )
            statement, values = write_effects.uncounted_statement(
                name, action, checked.updated_columns
            )
            found = write_effects.uncounted(await self.read(statement, values), action)
            if found:
                raise QueryRefused(
                    write_effects.refusal(action, name, found), write_effects.ALLOWED
                )

    async def _checked_filter(self, sql: str, kinds: Collection[str]) -> sqlguard.CheckedStatement:
        """check_write, then again knowing which columns tested IS NOT NULL cannot be NULL
        (`WHERE key IS NOT NULL` is always true and must not pass for a filter). A column
        of a table whose columns cannot be looked up counts as one that cannot be NULL."""
        allow = self.security.allow_unfiltered_writes
        checked = await guardworker.check_write(
            sql, kinds, allow_unfiltered=allow, policy=self.policy()
        )
        if allow or checked.kind == "insert" or not checked.not_null_tests:
            return checked
        non_nullable: list[str] = []
        unseen: set[str] = set()
        for column in checked.not_null_tests:
            never_null, unknown = await self._never_null(checked.tables, column)
            if never_null or unknown:
                non_nullable.append(column)
                unseen.update(unknown)
        if not non_nullable:
            return checked
        try:
            return await guardworker.check_write(
                sql, kinds, allow_unfiltered=allow, policy=self.policy(), non_nullable=non_nullable
            )
        except QueryRefused as exc:
            if not unseen:
                raise
            raise QueryRefused(
                f"{exc.reason} The server cannot look up the columns of"
                f" {', '.join(sorted(unseen))} (a table of another database, a synonym, a"
                " temporary table, or one this login cannot see), so it cannot tell whether"
                " an IS NOT NULL test on them filters, and counts it as always true.",
                exc.allowed,
            ) from None

    def _in_catalog(self, parts: Sequence[str]) -> bool:
        """Whether this database's catalog views can tell of a table so named: OBJECT_ID
        resolves another database's name to that database's id, which they know nothing
        of (or give to another object)."""
        return len(parts) < 3 or self.policy().is_own(parts[0])

    async def _never_null(
        self, tables: Sequence[tuple[str, ...]], column: str
    ) -> tuple[bool, list[str]]:
        """Whether a column of that name is NOT NULL in one of the statement's tables; if
        not, the tables whose columns could not be looked up."""
        unknown: list[str] = []
        for parts in tables:
            name = write_filters.object_name(parts)
            if not self._in_catalog(parts):
                unknown.append(name)
                continue
            found = await self.read(TABLE_COLUMN, {"table": name, "column": column})
            if not found.rows or str(found.rows[0][0]).strip() == "SN":
                unknown.append(name)
            elif found.rows[0][1] is not None and not found.rows[0][1]:
                return True, []
        return False, unknown

    async def _write(
        self, statements: list[tuple[str, list[Any]]], json_values: bool
    ) -> list[QueryResult]:
        """One transaction, run once (see _write_once)."""
        done = await self._write_once(
            driverwrites.run_writes,
            statements,
            self.limits.max_affected_rows,
            self._query_timeout(),
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
                raise DatabaseError(
                    f"{err}; writes are not retried automatically: check whether the change "
                    "took effect before running it again",
                    err.number,
                    transient=True,
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
        work = (driverwrites.run_procedure, *args, self._query_timeout(), max_affected)
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
            driverdescribe.showplan, checked.named, names, self._query_timeout(), keep=False
        )

    async def ping(self) -> float:
        started = time.perf_counter()
        await self._once(driverconn.select_one, self._query_timeout())
        return (time.perf_counter() - started) * 1000

    # --- running operations --------------------------------------------------------------

    def _query_timeout(self) -> int:
        # pyodbc takes whole seconds; 0 would mean "no timeout"
        return max(1, math.ceil(self.limits.query_timeout_s))

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
        self._fail_fast_when_down()
        self._last_call = time.monotonic()
        settle_s, finished = 0.0, None  # a read is not waited for once cancelled
        # a read is given up when the server goes silent; a write is waited for (pool.py)
        bound = answer_within(self._query_timeout())
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
                        driverconn.set_session_context, pairs, self._query_timeout(), within_s=bound
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
                        raise self._enter_outage(str(err)) from err
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
        info = inspect_error(exc)
        metrics.count_db_error(self.source, info.number)
        if info.timed_out:
            named = STATEMENT_NAMED.match(info.message)  # which of a batch (run_writes)
            return QueryTimeout(
                (f"{named[1]}: " if named else "")
                + "the query did not finish within query_timeout_s = "
                f"{self.limits.query_timeout_s:g} s and was cancelled on the server; "
                "ask for less (a narrower WHERE, fewer rows or columns, less to sort or"
                " join), or ask the operator for a longer [limits] query_timeout_s. A query"
                " that is usually quick may instead have waited on another session's locks"
                " (a long transaction writing the same rows): try it again in a while"
            )
        if info.number in ONE_DATABASE_ERRORS:
            return DatabaseError(
                f"{info.message} This server (Azure SQL Database, or another Azure engine of"
                " one database per connection) reaches only the database a connection opened:"
                " no three- or four-part names of another, and security.allowed_databases"
                " cannot change that there. To read another user database, configure a source"
                " for it ([sources.NAME] with its own `database`) and query it through that"
                " source.",
                info.number,
            )
        if info.number == READ_ONLY_DATABASE and self.settings.application_intent == "read_only":
            return DatabaseError(
                f"{info.message} Source {self.source!r} logs in with application_intent ="
                " 'read_only', which routes it to a readable secondary (availability group,"
                " read scale-out) where nothing can be written. Ask the operator to write"
                " through a source with application_intent = 'read_write', or to set"
                f" read_only = true in [sources.{self.source}.security] so that no write"
                " tool is offered for this one.",
                info.number,
            )
        return to_database_error(exc)

    def _refuse_if_read_only(self) -> None:
        if self.security.read_only:
            raise QueryRefused(
                f"Source {self.source!r} is read-only (read_only = true), so nothing is written.",
                "SELECT statements through read_data; an operator can set read_only = false "
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
                raise self._enter_outage(str(unreachable))
        driver = self.driver
        try:
            attrs = await obtain_attributes(self._auth, self.settings, self.source)
        except CredentialsFailed as exc:
            # a slow credential is not a refusal: probe at the normal pace
            raise self._enter_outage(
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
                raise self._enter_outage(
                    f"{who}: the access token expires at {token.expires_on.isoformat()}, in"
                    f" under {self._tuning.min_token_life_s:g} s; refusing to connect with it"
                    + (f". What to do: {advice}" if advice else ""),
                    credentials=True,
                )
            refusal = token_driver_refusal(driver)
            if refusal is not None:
                raise self._enter_outage("; ".join(refusal))
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
            raise self._enter_outage(str(failure), credentials=refused, login=refused) from exc

    def _busy(self, reason: str) -> PoolBusy:
        """A new connection timed out while others are answering: the server is slow
        under load, not down, so the source stays up."""
        retry_s = max(1, math.ceil(self.settings.pool_acquire_timeout_s))
        return PoolBusy(
            f"source {self.source!r} is busy: {self._pool.in_use} connections are running "
            f"queries and one more could not be opened ({reason}); retry in {retry_s} s",
            retry_s,
        )

    # --- availability --------------------------------------------------------------------

    def _fail_fast_when_down(self) -> None:
        if self._outage is not None:
            if (
                not self._credentials_refused
                and time.monotonic() - self._last_probe >= self._tuning.probe_interval_down_s
            ):
                self._wake_probe.set()  # a caller is waiting: probe now, not after the back-off
            raise self._unavailable(self._outage)

    def _enter_outage(
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
            log.warning("source %s: database unavailable: %s", self.source, flat)
            notice("error", f"source {self.source}: database unavailable: {reason}")
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
            log.info("source %s: database available%s", self.source, took)
            if self._outage is not None:
                notice("info", f"source {self.source}: database available again")
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
                    log.exception("source %s: health probe failed", self.source)
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
                await asyncio.wait_for(self._wake_probe.wait(), interval)

    async def _probe(self) -> None:
        """One health check: a SELECT 1 that bypasses the fail-fast gate."""
        self._last_probe = time.monotonic()
        for _ in range(2):  # a second try on a fresh connection if a pooled one was dead
            if self._outage is None and self._pool.full:
                self._leave_outage(self._readiness.latency_ms)  # busy answering: it is up
                return
            started = time.perf_counter()
            try:
                async with self._pool.lease() as lease:
                    await lease.run(
                        driverconn.select_one,
                        self._query_timeout(),
                        within_s=answer_within(self._query_timeout()),
                    )
                    latency_ms = (time.perf_counter() - started) * 1000
                    if self._names_ignore_case is None:
                        # Learnt once, beside the probe, never failing it: a server that
                        # cannot say (or is too slow to, this time) keeps names compared
                        # as spelled until a later probe learns it.
                        with contextlib.suppress(pyodbc.Error):
                            self._names_ignore_case = await lease.run(
                                driverconn.names_ignore_case,
                                self._query_timeout(),
                                within_s=answer_within(self._query_timeout()),
                            )
            except DatabaseUnavailable:
                return  # _enter_outage already recorded why
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
                f" {self.limits.query_timeout_s:g} s: the server is slow or busy"
            )
        self._set_readiness(Readiness(False, reason))


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
