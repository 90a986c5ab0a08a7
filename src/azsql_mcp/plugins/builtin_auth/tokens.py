"""Entra ID access tokens for Azure SQL: caching, refresh ahead of expiry, JWT claims."""

from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from azsql_mcp import AccessToken, AuthError, ConnectAttributes, DatabaseError

log = logging.getLogger(__name__)

SQL_RESOURCE = "https://database.windows.net/"  # Azure SQL in Azure's global cloud
SQL_SCOPE = SQL_RESOURCE + ".default"
# Azure SQL's resource in the national clouds, by the DNS suffix of their servers (logical
# servers and managed instances alike): a token for another cloud's resource is refused.
NATIONAL_SQL_RESOURCES = (
    (".database.usgovcloudapi.net", "https://database.usgovcloudapi.net/"),
    (".database.chinacloudapi.cn", "https://database.chinacloudapi.cn/"),
)
REFRESH_MARGIN_S = 300  # refresh five minutes before expiry, like azure-identity's own cache
# When a refresh fails, the cached token is kept while it has this long left (the database
# layer refuses tokens with less than a minute left).
FALLBACK_MIN_S = 90
RETRY_REFRESH_S = 15  # after a failed refresh that the cached token covers, try again after
# The DNS suffixes of Azure Resource Manager's hosts (management.azure.com,
# management.core.windows.net and their national clouds' counterparts).
RESOURCE_MANAGER_CLOUDS = (".azure.com", ".windows.net", ".usgovcloudapi.net", ".chinacloudapi.cn")
# Claims that say who a token is for; never the token itself.
IDENTITY_CLAIMS = ("upn", "unique_name", "appid", "oid", "tid", "aud")


class TokenCredential(Protocol):
    """azure-identity's credential protocol (sync; async credentials work too)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


def sql_resource(server: str) -> str:
    """The resource Azure SQL tokens are issued for, by the cloud `server` is in."""
    host = server.strip().lower().removeprefix("tcp:")
    host = host.partition(",")[0].partition("\\")[0].strip().rstrip(".")
    for suffix, resource in NATIONAL_SQL_RESOURCES:
        if host.endswith(suffix):
            return resource
    return SQL_RESOURCE


def resource_manager_audience(audience: str) -> bool:
    """Whether a token's `aud` is Azure Resource Manager's, in any cloud: what `az account
    get-access-token` gives without --resource, and what no SQL endpoint takes. Other
    audiences go to the server to judge (Synapse and Fabric take more than Azure SQL's)."""
    host = urlsplit(audience.strip().lower()).hostname or ""
    return host.startswith("management.") and host.endswith(RESOURCE_MANAGER_CLOUDS)


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT (unverified: the database verifies it), or None if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def describe_claims(claims: dict[str, Any] | None) -> str:
    if not claims:
        return "not a JWT"
    found = [f"{name}={claims[name]}" for name in IDENTITY_CLAIMS if name in claims]
    return ", ".join(found) or "no identity claims"


class CredentialTokenSource:
    """Tokens from an azure-identity credential, cached and refreshed ahead of expiry.

    A token is refreshed from its refresh time: the `refresh_on` the credential gives
    (MSAL sets half the lifetime of a managed identity's token of two hours or more), else
    REFRESH_MARGIN_S before it expires. The call that finds it due starts the refresh and
    goes on with the cached token; only a call with no token or one with less than
    FALLBACK_MIN_S left waits for the refresh. A refresh that fails, or brings a token that
    is due already, is tried again RETRY_REFRESH_S later; the failure is logged while the
    cached token serves.

    The credential is built on first use, in a worker thread (building it imports
    azure.identity and may read a certificate). One refresh at a time runs as a task that
    every waiter shares: a waiter that is cancelled or gives up (the database layer bounds
    the wait) neither cancels it nor starts another, and the next caller joins it."""

    def __init__(
        self,
        make_credential: Callable[[], TokenCredential],
        description: str,
        scope: str,
    ):
        self._make_credential = make_credential
        self._scope = scope
        self._credential: TokenCredential | None = None
        self._description = description
        self._token: AccessToken | None = None
        self._refresh_at = 0.0  # time.time() from which the cached token is refreshed
        self._refresh: asyncio.Task[tuple[AccessToken, float]] | None = None
        self._retry_at = 0.0  # time.monotonic() before which no refresh is tried again

    async def connect_attributes(self) -> ConnectAttributes:
        token = self._token
        if token is None or _seconds_left(token) < FALLBACK_MIN_S:
            token = await self._refreshed()
        elif time.time() >= self._refresh_at and time.monotonic() >= self._retry_at:
            self._refresh_task()  # this call goes on with the cached token meanwhile
        claims = jwt_claims(token.token)
        return ConnectAttributes(
            access_token=token,
            identity=f"{self._description}; token for {describe_claims(claims)}",
        )

    def _refresh_task(self) -> asyncio.Task[tuple[AccessToken, float]]:
        """The refresh under way on this event loop, started if there is none."""
        loop = asyncio.get_running_loop()
        task = self._refresh
        if task is None or task.get_loop() is not loop:
            task = self._refresh = loop.create_task(self._fetch())
            task.add_done_callback(self._settle)
        return task

    async def _refreshed(self) -> AccessToken:
        try:
            token, _ = await asyncio.shield(self._refresh_task())
            return token
        except DatabaseError:
            cached = self._token
            if cached is not None and _seconds_left(cached) >= FALLBACK_MIN_S:
                return cached  # _settle logged the failure
            raise

    def _settle(self, task: asyncio.Task[tuple[AccessToken, float]]) -> None:
        """Runs when a refresh ends, before its waiters resume, even if none is left."""
        if self._refresh is task:
            self._refresh = None
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            self._token, self._refresh_at = task.result()
            # a token due already (short-lived, or MSAL's cached one when its refresh
            # failed): not asked for again at every new connection
            due = time.time() >= self._refresh_at
            self._retry_at = time.monotonic() + RETRY_REFRESH_S if due else 0.0
            return
        self._retry_at = time.monotonic() + RETRY_REFRESH_S
        cached = self._token
        if cached is not None and _seconds_left(cached) >= FALLBACK_MIN_S:
            log.warning(
                "refreshing the access token failed, still using the current one (it expires"
                " at %s; next try in %d s): %s",
                cached.expires_on.isoformat(timespec="seconds"),
                RETRY_REFRESH_S,
                one_line(str(exc)),
            )

    async def _fetch(self) -> tuple[AccessToken, float]:
        """A new token and the time.time() from which to refresh it."""
        if self._credential is None:
            try:
                # imports azure.identity and may read files: keep the event loop free
                self._credential = await asyncio.to_thread(self._make_credential)
            except DatabaseError:
                raise
            except Exception as exc:
                raise AuthError(
                    f"could not set up {self._description}: {describe_error(exc)}"
                ) from exc
        credential = self._credential
        # get_token_info (azure-identity 1.18+) also says when to refresh (refresh_on)
        get = getattr(credential, "get_token_info", None) or credential.get_token
        try:
            if inspect.iscoroutinefunction(get):
                raw = await get(self._scope)
            else:
                # sync credentials do HTTP; keep the event loop free
                raw = await asyncio.to_thread(get, self._scope)
        except Exception as exc:  # azure-identity raises several unrelated types
            raise AuthError(
                f"could not get an access token for {self._scope} with {self._description}: "
                f"{describe_error(exc)}"
            ) from exc
        refresh_at = raw.expires_on - REFRESH_MARGIN_S
        refresh_on = getattr(raw, "refresh_on", None)
        if isinstance(refresh_on, int | float):
            refresh_at = min(refresh_at, refresh_on)
        return AccessToken(raw.token, datetime.fromtimestamp(raw.expires_on, UTC)), refresh_at


def _seconds_left(token: AccessToken) -> float:
    return token.expires_on.timestamp() - time.time()


def describe_error(exc: BaseException) -> str:
    """The whole message, line breaks kept: DefaultAzureCredential's lists every credential
    it tried and why each failed (it carries no secret)."""
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    return "\n".join(line for line in lines if line) or type(exc).__name__


def one_line(text: str) -> str:
    """A multi-line message for a log line."""
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())
