"""Settings: defaults < TOML file < seed env names < AZSQL_MCP_* env < command-line flags.

One config system for the whole process. `load_settings` raises `ConfigError`
listing every problem (key, value, what is allowed); nothing starts half-configured.
"""

from __future__ import annotations

import codecs
import copy
import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Secret,
    SecretBytes,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from azsql_mcp.api import ConfigError, Limits, Security, SourceSettings
from azsql_mcp.core.tomlhints import explain_toml_error

CONFIG_FILE_NAME = "azsql-mcp.toml"
CONFIG_ENV = "AZSQL_MCP_CONFIG"
SEED_SOURCE_NAME = "default"

# Names used by the seed server's README, mapped to our keys for the `default` source.
SEED_SOURCE_ENV = {
    "AZURE_SQL_SERVER": "server",
    "AZURE_SQL_DATABASE": "database",
    "AZURE_SQL_AUTH_TYPE": "auth",
    "AZURE_SQL_USERNAME": "username",
    "AZURE_SQL_PASSWORD": "password",
    "AZURE_MANAGED_IDENTITY_CLIENT_ID": "client_id",
    # a service principal's (auth = service_principal)
    "AZURE_SQL_TENANT_ID": "tenant_id",
    "AZURE_SQL_CLIENT_ID": "client_id",
    "AZURE_SQL_CLIENT_SECRET": "client_secret",
    "AZURE_SQL_DRIVER": "driver",
    "AZURE_SQL_ENCRYPT": "encrypt",
    "AZURE_SQL_TRUST_SERVER_CERTIFICATE": "trust_server_certificate",
    "AZURE_SQL_CONNECTION_TIMEOUT": "connection_timeout_s",
}
SEED_SERVER_ENV = {"MCP_HOST": "host", "MCP_PORT": "port"}

# Spellings of AZURE_SQL_AUTH_TYPE seen in the wild -> our provider names.
AUTH_ALIASES = {
    "sql": "sql",
    "sql_auth": "sql",
    "sql_password": "sql",
    "password": "sql",
    "managed_identity": "managed_identity",
    "managedidentity": "managed_identity",
    "msi": "managed_identity",
    "default_credential": "default_credential",
    "defaultazurecredential": "default_credential",
    "default": "default_credential",
    "service_principal": "service_principal",
    "serviceprincipal": "service_principal",
    "sp": "service_principal",
    "access_token": "access_token",
    "token": "access_token",
}
ENCRYPT_ALIASES = {"true": "yes", "false": "no", "mandatory": "yes", "1": "yes", "0": "no"}

# Keys whose values never leave the process (redacted by `azsql-mcp config`, never logged).
# `public_key` is the shared secret with HS* algorithms.
SECRET_KEYS = frozenset({"password", "client_secret", "token", "public_key"})
# Keys whose whole value may hold secrets (a static token written as a bare string, a
# third-party provider's options): a config error never quotes what they were given.
SECRET_HOLDERS = SECRET_KEYS | {"static_tokens", "auth_options"}

_M = TypeVar("_M", bound=BaseModel)


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


class Settings(BaseSettings):
    """The whole configuration of one azsql-mcp process."""

    model_config = SettingsConfigDict(
        env_prefix="AZSQL_MCP_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    security: Security = Security()
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))
    server: ServerSettings = ServerSettings()
    plugins: PluginsSettings = PluginsSettings()
    audit: AuditSettings = AuditSettings()
    logging: LoggingSettings = LoggingSettings()
    # `[tools.NAME]`: tools declared in config, validated by the plugin that serves them
    # (builtin_declared), which reports problems as "tools.NAME.key: ...".
    tools: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _remember_input(cls, data: Any) -> Any:
        # the merged input of file, environment and flags, for `_accepted_part`
        seen = _inputs.get()
        if seen is not None:
            seen.append(data)
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _mapping_only.get():  # settings_from_mapping
            return (init_settings,)
        # Highest priority first: command-line flags, AZSQL_MCP_*, seed names, the file.
        file = _TomlFile(settings_cls, toml_file=_config_file.get())
        return (
            init_settings,
            _EnvSourcesAsNamed(settings_cls, env_settings, file),
            _SeedEnvSource(settings_cls),
            file,
        )

    def source_named(self, name: str) -> str | None:
        """The configured source `name`, matched without regard to case as the
        environment's source names are (no two sources differ only in case), spelt as
        configured; None when there is none."""
        return next((s for s in self.sources if s.lower() == name.lower()), None)

    def source_security(self, name: str) -> Security:
        """The source's `[sources.NAME.security]` overrides merged over `[security]`."""
        return _merged(self.security, self.sources[name].security)

    def source_limits(self, name: str) -> Limits:
        """The source's `[sources.NAME.limits]` overrides merged over `[limits]`."""
        return _merged(self.limits, self.sources[name].limits)

    @property
    def default_source(self) -> str | None:
        return self.server.default_source or next(iter(self.sources), None)


def _merged(base: _M, override: _M | None) -> _M:
    if override is None:
        return base
    values = base.model_dump() | override.model_dump(exclude_unset=True)
    return type(base).model_validate(values)


def reference_problems(settings: Settings) -> list[str]:
    """Rules across tables (a name in one that must be a key of another). They run on
    parsed settings, so they are judged even when the schema refused values elsewhere."""
    problems = []
    seen: dict[str, str] = {}
    for source in settings.sources:
        other = seen.setdefault(source.lower(), source)
        if other != source:
            problems.append(
                f"sources.{source}: differs from source {other!r} only in case; names are"
                " matched without case (AZSQL_MCP_SOURCES__NAME__... could not tell them"
                " apart): rename one"
            )
    name = settings.server.default_source
    if name is None or name in settings.sources:
        return problems
    known = ", ".join(settings.sources) or "none configured"
    return [
        *problems,
        f"server.default_source: {name!r} is not a configured source (sources: {known})",
    ]


class PartlyInvalid(ConfigError):
    """The schema refused some values (`problems`); `settings` holds what it accepted,
    so that the checks that need parsed settings run on the rest (core/validation.py) and
    one run lists every problem. `cut`: the keys whose values were left out."""

    def __init__(self, problems: list[str], settings: Settings, cut: list[str]):
        super().__init__(problems)
        self.settings = settings
        self.cut = cut


class _NotText(Exception):
    """The config file cannot be read as UTF-8 text; the message says why, in one line."""


class _TomlFile(TomlConfigSettingsSource):
    """The config file, read as UTF-8 (a leading byte-order mark is allowed, as Windows
    editors write one); any other encoding is one clear line, not a traceback."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            data = file_path.read_bytes()
        except OSError as exc:
            raise _NotText(
                f"config file {str(file_path)!r} cannot be read: {exc.strerror or exc}"
            ) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            offset = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
            line = data.count(b"\n", 0, offset) + 1
            raise _NotText(
                f"config file {str(file_path)!r} is not UTF-8 text: byte"
                f" 0x{data[offset]:02x} at offset {offset} (line {line}); save it as UTF-8"
            ) from None
        return tomllib.loads(text)


def load_settings(
    config_file: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read the config file, the environment and command-line overrides; validate all of it.

    Raises PartlyInvalid when the rest of the validation can still run, else ConfigError."""
    retired = []
    if "AZSQL_MCP_LOAD_PLUGINS" in os.environ:
        retired.append(
            "AZSQL_MCP_LOAD_PLUGINS is no longer read: list the plugins to load in"
            ' AZSQL_MCP_PLUGINS__ENABLED (a JSON list, e.g. \'["builtin_auth", "hello"]\')'
            " or [plugins] enabled, or those to skip in AZSQL_MCP_PLUGINS__DISABLED"
        )
    path = config_path(config_file)
    file_token, inputs_token = _config_file.set(path), _inputs.set([])
    try:
        settings = Settings(**dict(overrides or {}))
    except ValidationError as exc:
        data = (_inputs.get() or [{}])[0]
        retired += stray_variables(os.environ, data)
        problems, accepted, cut = _accepted_part(data, exc)
        if accepted is None:
            raise ConfigError([*retired, *problems]) from None
        raise PartlyInvalid([*retired, *problems], accepted, cut) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [f"config file {str(path)!r} is not valid TOML: {explain_toml_error(exc)}"]
        ) from None
    except _NotText as exc:
        raise ConfigError([str(exc)]) from None
    except SettingsError as exc:  # a variable that should hold JSON does not
        from azsql_mcp.core.envjson import non_json_variables

        raise ConfigError(non_json_variables(Settings, os.environ) or [str(exc)]) from None
    else:
        retired += stray_variables(os.environ, (_inputs.get() or [{}])[0])
    finally:
        _config_file.reset(file_token)
        _inputs.reset(inputs_token)
    if retired:
        raise PartlyInvalid(retired, settings, [])
    return settings


# `AZSQL_MCP_*` variables the project reads that are no setting: the config file's
# path, the retired plugin list (refused with its own message above) and the test
# suite's database (azsql_mcp.testing.sqlserver, AZSQL_MCP_TEST_SQLSERVER[_READER]).
OTHER_VARIABLES = frozenset({CONFIG_ENV, "AZSQL_MCP_LOAD_PLUGINS"})
OTHER_PREFIXES = ("AZSQL_MCP_TEST_",)
# What Kubernetes gives every pod for a Service named azsql-mcp in its namespace
# (enableServiceLinks): AZSQL_MCP_SERVICE_HOST, AZSQL_MCP_SERVICE_PORT[_NAME],
# AZSQL_MCP_PORT, AZSQL_MCP_PORT_8000_TCP[_PROTO|_PORT|_ADDR].
SERVICE_LINKS = re.compile(
    r"AZSQL_MCP_(SERVICE_(HOST|PORT(_\w+)?)|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)"
)


def stray_variables(environ: Mapping[str, str], data: Any) -> list[str]:
    """One problem per `AZSQL_MCP_*` variable that sets nothing: its first part (up to
    `__`) is no top-level table, so pydantic-settings would drop it without a word
    (`AZSQL_MCP_SERVER_PORT`, `AZSQL_MCP_SERVR__PORT`). A variable the config names
    (`password_env = "AZSQL_MCP_DB_PASSWORD"`: any string value of `data`, the merged
    input) is a secret's, not a setting, and passes."""
    prefix = "AZSQL_MCP_"
    tables = list(Settings.model_fields)
    named = set(_strings(data))
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(prefix) or upper in OTHER_VARIABLES or name in named:
            continue
        if upper.startswith(OTHER_PREFIXES) or SERVICE_LINKS.fullmatch(upper):
            continue
        head, sep, rest = upper[len(prefix) :].partition("__")
        if head.lower() in tables:
            continue
        joined = [t for t in tables if head.lower().startswith(t + "_")]
        if joined:
            table = joined[0].upper()
            tail = head[len(table) + 1 :] + sep + rest
            hint = f'nested keys are joined with "__", not "_": {prefix}{table}__{tail}'
        else:
            import difflib  # only for a variable that sets nothing

            close = difflib.get_close_matches(head.lower(), tables, n=1)
            hint = f"did you mean {prefix}{close[0].upper()}{sep}{rest}?" if close else ""
            hint = hint or f"the tables are {', '.join(tables)}"
        problems.append(f"{name}: no setting has this name; {hint}")
    return problems


def _strings(value: Any) -> list[str]:
    """Every string inside nested dicts and lists."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _accepted_part(data: Any, exc: ValidationError) -> tuple[list[str], Settings | None, list[str]]:
    """The problems `exc` names, the settings without what it refuses, and the keys whose
    values were left out (not unknown keys: no rule reads them). Without them a rule over
    a table can fail that could not run before (the table had errors of its own), so
    this repeats a few times, listing those problems too, unless a value was cut from
    that table (the rule would judge the cut); no settings when the schema refuses
    something no key names (a rule over the whole file)."""
    data = copy.deepcopy(data)
    problems: list[str] = []
    cut: list[list[str]] = []  # values left out; an unknown key is no value of a table's
    for _ in range(5):
        for err in exc.errors():
            key = [str(p) for p in _key_path(err["loc"])]
            line = describe_error(err, environ=os.environ)
            if line not in problems and not any(path[: len(key)] == key for path in cut):
                problems.append(line)
        removed = False
        # last first: removing an item of a list moves the ones after it
        for err in reversed(exc.errors()):
            loc = _key_path(err["loc"])
            # a required key that is missing: its table goes
            path = _remove(data, loc[:-1] if err["type"] == "missing" else loc)
            if path:
                removed = True
                if err["type"] != "extra_forbidden":
                    cut.append(path)
        if not removed:
            break
        try:
            return problems, _from_mapping(data), [".".join(path) for path in cut]
        except ValidationError as again:
            exc = again
    return problems, None, []


def _remove(data: Any, loc: list[str | int]) -> list[str]:
    """Delete the deepest value of `data` that `loc` reaches; the path deleted, or []."""
    parent: Any = None
    key: str | int = ""
    path: list[str] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            continue  # a step of the schema's that the input does not have (a union's tag)
        parent, key, node = node, part, node[part]
        path.append(str(part))
    if parent is None:
        return []
    del parent[key]
    return path


def settings_from_mapping(data: Mapping[str, Any]) -> Settings:
    """Validate a config given as a mapping only (no file, no environment), e.g. in tests."""
    try:
        return _from_mapping(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc)) from None


def _from_mapping(data: Mapping[str, Any]) -> Settings:
    # Settings.model_validate would read the environment too: pydantic-settings runs the
    # sources whenever a Settings is built.
    token = _mapping_only.set(True)
    try:
        return Settings(**dict(data))
    finally:
        _mapping_only.reset(token)


_config_file: ContextVar[Path | None] = ContextVar("azsql_mcp_config_file", default=None)
_inputs: ContextVar[list[Any] | None] = ContextVar("azsql_mcp_settings_inputs", default=None)
_mapping_only: ContextVar[bool] = ContextVar("azsql_mcp_mapping_only", default=False)


class _EnvSourcesAsNamed(PydanticBaseSettingsSource):
    """`AZSQL_MCP_*`, with each source name matched to the file's without regard to
    case: variable names are read lower-cased, so `AZSQL_MCP_SOURCES__SALES__DATABASE`
    reaches `[sources.Sales]` (as SQL Server matches names) rather than adding a
    source `sales`. Two file sources that differ only in case are refused
    (`reference_problems`), so the match is never a guess."""

    def __init__(
        self, settings_cls: type[BaseSettings], env: PydanticBaseSettingsSource, file: _TomlFile
    ):
        super().__init__(settings_cls)
        self._env, self._file = env, file

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        data = _json_in_open_tables(self._env())
        sources, named = data.get("sources"), self._file.toml_data.get("sources")
        if not (isinstance(sources, dict) and isinstance(named, dict)):
            return data
        by_case: dict[str, list[str]] = {}
        for name in named:
            by_case.setdefault(name.lower(), []).append(name)
        renamed = {}
        for key, value in sources.items():
            found = by_case.get(key.lower(), [])
            renamed[found[0] if len(found) == 1 else key] = value
        return data | {"sources": renamed}


def _json_in_open_tables(data: dict[str, Any]) -> dict[str, Any]:
    """Lists and tables given as JSON below `[plugins.NAME]` and `[tools.NAME]`, whose
    keys the schema does not declare (a plugin's model, the declared-tool plugin judge
    them), so pydantic-settings leaves their values as text. A string that starts with
    `[` or `{` and parses as a JSON list or object is that list or object."""
    plugins, tools = data.get("plugins"), data.get("tools")
    if isinstance(plugins, dict):
        own = set(PluginsSettings.model_fields)
        data = data | {
            "plugins": {k: v if k in own else _json_values(v) for k, v in plugins.items()}
        }
    if isinstance(tools, dict):
        data = data | {"tools": {k: _json_values(v) for k, v in tools.items()}}
    return data


def _json_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_values(v) for k, v in value.items()}
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, list | dict) else value
    return value


class _SeedEnvSource(PydanticBaseSettingsSource):
    """The seed server's variable names (see SEED_SOURCE_ENV and SEED_SERVER_ENV)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return _seed_env(os.environ)


def config_path(config_file: str | None) -> Path | None:
    """The config file in use: `--config`, else $AZSQL_MCP_CONFIG, else ./azsql-mcp.toml."""
    named = config_file or os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named)
        if path.is_dir():
            raise ConfigError([f"config file {named!r} is a directory (give the file in it)"])
        if not path.is_file():
            raise ConfigError([f"config file {named!r} does not exist (give an existing file)"])
        return path
    default = Path(CONFIG_FILE_NAME)
    return default if default.is_file() else None


def unread_seed_variables(environ: Mapping[str, str]) -> list[str]:
    """Why the AZURE_SQL_* variables set here describe no source: AZURE_SQL_SERVER is not
    set, or a name is not one azsql-mcp reads. Said where no source is configured."""
    if environ.get("AZURE_SQL_SERVER"):
        return []
    named = sorted(n for n, v in environ.items() if n.startswith("AZURE_SQL_") and v)
    read = [n for n in named if n in SEED_SOURCE_ENV]
    notes = []
    if read:
        verb = "is" if len(read) == 1 else "are"
        notes.append(
            f"{', '.join(read)} {verb} set, but without AZURE_SQL_SERVER they make no source"
        )
    for name in (n for n in named if n not in SEED_SOURCE_ENV):
        notes.append(f"{name} is not a variable azsql-mcp reads{_meant(name)}")
    return notes


def _meant(name: str) -> str:
    """The seed variable `name` was likely meant to be: those whose name it extends or
    shortens (AZURE_SQL_SERVERNAME, AZURE_SQL_CLIENT), else a close spelling of what
    follows AZURE_SQL_; nothing for a name too short to tell."""
    import difflib

    prefix = "AZURE_SQL_"
    tail = name[len(prefix) :]
    if len(tail) < 3:
        return ""
    known = [n for n in SEED_SOURCE_ENV if n.startswith(prefix)]
    nested = [k for k in known if name.startswith(k) or k.startswith(name)]
    if not nested:
        tails = {k[len(prefix) :]: k for k in known}
        nested = [tails[t] for t in difflib.get_close_matches(tail, list(tails), 1, 0.8)]
    return f"; did you mean {' or '.join(nested)}?" if nested else ""


def _seed_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The seed server's variable names; they describe the `default` source when
    AZURE_SQL_SERVER is set, and the HTTP host and port."""
    out: dict[str, Any] = {}
    server = {key: environ[name] for name, key in SEED_SERVER_ENV.items() if environ.get(name)}
    if server:
        out["server"] = server
    if environ.get("AZURE_SQL_SERVER"):
        source: dict[str, Any] = {
            key: environ[name] for name, key in SEED_SOURCE_ENV.items() if environ.get(name)
        }
        if "auth" in source:
            source["auth"] = AUTH_ALIASES.get(source["auth"].strip().lower(), source["auth"])
        if "encrypt" in source:
            value = source["encrypt"].strip().lower()
            source["encrypt"] = ENCRYPT_ALIASES.get(value, value)
        out["sources"] = {SEED_SOURCE_NAME: source}
    return out


def describe_errors(
    exc: ValidationError,
    root: type[BaseModel] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    hide_values: bool = False,
) -> list[str]:
    """One line per problem: key (and the variable it came from, when `environ` set it),
    the value given (secrets hidden), what is allowed.

    `root` is the model `exc` comes from when it is not Settings (a plugin's section);
    `hide_values` never quotes a value (a plugin's section may hold its secrets)."""
    return [describe_error(err, root, environ, hide_values=hide_values) for err in exc.errors()]


def describe_error(
    err: ErrorDetails,
    root: type[BaseModel] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    hide_values: bool = False,
) -> str:
    """One problem of `describe_errors`."""
    loc = [str(p) for p in _key_path(err["loc"])]
    key = ".".join(loc)
    variable = _variable_of(loc, environ or {})
    if variable:
        key += f" (from {variable})"
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown setting{_meant_key(loc, root or Settings)}"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{key}: required, but not set{_made_by_variables(loc, environ or {})}"
    if not key:  # a rule over the whole config: its message names the keys
        return message
    secret = hide_values or not SECRET_HOLDERS.isdisjoint(loc)
    got = "" if secret else f" (got {err.get('input')!r})"
    if err["type"] in ("model_type", "dict_type") and loc[-1].isdigit():
        table = ".".join(loc[:-1])
        return f"{key}: each entry is a table: write it as [[{table}]] with its keys below it{got}"
    if err["type"] in ("model_type", "dict_type"):
        return f"{key}: {_table_expected(loc, root or Settings)}{got}"
    if err["type"] == "list_type" and isinstance(err.get("input"), str) and not secret:
        listed = json.dumps([err["input"]])
        return f"{key}: a list, even of one: write {loc[-1]} = {listed} (got {err['input']!r})"
    if err["type"] == "list_type" and (secret or isinstance(err.get("input"), dict)):
        given = "a table" if isinstance(err.get("input"), dict) else "a single value"
        return (
            f"{key}: a list, not {given}; in TOML write each entry as its own [[{key}]]"
            " (double brackets) with its keys below it"
        )
    if isinstance(err.get("input"), dict):
        return f"{key}: {message}"  # a table's rule names its keys
    return f"{key}: {message}{got}"


def _meant_key(loc: list[str], root: type[BaseModel]) -> str:
    """What an unknown key likely meant: the table below this one that has a key of that
    name (`read_only` sits in `[sources.NAME.security]`), else a close spelling."""
    import difflib  # only for a config with a mistake

    table, name = loc[:-1], loc[-1]
    allowed = _allowed_keys(table, root)
    nested = [k for k in allowed if name in _allowed_keys([*table, k], root)]
    close = difflib.get_close_matches(name, allowed, n=1)
    if nested:
        hint = f" (it belongs in [{'.'.join([*table, nested[0]])}])"
    else:
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    return hint + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")


def _table_expected(loc: list[str], root: type[BaseModel]) -> str:
    """Why a value should have been a TOML table: it is one (`[server.auth]`), or it is a
    key of the tables that `[sources]` and its like hold by name (`[sources] server =`)."""
    table, name = loc[:-1], loc[-1]
    siblings = _allowed_keys(table, root)
    if name in siblings and not _allowed_keys(loc, root):
        named = ".".join([*table, "NAME"])
        return f"[{'.'.join(table)}] holds one table per name: put {name} in a [{named}] table"
    return f"must be a table: write [{'.'.join(loc)}] with its keys on the lines below it"


def _key_path(loc: tuple[str | int, ...]) -> list[str | int]:
    """An error's location as the keys of the file: `[plugins.NAME]` tables sit in
    `plugins.sections` in the model only."""
    path = list(loc)
    if path[:2] == ["plugins", "sections"]:
        del path[1]
    return path


def from_variable(loc: list[str], environ: Mapping[str, str]) -> str:
    """` (from NAME)` when the environment variable NAME set the value at `loc`, else ""."""
    variable = _variable_of(loc, environ)
    return f" (from {variable})" if variable else ""


def _variable_of(loc: list[str], environ: Mapping[str, str]) -> str | None:
    """The environment variable that set the value at `loc`, if one did: ours first (they
    win over the seed server's names)."""
    ours = "AZSQL_MCP_" + "__".join(loc).upper()
    if ours in environ:
        return ours
    seed = {v: k for k, v in SEED_SOURCE_ENV.items() if environ.get(k)}
    if loc[:2] == ["sources", SEED_SOURCE_NAME] and len(loc) == 3 and loc[2] in seed:
        return seed[loc[2]]
    server = {v: k for k, v in SEED_SERVER_ENV.items() if environ.get(k)}
    if loc[:1] == ["server"] and len(loc) == 2 and loc[1] in server:
        return server[loc[1]]
    return None


def _made_by_variables(loc: list[str], environ: Mapping[str, str]) -> str:
    """For a key missing from a source that `AZSQL_MCP_SOURCES__NAME__*` variables set
    values of (often a misspelt source name, which makes a new source): which."""
    if len(loc) < 3 or loc[0] != "sources":
        return ""
    start = f"AZSQL_MCP_SOURCES__{loc[1].upper()}__"
    made = sorted(name for name in environ if name.upper().startswith(start))
    if not made:
        return ""
    return (
        f"; source {loc[1]!r} gets values from {', '.join(made)} (a misspelt source name?"
        " they reach the file's [sources.NAME] whatever the case of NAME)"
    )


def _allowed_keys(loc: list[str], root: type[BaseModel]) -> list[str]:
    """Field names of the model found at `loc` inside `root` (dict keys are skipped)."""
    model: Any = root
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        if part in fields:
            model = _model_of(fields[part].annotation)
        elif model is Settings and part in Settings.model_fields:
            model = _model_of(Settings.model_fields[part].annotation)
        # else: a dict key such as a source name; stay on the value model
    fields = getattr(model, "model_fields", None)
    if not fields:
        return []
    return [name for name in fields if name != "sections"]


def _model_of(annotation: Any) -> Any:
    """The BaseModel class inside `M`, `M | None` or `dict[str, M]`."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(typing.get_args(annotation)):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


REDACTED = "***"


def redacted(
    settings: Settings, plugin_configs: Mapping[str, BaseModel | None] | None = None
) -> dict[str, Any]:
    """The effective settings as plain data (as the file would say), secrets as '***'.

    Besides the core's secret keys: every value of a source's `auth_options` (the
    options of third-party auth providers, whose secrets the core cannot tell), and in
    a `[plugins.NAME]` section every value its plugin's validated config holds as a
    `SecretStr`/`SecretBytes`/`Secret`. `plugin_configs` maps a loaded plugin's name to
    that config (None: it takes no settings); the section of a plugin not in it
    (disabled, failed) has every value but `disabled_tools` hidden, since nothing says
    which of them are secret.
    """
    data = settings.model_dump(mode="json")
    sections = data["plugins"].pop("sections")
    configs = plugin_configs or {}
    for name, section in sections.items():
        if name in configs:
            config = configs[name]
            sections[name] = section if config is None else _redact_as(section, config)
        else:
            sections[name] = {
                k: v if k == "disabled_tools" else REDACTED for k, v in section.items()
            }
    data["plugins"] |= sections
    for source in data["sources"].values():
        source["auth_options"] = dict.fromkeys(source["auth_options"], REDACTED)
    return _redact(data)


def _redact_as(raw: Any, value: Any) -> Any:
    """`raw` (as configured) with what became a secret in `value` (validated) hidden."""
    if isinstance(value, SecretStr | SecretBytes | Secret):
        return REDACTED
    if isinstance(value, BaseModel) and isinstance(raw, dict):
        fields = type(value).model_fields
        names = {k: k for k in fields} | {f.alias: k for k, f in fields.items() if f.alias}
        return {
            k: _redact_as(v, getattr(value, names[k])) if k in names else v for k, v in raw.items()
        }
    if isinstance(value, Mapping) and isinstance(raw, dict):
        return {k: _redact_as(v, value[k]) if k in value else v for k, v in raw.items()}
    if isinstance(value, list | tuple) and isinstance(raw, list) and len(raw) == len(value):
        return [_redact_as(r, v) for r, v in zip(raw, value, strict=True)]
    return raw


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in SECRET_KEYS and v is not None else _redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value
