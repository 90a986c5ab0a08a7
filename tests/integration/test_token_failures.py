"""What a source does when its credential fails, is slow or hands out short-lived tokens:
through SourceDatabase, the TDS test server and Microsoft's ODBC driver, with fake
credentials (azure-identity's TokenCredential protocol) and a fake plugin provider."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from azure.core.credentials import AccessToken as AzureAccessToken
from token_sources import database, jwt, settings

from azsql_mcp import (
    AuthError,
    ConnectAttributes,
    DatabaseUnavailable,
    SourceSettings,
)
from azsql_mcp.plugins.builtin_auth import (
    ManagedIdentity,
    ServicePrincipal,
    SuppliedAccessToken,
    tokens,
)
from tds_test_server import ThreadedTdsServer


def az_token(lifetime_s: float, oid: str = "x") -> AzureAccessToken:
    expires_on = int(time.time() + lifetime_s)
    return AzureAccessToken(jwt(oid=oid, exp=expires_on), expires_on)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def fresh_record(server: ThreadedTdsServer) -> None:
    server.record.clear()


# --- 1: any failure to build a credential or get a token is an authentication outage ----


async def test_missing_certificate_is_a_clear_outage(
    server: ThreadedTdsServer, tmp_path: Path
) -> None:
    """Gone after the start (the configuration's check found it): read when the credential
    is first built."""
    certificate = tmp_path / "sp.pem"
    certificate.write_text("-----BEGIN CERTIFICATE-----")
    source = settings(
        server,
        auth="service_principal",
        tenant_id="t",
        client_id="c",
        certificate_path=str(certificate),
    )
    provider = ServicePrincipal(source)
    certificate.unlink()
    db = database(source, provider)
    try:
        with pytest.raises(DatabaseUnavailable) as first:
            await db.read("SELECT 1 AS one")
        message = str(first.value)
        assert "auth 'service_principal' of source 'main'" in message
        assert f"certificate file {certificate} not found" in message
        assert "What to do:" in message and "certificate_path" in message
        assert not db.readiness().ready and "sp.pem not found" in (db.readiness().reason or "")
        with pytest.raises(DatabaseUnavailable, match=r"sp\.pem not found"):
            await db.read("SELECT 1 AS one")  # fails fast with the same reason
        assert server.record.logins == []
    finally:
        await db.close()


class BrokenPlugin:
    """A third-party provider that fails with an unexpected exception, whose text holds a
    secret (as a vault client's KeyError or a URL with its token may)."""

    async def connect_attributes(self) -> ConnectAttributes:
        raise KeyError("vault path secret/db?token=s.hunter2")


async def test_a_plugin_providers_unexpected_exception_is_an_outage_told_to_the_log_only(
    server: ThreadedTdsServer, caplog: pytest.LogCaptureFixture
) -> None:
    db = database(settings(server, auth="vault"), BrokenPlugin())
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(DatabaseUnavailable) as info:
            await db.read("SELECT 1 AS one")
        message = str(info.value)
        assert "auth 'vault' of source 'main' failed: the provider raised KeyError" in message
        assert "in the server's log" in message
        assert "see the auth provider's documentation" in message
        assert "hunter2" not in message
        assert "hunter2" not in (db.readiness().reason or "")
        [record] = [r for r in caplog.records if "database unavailable" in r.getMessage()]
        assert "KeyError: 'vault path secret/db?token=s.hunter2'" in record.getMessage()
        assert not db.readiness().ready
    finally:
        await db.close()


class ExitingPlugin:
    """A third-party provider that exits (argparse on bad options does)."""

    async def connect_attributes(self) -> ConnectAttributes:
        raise SystemExit(2)


async def test_a_plugin_provider_that_exits_fails_its_source_not_the_server(
    server: ThreadedTdsServer,
) -> None:
    db = database(settings(server, auth="vault"), ExitingPlugin())
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            await db.read("SELECT 1 AS one")
        assert "the provider raised SystemExit" in str(info.value)
        assert "not exit" in str(info.value)
        assert not db.readiness().ready
    finally:
        await db.close()


class WordedPlugin:
    """A third-party provider that says what to do itself, as AuthError asks."""

    async def connect_attributes(self) -> ConnectAttributes:
        raise AuthError("the vault token expired: run `vault login` on the server's host")


async def test_a_plugin_providers_own_advice_is_not_followed_by_a_generic_one(
    server: ThreadedTdsServer,
) -> None:
    db = database(settings(server, auth="vault"), WordedPlugin())
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            await db.read("SELECT 1 AS one")
        message = str(info.value)
        assert "auth 'vault' of source 'main' failed: the vault token expired" in message
        assert "What to do" not in message and "documentation" not in message
    finally:
        await db.close()


# --- 2: DefaultAzureCredential's whole message ----------------------------------------

DAC_MESSAGE = """DefaultAzureCredential failed to retrieve a token from the included credentials.
Attempted credentials:
\tEnvironmentCredential: EnvironmentCredential authentication unavailable.
\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable.
\tAzureCliCredential: Azure CLI not found on path
To mitigate this issue, please refer to the troubleshooting guidelines here."""


class ChainCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        raise RuntimeError(DAC_MESSAGE)


async def test_every_credential_tried_reaches_the_error_and_one_log_line(
    server: ThreadedTdsServer, caplog: pytest.LogCaptureFixture
) -> None:
    source = settings(server, auth="default_credential")
    db = database(source, ManagedIdentity(source, credential=ChainCredential()))
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(DatabaseUnavailable) as info:
            await db.read("SELECT 1 AS one")
        for line in (
            "EnvironmentCredential: ",
            "ManagedIdentityCredential: ",
            "AzureCliCredential",
        ):
            assert line in str(info.value)
        [record] = [r for r in caplog.records if "database unavailable" in r.getMessage()]
        assert "\n" not in record.getMessage() and "Azure CLI not found" in record.getMessage()
    finally:
        await db.close()


# --- 4: one shared refresh, the cached token kept, short-lived tokens -----------------


class SlowCredential:
    """Its token comes once `release` is set (by the test, or given released), not
    after a guessed delay; it gives up waiting after 60 s, so nothing hangs for ever."""

    def __init__(self, *, released: bool = False):
        self.release = threading.Event()
        if released:
            self.release.set()
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        with self.lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.release.wait(60)
        with self.lock:
            self.active -= 1
        return az_token(3600)


async def test_cancelled_waiters_share_one_refresh(server: ThreadedTdsServer) -> None:
    credential = SlowCredential()
    source = settings(server, auth="managed_identity")
    db = database(source, ManagedIdentity(source, credential=credential))
    try:
        for _ in range(4):  # each gives up while the refresh waits for its token
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):
                    await db.read("SELECT 1 AS one")
        credential.release.set()
        assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
        assert (credential.calls, credential.max_active) == (1, 1)
    finally:
        credential.release.set()
        await db.close()


class FlakyCredential:
    """A token inside the refresh margin, then a transient failure, then tokens again."""

    def __init__(self) -> None:
        self.calls = 0
        self.failed = threading.Event()  # the failure was raised (to the refresh's thread)

    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        self.calls += 1
        if self.calls == 2:
            self.failed.set()
            raise RuntimeError("ManagedIdentityCredential: no response from the IMDS endpoint.")
        return az_token(200 if self.calls == 1 else 3600, oid=f"oid-{self.calls}")


async def test_a_failed_refresh_keeps_the_cached_token(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = FlakyCredential()
    provider = ManagedIdentity(SourceSettings(server="h"), credential=credential)
    monkeypatch.setattr(tokens, "RETRY_REFRESH_S", 0)
    first = await provider.connect_attributes()  # 200 s left: inside the refresh margin
    monkeypatch.setattr(tokens, "RETRY_REFRESH_S", 15)
    with caplog.at_level(logging.WARNING):
        second = await provider.connect_attributes()  # starts the refresh, which fails
        async with asyncio.timeout(30):  # the refresh runs in a thread: its end is awaited
            while "refreshing the access token failed" not in caplog.text:
                await asyncio.sleep(0.01)
    assert credential.calls == 2 and second.access_token is first.access_token
    assert "refreshing the access token failed" in caplog.text and "IMDS" in caplog.text
    third = await provider.connect_attributes()  # no new try until RETRY_REFRESH_S
    assert credential.calls == 2 and third.access_token is first.access_token


async def test_a_source_survives_a_failed_refresh(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "RETRY_REFRESH_S", 0)  # the 200 s token is due at once
    credential = FlakyCredential()
    source = settings(server, auth="managed_identity")
    db = database(source, ManagedIdentity(source, credential=credential))
    try:
        assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
        # the cached token now has 200 s left: a failed refresh is covered by it
        db._pool.discard_idle()  # force a new connection, hence a token request
        assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
        assert await asyncio.to_thread(credential.failed.wait, 30)  # the refresh in the back
        assert credential.calls == 2  # and the source never went into outage
    finally:
        await db.close()


async def test_a_short_lived_supplied_token_keeps_its_connection(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORT_TOKEN", jwt(oid="a", exp=int(time.time()) + 200))
    source = settings(server, auth="access_token", access_token_env="SHORT_TOKEN")
    db = database(source, SuppliedAccessToken(source))
    try:
        for _ in range(5):
            await db.read("SELECT 1 AS one")
        assert len(server.record.logins) == 1
    finally:
        await db.close()


# --- 5: the wait for a token is bounded; the credential is built off the event loop ----


async def test_a_slow_credential_fails_the_call_within_connection_timeout(
    server: ThreadedTdsServer,
) -> None:
    credential = SlowCredential()
    source = settings(server, auth="managed_identity", connection_timeout_s=1)
    db = database(source, ManagedIdentity(source, credential=credential))
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as info:  # the credential holds its token
            await db.read("SELECT 1 AS one")
        assert time.monotonic() - started < 10  # 1 s and a loaded machine's slack
        credential.release.set()
        message = str(info.value)
        assert "auth 'managed_identity' of source 'main'" in message
        assert "did not answer within 1 s" in message and "169.254.169.254" in message
        # the refresh went on in the background; the probe and the next calls use its token
        await db.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
                break
            except DatabaseUnavailable:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
        assert credential.calls == 1
    finally:
        credential.release.set()
        await db.close()


class ThreadRecordingIdentity(ManagedIdentity):
    built_on: ClassVar[list[str]] = []

    def make_credential(self) -> Any:
        self.built_on.append(threading.current_thread().name)
        return SlowCredential(released=True)


async def test_the_credential_is_built_off_the_event_loop() -> None:
    provider = ThreadRecordingIdentity(SourceSettings(server="h"))
    await asyncio.gather(*(provider.connect_attributes() for _ in range(3)))
    assert len(provider.built_on) == 1
    assert provider.built_on[0] != threading.current_thread().name
