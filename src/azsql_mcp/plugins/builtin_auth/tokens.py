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

    The credential is built on first use, in a worker thread (building it imports
    azure.identity and may read a certificate). One refresh at a time runs as a task that
    every waiter shares: a waiter that is cancelled or gives up (the database layer bounds
    the wait) neither cancels it nor starts another, and the next caller joins it. A refresh
    that fails while the cached token still has FALLBACK_MIN_S left is logged and the
    cached token kept; another refresh is tried RETRY_REFRESH_S later."""

    def __init__(
        self,
        make_credential: Callable[[], TokenCredential],
        description: str,
        scope: str = SQL_SCOPE,
    ):
        self._make_credential = make_credential
        self._scope = scope
        self._credential: TokenCredential | None = None
        self._description = description
        self._token: AccessToken | None = None
        self._refresh: asyncio.Task[AccessToken] | None = None
        self._retry_at = 0.0  # time.monotonic() before which a failed refresh is not retried

    async def connect_attributes(self) -> ConnectAttributes:
        token = self._token
        if token is None or self._refresh_due(token):
            token = await self._refreshed()
        claims = jwt_claims(token.token)
        return ConnectAttributes(
            access_token=token,
            identity=f"{self._description}; token for {describe_claims(claims)}",
        )

    def _refresh_due(self, token: AccessToken) -> bool:
        left = _seconds_left(token)
        if left >= REFRESH_MARGIN_S:
            return False
        return left < FALLBACK_MIN_S or time.monotonic() >= self._retry_at

    async def _refreshed(self) -> AccessToken:
        loop = asyncio.get_running_loop()
        task = self._refresh
        if task is None or task.get_loop() is not loop:
            task = self._refresh = loop.create_task(self._fetch())
            task.add_done_callback(self._settle)
        try:
            return await asyncio.shield(task)
        except DatabaseError:
            cached = self._token
            if cached is not None and _seconds_left(cached) >= FALLBACK_MIN_S:
                return cached  # _settle logged the failure
            raise

    def _settle(self, task: asyncio.Task[AccessToken]) -> None:
        """Runs when a refresh ends, before its waiters resume, even if none is left."""
        if self._refresh is task:
            self._refresh = None
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            self._token = task.result()
            self._retry_at = 0.0
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

    async def _fetch(self) -> AccessToken:
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
        try:
            if inspect.iscoroutinefunction(credential.get_token):
                raw = await credential.get_token(self._scope)
            else:
                # sync credentials do HTTP; keep the event loop free
                raw = await asyncio.to_thread(credential.get_token, self._scope)
        except Exception as exc:  # azure-identity raises several unrelated types
            raise AuthError(
                f"could not get an access token for {self._scope} with {self._description}: "
                f"{describe_error(exc)}"
            ) from exc
        return AccessToken(raw.token, datetime.fromtimestamp(raw.expires_on, UTC))


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
