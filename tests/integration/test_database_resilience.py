"""Transient faults, outages, dropped connections, TLS and token expiry, against the TDS
test server with Microsoft's ODBC Driver 18."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken as AzureAccessToken

from azsql_mcp import DatabaseError, DatabaseUnavailable, Limits, Security, SourceSettings
from azsql_mcp.core.database import SourceDatabase, Tuning
from azsql_mcp.core.metrics import REGISTRY
from azsql_mcp.plugins.builtin_auth import ManagedIdentity, SqlLogin
from azsql_mcp.testing.tds_server import Fault, ThreadedTdsServer

FAST = Tuning(probe_interval_up_s=0.5, probe_interval_down_s=0.2)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


@pytest.fixture(autouse=True)
def no_faults(server: ThreadedTdsServer) -> Iterator[None]:
    server.clear_faults()
    yield
    server.clear_faults()


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


async def wait_until(predicate: Any, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def test_40613_on_the_next_two_logins_is_ridden_out(server: ThreadedTdsServer) -> None:
    db = make_db(server, "paused")
    logins = len(server.record.logins)
    server.add_fault(Fault.parse("error:40613@login:2"))
    try:
        assert (await db.read("SELECT 1")).rows == [(1,)]
        assert len(server.record.logins) - logins == 3
        assert retries("paused") == 2
    finally:
        await db.close()


async def test_40613_on_a_write_is_not_retried(server: ThreadedTdsServer) -> None:
    db = make_db(server, "writes", security=Security(read_only=False))
    try:
        await db.ping()
        statements = len(server.record.statements)
        server.add_fault(Fault.parse("error:40613@query:1"))
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


async def test_dropped_connection_mid_result(server: ThreadedTdsServer) -> None:
    db = make_db(server, "dropped", retry_budget_s=0, limits=Limits(max_rows=10_000))
    try:
        await db.ping()
        server.add_fault(Fault.parse("drop@query:1"))
        with pytest.raises(DatabaseError, match="connection to the database was lost") as lost:
            # more rows than the half packet that arrives before the drop
            await db.read("SELECT * FROM SalesLT.SalesOrderDetail")
        assert lost.value.transient and not isinstance(lost.value, DatabaseUnavailable)
        assert (await db.read("SELECT 1")).rows == [(1,)]
    finally:
        await db.close()


async def test_dropped_connection_is_retried_for_reads(server: ThreadedTdsServer) -> None:
    db = make_db(server, "dropped-retry")
    try:
        await db.ping()
        server.add_fault(Fault.parse("drop@query:1"))
        result = await db.read("SELECT TOP (10) * FROM SalesLT.SalesOrderDetail")
        assert len(result.rows) == 10 and retries("dropped-retry") == 1
    finally:
        await db.close()


async def test_outage_fails_fast_and_recovers_without_a_restart() -> None:
    with ThreadedTdsServer() as srv:
        db = make_db(srv, "outage")
        await db.start()
        try:
            await wait_until(lambda: db.readiness().ready)
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
            srv.start()  # the same port
            await wait_until(lambda: db.readiness().ready)
            assert (await db.read("SELECT 1")).rows == [(1,)]
        finally:
            await db.close()


async def test_login_failure_is_reported_by_readiness(server: ThreadedTdsServer) -> None:
    db = make_db(server, "badlogin", password="wrong")
    await db.start()
    try:
        await wait_until(lambda: "login failed" in (db.readiness().reason or ""))
        with pytest.raises(DatabaseUnavailable, match="login failed: Login failed for user"):
            await db.read("SELECT 1")
    finally:
        await db.close()


async def test_pool_acquire_timeout_bounds_waiting(server: ThreadedTdsServer) -> None:
    db = make_db(server, "busy", pool_size=1, pool_acquire_timeout_s=0.3)
    try:
        await db.ping()
        server.add_fault(Fault.parse("delay:1.5@query:1"))
        slow = asyncio.create_task(db.read("SELECT 1"))
        await asyncio.sleep(0.2)
        with pytest.raises(DatabaseError, match="stayed busy"):
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
    credential = ShortLivedCredential(lifetime_s=3600)
    source = settings(server, auth="managed_identity")
    auth = ManagedIdentity(source, credential=credential)
    # retire connections 2 s after they open: token life minus the margin
    tuning = Tuning(token_margin_s=3600 - 2)
    db = SourceDatabase("tokens", source, Security(), Limits(), auth, tuning=tuning)
    try:
        logins = len(server.record.logins)
        await db.read("SELECT 1")
        await db.read("SELECT 1")
        assert len(server.record.logins) - logins == 1
        await asyncio.sleep(2.1)
        await db.read("SELECT 1")
        assert len(server.record.logins) - logins == 2
        assert server.record.logins[-1].access_token == "token-1"
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
