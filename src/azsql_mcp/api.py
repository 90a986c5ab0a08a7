"""Types of the plugin contract: what hooks receive and what tools are given.

Re-exported by ``azsql_mcp``; import them from there.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, runtime_checkable

import pluggy
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from typing_extensions import TypeVar

from azsql_mcp.db.fence_marker import (
    ADVICE_CLOSE,
    ADVICE_ELSE,
    ADVICE_MARKERS,
    ADVICE_OPEN,
    ADVICE_TEXT,
)

if TYPE_CHECKING:
    import mcp.types as mt


hookimpl = pluggy.HookimplMarker("azsql_mcp")
"""Marks a function (or method) of a plugin as the implementation of the hook of its
name: `@hookimpl def register_tools(register, config): ...`; pluggy's options work too
(`@hookimpl(tryfirst=True)`, `@hookimpl(wrapper=True)`). An implementation declares
any subset of its hook's arguments, by name:

- `register_tools(register: RegisterTool, config)`: register tools.
- `register_resources(register: RegisterResource, config)`: register resources.
- `register_prompts(register: RegisterPrompt, config)`: register prompts.
- `register_auth_providers(register: RegisterAuthProvider)`: register database auth
  providers.
- `register_config_tools(register: RegisterTool, tables, taken, check: CheckStatement)`:
  turn the config's `[tools.NAME]` tables into tools; returns a list of problems.
- `plugin_config_model()`: returns the pydantic model of the plugin's `[plugins.NAME]`
  section, or None.
- `startup(app: ServerHandle)`, `shutdown(app: ServerHandle)`: once when the server
  starts and stops; may be `async def`.

`config` is the plugin's validated section (an instance of its model) or None. Every
hook is described in docs/plugins.md ("Hooks")."""


class ConfigError(Exception):
    """The configuration is invalid; `problems` lists every problem, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


class PluginError(Exception):
    """A plugin failed (to load, or in its startup hook) while `[plugins] strict = true`;
    or, raised by a plugin's hook, a clear error of the plugin's own."""


class PluginWarning(UserWarning):
    """What a loaded plugin does that works today and may not tomorrow (a tool without a
    description, an import of a module that is not the public API). `build_server`
    issues one per such thing, so a plugin's own test run shows it; pytest's
    `filterwarnings = ["error::azsql_mcp.PluginWarning"]` makes it fail the test."""


# The scope of admin tools (plans, other sessions' queries) when clients authenticate.
ADMIN_SCOPE = "sql.admin"

# --- settings that describe one database source ---------------------------------


class Security(BaseModel):
    """What a source lets tools do. Overridable per source. Frozen: every tool of the
    source shares it, so a plugin cannot open writes or lift a rule for the others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    read_only: bool = True
    allow_unfiltered_writes: bool = False
    # Writes on a table a cascading foreign key or an enabled trigger acts on, whose
    # rows max_affected_rows cannot count (db/write_effects.py).
    allow_uncounted_writes: bool = False
    # Databases other than the source's own that statements may name (three-part
    # names; "tempdb" also opens global temporary tables ##name).
    allowed_databases: list[str] = Field(default_factory=list)


class Limits(BaseModel):
    """Caps and timeouts applied to every query. Overridable per source. Frozen, as
    Security is: a plugin cannot lift a cap for every tool of the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rows: int = Field(100, ge=1, le=1_000_000)
    max_result_bytes: int = Field(4_000_000, ge=1024)
    query_timeout_s: float = Field(30, gt=0, le=3600)
    max_affected_rows: int = Field(1000, ge=0)


class SourceSettings(BaseModel):
    """One database the server talks to (`[sources.NAME]` in the config)."""

    model_config = ConfigDict(extra="forbid")

    server: str = Field(..., description="host, host,port or tcp:host,port")
    database: str = "master"
    description: str | None = Field(
        None, max_length=200, description="what this source holds, shown to the agent"
    )
    auth: str = Field("sql", description="name of an auth provider")
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    password_file: str | None = None
    client_id: str | None = None
    tenant_id: str | None = None
    client_secret: SecretStr | None = None
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    certificate_path: str | None = None
    access_token_env: str = "AZURE_SQL_ACCESS_TOKEN"
    access_token_file: str | None = None
    auth_options: dict[str, Any] = Field(
        default_factory=dict, description="options for third-party auth providers"
    )
    driver: str | None = None
    encrypt: Literal["yes", "no", "strict", "optional"] = "yes"
    trust_server_certificate: bool = False
    connection_timeout_s: int = Field(15, ge=1, le=600)
    pool_size: int = Field(10, ge=1, le=200)
    pool_acquire_timeout_s: float = Field(5, gt=0)
    pool_idle_timeout_s: float = Field(
        300, gt=0, description="close connections idle this long (serverless databases pause)"
    )
    connection_max_lifetime_s: float = Field(1800, gt=0)
    retry_budget_s: float = Field(20, ge=0)
    language: str = Field(
        "us_english",
        min_length=1,
        max_length=128,
        description="the session language named at login (a name or alias of"
        " sys.syslanguages): it sets how date literals read and the language of messages",
    )
    application_intent: Literal["read_write", "read_only"] = Field(
        "read_write", description="read_only: ApplicationIntent=ReadOnly (readable secondaries)"
    )
    executor: Literal["auto", "process", "thread"] = Field(
        "auto",
        description="where pyodbc runs: a driver process (POSIX) or threads of the server;"
        " auto picks the driver process where it can run",
    )
    required: bool = Field(
        True,
        description="false: while it is down, /health stays 200 as long as another source"
        " is ready (the databases that work stay in rotation)",
    )
    security: Security | None = None
    limits: Limits | None = None
    # sp_set_session_context key -> the caller's token claim it is set from, before
    # every call on this source (NULL without that claim); see docs/security.md.
    session_context: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_form_per_secret(self) -> SourceSettings:
        """A secret comes inline, from `*_env` or from `*_file`: given two ways, one would
        be used and the other ignored without a word."""
        for secret in ("password", "client_secret", "access_token"):
            given = [
                key
                for key in (secret, f"{secret}_env", f"{secret}_file")
                if key in self.model_fields_set and getattr(self, key, None) not in (None, "")
            ]
            if len(given) > 1:
                both = "both" if len(given) == 2 else "all"
                names = f"{', '.join(given[:-1])} and {given[-1]}"
                raise ValueError(f"{names} are {both} set; keep one of them")
        return self


# An environment variable's name as operators write them (POSIX's portable form), and a
# path (absolute, relative with a folder, or a file name with an extension): anything else
# in a `*_env` or `*_file` setting may be the secret itself, written where its name goes.
_VARIABLE_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_PATH = re.compile(r"(/|~/|[A-Za-z]:[\\/]|\\\\)[^\r\n]*|[\w.-]+(/[\w.-]+)+|[\w-]+\.[A-Za-z]{1,8}")


def shown_reference(value: str) -> str:
    """`value` of a `*_env` or `*_file` setting as a message may show it: quoted when it
    reads as a variable's name or a path, else words that say why it is not shown."""
    if _VARIABLE_NAME.fullmatch(value) or _PATH.fullmatch(value):
        return repr(value)
    return "<not shown: it is no upper-case variable name or path, so it may be the secret itself>"


# --- what auth providers hand to the database layer -----------------------------


@dataclass(frozen=True)
class AccessToken:
    """An Entra ID access token for the Azure SQL scope."""

    token: str
    expires_on: datetime


@dataclass(frozen=True)
class ConnectAttributes:
    """What a connection needs from an auth provider: a login or a token."""

    username: str | None = None
    password: str | None = None
    access_token: AccessToken | None = None
    identity: str | None = None  # who this is, for `check` and logs (never a secret)


@runtime_checkable
class AuthProvider(Protocol):
    """Yields fresh connection attributes; called before each new connection."""

    async def connect_attributes(self) -> ConnectAttributes: ...


AuthProviderFactory = Callable[[SourceSettings], AuthProvider]


# --- what queries return ----------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # as SQL Server names it, e.g. "nvarchar(50)", "decimal(19,4)"


@dataclass
class QueryResult:
    columns: list[Column]
    # tuples of driver values (int, str, Decimal, datetime, bytes, UUID...); lists of JSON
    # values from Database.read(json_values=True)
    rows: Sequence[Sequence[Any]]
    truncated: bool = False  # True when max_rows or max_result_bytes cut the result
    next_offset: int | None = None  # pass as `offset` to read the next page
    rows_affected: int | None = None
    duration_ms: float = 0.0


@dataclass
class ProcedureResult:
    """What one stored procedure call returned."""

    result_sets: list[QueryResult]  # every result set, in order, each capped
    outputs: dict[str, Any]  # OUTPUT parameter -> its JSON value after the call
    return_value: int | None
    duration_ms: float = 0.0
    # what a writes=True call changed and committed, as its statements' row counts add
    # up; None for a read-only call, or when no count came (SET NOCOUNT ON, FreeTDS)
    rows_affected: int | None = None
    # its informational messages, in order: PRINT, RAISERROR of severity 10 or less
    messages: list[str] = field(default_factory=list)


class DatabaseError(Exception):
    """A database failure with SQL Server's error number when there is one."""

    def __init__(self, message: str, number: int | None = None, *, transient: bool = False):
        super().__init__(message)
        self.number = number
        self.transient = transient

    def reworded(self, message: str) -> DatabaseError:
        """This error said as `message`: the same class, number and transience, so that
        what is audited and retried follows SQL Server's error, not its wording. Raise it
        `from` this one."""
        again = copy.copy(self)
        again.args = (message,)
        return again

    def numbered(self) -> str:
        """The message with SQL Server's error number, as a tool error tells it: a
        message that says the number already ("transient error 40613") is not told it
        twice, and a name holding its digits ('dbo.Orders208') is no mention of it."""
        text = str(self)
        if self.number is not None and not re.search(rf"\b{self.number}\b", text):
            text += f" (SQL Server error {self.number})"
        return text


class WorkRefused(DatabaseError):
    """A limit or rule stopped work the database had begun (more rows changed than
    max_affected_rows, a write that reports no row count, one row over
    max_result_bytes), and everything it did was rolled back: a refusal, audited as
    one, that only the database's answer could show."""


class WriteOutcomeUnknown(DatabaseError):
    """A write's COMMIT was sent and did not complete (it ran past query_timeout_s, or
    the connection broke on the way): whether SQL Server committed the change is not
    known, so it must be looked for before it is made again. Never retried."""


class QueryTimeout(DatabaseError):
    """A statement ran past query_timeout_s and was cancelled on the server: the source
    answered the connection, so it is slow or busy, not down."""


class SourceBusy(DatabaseError):
    """Every connection of the source's pool stayed in use and no other could be opened
    in time: the source is busy, not down; the message says when to retry."""


class DatabaseUnavailable(DatabaseError):
    """The source cannot be reached now; the server keeps trying in the background."""


class AuthError(DatabaseError):
    """Raised by an auth provider's `connect_attributes` when it has no credentials
    (a variable unset, a file missing) or they are refused: the client sees this message
    as the tool error, and `azsql-mcp check` reports it."""


class QueryRefused(ValueError):
    """The safety model refused a statement before it reached the database."""

    def __init__(self, reason: str, allowed: str):
        super().__init__(f"{reason} Allowed here: {allowed}")
        self.reason = reason
        self.allowed = allowed


# --- advice that names a tool ----------------------------------------------------

# The markers (db/fence_marker.py) frame a piece of advice in a text until the call's
# boundary renders it; no client ever sees them, and no text the database wrote holds one.
_ADVICE = re.compile(
    f"{ADVICE_OPEN}([^{ADVICE_MARKERS}]*){ADVICE_TEXT}([^{ADVICE_MARKERS}]*)"
    f"{ADVICE_ELSE}([^{ADVICE_MARKERS}]*){ADVICE_CLOSE}"
)
_STRAY = re.compile(f"[{ADVICE_MARKERS}]")


def advice(tool: str, text: str, otherwise: str = "") -> str:
    """`text`, which sends the caller to `tool`, as advice: a caller that may not call
    `tool` (switched off, beyond its scopes, a write tool on a read-only server) reads
    `otherwise` in its place, so it is never sent after a tool it cannot call. Write the
    advice with this wherever it is made (an error message, a result's text, a prompt,
    a resource): each text a tool, resource or prompt returns or raises is rendered for
    its caller (render_advice) on the way out; the server log, the console and
    `azsql-mcp check` say it as the operator reads it (plain_advice, every tool offered)."""
    return f"{ADVICE_OPEN}{tool}{ADVICE_TEXT}{text}{ADVICE_ELSE}{otherwise}{ADVICE_CLOSE}"


async def render_advice(text: str, may_call: Callable[[str], Awaitable[bool]]) -> str:
    """`text` with each piece of `advice` as `may_call` decides it (ToolContext.may_call):
    for text a tool puts where the boundary does not look (structured content)."""
    if ADVICE_OPEN not in text:  # the one cost to a text without advice
        return text
    offered = {tool: await may_call(tool) for tool in {m[0] for m in _ADVICE.findall(text)}}
    return _unmarked(_ADVICE.sub(lambda m: m[2] if offered[m[1]] else m[3], text))


def plain_advice(text: str, offered: Callable[[str], bool]) -> str:
    """`render_advice` where no caller asks: the operator's own output (`offered` always
    true there: the server log, the console, `azsql-mcp check`), or a test."""
    if ADVICE_OPEN not in text:
        return text
    return _unmarked(_ADVICE.sub(lambda m: m[2] if offered(m[1]) else m[3], text))


def _unmarked(text: str) -> str:
    # a marker outside a whole frame (a text cut inside a piece of advice) is dropped,
    # never shown; none is the database's: its texts have theirs escaped
    return _STRAY.sub("", text)


WriteKind = Literal["insert", "update", "delete"]

_STRING_SQL_TYPE = re.compile(r"^\s*(n?(?:var)?char)\s*\(\s*(\d+)\s*\)\s*$", re.IGNORECASE)


def string_sql_type(text: str) -> tuple[str, int]:
    """`varchar(50)` as ("varchar", 50): a character type a statement's parameter may be
    declared as (`sql_types` of `Database.read` and `write`), or ValueError saying what is
    taken. Without one, a string is sent as nvarchar, which a varchar column is converted
    to when compared (an index seek becomes a scan under a SQL collation)."""
    match = _STRING_SQL_TYPE.match(text)
    name, length = (match.group(1).lower(), int(match.group(2))) if match else ("", 0)
    most = 4000 if name.startswith("n") else 8000
    if not match or not 1 <= length <= most:
        raise ValueError(
            f"{text!r} is not a SQL type a string parameter can be declared as: write"
            " char(n) or varchar(n) with n from 1 to 8000, or nchar(n) or nvarchar(n) with"
            " n from 1 to 4000 (the column's type; a max type holds no index key, and"
            " nvarchar is what a string is sent as without sql_type)"
        )
    return name, length


@runtime_checkable
class Database(Protocol):
    """The handle a tool gets for its source, with the safety model applied.

    Named parameters are written `@name` in the SQL and bound from `params`;
    values never become part of the SQL text.
    """

    source: str
    security: Security
    limits: Limits

    async def read(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_rows: int | None = None,
        offset: int = 0,
        json_values: bool = False,
        server_state: bool = False,
        sql_types: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run one SELECT (CTEs allowed) in a transaction that is rolled back.

        With `json_values`, the rows come as lists of JSON values converted by the
        rules of `azsql_mcp.values` (converted where they are fetched, which is
        cheaper than converting driver values afterwards). Server-state views
        (sys.dm_... : other sessions and their statements) are refused unless
        `server_state`, which a tool passes only for callers with the sql.admin scope.
        `sql_types`: parameter name -> the character type to send its string as
        (`varchar(50)`, see `string_sql_type`); the others go as the driver binds their
        values (a string as nvarchar)."""
        ...

    async def write(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        kinds: Sequence[WriteKind],
        json_values: bool = False,
        sql_types: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run one INSERT/UPDATE/DELETE of the given kinds; needs read_only = false.

        `rows_affected` is what it changed. A statement with an OUTPUT clause (no INTO)
        returns its rows in `columns` and `rows`, at most `max_rows` / about
        `max_result_bytes` of them (`truncated` when there were more), as JSON values
        with `json_values` (see `read`); without one, `columns` and `rows` are empty.
        `sql_types` as for `read`."""
        ...

    async def write_batch(
        self,
        statements: Sequence[str],
        params: Mapping[str, Any] | None = None,
        *,
        json_values: bool = False,
    ) -> list[QueryResult]:
        """Run several writes in one transaction, all or nothing: a result for each, as
        `write` returns it."""
        ...

    async def explain(self, sql: str) -> str:
        """The estimated plan of one SELECT as ShowPlanXML; never executes it."""
        ...

    async def call_procedure(
        self,
        procedure: str,
        params: Mapping[str, Any] | None = None,
        *,
        outputs: Mapping[str, str] | None = None,
        writes: bool = False,
        max_rows: int | None = None,
    ) -> ProcedureResult:
        """Call one stored procedure (`schema.name`) with `params` bound by name.

        `outputs` maps OUTPUT parameters to their SQL types. Without `writes` the call
        runs in a transaction that is rolled back (like `read`); with it, the call needs
        read_only = false and is committed, unless its statements affected more rows
        than max_affected_rows (counted as the driver reports them: none under SET
        NOCOUNT ON, nor through FreeTDS), which rolls it back and raises WorkRefused (a
        DatabaseError); `rows_affected` of the result is that count.
        Every result set comes back, each capped at `max_rows` (and the source's byte
        cap), rows as JSON values. For tools built by the server from a declaration,
        never from a client's text."""
        ...

    async def ping(self) -> float:
        """Round-trip time of a trivial query in milliseconds."""
        ...

    def pool_stats(self) -> dict[str, int]:
        """Connections of this source's pool: in_use, idle, size."""
        ...


@dataclass(frozen=True)
class ClientIdentity:
    """Who is calling: from the HTTP bearer token, or the local user over stdio."""

    subject: str = "local"
    client_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # False without client authentication (stdio, or HTTP with mode "none"): then every
    # component is visible, as FastMCP checks no scopes, and `may` says yes to each.
    authenticated: bool = False
    # The verified token's claims (empty without client authentication): what declared
    # tools bind `from_claim` parameters from.
    claims: Mapping[str, Any] = field(default_factory=dict)

    def may(self, scope: str) -> bool:
        """Whether this caller holds `scope`: a token carrying it, or no client auth."""
        return not self.authenticated or scope in self.scopes


ConfigT = TypeVar("ConfigT", bound="BaseModel | None", default="BaseModel | None")


@dataclass
class ToolContext(Generic[ConfigT]):
    """Everything a tool, resource or prompt gets: declare a `ctx: ToolContext` parameter,
    or `ctx: ToolContext[MyConfig]` so that a type checker knows `ctx.config`'s type."""

    db: Database
    source: str
    sources: list[str]
    config: ConfigT  # the plugin's validated `[plugins.NAME]` section
    client: ClientIdentity
    report_progress: Callable[[float, float | None, str | None], Awaitable[None]]
    # `await ctx.may_call("explain_query")`: whether this caller may call that tool, as
    # tools/list and tools/call decide it (its scopes; a tool switched off, withdrawn or
    # not registered is one it may not), for a prompt or tool that shows what it shows.
    may_call: Callable[[str], Awaitable[bool]]


# --- what the startup and shutdown hooks receive --------------------------------


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as `azsql-mcp plugins` lists it."""

    name: str
    distribution: str
    version: str
    status: Literal["loaded", "disabled", "failed"]
    reason: str | None = None  # why disabled, or the error it failed with


@runtime_checkable
class ServerHandle(Protocol):
    """What `startup(server)` and `shutdown(server)` receive: the running server as one
    plugin sees it. Treat it as read-only."""

    @property
    def name(self) -> str:
        """`[server] name`."""
        ...

    @property
    def sources(self) -> list[str]:
        """The configured source names."""
        ...

    @property
    def default_source(self) -> str | None:
        """The source tools use when the caller names none."""
        ...

    @property
    def config(self) -> BaseModel | None:
        """This plugin's validated `[plugins.NAME]` section."""
        ...

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin seen, loaded or not."""
        ...

    async def database(self, source: str | None = None) -> Database:
        """The `Database` of `source` (default: the default source), waiting until the
        sources are open. Over stdio the sources open once the client is initialized:
        waiting for one in `startup` makes them open at once instead."""
        ...


# --- callables handed to the registration hooks ----------------------------------


@dataclass(frozen=True)
class ResolvedTool:
    """What a tool's `resolve` found in its source's catalog once the source was first
    reached: the function (its input schema) and description that replace the
    registered ones (None keeps them), or the problems, each naming the tool and key
    ("tools.x.procedure: ..."), that withdraw the tool. `outdated`: awaited once the tool
    is resolved, it returns when what `resolve` found no longer holds (the procedure was
    altered): the server then runs `resolve` again and lists the tool anew, telling
    connected clients the list changed."""

    fn: Callable[..., Awaitable[Any]] | None = None
    description: str | None = None
    problems: Sequence[str] = ()
    outdated: Callable[[], Awaitable[None]] | None = None


class RegisterTool(Protocol):
    """The `register` of `register_tools` (and `register_config_tools`): call it once
    per tool (docs/plugins.md, "register_tools")."""

    def __call__(
        self,
        fn: Callable[..., Awaitable[Any]],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: Mapping[str, Any] | mt.ToolAnnotations | None = None,
        tags: set[str] | None = None,
        writes: bool = False,
        scopes: Sequence[str] | None = None,
        source: str | None = None,
        output_schema: type[BaseModel] | Mapping[str, Any] | None = None,
        resolve: Callable[[Database], Awaitable[ResolvedTool]] | None = None,
    ) -> None:
        """Register `fn`, an `async def` function, as a tool.

        `name` defaults to the function's name (MCP's rule: 1 to 128 of A-Z, a-z, 0-9,
        `_`, `-`, `.`), `description` to its docstring; the input schema comes from its
        type hints, and a `ctx: ToolContext` parameter is filled by the core. `title`:
        the name shown to people. `annotations`: MCP's tool annotations
        (`{"readOnlyHint": True}`). `tags`: `{"admin"}` for a tool that needs the
        sql.admin scope. `writes`: the tool changes data (hidden while every source is
        read-only; needs sql.write). `scopes`: a non-empty list of scope names replacing that
        default. `source`: bind the tool to one configured source (no `source`
        argument). `output_schema`: the result model (or JSON schema) of a tool that
        returns a ToolResult. `resolve`: completes the tool from its source's catalog
        once the source is first reached. A mistake fails the plugin, saying what."""
        ...


class CheckStatement(Protocol):
    """Checks a statement as the guard will at call time: a read as `read_data`'s, a
    write as the write tools', under the rules of `source` (None: the default source).
    Returns the `@name` parameters it uses (without '@'); raises QueryRefused saying why
    it is refused."""

    def __call__(self, sql: str, *, writes: bool, source: str | None) -> tuple[str, ...]: ...


class RegisterResource(Protocol):
    """The `register` of `register_resources`: call it once per resource or resource
    template (docs/plugins.md, "register_resources")."""

    def __call__(
        self,
        fn: Callable[..., Awaitable[Any]],
        uri: str,
        *,
        name: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
    ) -> None:
        """Register `fn`, an `async def` function, as the resource at `uri`.

        A URI with `{placeholders}` (`acme://rows/{table}`) registers a template, and
        `fn` takes those placeholders as parameters. `name` defaults to the function's
        name, `description` to its docstring; `mime_type` is what clients see listed
        (`"application/json"` for a model, dict or list). A resource with a
        `ctx: ToolContext` parameter also gets a by-source variant,
        `acme://{source}/rows/{table}`."""
        ...


class RegisterPrompt(Protocol):
    """The `register` of `register_prompts`: call it once per prompt (docs/plugins.md,
    "register_prompts")."""

    def __call__(
        self,
        fn: Callable[..., Awaitable[Any]],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Register `fn`, an `async def` function returning the prompt text (or a list
        of messages), as a prompt; its parameters are the prompt's arguments. `name`
        defaults to the function's name, `description` to its docstring."""
        ...


class RegisterAuthProvider(Protocol):
    """The `register` of `register_auth_providers`: call it once per database auth
    provider (docs/plugins.md, "register_auth_providers")."""

    def __call__(self, name: str, factory: AuthProviderFactory) -> None:
        """Register `factory` as the auth provider `name`, which a source selects with
        `auth = "NAME"`. `factory` is called with the source's `SourceSettings` and
        returns an `AuthProvider`, whose `async connect_attributes()` gives the
        `ConnectAttributes` of each new connection."""
        ...
