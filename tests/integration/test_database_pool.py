"""Retries on Microsoft's schedule, busy-is-not-down, idle connections and a probe that
lets a serverless database pause: SourceDatabase against the TDS test server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from waiting import wait_until

from azsql_mcp import DatabaseError, DatabaseUnavailable, Limits, Security, SourceSettings
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.db.pool import PoolBusy
from azsql_mcp.db.timings import Tuning
from azsql_mcp.metrics import REGISTRY
from azsql_mcp.plugins.builtin_auth import SqlLogin
from tds_test_server import ThreadedTdsServer

# Microsoft's schedule (first retry after 5 s) scaled down, and quick probing
FAST = Tuning(
    probe_interval_up_s=0.1,
    probe_interval_down_s=0.05,
    probe_interval_down_max_s=0.4,
    retry_first_s=0.05,
    retry_max_delay_s=0.4,
)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


def make_db(
    tds: ThreadedTdsServer,
    name: str,
    *,
    tuning: Tuning = FAST,
    limits: Limits | None = None,
    **values: Any,
) -> SourceDatabase:
    base: dict[str, Any] = {
        "server": f"tcp:{tds.host},{tds.port}",
        "username": tds.user,
        "password": tds.password,
        "encrypt": "no",
        "retry_budget_s": 10,
        "connection_timeout_s": 5,
    }
    source = SourceSettings.model_validate(base | values)
    return SourceDatabase(
        name, source, Security(), limits or Limits(), SqlLogin(source), tuning=tuning
    )


def retries(source: str) -> float:
    return REGISTRY.get_sample_value("azsql_mcp_db_retries_total", {"source": source}) or 0.0


def probes(server: ThreadedTdsServer, since: int) -> int:
    return sum(1 for s in server.record.statements[since:] if s.strip().upper() == "SELECT 1")


# --- retries (issue 14.7) -----------------------------------------------------------------


async def test_the_first_reconnect_retry_waits_about_5_s(server: ThreadedTdsServer) -> None:
    """With Microsoft's schedule a 3 s budget holds no retry: the login is tried once."""
    db = make_db(server, "schedule", tuning=Tuning(), retry_budget_s=3)
    logins = len(server.record.logins)
    try:
        with server.faulted("error:40613@login:1"):
            with pytest.raises(DatabaseUnavailable, match="not currently available"):
                await db.read("SELECT 1")
            assert len(server.record.logins) - logins == 1 and retries("schedule") == 0
    finally:
        await db.close()


async def test_query_timeout_bounds_the_retrying(server: ThreadedTdsServer) -> None:
    """retry_budget_s = 10 but query_timeout_s = 1: a 2 s first retry does not fit."""
    tuning = dataclasses.replace(FAST, retry_first_s=2, retry_max_delay_s=2)
    db = make_db(server, "bounded", tuning=tuning, limits=Limits(query_timeout_s=1))
    try:
        await db.ping()
        with server.faulted("error:40613@query:1"):
            with pytest.raises(DatabaseError, match="not currently available"):
                await db.read("SELECT 1")
            assert retries("bounded") == 0
    finally:
        await db.close()


@pytest.mark.parametrize("number", [40540, 40143])
async def test_40540_and_40143_are_retried(server: ThreadedTdsServer, number: int) -> None:
    db = make_db(server, f"retried-{number}")
    try:
        await db.ping()
        with server.faulted(f"error:{number}@query:1"):
            assert (await db.read("SELECT 1 AS one")).rows == [(1,)]
            assert retries(f"retried-{number}") == 1
    finally:
        await db.close()


async def test_a_read_chosen_as_deadlock_victim_is_rerun_at_once(
    server: ThreadedTdsServer,
) -> None:
    """The schedule's first retry (600 s) would never fit: the rerun comes at once."""
    tuning = dataclasses.replace(FAST, retry_first_s=600, retry_max_delay_s=600)
    db = make_db(server, "deadlock", tuning=tuning)
    try:
        await db.ping()
        with server.faulted("error:1205@query:1"):
            assert (await db.read("SELECT 2 AS two")).rows == [(2,)]
            assert retries("deadlock") == 1
    finally:
        await db.close()


async def test_a_deadlocked_read_is_rerun_a_bounded_number_of_times(
    server: ThreadedTdsServer,
) -> None:
    db = make_db(server, "deadlocks")
    try:
        await db.ping()
        with server.faulted("error:1205@query"):
            with pytest.raises(DatabaseError, match="deadlock victim") as failure:
                await db.read("SELECT 2 AS two")
            assert failure.value.number == 1205
            assert retries("deadlocks") == FAST.deadlock_retries
    finally:
        await db.close()


@pytest.mark.parametrize("driver", [None, "FreeTDS"])
async def test_a_reply_the_driver_cannot_parse_is_not_retried(
    server: ThreadedTdsServer, driver: str | None
) -> None:
    """Deterministic: not retried; the connection is closed, so the next read is clean."""
    db = make_db(server, f"garbled-{driver}", driver=driver)
    try:
        await db.ping()
        with server.faulted("garble@query:1"):
            with pytest.raises(DatabaseError) as failure:
                await db.read("SELECT 1 AS one")
            assert not failure.value.transient
            assert retries(f"garbled-{driver}") == 0
            assert (await db.read("SELECT 2 AS two")).rows == [(2,)]
            assert retries(f"garbled-{driver}") == 0
    finally:
        await db.close()


async def test_retry_budget_0_turns_retrying_off(server: ThreadedTdsServer) -> None:
    db = make_db(server, "no-retry", retry_budget_s=0)
    try:
        await db.ping()
        with server.faulted("error:1205@query:1"):
            with pytest.raises(DatabaseError, match="deadlock victim"):
                await db.read("SELECT 2 AS two")
            assert retries("no-retry") == 0
    finally:
        await db.close()


# --- busy is not down (issue 15.7) ----------------------------------------------------------


async def test_a_full_pool_is_busy_not_down(server: ThreadedTdsServer) -> None:
    db = make_db(server, "full", pool_size=2, pool_acquire_timeout_s=0.3)
    await db.start()
    try:
        await wait_until(lambda: db.readiness().ready)
        with server.faulted("delay:1@query:2"):
            results = await asyncio.gather(
                *(db.read(f"SELECT {n} AS n") for n in range(12)), return_exceptions=True
            )
            busy = [r for r in results if isinstance(r, Exception)]
            assert busy and len(busy) < len(results)
            for error in busy:
                assert isinstance(error, PoolBusy) and not isinstance(error, DatabaseUnavailable)
                assert "is busy" in str(error) and "retry in 1 s" in str(error)
                assert error.retry_after_s == 1
            assert db.readiness().ready
            assert (await db.read("SELECT 1 AS one")).rows == [(1,)]
    finally:
        await db.close()


async def test_a_slow_login_while_others_run_is_busy_not_an_outage(
    server: ThreadedTdsServer,
) -> None:
    db = make_db(server, "slow-login", connection_timeout_s=1, pool_size=3)
    try:
        await db.ping()  # one idle connection
        with server.faulted("delay:2@query:1"):
            slow = asyncio.create_task(db.read("SELECT 1 AS one"))
            await wait_until(lambda: db.pool_stats()["in_use"] == 1)
            with server.faulted("delay:3@login:1"):  # longer than the login timeout
                with pytest.raises(PoolBusy, match="is busy: 1 connections are running queries"):
                    await db.read("SELECT 2 AS two")
                assert (await slow).rows == [(1,)]
                assert (await db.read("SELECT 3 AS three")).rows == [(3,)]  # no outage
    finally:
        await db.close()


async def test_an_unanswered_connect_while_others_run_is_busy_not_an_outage(
    server: ThreadedTdsServer,
) -> None:
    """The TCP check before a new login times out (here: a timeout too short for any
    answer, as when the event loop was held up) while a query runs: busy, not down."""
    db = make_db(server, "slow-connect", pool_size=3)
    try:
        await db.ping()
        with server.faulted("delay:2@query:1"):
            slow = asyncio.create_task(db.read("SELECT 1 AS one"))
            await wait_until(lambda: db.pool_stats()["in_use"] == 1)
            db._tuning = dataclasses.replace(FAST, reachability_timeout_s=1e-9)
            with pytest.raises(PoolBusy, match="no answer within"):
                await db.read("SELECT 2 AS two")
            assert (await slow).rows == [(1,)]
            db._tuning = FAST
            assert (await db.read("SELECT 3 AS three")).rows == [(3,)]  # no outage
    finally:
        await db.close()


async def test_a_named_instance_with_a_port_reads(server: ThreadedTdsServer) -> None:
    """`host\\instance,port` (the port found, the instance named for the reader): the
    reachability probe asks the machine, not `host\\instance` as a host name."""
    db = make_db(server, "named", server=f"{server.host}\\SQLEXPRESS,{server.port}")
    try:
        assert (await db.read("SELECT 1 AS one")).rows == [(1,)]
    finally:
        await db.close()


async def test_read_data_says_busy_and_the_source_stays_up(
    make_azsql_server: Any, tds_server: ThreadedTdsServer
) -> None:
    """Through the tool: slow queries fill a 2-connection pool; the other callers are told
    to retry, nobody is told the database is unavailable."""
    app = make_azsql_server(
        config={"sources": {"main": {"pool_size": 2, "pool_acquire_timeout_s": 0.3}}}
    )
    with tds_server.faulted("delay:1@query:2"):
        async with Client(app) as client:
            results = await asyncio.gather(
                *(
                    client.call_tool(
                        "read_data", {"query": f"SELECT {n} AS n"}, raise_on_error=False
                    )
                    for n in range(8)
                )
            )
            errors = [r.content[0].text for r in results if r.is_error]
            assert errors and len(errors) < len(results)
            for text in errors:
                assert "is busy" in text and "retry in 1 s" in text
                assert "unavailable" not in text
            after = await client.call_tool("read_data", {"query": "SELECT 1 AS one"})
            assert after.structured_content["rows"] == [[1]]


# --- idle connections and the probe (issue 14.8) ---------------------------------------------


async def test_idle_connections_close_after_pool_idle_timeout_s(
    server: ThreadedTdsServer,
) -> None:
    db = make_db(server, "idle", pool_idle_timeout_s=0.3)
    # Sessions of other tests on this server may end meanwhile: wait for this pool's own
    # to end, not for a count to come back.
    before = set(server.engine.sessions())
    try:
        await asyncio.gather(*(db.read("SELECT 1 AS one") for _ in range(3)))
        assert db.pool_stats()["idle"] >= 1
        await wait_until(lambda: db.pool_stats()["idle"] == 0)
        await wait_until(lambda: set(server.engine.sessions()) <= before)
        assert (await db.read("SELECT 1 AS one")).rows == [(1,)]  # opens a new one
    finally:
        await db.close()


async def test_the_pool_gauges_follow_the_pool(server: ThreadedTdsServer) -> None:
    """azsql_mcp_pool_connections is counted where the pool changes (not read when
    scraped), so that worker processes can sum it: it must match the pool throughout."""
    db = make_db(server, "gauged", pool_idle_timeout_s=0.3)

    def gauges() -> dict[str, float | None]:
        labels = {"source": "gauged"}
        return {
            state: REGISTRY.get_sample_value(
                "azsql_mcp_pool_connections", labels | {"state": state}
            )
            for state in ("in_use", "idle")
        }

    def matches() -> bool:
        stats = db.pool_stats()
        return gauges() == {"in_use": stats["in_use"], "idle": stats["idle"]}

    try:
        await asyncio.gather(*(db.read("SELECT 1 AS one") for _ in range(3)))
        assert gauges()["idle"] == db.pool_stats()["idle"] >= 1 and matches()
        with server.faulted("delay:1@query:1"):
            slow = asyncio.create_task(db.read("SELECT 1 AS one"))
            await wait_until(lambda: gauges()["in_use"] == 1)  # reused an idle one
            assert matches()
            await slow
            assert matches()
        await wait_until(lambda: gauges() == {"in_use": 0, "idle": 0})  # closed when idle
        await db.read("SELECT 1 AS one")
        assert gauges() == {"in_use": 0, "idle": 1}
    finally:
        await db.close()
    assert gauges() == {"in_use": 0, "idle": 0}


async def test_the_probe_lets_an_idle_database_pause(server: ThreadedTdsServer) -> None:
    """No call, no probe: once the idle connection closed, nothing logs in any more,
    and readiness keeps the last result."""
    db = make_db(server, "pausable", pool_idle_timeout_s=0.2)
    await db.start()
    try:
        await wait_until(lambda: db.readiness().ready)
        before = len(server.record.statements)
        await db.read("SELECT 2 AS two")
        # the probe that follows the call borrows the idle connection: wait for it to
        # finish and for the pool to empty, or its SELECT 1 lands after the snapshot
        await wait_until(lambda: probes(server, before) >= 1)
        await wait_until(lambda: db.pool_stats()["idle"] == db.pool_stats()["in_use"] == 0)
        logins, statements = len(server.record.logins), len(server.record.statements)
        await asyncio.sleep(1)  # ten probe intervals
        assert len(server.record.logins) == logins
        assert probes(server, statements) == 0
        assert db.readiness().ready
        # traffic brings the probe back
        await db.read("SELECT 3 AS three")
        await wait_until(lambda: probes(server, statements) >= 1)
    finally:
        await db.close()


async def test_outage_probing_backs_off(server: ThreadedTdsServer) -> None:
    """Every login fails (failover): the probe's logins come after 0.05, 0.1, 0.2, then
    every 0.4 s, not every 0.05 s."""
    with server.faulted("error:40613@login"):
        logins = len(server.record.logins)
        db = make_db(server, "backoff")
        await db.start()
        try:
            await asyncio.sleep(2)
            attempts = len(server.record.logins) - logins
            assert 3 <= attempts <= 12  # 40 without the back-off
        finally:
            await db.close()


# --- connection options (issue 14.9) ---------------------------------------------------------


@pytest.mark.parametrize("driver", [None, "FreeTDS"])
async def test_application_intent_read_only_reaches_the_login(
    server: ThreadedTdsServer, driver: str | None
) -> None:
    db = make_db(server, "intent", application_intent="read_only", driver=driver)
    try:
        await db.read("SELECT 1 AS one")
        assert server.record.logins[-1].read_only_intent
    finally:
        await db.close()
    db = make_db(server, "no-intent", driver=driver)
    try:
        await db.read("SELECT 1 AS one")
        assert not server.record.logins[-1].read_only_intent
    finally:
        await db.close()


PIN_TENANT = """CREATE OR ALTER PROCEDURE dbo.uspPinTenant AS
BEGIN
    EXEC sp_set_session_context @key = N'tenant', @value = N'10', @read_only = 1;
    EXEC sp_set_session_context @key = N'other', @value = N'left behind';
    SELECT 1 AS done;
END"""


async def test_what_a_procedure_leaves_on_its_session_reaches_no_later_caller(
    server: ThreadedTdsServer,
) -> None:
    """A procedure that sets a session context key read-only made every later
    sp_set_session_context of that key fail (error 15664) on its pooled connection, for
    every caller after it; and keys it set were seen by the next caller. A procedure
    now runs on a connection that is closed afterwards."""
    import pyodbc

    from azsql_mcp.db.sessioncontext import CALLER_CLAIMS

    with pyodbc.connect(server.odbc_connection_string(), autocommit=True, timeout=10) as cnxn:
        cnxn.execute(PIN_TENANT)
    db = make_db(server, "pinned", pool_size=1, session_context={"tenant": "tenant_id"})
    check = (
        "SELECT CAST(SESSION_CONTEXT(N'tenant') AS nvarchar(10)) AS tenant,"
        " CAST(SESSION_CONTEXT(N'other') AS nvarchar(20)) AS other"
    )
    try:
        CALLER_CLAIMS.set({"tenant_id": "7"})
        assert (await db.read(check)).rows == [("7", None)]
        await db.call_procedure("dbo.uspPinTenant")
        CALLER_CLAIMS.set({"tenant_id": "8"})
        for _ in range(3):
            assert (await db.read(check)).rows == [("8", None)]
    finally:
        await db.close()
