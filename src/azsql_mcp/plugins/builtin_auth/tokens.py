"""Entra ID access tokens for Azure SQL: caching, refresh ahead of expiry, JWT claims."""

from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import json
import time
from datetime import UTC, datetime
from typing import Any, Protocol

from azsql_mcp import AccessToken, ConnectAttributes, DatabaseError

SQL_SCOPE = "https://database.windows.net/.default"
REFRESH_MARGIN_S = 300  # refresh five minutes before expiry, like azure-identity's own cache
# Claims that say who a token is for; never the token itself.
IDENTITY_CLAIMS = ("upn", "unique_name", "appid", "oid", "tid", "aud")


class TokenCredential(Protocol):
    """azure-identity's credential protocol (sync; async credentials work too)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


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
    """Tokens from an azure-identity credential, cached and refreshed ahead of expiry."""

    def __init__(self, credential: TokenCredential, description: str):
        self._credential = credential
        self._description = description
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()

    async def connect_attributes(self) -> ConnectAttributes:
        async with self._lock:
            if self._token is None or _seconds_left(self._token) < REFRESH_MARGIN_S:
                self._token = await self._fetch()
        claims = jwt_claims(self._token.token)
        return ConnectAttributes(
            access_token=self._token,
            identity=f"{self._description}; token for {describe_claims(claims)}",
        )

    async def _fetch(self) -> AccessToken:
        try:
            if inspect.iscoroutinefunction(self._credential.get_token):
                raw = await self._credential.get_token(SQL_SCOPE)
            else:
                # sync credentials do HTTP; keep the event loop free
                raw = await asyncio.to_thread(self._credential.get_token, SQL_SCOPE)
        except Exception as exc:  # azure-identity raises several unrelated types
            raise DatabaseError(
                f"could not get an access token for {SQL_SCOPE} with {self._description}: "
                f"{_first_line(exc)}"
            ) from exc
        return AccessToken(raw.token, datetime.fromtimestamp(raw.expires_on, UTC))


def _seconds_left(token: AccessToken) -> float:
    return token.expires_on.timestamp() - time.time()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
