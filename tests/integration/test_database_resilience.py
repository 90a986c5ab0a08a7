"""Transient faults, outages, dropped connections, TLS and token expiry, and the driver
process (its end, its crash, signals), against the TDS test server with Microsoft's ODBC
Driver 18."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken as AzureAccessToken
from waiting import wait_until

from azsql_mcp import (
    DatabaseError,
    DatabaseUnavailable,
    Limits,
    QueryTimeout,
    Security,
    SourceSettings,
    WriteOutcomeUnknown,
)
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.db.pool import answer_within
from azsql_mcp.db.timings import Tuning
from azsql_mcp.metrics import REGISTRY
from azsql_mcp.plugins.builtin_auth import ManagedIdentity, SqlLogin
from tds_test_server import Fault, ThreadedTdsServer

# Microsoft's retry schedule (5 s, 10 s, ...) scaled down for tests
FAST = Tuning(
    probe_interval_up_s=0.5, probe_interval_down_s=0.2, retry_first_s=0.05, retry_max_delay_s=0.4
)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


def settings(server: ThreadedTdsServer, **values: Any) -> SourceSettings:
    base: dict[str, Any] = {
        "server": f"tcp:{server.host},{server.port}",
        "username": server.user,
        "password": server.password,
        "encrypt": "no",
        "retry_budget_s": 10,
        "connection_timeout_s": 5,
    }
    return SourceSettings.model_validate(base | values)


def make_db(
    server: ThreadedTdsServer,
    name: str,
    *,
    security: Security | None = None,
    tuning: Tuning = FAST,
    limits: Limits | None = None,
    **values: Any,
) -> SourceDatabase:
    source = settings(server, **values)
    return SourceDatabase(
        name, source, security or Security(), limits or Limits(), SqlLogin(source), tuning=tuning
    )


def retries(source: str) -> float:
    return REGISTRY.get_sample_value("azsql_mcp_db_retries_total", {"source": source}) or 0.0


def source_up(source: str) -> float | None:
    return REGISTRY.get_sample_value("azsql_mcp_source_up", {"source": source})


async def test_40613_on_the_next_two_logins_is_ridden_out(server: ThreadedTdsServer) -> None:
    db = make_db(server, "paused")
    logins = len(server.record.logins)
    with server.faulted("error:40613@login:2"):
        try:
            assert (await db.read("SELECT 1")).rows == [(1,)]
            assert len(server.record.logins) - logins == 3
            assert retries("paused") == 2
        finally:
            await db.close()


async def test_40613_on_a_write_is_not_retried(server: ThreadedTdsServer) -> None:
    # no catalog read before the write (write_effects), so the fault meets the write
    security = Security(read_only=False, allow_uncounted_writes=True)
    db = make_db(server, "writes", security=security)
    try:
        await db.ping()
        statements = len(server.record.statements)
        with server.faulted("error:40613@query:1"):
            with pytest.raises(DatabaseError) as failure:
                await db.write(
                    "UPDATE SalesLT.Customer SET Title = @t WHERE CustomerID = @id",
                    {"t": "Dr.", "id": 1},
                    kinds=["update"],
                )
            assert failure.value.number == 40613 and failure.value.transient
            assert retries("writes") == 0
            # the fault answers before the statement runs: a retry would have run it
            assert not any("UPDATE" in s.upper() for s in server.record.statements[statements:])
            title = await db.read("SELECT Title FROM SalesLT.Customer WHERE CustomerID = 1")
            assert title.rows[0][0] != "Dr."
    finally:
        await db.close()


async def test_40613_at_a_writes_login_is_ridden_out(server: ThreadedTdsServer) -> None:
    """A write whose connection could not be opened was never sent: retried on a read's
    schedule, it runs once, where the client used to be told to try again itself."""
    security = Security(read_only=False, allow_uncounted_writes=True)
    db = make_db(server, "write-login", security=security)
    logins, statements = len(server.record.logins), len(server.record.statements)
    with server.faulted("error:40613@login:2"):
        try:
            result = await db.write(
                "UPDATE SalesLT.Customer SET Title = @t WHERE CustomerID = @id",
                {"t": "Ms.", "id": 2},
                kinds=["update"],
            )
            assert result.rows_affected == 1
            assert len(server.record.logins) - logins == 3 and retries("write-login") == 2
            updates = [s for s in server.record.statements[statements:] if "UPDATE" in s.upper()]
            assert len(updates) == 1
        finally:
            await db.close()


async def test_dropped_connection_mid_result(server: ThreadedTdsServer) -> None:
    db = make_db(server, "dropped", retry_budget_s=0, limits=Limits(max_rows=10_000))
    try:
        await db.ping()
        with server.faulted("drop@query:1"):
            with pytest.raises(DatabaseError, match="connection to the database was lost") as lost:
                # more rows than the half packet that arrives before the drop
                await db.read("SELECT * FROM SalesLT.SalesOrderDetail")
            assert lost.value.transient and not isinstance(lost.value, DatabaseUnavailable)
            assert (await db.read("SELECT 1")).rows == [(1,)]
    finally:
        await db.close()


@pytest.mark.parametrize("driver", [None, "FreeTDS"], ids=["msodbc", "freetds"])
async def test_a_drop_after_a_page_was_read_keeps_the_page(
    server: ThreadedTdsServer, driver: str | None
) -> None:
    """The rows of the page arrived before the connection dropped; only the cancel of
    the rest met the drop (FreeTDS said "Unknown error" for it, which was the caller's
    answer). The page stands, and the dead connection is not reused."""
    db = make_db(
        server, "dropped-late", retry_budget_s=0, driver=driver, limits=Limits(max_rows=100)
    )
    try:
        await db.ping()
        with server.faulted("drop@query:1~SalesOrderDetail"):
            page = await db.read("SELECT TOP (3000) * FROM SalesLT.SalesOrderDetail")
            assert len(page.rows) == 100 and page.truncated
            assert (await db.read("SELECT 1 AS one")).rows == [(1,)]
    finally:
        await db.close()


async def test_dropped_connection_is_retried_for_reads(server: ThreadedTdsServer) -> None:
    db = make_db(server, "dropped-retry")
    try:
        await db.ping()
        with server.faulted("drop@query:1"):
            result = await db.read("SELECT TOP (10) * FROM SalesLT.SalesOrderDetail")
            assert len(result.rows) == 10 and retries("dropped-retry") == 1
    finally:
        await db.close()


async def test_outage_fails_fast_and_recovers_without_a_restart() -> None:
    with ThreadedTdsServer() as srv:
        db = make_db(srv, "outage")
        assert source_up("outage") == 0  # starting
        await db.start()
        try:
            await wait_until(lambda: db.readiness().ready)
            assert source_up("outage") == 1
            assert (await db.read("SELECT 1")).rows == [(1,)]
            srv.stop()
            # the first call finds the connection dead, the next ones fail at once
            for _ in range(5):
                started = time.monotonic()
                with pytest.raises(DatabaseUnavailable, match="database unavailable: cannot reach"):
                    await db.read("SELECT 1")
                assert time.monotonic() - started < 2.5
            readiness = db.readiness()
            assert not readiness.ready and readiness.reason is not None
            assert "connection refused" in readiness.reason
            assert source_up("outage") == 0
            srv.start()  # the same port
            await wait_until(lambda: db.readiness().ready)
            assert source_up("outage") == 1
            assert (await db.read("SELECT 1")).rows == [(1,)]
        finally:
            await db.close()


async def test_login_failure_is_reported_by_readiness(server: ThreadedTdsServer) -> None:
    db = make_db(server, "badlogin", password="wrong")
    await db.start()
    try:
        await wait_until(lambda: "login failed" in (db.readiness().reason or ""))
        with pytest.raises(DatabaseUnavailable, match="login failed: Login failed for user") as e:
            await db.read("SELECT 1")
        # not "retrying in background": waiting does not fix a password
        assert "an operator must fix" in str(e.value) and "background" not in str(e.value)
    finally:
        await db.close()


async def test_a_probe_that_times_out_says_so_not_what_a_caller_should_ask(
    server: ThreadedTdsServer,
) -> None:
    """/health's reason: the probe is no caller's query, so no "ask for less" advice."""
    db = make_db(server, "slowprobe", limits=Limits(query_timeout_s=0.5))
    with server.faulted("delay:2@query"):
        await db.start()
        try:
            await wait_until(lambda: db.readiness().reason != "starting: not connected yet")
            assert db.readiness().reason == (
                "the health probe (SELECT 1) did not answer within query_timeout_s = 0.5 s:"
                " the server is slow or busy"
            )
            assert source_up("slowprobe") == 0
        finally:
            await db.close()


@pytest.mark.parametrize("tells", [True, False], ids=["collation", "no-collation"])
async def test_the_probe_learns_how_the_server_compares_database_names(
    server: ThreadedTdsServer, tells: bool
) -> None:
    """Once, with the first probe: a case-insensitive server collation makes
    [ADVENTUREWORKSLT] the source's own database; a server that cannot say is ready
    all the same, and names stay compared as spelled."""
    own = "AdventureWorksLT"
    refused = () if tells else ("error:195@query~ComparisonStyle",)
    with server.faulted(*refused):
        db = make_db(server, "collation", database=own)
        assert not db.policy().is_own(own.upper())  # not known yet: as spelled
        await db.start()
        try:
            await wait_until(lambda: db.readiness().ready)
            await wait_until(lambda: db.policy().is_own(own.upper()) or not tells)
            assert db.policy().is_own(own.upper()) is tells and db.policy().is_own(own + " ")
        finally:
            await db.close()


async def test_a_slow_answer_about_the_collation_fails_no_probe(server: ThreadedTdsServer) -> None:
    """The collation is asked beside the probe's SELECT 1, never failing it: a server too
    slow to say (the question runs past query_timeout_s) is ready all the same, with names
    compared as spelled, and a later probe learns it."""
    own = "AdventureWorksLT"
    with server.faulted("delay:3@query:1~ComparisonStyle"):
        db = make_db(server, "slowcollation", database=own, limits=Limits(query_timeout_s=1))
        await db.start()
        try:
            await wait_until(lambda: db.readiness().ready)
            assert db.readiness().ready and not db.policy().is_own(own.upper())
            await wait_until(lambda: not server.faults.faults)  # the slow question was asked
            await db.read("SELECT 1")  # a call: the next probe comes
            await wait_until(lambda: db.policy().is_own(own.upper()))
            assert db.readiness().ready
        finally:
            await db.close()


async def test_pool_acquire_timeout_bounds_waiting(server: ThreadedTdsServer) -> None:
    db = make_db(server, "busy", pool_size=1, pool_acquire_timeout_s=0.3)
    try:
        await db.ping()
        with server.faulted("delay:1.5@query:1"):
            slow = asyncio.create_task(db.read("SELECT 1"))
            await asyncio.sleep(0.2)
            with pytest.raises(DatabaseError, match="is busy: all 1 connections"):
                await db.read("SELECT 2")
            assert (await slow).rows == [(1,)]
    finally:
        await db.close()


async def test_tls_with_trust_server_certificate() -> None:
    with ThreadedTdsServer(tls=True) as srv:
        db = make_db(srv, "tls", encrypt="yes", trust_server_certificate=True)
        try:
            assert (await db.read("SELECT 1")).rows == [(1,)]
            assert srv.record.logins[-1].encryption != "none"
        finally:
            await db.close()


class ShortLivedCredential:
    def __init__(self, lifetime_s: float):
        self.lifetime_s = lifetime_s
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        self.calls += 1
        return AzureAccessToken(f"token-{self.calls}", int(time.time() + self.lifetime_s))


async def test_connections_retire_before_their_token_expires(server: ThreadedTdsServer) -> None:
    credential = ShortLivedCredential(lifetime_s=4.5)  # 3.5 to 4.5 s (whole seconds)
    source = settings(server, auth="managed_identity")
    auth = ManagedIdentity(source, credential=credential)
    # retire connections 1 to 2.25 s after they open: token life minus the margin, the
    # margin capped at half the token's life
    tuning = Tuning(token_margin_s=2.5, min_token_life_s=1)
    db = SourceDatabase("tokens", source, Security(), Limits(), auth, tuning=tuning)
    try:
        logins = len(server.record.logins)
        await db.read("SELECT 1")
        await db.read("SELECT 1")
        assert len(server.record.logins) - logins == 1
        assert server.record.logins[-1].access_token == "token-1"
        await asyncio.sleep(2.6)
        await db.read("SELECT 1")
        assert len(server.record.logins) - logins == 2
        assert server.record.logins[-1].access_token == "token-2"  # refreshed: near expiry
    finally:
        await db.close()


async def test_never_connects_with_a_token_about_to_expire(server: ThreadedTdsServer) -> None:
    source = settings(server, auth="managed_identity")
    auth = ManagedIdentity(source, credential=ShortLivedCredential(lifetime_s=20))
    db = SourceDatabase("expiring", source, Security(), Limits(), auth)
    logins = len(server.record.logins)
    try:
        with pytest.raises(DatabaseUnavailable, match="refusing to connect"):
            await db.read("SELECT 1")
        assert len(server.record.logins) == logins
    finally:
        await db.close()


# --- the driver process (db/driverhost.py): a child process per source ----------------


def driver_pids() -> set[int]:
    """This process's children that run driverhost.py."""
    pids = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    if b"driverhost.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                        pids.add(int(child))
    return pids


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie would mean nobody reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.driver_process
async def test_one_driver_process_per_source_ended_by_close(server: ThreadedTdsServer) -> None:
    before = driver_pids()
    first, second = make_db(server, "first"), make_db(server, "second")
    try:
        assert (await first.read("SELECT 1 AS one")).rows == [(1,)]
        assert (await second.read("SELECT 2 AS two")).rows == [(2,)]
        started = driver_pids() - before
        assert len(started) == 2
        for pid in started:
            # stdout may be the MCP stdio channel: the driver process never writes there
            assert os.readlink(f"/proc/{pid}/fd/1") == "/dev/null"
    finally:
        await first.close()
        await second.close()
    assert not any(running(pid) for pid in started)


async def test_executor_thread_keeps_the_connections_in_the_server_process(
    server: ThreadedTdsServer,
) -> None:
    """`executor = "thread"` (the portable choice, Windows' default) starts no driver
    process; cancelling mid-query still cancels on the server and frees the connection."""
    before = driver_pids()
    database = make_db(server, "threads", executor="thread")
    try:
        assert (await database.read("SELECT 1 AS one")).rows == [(1,)]
        assert driver_pids() == before
        with server.faulted("delay:30@query:1"):
            reading = asyncio.create_task(database.read("SELECT 2 AS two"))
            await asyncio.sleep(0.5)
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
            await wait_until(lambda: database.pool_stats()["in_use"] == 0)
            assert (await database.read("SELECT 3 AS three")).rows == [(3,)]
    finally:
        await database.close()


@pytest.mark.driver_process
async def test_reads_carry_on_after_the_driver_process_dies(server: ThreadedTdsServer) -> None:
    database = make_db(server, "crashing")
    try:
        before = driver_pids()
        assert (await database.read("SELECT 1 AS one")).rows == [(1,)]
        (crashed,) = driver_pids() - before
        os.kill(crashed, signal.SIGKILL)
        for _ in range(50):  # until the server has noticed and reaped it
            if not running(crashed):
                break
            await asyncio.sleep(0.1)
        assert not running(crashed)
        # the lost connections count as transient: the read is retried in a new process
        assert (await database.read("SELECT 2 AS two")).rows == [(2,)]
        (restarted,) = driver_pids() - before
        assert restarted != crashed
    finally:
        await database.close()


@pytest.mark.driver_process
async def test_a_write_whose_driver_process_dies_has_an_unknown_outcome(
    server: ThreadedTdsServer,
) -> None:
    """The process may have sent the COMMIT before it died: the write is reported (and
    audited) as of unknown outcome, as a COMMIT that timed out is. This one had not
    committed: SQL Server rolled it back with its connection."""
    security = Security(read_only=False, allow_uncounted_writes=True)
    database = make_db(server, "killed-writing", security=security)
    try:
        before = driver_pids()
        await database.ping()
        (pid,) = driver_pids() - before
        with server.faulted("delay:5@query:1~UPDATE"):
            writing = asyncio.create_task(
                database.write(
                    "UPDATE SalesLT.Customer SET Title = @t WHERE CustomerID = @id",
                    {"t": "Killed.", "id": 2},
                    kinds=["update"],
                )
            )
            await asyncio.sleep(0.5)
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(
                WriteOutcomeUnknown, match=r"driver process .* ended while the write"
            ):
                await writing
            title = await database.read("SELECT Title FROM SalesLT.Customer WHERE CustomerID = 2")
            assert title.rows[0][0] != "Killed."
    finally:
        await database.close()


@pytest.mark.driver_process
async def test_signals_for_the_process_group_leave_it_running(server: ThreadedTdsServer) -> None:
    """Ctrl-C and a supervisor's SIGTERM reach the whole group; the server ends the
    driver process itself, once its calls are done."""
    database = make_db(server, "signalled")
    try:
        before = driver_pids()
        await database.read("SELECT 1 AS one")
        (pid,) = driver_pids() - before
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            os.kill(pid, sig)
        await asyncio.sleep(0.2)
        assert running(pid)
        assert (await database.read("SELECT 3 AS three")).rows == [(3,)]
    finally:
        await database.close()
    assert not running(pid)


async def test_a_caller_cancelled_while_an_idle_connection_is_checked_closes_it(
    server: ThreadedTdsServer,
) -> None:
    """The check (SELECT 1) goes on in the driver process; once it is done the
    connection is closed there, not left open with no pool holding it."""
    quiet = dataclasses.replace(FAST, probe_interval_up_s=600, validate_after_s=0)
    database = make_db(server, "checking", tuning=quiet)
    try:
        before = set(server.engine.sessions())
        await database.read("SELECT 1 AS one")  # leaves one idle connection
        # its session: others of this module's server may end meanwhile
        ours = set(server.engine.sessions()) - before
        assert ours
        with server.faulted("delay:1@query:1"):  # the check of that connection
            reading = asyncio.create_task(database.read("SELECT 2 AS two"))
            await asyncio.sleep(0.3)
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
            await wait_until(lambda: not ours & set(server.engine.sessions()))
            assert database.pool_stats()["in_use"] == 0
    finally:
        await database.close()


@pytest.mark.parametrize("driver", [None, "FreeTDS"], ids=["msodbc", "freetds"])
async def test_a_server_silent_mid_result_bounds_the_read(driver: str | None) -> None:
    """Half a packet of the result, then nothing, ATTENTION unanswered: Driver 18 alone
    waits about two minutes for the ATTENTION's answer, then says "The driver did not
    supply an error!". The read ends within its bound (pool.answer_within), saying so;
    another source's reads go on meanwhile, and the next read works."""
    with ThreadedTdsServer(sample=True) as srv:
        limits = Limits(query_timeout_s=1, max_rows=100_000)
        database = make_db(srv, "silent", limits=limits, driver=driver)
        other = make_db(srv, "talking", driver=driver)
        try:
            await database.ping()
            errors = {"source": "silent", "number": "0"}
            before = REGISTRY.get_sample_value("azsql_mcp_db_errors_total", errors) or 0.0
            srv.add_fault(Fault.parse("stall@query:1~SalesOrderDetail"))
            started = time.monotonic()
            reading = asyncio.create_task(database.read("SELECT * FROM SalesLT.SalesOrderDetail"))
            await asyncio.sleep(0.3)
            assert (await other.read("SELECT 1 AS one")).rows == [(1,)]
            with pytest.raises(DatabaseError) as stalled:
                await reading
            took = time.monotonic() - started
            assert took < answer_within(1) + 2, took
            assert stalled.value.transient or isinstance(stalled.value, QueryTimeout)
            # counted as the database errors are (FreeTDS's own timeout as error 0 too)
            assert REGISTRY.get_sample_value("azsql_mcp_db_errors_total", errors) == before + 1
            assert (await database.read("SELECT 2 AS two")).rows == [(2,)]
        finally:
            srv.stop()  # ends the silent session, which a stuck driver thread waits on
            await database.close()
            await other.close()


async def test_the_probe_ends_when_cancelled_as_it_is_woken(server: ThreadedTdsServer) -> None:
    """Cancelled in the step its wake-up came (a shutdown as a call fails and wakes it),
    the probe's asyncio.wait_for (Python 3.11) passed the wake-up on and dropped the
    cancel: the probe went on, and an event loop closing waited for it for ever."""
    db = make_db(server, "woken", tuning=dataclasses.replace(FAST, probe_interval_up_s=60))
    await db.start()
    try:
        await wait_until(lambda: db.readiness().ready)
        await asyncio.sleep(0.1)  # the probe waits for its interval or a wake-up
        availability = db._availability
        task = availability._probe_task
        assert task is not None
        availability._wake_probe.set()
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=10)
        assert done and task.cancelled()
    finally:
        await db.close()
