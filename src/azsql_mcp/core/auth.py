"""Client authentication over HTTP, and the scopes that open each component.

FastMCP does the work: its token verifiers (JWTVerifier, AzureJWTVerifier,
StaticTokenVerifier) answer 401 with WWW-Authenticate, and a per-component
`auth` check hides from `tools/list` and refuses at `tools/call` whatever the
token's scopes do not cover. FastMCP skips component checks on stdio (the local
user). The provider modules are imported only when a mode needs them.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

from azsql_mcp.api import ADMIN_SCOPE
from azsql_mcp.core.config import AuthSettings, ConfigError

if TYPE_CHECKING:
    from fastmcp.server.auth import AccessToken, AuthContext, AuthProvider

    from azsql_mcp.core.plugins import PluginSet

READ_SCOPE = "sql.read"
WRITE_SCOPE = "sql.write"
# Tools tagged "admin" (plans, other sessions' queries) need ADMIN_SCOPE by default.
ADMIN_TAG = "admin"
ENTRA_AUTHORITY = "https://login.microsoftonline.com"


def build_auth_provider(auth: AuthSettings) -> AuthProvider | None:
    """The FastMCP auth provider for `[server.auth]`; None when mode is "none"."""
    if auth.mode == "none":
        return None
    try:
        if auth.mode == "static_tokens":
            from fastmcp.server.auth.providers.jwt import StaticTokenVerifier

            return StaticTokenVerifier(static_token_table(auth))
        if auth.mode == "jwt":
            return _jwt_provider(auth)
        return _entra_provider(auth)
    except ValueError as exc:  # the verifiers validate their arguments
        raise ConfigError([f"server.auth: {exc}"]) from None


def static_token_table(auth: AuthSettings) -> dict[str, dict[str, Any]]:
    """token -> what StaticTokenVerifier needs; `token_env` variables are read here."""
    table: dict[str, dict[str, Any]] = {}
    problems = []
    for i, entry in enumerate(auth.static_tokens):
        if entry.token is not None:
            token = entry.token.get_secret_value()
        else:
            token = os.environ.get(entry.token_env or "", "")
            if not token:
                problems.append(
                    f"server.auth.static_tokens.{i}.token_env: environment variable"
                    f" {entry.token_env!r} is not set (subject {entry.subject!r})"
                )
                continue
        if token in table:
            problems.append(f"server.auth.static_tokens.{i}: the same token is given twice")
        table[token] = {"client_id": entry.subject, "sub": entry.subject, "scopes": entry.scopes}
    if problems:
        raise ConfigError(problems)
    return table


def _jwt_provider(auth: AuthSettings) -> AuthProvider:
    from fastmcp.server.auth.providers.jwt import JWTVerifier

    verifier = JWTVerifier(
        public_key=auth.public_key,
        jwks_uri=auth.jwks_uri,
        issuer=auth.issuer,
        audience=auth.audience,
        algorithm=auth.algorithm,
    )
    if auth.base_url is None:
        return verifier
    if auth.issuer is None:
        raise ConfigError(["server.auth.base_url: with mode 'jwt' it needs issuer as well"])
    return _advertised(verifier, auth.issuer, auth.base_url)


def _entra_provider(auth: AuthSettings) -> AuthProvider:
    from fastmcp.server.auth.providers.azure import AzureJWTVerifier

    class EntraVerifier(AzureJWTVerifier):
        """App-only tokens (client credentials) carry app roles in `roles`, not `scp`."""

        def _extract_scopes(self, claims: dict[str, Any]) -> list[str]:
            roles = claims.get("roles")
            extra = [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []
            return [*super()._extract_scopes(claims), *extra]

    audience = auth.audience or ""
    client_id = auth.client_id or _client_id_in(audience)
    if client_id is None:
        raise ConfigError(
            [
                f"server.auth.client_id: needed with mode 'entra' when audience {audience!r} does"
                " not contain the app registration's client id (a GUID)"
            ]
        )
    tenant = auth.tenant_id or ""
    verifier = EntraVerifier(
        client_id=client_id,
        tenant_id=tenant,
        identifier_uri=audience if "://" in audience else None,
    )
    if auth.base_url is None:
        return verifier
    return _advertised(verifier, f"{ENTRA_AUTHORITY}/{tenant}/v2.0", auth.base_url)


def _advertised(verifier: Any, issuer: str, base_url: str) -> AuthProvider:
    """Serve RFC 9728 protected-resource metadata so clients can find the issuer."""
    from fastmcp.server.auth import RemoteAuthProvider
    from pydantic import AnyHttpUrl

    return RemoteAuthProvider(
        token_verifier=verifier,
        authorization_servers=[AnyHttpUrl(issuer)],
        base_url=base_url,
    )


def _client_id_in(audience: str) -> str | None:
    """The GUID in `<guid>` or `api://<guid>`, the two usual Entra audiences."""
    candidate = audience.removeprefix("api://")
    try:
        return str(uuid.UUID(candidate))
    except ValueError:
        return None


# --- scopes -------------------------------------------------------------------------


def component_key(kind: str, identifier: str) -> str:
    """FastMCP's key of an unversioned component: `tool:name@`, `resource:uri@`, ..."""
    return f"{kind}:{identifier}@"


def required_scopes(auth: AuthSettings, plugins: PluginSet) -> dict[str, frozenset[str]]:
    """Component key -> the scopes a token needs for it, all of them.

    Tools: `tool_scopes[name]`, else `plugin_scopes[plugin]`, else the built-in
    default (sql.admin for tools tagged "admin", sql.write for write tools,
    sql.read otherwise). Resources: `plugin_scopes[plugin]`, else sql.read.
    Prompts touch no data: any authenticated client.
    """
    out: dict[str, frozenset[str]] = {}
    for tool in plugins.tools.values():
        if ADMIN_TAG in (tool.tags or ()):
            default: tuple[str, ...] = (ADMIN_SCOPE,)
        else:
            default = (WRITE_SCOPE,) if tool.writes else (READ_SCOPE,)
        scopes = auth.tool_scopes.get(tool.name, auth.plugin_scopes.get(tool.plugin, default))
        out[component_key("tool", tool.name)] = frozenset(scopes)
    for uri, resource in plugins.resources.items():
        kind = "template" if "{" in uri else "resource"
        scopes = auth.plugin_scopes.get(resource.plugin, [READ_SCOPE])
        out[component_key(kind, uri)] = frozenset(scopes)
    for name in plugins.prompts:
        out[component_key("prompt", name)] = frozenset()
    return out


class ScopePolicy:
    """The one FastMCP `auth` check every component carries.

    It looks its component up in a table that a config reload replaces whole,
    so new scopes apply to the next request without touching the components.
    """

    def __init__(self) -> None:
        self.enforce = False
        self.table: dict[str, frozenset[str]] = {}

    def update(self, auth: AuthSettings, plugins: PluginSet) -> None:
        self.table = required_scopes(auth, plugins)
        self.enforce = auth.mode != "none"

    def allows(self, key: str, token: AccessToken | None) -> bool:
        if not self.enforce:
            return True
        needed = self.table.get(key)
        if token is None or needed is None:  # unknown components stay closed
            return False
        return needed <= set(token.scopes)

    def __call__(self, ctx: AuthContext) -> bool:
        return self.allows(ctx.component.key, ctx.token)
