"""Client authentication over HTTP, and the scopes that open each component.

FastMCP does the work: its token verifiers (JWTVerifier, AzureJWTVerifier,
StaticTokenVerifier) answer 401 with WWW-Authenticate, and a per-component
`auth` check hides from `tools/list` and refuses at `tools/call` whatever the
token's scopes do not cover. FastMCP skips component checks on stdio (the local
user). The provider modules are imported only when a mode needs them.

In the `jwt` and `entra` modes the verifier also applies our time-claim policy
(serving/jwtclaims.py), and FastMCP's RemoteAuthProvider serves the RFC 9728
protected-resource metadata that every 401 points at; serving/bearer.py words
those 401s and refuses tokens sent in the URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from azsql_mcp.api import ADMIN_SCOPE, ConfigError, shown_reference
from azsql_mcp.core.settingtables import AuthSettings, ServerSettings, StaticToken
from azsql_mcp.serving.hosts import is_loopback
from azsql_mcp.serving.jwtclaims import CheckedJWTVerifier, ClaimPolicy

if TYPE_CHECKING:
    from fastmcp.server.auth import AccessToken, AuthContext, AuthProvider

    from azsql_mcp.core.plugins import PluginSet

READ_SCOPE = "sql.read"
WRITE_SCOPE = "sql.write"
# Tools tagged "admin" (plans, other sessions' queries) need ADMIN_SCOPE by default.
ADMIN_TAG = "admin"
ENTRA_AUTHORITY = "https://login.microsoftonline.com"
WELL_KNOWN = "/.well-known/oauth-protected-resource"


def build_auth_provider(
    server: ServerSettings, registered: Iterable[str] = ()
) -> AuthProvider | None:
    """The FastMCP auth provider for `[server.auth]`; None when mode is "none".
    `registered`: the scopes plugins and declared tools registered tools with, which the
    protected-resource metadata advertises beside the configured ones."""
    auth = server.auth
    if auth.mode == "none":
        return None
    try:
        if auth.mode == "static_tokens":
            from fastmcp.server.auth.providers.jwt import StaticTokenVerifier

            return StaticTokenVerifier(static_token_table(auth))
        if auth.mode == "jwt":
            verifier = _jwt_verifier(auth)
            issuer = auth.issuer or ""
        else:
            verifier = _entra_verifier(auth)
            issuer = f"{ENTRA_AUTHORITY}/{auth.tenant_id}/v2.0"
        # As clients request them: Entra's verifier prefixes its app ID URI (api://<id>/sql.read).
        scopes = verifier.get_challenge_scopes(scope_names(auth, registered))
        verifier.claim_policy = ClaimPolicy.of(auth)
        base_url = public_url(server)
        if base_url is None:  # stdio on a non-loopback host: no HTTP, nothing to advertise
            return verifier
        return _advertised(verifier, issuer, base_url, scopes)
    except ValueError as exc:  # the verifiers validate their arguments
        raise ConfigError([f"server.auth: {exc}"]) from None


def static_token_table(auth: AuthSettings) -> dict[str, dict[str, Any]]:
    """token -> what StaticTokenVerifier needs; `token_env` variables are read here."""
    table: dict[str, dict[str, Any]] = {}
    problems = []
    for i, entry in enumerate(auth.static_tokens):
        token = _token(entry)
        if entry.token is None and not token:
            problems.append(
                f"server.auth.static_tokens.{i}.token_env: environment variable"
                f" {shown_reference(entry.token_env or '')} is not set (subject {entry.subject!r})"
            )
            continue
        if token in table:
            problems.append(f"server.auth.static_tokens.{i}: the same token is given twice")
        table[token] = entry.claims | {
            "client_id": entry.subject,
            "sub": entry.subject,
            "scopes": entry.scopes,
        }
    if problems:
        raise ConfigError(problems)
    return table


# Beyond loopback a static token is all that stands between the port and the database:
# one a person could guess or brute-force is refused (HS256's shortest secret is as long).
MIN_TOKEN_CHARS = 32


def short_token_problems(auth: AuthSettings) -> list[str]:
    """A problem for each static token shorter than MIN_TOKEN_CHARS (an unset
    `token_env` is static_token_table's problem)."""
    return [
        f"server.auth.static_tokens.{i}: the token of subject {entry.subject!r} has"
        f" {len(token)} characters; a server that listens beyond loopback needs tokens of at"
        f" least {MIN_TOKEN_CHARS}, as a short one can be guessed. Generate one with:"
        ' python -c "import secrets; print(secrets.token_urlsafe(32))"'
        for i, entry in enumerate(auth.static_tokens)
        if 0 < len(token := _token(entry)) < MIN_TOKEN_CHARS
    ]


def _token(entry: StaticToken) -> str:
    """The entry's token, from the config or its `token_env` variable ('' when unset)."""
    if entry.token is not None:
        return entry.token.get_secret_value()
    return os.environ.get(entry.token_env or "", "")


def _jwt_verifier(auth: AuthSettings) -> CheckedJWTVerifier:
    from fastmcp.server.auth.providers.jwt import JWTVerifier

    class Verifier(CheckedJWTVerifier, JWTVerifier):
        pass

    return Verifier(
        public_key=None if auth.public_key is None else auth.public_key.get_secret_value(),
        jwks_uri=auth.jwks_uri,
        issuer=auth.issuer,
        audience=auth.audience,
        algorithm=auth.algorithm,
    )


def _entra_verifier(auth: AuthSettings) -> CheckedJWTVerifier:
    from fastmcp.server.auth.providers.azure import AzureJWTVerifier

    class EntraVerifier(CheckedJWTVerifier, AzureJWTVerifier):
        """App-only tokens (client credentials) carry app roles in `roles`, not `scp`."""

        def _extract_scopes(self, claims: dict[str, Any]) -> list[str]:
            roles = claims.get("roles")
            extra = [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []
            return [*super()._extract_scopes(claims), *extra]

    audience = auth.audience or ""
    return EntraVerifier(
        client_id=entra_client_id(auth),
        tenant_id=auth.tenant_id or "",
        identifier_uri=audience if "://" in audience else None,
    )


def entra_client_id(auth: AuthSettings) -> str:
    """`client_id`, or the GUID in `<guid>` or `api://<guid>`, the two usual audiences."""
    audience = auth.audience or ""
    if auth.client_id:
        return auth.client_id
    try:
        return str(uuid.UUID(audience.removeprefix("api://")))
    except ValueError:
        raise ConfigError(
            [
                f"server.auth.client_id: needed with mode 'entra' when audience {audience!r} does"
                " not contain the app registration's client id (a GUID)"
            ]
        ) from None


def public_url(server: ServerSettings) -> str | None:
    """The URL clients reach this server at, for protected-resource metadata.

    `base_url` when set; on loopback the listener's own address. Elsewhere only
    the operator knows the public name (ingress, gateway), so it must be given.
    """
    if server.auth.base_url:
        return server.auth.base_url
    if is_loopback(server.host) and server.port:
        host = f"[{server.host}]" if ":" in server.host else server.host
        return f"http://{host}:{server.port}"
    if server.transport != "http":
        return None
    raise ConfigError(
        [
            f"server.auth.base_url: needed with mode {server.auth.mode!r} when listening on"
            f" {server.host!r}: the URL clients use to reach this server"
            " (https://mcp.example.com). 401 answers point clients at its OAuth"
            " protected-resource metadata, /.well-known/oauth-protected-resource"
        ]
    )


def scope_names(auth: AuthSettings, registered: Iterable[str] = ()) -> list[str]:
    """Every scope some component may need: the built-in three, the configured ones and
    those `registered` with tools (registered_scopes)."""
    configured = [*auth.tool_scopes.values(), *auth.plugin_scopes.values()]
    named = (s for v in configured for s in v)
    return sorted({READ_SCOPE, WRITE_SCOPE, ADMIN_SCOPE, *named, *registered})


def registered_scopes(plugins: PluginSet) -> set[str]:
    """The scopes plugins registered tools with, a declared tool's `scopes` among them."""
    return {s for tool in plugins.tools.values() for s in tool.scopes or ()}


def _advertised(verifier: Any, issuer: str, base_url: str, scopes: list[str]) -> AuthProvider:
    """Serve RFC 9728 protected-resource metadata so clients can find the issuer."""
    from fastmcp.server.auth import RemoteAuthProvider
    from mcp.server.auth.routes import build_resource_metadata_url
    from pydantic import AnyHttpUrl
    from starlette.routing import Route

    class ProtectedResource(RemoteAuthProvider):
        """FastMCP serves the document at the path-suffixed URL RFC 9728 §3.1 names
        (`/.well-known/oauth-protected-resource/mcp`); clients that look at the bare
        well-known path get the same document."""

        metadata_url: str | None = None

        def get_routes(self, mcp_path: str | None = None) -> list[Route]:
            routes = super().get_routes(mcp_path)
            resource = self._get_resource_url(mcp_path)
            self.metadata_url = str(build_resource_metadata_url(resource)) if resource else None
            paths = {r.path for r in routes if isinstance(r, Route)}
            for route in routes:
                if isinstance(route, Route) and route.path.startswith(WELL_KNOWN + "/"):
                    if WELL_KNOWN not in paths:
                        routes.append(Route(WELL_KNOWN, route.endpoint, methods=route.methods))
                    break
            return routes

    return ProtectedResource(
        token_verifier=verifier,
        authorization_servers=[AnyHttpUrl(issuer)],
        base_url=base_url,
        scopes_supported=scopes,
        resource_name="azsql-mcp",
    )


def metadata_url(provider: AuthProvider | None) -> str | None:
    """The RFC 9728 metadata URL the provider serves (known once the app is built)."""
    url = getattr(provider, "metadata_url", None)
    return url if isinstance(url, str) else None


# --- scopes -------------------------------------------------------------------------


def component_key(kind: str, identifier: str) -> str:
    """FastMCP's key of an unversioned component: `tool:name@`, `resource:uri@`, ..."""
    return f"{kind}:{identifier}@"


def required_scopes(auth: AuthSettings, plugins: PluginSet) -> dict[str, frozenset[str]]:
    """Component key -> the scopes a token needs for it, all of them.

    Tools: `tool_scopes[name]`, else the scopes the plugin registered the tool with,
    else `plugin_scopes[plugin]`, else the built-in default (sql.admin for tools tagged
    "admin", sql.write for write tools, sql.read otherwise). For admin and write tools,
    `plugin_scopes` adds to the default rather than replacing it: a plugin-wide scope
    must not open writes by accident; naming the tool in `tool_scopes` does replace it.
    Resources and prompts
    (which read the catalog and data to write their text): `plugin_scopes[plugin]`,
    else sql.read.
    """
    out: dict[str, frozenset[str]] = {}
    for tool in plugins.tools.values():
        if ADMIN_TAG in (tool.tags or ()):
            default: tuple[str, ...] = (ADMIN_SCOPE,)
        else:
            default = (WRITE_SCOPE,) if tool.writes else (READ_SCOPE,)
        scopes: Sequence[str] | None = auth.tool_scopes.get(tool.name)
        if scopes is None:  # what the plugin registered it with (a declared tool's `scopes`)
            scopes = tool.scopes
        if scopes is None:
            plugin_wide = auth.plugin_scopes.get(tool.plugin)
            if plugin_wide is None:
                scopes = default
            elif default == (READ_SCOPE,):
                scopes = plugin_wide
            else:  # an admin or write tool: a plugin-wide scope must not open it alone
                scopes = [*plugin_wide, *default]
        out[component_key("tool", tool.name)] = frozenset(scopes)
    for uri, resource in plugins.resources.items():
        kind = "template" if "{" in uri else "resource"
        scopes = auth.plugin_scopes.get(resource.plugin, [READ_SCOPE])
        out[component_key(kind, uri)] = frozenset(scopes)
    for name, prompt in plugins.prompts.items():
        scopes = auth.plugin_scopes.get(prompt.plugin, [READ_SCOPE])
        out[component_key("prompt", name)] = frozenset(scopes)
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
