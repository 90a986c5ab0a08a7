"""The config's own tables beside sources, security and limits (which the public API
defines): `[server]` with its `auth` and `limits`, `[plugins]`, `[audit]`, `[logging]`."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class StaticToken(BaseModel):
    """`[[server.auth.static_tokens]]`: a fixed bearer token with its identity and scopes."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr | None = None
    token_env: str | None = None
    subject: str = Field(..., min_length=1)
    scopes: list[str] = Field(default_factory=list)
    # Further claims of the token (e.g. oid, tid): what declared tools' `from_claim`
    # parameters and a source's `session_context` read.
    claims: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_token(self) -> StaticToken:
        if (self.token is None) == (self.token_env is None):
            raise ValueError(f"static token {self.subject!r}: give exactly one of token, token_env")
        return self


AuthMode = Literal["none", "jwt", "entra", "static_tokens"]


# Entra's multi-tenant authorities: FastMCP checks no issuer for them.
MULTI_TENANT = frozenset({"common", "organizations", "consumers"})


class AuthSettings(BaseModel):
    """`[server.auth]`: how HTTP clients authenticate and which scopes open which tools."""

    model_config = ConfigDict(extra="forbid")

    mode: AuthMode = "none"
    allow_unauthenticated: bool = False
    jwks_uri: str | None = None
    public_key: SecretStr | None = None  # the shared secret with HS* algorithms
    issuer: str | None = None
    audience: str | None = None
    algorithm: str = "RS256"
    tenant_id: str | None = None
    client_id: str | None = None
    base_url: str | None = None
    # RFC 7519 makes exp and iat optional; a token without exp would be good forever.
    allow_tokens_without_exp: bool = False
    max_token_age_s: int = Field(3600, ge=1)
    clock_skew_s: int = Field(60, ge=0, le=300)
    static_tokens: list[StaticToken] = Field(default_factory=list)
    tool_scopes: dict[str, list[str]] = Field(default_factory=dict)
    plugin_scopes: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _mode_keys(self) -> AuthSettings:
        if self.mode == "jwt" and (self.jwks_uri is None) == (self.public_key is None):
            raise ValueError("mode 'jwt' needs exactly one of jwks_uri, public_key")
        if self.mode == "jwt" and not self.issuer:
            raise ValueError(
                "mode 'jwt' needs issuer: the 'iss' of the tokens, which 401 answers advertise"
                " to clients as the authorization server (OAuth protected-resource metadata)"
            )
        if self.mode == "jwt" and not self.audience:
            raise ValueError(
                "mode 'jwt' needs audience: the 'aud' that tokens meant for this server"
                " carry; without it a token the issuer minted for any other API would pass"
            )
        if self.mode == "entra" and not (self.tenant_id and (self.audience or self.client_id)):
            raise ValueError(
                "mode 'entra' needs tenant_id and audience (the app registration's client id"
                " or application ID URI)"
            )
        if self.mode == "entra" and (self.tenant_id or "").lower() in MULTI_TENANT:
            raise ValueError(
                f"mode 'entra': tenant_id {self.tenant_id!r} would accept tokens of any"
                " Entra tenant (their app roles count as scopes here); set it to your"
                " tenant's id (a GUID) or its domain name"
            )
        if self.mode == "static_tokens" and not self.static_tokens:
            raise ValueError(
                "mode 'static_tokens' needs at least one [[server.auth.static_tokens]] entry"
            )
        return self


class ServerLimits(BaseModel):
    """`[server.limits]`: what one HTTP client, and all of them together, may ask for."""

    model_config = ConfigDict(extra="forbid")

    rate_per_minute: int = Field(600, ge=0)
    rate_burst: int = Field(60, ge=1)
    max_concurrent_calls: int = Field(64, ge=1)
    # calls one authenticated client (token subject) runs at once: below pool_size's
    # default of 10, so that one client's slow queries leave connections to the others
    max_concurrent_calls_per_client: int = Field(8, ge=1)
    queue_timeout_s: float = Field(5, ge=0)
    # a whole tool call, prompt or resource read: a hung plugin gives its slot back
    call_timeout_s: float = Field(600, gt=0, le=86400)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # 2026-07-28 `subscriptions/listen` streams one client may hold open at once
    max_listen_streams_per_client: int = Field(32, ge=1)
    # HTTP sessions (protocol revisions before 2026-07-28) one client may hold open at once
    max_sessions_per_client: int = Field(100, ge=1)


class ServerSettings(BaseModel):
    """`[server]`: how clients reach this server."""

    model_config = ConfigDict(extra="forbid")

    name: str = "azsql-mcp"
    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    path: str = "/mcp"
    stateless_http: bool = False
    json_response: bool = False
    # an HTTP session ends once no request of it has been in flight for this long
    session_idle_timeout_s: float = Field(1800, gt=0, le=86400)
    # worker processes sharing the HTTP port, each with its own pools (needs stateless_http)
    workers: int = Field(default=1, ge=1, le=64)
    allowed_hosts: list[str] = Field(default_factory=list)
    allowed_origins: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    # reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses,
    # networks or "*"; empty, the peer address is the client (it keys the rate limit)
    trusted_proxies: list[str] = Field(default_factory=list)
    default_source: str | None = None
    # the `instructions` of the initialize answer: replace the built-in text, or add to it
    instructions: str | None = Field(None, max_length=4000)
    extra_instructions: str | None = Field(None, max_length=4000)
    shutdown_grace_s: int = Field(30, ge=0, le=3600)
    # sources whose connections share one driver process (about 25 MB each); 1 isolates
    sources_per_driver_process: int = Field(10, ge=1, le=1000)
    # The web console at `/`: "auto" serves it when bound to loopback (docs/console.md).
    console: Literal["auto", "on", "off"] = "auto"
    auth: AuthSettings = AuthSettings()
    limits: ServerLimits = ServerLimits()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, values: list[str]) -> list[str]:
        # As uvicorn reads them: it skips, without a word, a network written with host
        # bits (10.0.0.5/24) and any entry beside "*"; so these are normalised or refused.
        if "*" in values:
            if len(values) > 1:
                raise ValueError('"*" trusts every address: give it alone, or list addresses')
            return values
        normalised = []
        for value in values:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(
                    f'{value!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24) or "*"'
                ) from None
            single = network.prefixlen == network.max_prefixlen
            normalised.append(str(network.network_address) if single else str(network))
        return normalised


class PluginsSettings(BaseModel):
    """`[plugins]`: which plugins load; `[plugins.NAME]` tables are collected in `sections`."""

    model_config = ConfigDict(extra="forbid")

    disabled: list[str] = Field(default_factory=list)
    enabled: list[str] | None = None
    strict: bool = False
    # how long one plugin's startup hook may run; then it counts as failed (lifecycle.py)
    startup_timeout_s: float = Field(30, gt=0, le=3600)
    sections: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_sections(cls, data: Any) -> Any:
        # `[plugins.NAME]` tables sit beside the switches in TOML; keep them apart here.
        if not isinstance(data, dict):
            return data
        own = set(cls.model_fields)
        sections = dict(data.get("sections") or {})
        rest = {k: v for k, v in data.items() if k in own}
        for key, value in data.items():
            if key not in own:
                sections[key] = value
        rest["sections"] = sections
        return rest


class AuditSettings(BaseModel):
    """`[audit]`: one JSON line per tool call."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    path: str | None = None


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class LoggingSettings(BaseModel):
    """`[logging]`: structured logs on stderr."""

    model_config = ConfigDict(extra="forbid")

    level: LogLevel = "INFO"
    # "auto": readable lines when stderr is a terminal, JSON lines otherwise
    format: Literal["auto", "json", "text"] = "auto"
    access_log: bool = False  # one line per HTTP request (uvicorn's access log)

    @field_validator("level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        # `debug` is as clear as `DEBUG`, in the file or a variable; a value that is no
        # level is refused as given
        if isinstance(value, str) and value.upper() in get_args(LogLevel):
            return value.upper()
        return value
