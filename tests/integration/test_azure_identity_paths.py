"""The Entra ID auth modes walked as an operator meets them, through azure-identity's real
credentials: ManagedIdentityCredential and DefaultAzureCredential against a local App
Service identity endpoint (identity_endpoint.py), ClientSecretCredential through a proxy
that is down, and supplied tokens; logins go to the TDS test server through Microsoft's
ODBC driver."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from identity_endpoint import IDENTITY_HEADER, endpoint_down, identity_endpoint
from token_sources import database, jwt, settings

from azsql_mcp import (
    AuthProvider,
    DatabaseError,
    DatabaseUnavailable,
    SourceSettings,
)
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.plugins.builtin_auth import (
    DefaultCredential,
    ManagedIdentity,
    ServicePrincipal,
    SqlLogin,
    SuppliedAccessToken,
    tokens,
)
from azsql_mcp.plugins.builtin_auth.tokens import SQL_SCOPE, jwt_claims
from tds_test_server import ThreadedTdsServer

CLIENT_SECRET = "sp-s3cr3t-value"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(user="app_user", password="pw") as srv:
        yield srv


@pytest.fixture(autouse=True)
def fresh_record(server: ThreadedTdsServer) -> None:
    server.record.clear()


async def failure(source: SourceSettings, auth: AuthProvider) -> str:
    db = database(source, auth)
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            await db.read("SELECT 1 AS one")
        return str(info.value)
    finally:
        await db.close()


# --- managed identity and DefaultAzureCredential, on App Service's endpoint ------------


@pytest.mark.parametrize("provider", [ManagedIdentity, DefaultCredential])
async def test_a_token_from_the_identity_endpoint_logs_in(
    server: ThreadedTdsServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    provider: Any,
) -> None:
    with identity_endpoint(monkeypatch) as endpoint, caplog.at_level(logging.DEBUG):
        source = settings(server, auth="managed_identity")
        db = database(source, provider(source))
        try:
            assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
        finally:
            await db.close()
    [asked] = endpoint.requests
    assert asked["resource"].rstrip("/") == "https://database.windows.net"
    token = server.record.logins[-1].access_token or ""
    claims = jwt_claims(token)
    assert claims is not None and claims["oid"] == "mi-1"
    # azure-identity and MSAL log each request at INFO and DEBUG: never the token
    assert token not in caplog.text and IDENTITY_HEADER not in caplog.text


@pytest.mark.parametrize(
    ("host", "resource"),
    [
        ("sales.database.usgovcloudapi.net", "https://database.usgovcloudapi.net"),
        ("tcp:Sales.Database.ChinaCloudApi.CN,1433", "https://database.chinacloudapi.cn"),
        ("mi-1.0a1b2c3d4e5f.database.usgovcloudapi.net", "https://database.usgovcloudapi.net"),
        ("sales.database.windows.net", "https://database.windows.net"),
    ],
)
async def test_a_national_clouds_server_gets_its_clouds_token(
    monkeypatch: pytest.MonkeyPatch, host: str, resource: str
) -> None:
    """Azure SQL in Azure Government and Azure China takes tokens for its own resource;
    one for https://database.windows.net/ is refused there with a bare 18456."""
    with identity_endpoint(monkeypatch) as endpoint:
        attrs = await ManagedIdentity(SourceSettings(server=host)).connect_attributes()
    assert [asked["resource"].rstrip("/") for asked in endpoint.requests] == [resource]
    assert attrs.identity is not None and f"aud={resource}" in attrs.identity


async def test_identity_not_assigned_says_the_endpoints_words_once(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with identity_endpoint(monkeypatch) as endpoint:
        endpoint.status = 400
        endpoint.error = {
            "statusCode": 400,
            "message": "Unable to load the proper Managed Identity.",
        }
        source = settings(server, auth="managed_identity")
        message = await failure(source, ManagedIdentity(source))
    assert "Unable to load the proper Managed Identity" in message
    assert "What to do: run on an Azure resource with a managed identity assigned" in message
    assert ".." not in message  # azure-identity's sentence, then ours
    assert server.record.logins == []


async def test_an_identity_endpoint_that_is_down_is_named_as_unreached(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint_down(monkeypatch)
    source = settings(server, auth="managed_identity")
    with caplog.at_level(logging.DEBUG):
        message = await failure(source, ManagedIdentity(source))
    assert "Connection refused" in message
    assert "this host did not reach the managed identity endpoint" in message
    assert "run on an Azure resource" not in message  # nothing says the identity is wrong
    assert IDENTITY_HEADER not in message and IDENTITY_HEADER not in caplog.text


async def test_a_service_principal_behind_a_proxy_that_is_down_is_named_as_unreached(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The real ClientSecretCredential; HTTPS_PROXY points at a closed port, so no request
    leaves this host whatever its network."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed.getsockname()[1]}")
    closed.close()
    for name in ("NO_PROXY", "no_proxy", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SP_SECRET", CLIENT_SECRET)
    source = settings(
        server,
        auth="service_principal",
        tenant_id="11111111-1111-1111-1111-111111111111",
        client_id="22222222-2222-2222-2222-222222222222",
        client_secret_env="SP_SECRET",
    )
    with caplog.at_level(logging.DEBUG):
        message = await failure(source, ServicePrincipal(source))
    assert "Unable to connect to proxy" in message
    assert "this host did not reach the Entra ID authority" in message
    assert "HTTPS_PROXY" in message and "wrong secret" not in message
    assert CLIENT_SECRET not in message and CLIENT_SECRET not in caplog.text


async def test_a_refresh_the_endpoint_fails_keeps_the_source_serving(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A token inside the five-minute margin is refreshed at the next new connection;
    the endpoint failing then costs nothing while the token has time left, and its next
    token is used once it answers again."""
    monkeypatch.setattr(tokens, "RETRY_REFRESH_S", 0)  # retry at once, not 15 s later
    with identity_endpoint(monkeypatch) as endpoint, caplog.at_level(logging.WARNING):
        endpoint.lifetime_s = 200
        source = settings(server, auth="managed_identity")
        db = database(source, ManagedIdentity(source))
        try:
            assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
            endpoint.status, endpoint.error = 503, {"statusCode": 503, "message": "busy"}
            db._pool.discard_idle()  # the next read opens a connection: a token is asked for
            assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
            deadline = time.monotonic() + 15  # azure-core retries the 503 a few times
            while "refreshing the access token failed" not in caplog.text:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            assert "503, busy" in caplog.text
            first = {login.access_token for login in server.record.logins}
            assert len(first) == 1  # both logins with the first token
            endpoint.status, endpoint.lifetime_s = 200, 3600
            await asyncio.sleep(1.1)  # MSAL's hold on the 5xx answer (Retry-After)
            deadline = time.monotonic() + 10
            while server.record.logins[-1].access_token in first:  # the refresh runs
                assert time.monotonic() < deadline
                db._pool.discard_idle()
                assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
                await asyncio.sleep(0.1)
        finally:
            await db.close()


async def test_a_refresh_ahead_of_expiry_does_not_hold_up_the_call(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached token still has minutes left when it is refreshed: the call that needs
    a connection then logs in with it at once, and the next one gets the new token
    (before: the call waited for the endpoint's answer). The endpoint answers the
    refresh only once that call has ended."""
    monkeypatch.setattr(tokens, "RETRY_REFRESH_S", 0)  # the 200 s token is due at once
    with identity_endpoint(monkeypatch) as endpoint:
        endpoint.lifetime_s = 200  # inside the five-minute margin from the start
        source = settings(server, auth="managed_identity")
        db = database(source, ManagedIdentity(source))
        try:
            await db.read("SELECT 1 AS one")
            endpoint.lifetime_s = 3600
            endpoint.answering.clear()
            db._pool.discard_idle()
            async with asyncio.timeout(30):  # a call that waits for the refresh never ends
                await db.read("SELECT 1 AS one")
            endpoint.answering.set()
            first = server.record.logins[-1].access_token
            async with asyncio.timeout(30):
                while server.record.logins[-1].access_token == first:  # the refresh ends
                    await asyncio.sleep(0.2)
                    db._pool.discard_idle()
                    await db.read("SELECT 1 AS one")
        finally:
            endpoint.answering.set()
            await db.close()


def test_msal_sets_a_day_long_tokens_refresh_at_half_its_life(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the refresh schedule leans on: get_token_info's refresh_on, from MSAL (a
    managed identity's token of two hours or more is refreshed at half its life)."""
    from azure.identity import ManagedIdentityCredential

    with identity_endpoint(monkeypatch) as endpoint:
        endpoint.lifetime_s = 86400
        info = ManagedIdentityCredential().get_token_info(SQL_SCOPE)
    assert info.refresh_on is not None
    assert abs(info.refresh_on - (time.time() + 43200)) < 60


async def test_a_slow_identity_endpoint_does_not_stall_other_clients(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """azure-identity is synchronous: while its request waits for the endpoint's
    answer, another source's calls and the event loop go on. The endpoint holds its
    answer until they have: on the event loop, the request would hold the loop, and
    with it the other reads, until the endpoint gave up waiting (60 s)."""
    with identity_endpoint(monkeypatch) as endpoint:
        endpoint.answering.clear()
        token_source = settings(server, auth="managed_identity")
        slow = database(token_source, ManagedIdentity(token_source))
        sql_source = settings(server, username="app_user", password="pw")
        other = database(sql_source, SqlLogin(sql_source))
        try:
            await other.read("SELECT 1 AS one")
            waiting = asyncio.create_task(slow.read("SELECT 1 AS one"))
            async with asyncio.timeout(60):  # a loaded machine's thread start, many times
                while not endpoint.requests:
                    await asyncio.sleep(0.01)
            for _ in range(5):
                await other.read("SELECT 1 AS one")
            assert not waiting.done() and not endpoint.answering.is_set()
            assert endpoint.answered == 0  # all five while the request was held
            endpoint.answering.set()
            assert (await waiting).rows[0][0] == 1
            assert endpoint.answered == 1
        finally:
            endpoint.answering.set()
            await slow.close()
            await other.close()


# --- supplied tokens ------------------------------------------------------------------


@pytest.mark.parametrize(
    "audience",
    [
        "https://management.core.windows.net/",
        "https://management.azure.com",
        "https://management.usgovcloudapi.net/",
    ],
)
async def test_a_supplied_token_for_resource_manager_is_named_before_the_login(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, audience: str
) -> None:
    """`az account get-access-token` without --resource gives a token for Azure Resource
    Manager; Azure SQL would answer it with 18456 and no reason."""
    wrong = jwt(aud=audience, exp=int(time.time()) + 3600)
    monkeypatch.setenv("AZURE_SQL_ACCESS_TOKEN", wrong)
    source = settings(server, auth="access_token")
    message = await failure(source, SuppliedAccessToken(source))
    assert f"for Azure Resource Manager ({audience}, its aud claim)" in message
    assert "az account get-access-token --resource https://database.windows.net/" in message
    assert wrong not in message
    assert server.record.logins == []


@pytest.mark.parametrize(
    "audience",
    [
        "https://database.windows.net/",
        "https://database.windows.net",
        "https://database.usgovcloudapi.net/",
        "022907d3-0f1b-48f7-badc-1ba6abab6d66",
        "https://sql.azuresynapse.net",
    ],
)
async def test_a_supplied_token_for_azure_sql_is_sent(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, audience: str
) -> None:
    """Only Azure Resource Manager's audience is refused here: any cloud's SQL resource
    (a server named by address does not tell its cloud), an application id or another
    SQL service's resource goes to the server to judge."""
    token = jwt(aud=audience, exp=int(time.time()) + 3600)
    monkeypatch.setenv("AZURE_SQL_ACCESS_TOKEN", token)
    source = settings(server, auth="access_token")
    db = database(source, SuppliedAccessToken(source))
    try:
        assert (await db.read("SELECT 1 AS one")).rows[0][0] == 1
    finally:
        await db.close()
    assert server.record.logins[-1].access_token == token


async def test_a_national_clouds_expired_token_names_its_clouds_resource(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_SQL_ACCESS_TOKEN", jwt(exp=int(time.time()) - 60))
    provider = SuppliedAccessToken(
        SourceSettings(server="sales.database.usgovcloudapi.net", auth="access_token")
    )
    with pytest.raises(DatabaseError, match=r"fresh token for https://database\.usgovcloudapi"):
        await provider.connect_attributes()


# --- azsql-mcp check ------------------------------------------------------------------


async def run_check_text(server: ThreadedTdsServer) -> tuple[int, str]:
    config = settings_from_mapping(
        {
            "sources": {
                "main": {
                    "server": f"tcp:{server.host},{server.port}",
                    "auth": "managed_identity",
                    "encrypt": "no",
                    "connection_timeout_s": 10,
                }
            }
        }
    )
    out = io.StringIO()
    code = await run_check(config, None, out, auth_providers={"managed_identity": ManagedIdentity})
    return code, out.getvalue()


async def test_check_names_whom_the_endpoints_token_is_for(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with identity_endpoint(monkeypatch):
        code, text = await run_check_text(server)
    assert code == 0, text
    assert "ok    credentials: managed identity (system-assigned); token for appid=mi-app" in text
    assert "aud=https://database.windows.net" in text and "ok    login:" in text
    assert IDENTITY_HEADER not in text and "eyJ" not in text


async def test_check_says_the_identity_endpoint_was_not_reached(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint_down(monkeypatch)
    code, text = await run_check_text(server)
    assert code == 1 and "FAIL  credentials: auth 'managed_identity' of source 'main'" in text
    assert "what to do: this host did not reach the managed identity endpoint" in text
    assert IDENTITY_HEADER not in text
