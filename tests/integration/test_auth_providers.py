"""Each built-in auth provider's login or token arrives at the TDS test server, through
SourceDatabase and Microsoft's ODBC driver. azure-identity credentials are replaced by
objects implementing its TokenCredential protocol, with expiry and refresh."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken as AzureAccessToken
from azure.core.credentials import AccessTokenInfo
from token_sources import jwt, settings

from azsql_mcp import (
    AuthProvider,
    DatabaseError,
    DatabaseUnavailable,
    Limits,
    Security,
    SourceSettings,
)
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.plugins.builtin_auth import (
    DefaultCredential,
    ManagedIdentity,
    ServicePrincipal,
    SqlLogin,
    SuppliedAccessToken,
    register_auth_providers,
)
from azsql_mcp.plugins.builtin_auth.tokens import SQL_SCOPE
from tds_test_server import ThreadedTdsServer

PASSWORD = "S3cret;{pw}"


class FakeCredential:
    """azure-identity's TokenCredential protocol: each call issues the next token."""

    def __init__(self, lifetime_s: float = 3600):
        self.lifetime_s = lifetime_s
        self.calls: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        self.calls.append(scopes)
        expires_on = int(time.time() + self.lifetime_s)
        return AzureAccessToken(jwt(oid=f"oid-{len(self.calls)}", exp=expires_on), expires_on)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(user="app_user", password=PASSWORD) as srv:
        yield srv


@pytest.fixture(autouse=True)
def fresh_record(server: ThreadedTdsServer) -> None:
    server.record.clear()
    server.clear_faults()


async def first_value(source: SourceSettings, auth: AuthProvider) -> Any:
    db = SourceDatabase("main", source, Security(), Limits(), auth)
    try:
        result = await db.read("SELECT 1 AS one")
        return result.rows[0][0]
    finally:
        await db.close()


def test_every_builtin_is_registered() -> None:
    registered: dict[str, Any] = {}
    register_auth_providers(lambda name, factory: registered.__setitem__(name, factory))
    assert set(registered) == {
        "sql",
        "managed_identity",
        "default_credential",
        "service_principal",
        "access_token",
    }


async def test_sql_login_password_from_env(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    source = settings(server, username="app_user", password_env="APP_DB_PASSWORD")
    assert await first_value(source, SqlLogin(source)) == 1
    login = server.record.logins[-1]
    assert (login.user, login.access_token, login.app_name) == ("app_user", None, "azsql-mcp")


async def test_sql_login_password_from_file(server: ThreadedTdsServer, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    source = settings(server, username="app_user", password_file=str(secret))
    assert await first_value(source, SqlLogin(source)) == 1


async def test_wrong_password_says_login_failed(server: ThreadedTdsServer) -> None:
    source = settings(server, username="app_user", password="wrong")
    with pytest.raises(
        DatabaseUnavailable, match=r"login failed: Login failed for user 'app_user'"
    ) as refused:
        await first_value(source, SqlLogin(source))
    # waiting does not fix a password; an operator does
    assert "an operator must fix" in str(refused.value)


class FailingProvider(AuthProvider):
    """A credential that could not be had (a token endpoint answering 503)."""

    async def connect_attributes(self) -> Any:
        raise ConnectionError("token endpoint answered 503")


async def test_a_credential_that_could_not_be_had_is_retried(server: ThreadedTdsServer) -> None:
    """Not a refusal: the source comes back by itself once the credential can be had."""
    source = settings(server, username="app_user", password=PASSWORD)
    with pytest.raises(DatabaseUnavailable, match="token endpoint answered 503") as failed:
        await first_value(source, FailingProvider())
    assert "retrying in background" in str(failed.value)
    assert "operator" not in str(failed.value)


def test_sql_login_needs_a_password_reference() -> None:
    with pytest.raises(ValueError, match="password_env"):
        SqlLogin(SourceSettings(server="h", username="u"))
    with pytest.raises(ValueError, match="username"):
        SqlLogin(SourceSettings(server="h", password_env="X"))


@pytest.mark.parametrize(
    "provider",
    [ManagedIdentity, DefaultCredential, ServicePrincipal],
    ids=["managed_identity", "default_credential", "service_principal"],
)
async def test_credential_token_arrives(server: ThreadedTdsServer, provider: Any) -> None:
    credential = FakeCredential()
    source = settings(server, auth="x", tenant_id="tenant-1", client_id="app-1")
    assert await first_value(source, provider(source, credential=credential)) == 1
    assert credential.calls == [(SQL_SCOPE,)]
    login = server.record.logins[-1]
    assert login.user == "" and login.access_token is not None
    assert (
        json.loads(base64.urlsafe_b64decode(login.access_token.split(".")[1] + "=="))["oid"]
        == "oid-1"
    )


async def test_token_is_cached_then_refreshed_before_expiry() -> None:
    credential = FakeCredential(lifetime_s=3600)
    provider = ManagedIdentity(SourceSettings(server="h"), credential=credential)
    first = await provider.connect_attributes()
    again = await provider.connect_attributes()
    assert first.access_token is again.access_token and len(credential.calls) == 1
    assert first.identity is not None and "system-assigned" in first.identity
    assert "oid=oid-1" in first.identity and first.access_token is not None
    assert first.access_token.token not in first.identity
    credential.lifetime_s = 200  # less than the five-minute refresh margin
    provider = ManagedIdentity(SourceSettings(server="h"), credential=credential)
    await provider.connect_attributes()
    await provider.connect_attributes()
    # due at once, yet not asked for again at each connection: RETRY_REFRESH_S later
    assert len(credential.calls) == 2


class TimedCredential:
    """get_token_info, as azure-identity 1.18+ has it: the token says when to refresh."""

    def __init__(self, refresh_in_s: float):
        self.refresh_in_s = refresh_in_s
        self.calls = 0

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        self.calls += 1
        now = time.time()
        return AccessTokenInfo(
            jwt(oid=f"oid-{self.calls}", exp=int(now + 86400)),
            int(now + 86400),
            refresh_on=int(now + self.refresh_in_s),
        )


async def test_a_token_is_refreshed_from_its_refresh_on_without_holding_up_the_call() -> None:
    """MSAL gives a managed identity's day-long token a refresh_on at half its life: the
    refresh then leaves hours for the endpoint to come back, where five minutes before
    expiry would leave minutes."""
    credential = TimedCredential(refresh_in_s=1)
    provider = ManagedIdentity(SourceSettings(server="h"), credential=credential)
    first = await provider.connect_attributes()
    credential.refresh_in_s = 43200
    await asyncio.sleep(1.1)  # refresh_on (whole seconds) has passed
    again = await provider.connect_attributes()
    assert again.access_token is first.access_token  # the refresh runs on its own
    await asyncio.sleep(0.2)
    assert credential.calls == 2
    third = await provider.connect_attributes()
    assert third.access_token is not first.access_token
    assert third.identity is not None and "oid=oid-2" in third.identity
    await provider.connect_attributes()
    assert credential.calls == 2  # the new token's refresh_on is hours away


def test_managed_identity_client_id_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_MANAGED_IDENTITY_CLIENT_ID", "mi-client")
    provider = ManagedIdentity(SourceSettings(server="h"))
    assert "client id mi-client" in provider.description
    credential = provider.make_credential()
    assert type(credential).__name__ == "ManagedIdentityCredential"


def test_service_principal_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tenant_id"):
        ServicePrincipal(SourceSettings(server="h", client_id="c"))
    with pytest.raises(ValueError, match="certificate_path"):
        ServicePrincipal(SourceSettings(server="h", client_id="c", tenant_id="t"))
    provider = ServicePrincipal(
        SourceSettings(server="h", client_id="c", tenant_id="t", client_secret="s")
    )
    assert type(provider.make_credential()).__name__ == "ClientSecretCredential"


async def test_access_token_from_env_and_file(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_token = jwt(upn="ops@example.com", exp=int(time.time()) + 3600)
    monkeypatch.setenv("AZURE_SQL_ACCESS_TOKEN", env_token)
    source = settings(server, auth="access_token")
    assert await first_value(source, SuppliedAccessToken(source)) == 1
    assert server.record.logins[-1].access_token == env_token

    opaque = tmp_path / "token"
    opaque.write_text("opaque-broker-token\n")
    source = settings(server, auth="access_token", access_token_file=str(opaque))
    attrs = await SuppliedAccessToken(source).connect_attributes()
    assert attrs.access_token is not None and attrs.access_token.expires_on.year == 9999
    assert await first_value(source, SuppliedAccessToken(source)) == 1
    assert server.record.logins[-1].access_token == "opaque-broker-token"


async def test_expired_access_token_is_never_sent(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_TOKEN", jwt(exp=int(time.time()) - 10))
    source = settings(server, auth="access_token", access_token_env="MY_TOKEN")
    with pytest.raises(DatabaseUnavailable, match="expired"):
        await first_value(source, SuppliedAccessToken(source))
    assert server.record.logins == []


async def test_an_access_token_about_to_expire_says_where_it_came_from(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a minute left: refused before the login, naming the variable it came from and
    what to put there (it named only the auth mode)."""
    monkeypatch.setenv("MY_TOKEN", jwt(exp=int(time.time()) + 30))
    source = settings(server, auth="access_token", access_token_env="MY_TOKEN")
    with pytest.raises(DatabaseUnavailable) as refused:
        await first_value(source, SuppliedAccessToken(source))
    assert "environment variable MY_TOKEN" in str(refused.value)
    assert "put a fresh Entra ID token" in str(refused.value)
    assert server.record.logins == []


@pytest.mark.parametrize(("exp", "year"), [(1e20, 9999), (-1e20, None), (float("nan"), None)])
async def test_an_exp_no_datetime_holds_is_far_off_or_already_past(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch, exp: float, year: int | None
) -> None:
    """`datetime.fromtimestamp` refuses such a number (OverflowError, ValueError), which
    ended the connection attempt with the error's own words."""
    monkeypatch.setenv("MY_TOKEN", jwt(exp=exp))
    source = settings(server, auth="access_token", access_token_env="MY_TOKEN")
    if year is None:
        with pytest.raises(DatabaseError, match="expired"):
            await SuppliedAccessToken(source).connect_attributes()
        return
    attrs = await SuppliedAccessToken(source).connect_attributes()
    assert attrs.access_token is not None and attrs.access_token.expires_on.year == year


async def test_required_token_mismatch_is_a_login_failure(server: ThreadedTdsServer) -> None:
    with ThreadedTdsServer(require_token="the-right-token") as strict:
        source = settings(strict, auth="managed_identity")
        with pytest.raises(DatabaseUnavailable, match="token-identified principal"):
            await first_value(source, ManagedIdentity(source, credential=FakeCredential()))
