"""`azsql-mcp check`: walk the path to a source step by step and stop at the first failure
with a message that says what to do."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import socket
import struct
from collections.abc import Collection, Mapping
from typing import Any, Literal, TextIO

from azsql_mcp.api import (
    AuthProvider,
    AuthProviderFactory,
    ConnectAttributes,
    DatabaseError,
    SourceSettings,
    plain_advice,
)
from azsql_mcp.catalog.access import (
    STATE_ACCESS,
    StateAccess,
    database_select_missing,
    quote,
    showplan_grant,
    state_access_of,
    view_definition_grant,
    writes_missing,
)
from azsql_mcp.catalog.masking import MASKED_FOR_USER, masked_of, unmask_missing
from azsql_mcp.catalog.server import engine_name
from azsql_mcp.catalog.sql import PERMISSIONS
from azsql_mcp.core.configsources import unread_seed_variables
from azsql_mcp.core.docpaths import doc
from azsql_mcp.core.plugins import PluginSet
from azsql_mcp.core.resolution import pending_tools, resolve_tools
from azsql_mcp.core.settings import Settings
from azsql_mcp.db.connstr import (
    ServerAddress,
    attrs_before,
    build_connection_string,
    check_driver_settings,
)
from azsql_mcp.db.connstr import parse_server as parse_server_setting
from azsql_mcp.db.credentials import (
    CredentialsFailed,
    auth_advice,
    obtain_attributes,
    token_driver_refusal,
)
from azsql_mcp.db.drivers import Driver, find_driver
from azsql_mcp.db.reachability import LOGIN_FAILED, login_step, reachability_problem
from azsql_mcp.db.retry import DriverErrorInfo, inspect_error
from azsql_mcp.db.write_effects import TABLES_UNCOUNTED
from azsql_mcp.diagnostics.function_access import uncallable_lines
from azsql_mcp.diagnostics.outside_objects import (
    INVALID_OBJECT,
    KINDS,
    failed_line,
    found_line,
    none_line,
)
from azsql_mcp.diagnostics.procedure_access import declared_procedures, execute_missing_lines
from azsql_mcp.diagnostics.statement_types import (
    DESCRIBE_SQL,
    DeclaredStatement,
    declared_statements,
    describe_failed,
    sql_type_advice,
)
from azsql_mcp.diagnostics.table_access import unreachable_lines

EXIT_CONFIG = 2  # as every command exits on an invalid configuration
PRELOGIN = 0x12
# PRELOGIN option tokens (MS-TDS 2.2.6.5)
_VERSION, _ENCRYPTION, _INSTOPT, _THREADID, _MARS, _TERMINATOR = 0, 1, 2, 3, 4, 0xFF
_ENCRYPTION_NAMES = {0: "off (login only)", 1: "on", 2: "not supported", 3: "required"}

# SUSER_SNAME() is the login (server level), USER_NAME() the database user it maps to:
# ALTER ROLE and database GRANTs name the user, server GRANTs the login.
WHO_SQL = (
    "SELECT DB_NAME(), SUSER_SNAME(), USER_NAME(), "
    "CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), "
    "CAST(SERVERPROPERTY('EngineEdition') AS int)"
)
# The user's tables and views: the catalog shows only those it holds a permission on
# ("Metadata visibility configuration"), so a login that can read it may still see none.
CATALOG_SQL = "SELECT COUNT(*) FROM sys.objects WHERE type IN ('U', 'V') AND is_ms_shipped = 0"
UNCOUNTED_SHOWN = 5  # tables named in the warning; the count says how many


class CheckFailed(Exception):
    """A step failed; `advice` says what to do about it."""

    def __init__(self, problem: str, advice: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.advice = advice


class _Report:
    def __init__(self, out: TextIO):
        self.out = out

    def ok(self, step: str, text: str) -> None:
        self._write(f"ok    {step}: {text}\n")

    def warn(self, step: str, text: str) -> None:
        self._write(f"warn  {step}: {text}\n")

    def fail(self, step: str, failure: CheckFailed) -> None:
        problem = failure.problem.replace("\n", "\n      ")  # e.g. each credential tried
        self._write(f"FAIL  {step}: {problem}\n")
        if failure.advice:
            self._write(f"      what to do: {failure.advice}\n")

    def _write(self, line: str) -> None:
        # a step's text may quote an error that holds advice (azsql_mcp.advice): said as
        # the operator reads it, every tool offered, as the console and the log say it
        self.out.write(plain_advice(line, lambda tool: True))


async def run_check(
    settings: Settings,
    source: str | None,
    out: TextIO,
    *,
    auth_providers: Mapping[str, AuthProviderFactory] | None = None,
    plugins: PluginSet | None = None,
) -> int:
    """Check one source, or every source when `source` is None. Returns the exit code:
    0 when every step passed, 2 when a tool declared in config does not match its
    source's catalog (an invalid configuration), 1 when another step failed.

    A plugin that failed to load is a warning, or with `[plugins] strict = true` a
    failure that makes the code 2, as `serve` would not start (the sources are checked
    all the same). `plugins` (the loaded plugins, their config tools declared) defaults
    to what the configuration loads; `auth_providers` to what they register."""
    report = _Report(out)
    try:
        names = _source_names(settings, source)
    except CheckFailed as failure:
        report.fail("config", failure)
        return 1
    if plugins is None:
        from azsql_mcp.core.declared import declare_tools
        from azsql_mcp.core.plugins import load_plugins

        plugins = load_plugins(settings)
        declare_tools(plugins, settings)  # what is wrong without a database: `config` says
    if auth_providers is None:
        auth_providers = plugins.auth_providers
    stopping = _check_plugins(plugins, settings.plugins.strict, report)
    listed = plugins.listed_tools()
    failed, mismatched = [], []
    for name in names:
        if not await _check_source(name, settings, auth_providers, listed, report):
            failed.append(name)
            continue
        outcome = await _check_tools(name, settings, plugins, auth_providers, report)
        if outcome == "mismatch":
            mismatched.append(name)
        elif outcome == "failed":
            failed.append(name)
    if mismatched:
        out.write(
            f"check failed: declared tools do not match source {', '.join(mismatched)}"
            " (fix [tools.NAME] in the config, or grant what each names)\n"
        )
        return EXIT_CONFIG
    if stopping:
        out.write(
            f"check failed: plugin {', '.join(stopping)} failed to load, and with [plugins]"
            " strict = true serve would not start\n"
        )
        return EXIT_CONFIG
    if failed:
        out.write(f"check failed for source {', '.join(failed)}\n")
        return 1
    out.write("all checks passed\n")
    return 0


def _check_plugins(plugins: PluginSet, strict: bool, report: _Report) -> list[str]:
    """Each plugin that failed to load, as `serve` would meet it: a FAIL with `strict`
    (serve stops at it), a warning otherwise (serve starts without it); then what a
    loaded plugin does that works today and may not tomorrow (a tool without a
    description, an import of a private module), as `azsql-mcp plugins` lists it.
    Returns the names of the plugins that would stop `serve`."""
    step = "plugins"
    failed = plugins.failed()
    for record in failed:
        problem = f"{record.describe()} failed to load: {record.reason}"
        if strict:
            advice = (
                "fix the plugin, or leave it out with [plugins] disabled; with [plugins]"
                " strict = true, serve does not start while a plugin fails"
            )
            report.fail(step, CheckFailed(problem, advice))
        else:
            report.warn(step, f"{problem}; serve starts without it")
    if not failed:
        report.ok(step, f"{len(plugins.loaded())} loaded")
    for record in plugins.loaded():
        for warning in record.warnings:
            report.warn(step, f"{record.describe()}: {warning}")
    return [r.name for r in failed] if strict else []


async def _check_tools(
    name: str,
    settings: Settings,
    plugins: PluginSet,
    auth_providers: Mapping[str, AuthProviderFactory],
    report: _Report,
) -> Literal["ok", "mismatch", "failed"]:
    """The tools that need this source's catalog (declared procedures), resolved as
    `serve` resolves them once the source is reached: "mismatch" when the config names
    what the catalog lacks, "failed" when the catalog could not be read."""
    step = "declared tools"
    specs = pending_tools(plugins, name, settings.default_source)
    if not specs:
        return "ok"
    from azsql_mcp.db.database import SourceDatabase  # pyodbc: the driver step passed

    source_settings = settings.sources[name]
    # threads, like the login above: no driver process for one check
    one_connection = {"executor": "thread", "pool_size": 1}
    db = SourceDatabase(
        name,
        source_settings.model_copy(update=one_connection),
        settings.source_security(name),
        settings.source_limits(name),
        auth_providers[source_settings.auth](source_settings),
    )
    procedures = declared_procedures(settings.tools, name, settings.default_source)
    try:
        outcome = await resolve_tools(specs, db)
        # a procedure the login cannot see already fails above, with the GRANT
        unseen = {item.pending.name for item in outcome if item.problems}
        seen = [(tool, proc) for tool, proc in procedures if tool not in unseen]
        unrunnable = await execute_missing_lines(db, seen)
    except DatabaseError as exc:
        report.fail(step, CheckFailed(f"could not read the catalog: {exc}"))
        return "failed"
    finally:
        await db.close()
    advice = (
        f"fix the tool in the config ({doc('declared-tools.md')}, [tools.NAME]) or grant what"
        " it names; a running server takes either on a reload (SIGHUP)"
    )
    for item in outcome:
        for problem in item.problems:
            report.fail(step, CheckFailed(problem, advice))
        if item.error is not None:
            report.fail(step, CheckFailed(f"tools.{item.pending.name}: {item.error}"))
    status: Literal["ok", "mismatch", "failed"] = "ok"
    if any(item.problems for item in outcome):
        status = "mismatch"
    elif any(item.error is not None for item in outcome):
        status = "failed"
    else:
        report.ok(step, f"{', '.join(s.name for s in specs)} match the catalog")
    for line in unrunnable:
        report.warn(step, line)
    return status


async def _check_source(
    name: str,
    settings: Settings,
    auth_providers: Mapping[str, AuthProviderFactory],
    listed: Collection[str],
    report: _Report,
) -> bool:
    source_settings = settings.sources[name]
    step = "config"
    try:
        report.ok(
            step,
            f"source {name!r}: server {source_settings.server}, "
            f"database {source_settings.database}, auth {source_settings.auth}",
        )
        step = "auth config"
        auth = _make_auth(source_settings, auth_providers)
        if auth_advice(source_settings) is None:  # a plugin's: what it checks is its own
            report.ok(step, f"provider {source_settings.auth!r} built from the settings")
        else:
            report.ok(step, f"provider {source_settings.auth!r} accepted the settings")
        step = "driver"
        driver = _driver(source_settings)
        report.ok(step, f"{driver.description} [{driver.kind}]")
        address = _address(source_settings)
        machine = address.machine
        step = "name"
        report.ok(step, await _resolve(machine))
        if address.named_instance:
            report.warn("tcp", "named instance: SQL Browser gives the port; skipped to login")
        else:
            step = "tcp"
            await _tcp(machine, source_settings)
            report.ok(step, f"{machine.host}:{machine.effective_port} accepts connections")
            step = "pre-login"
            report.ok(step, await _prelogin(machine, source_settings))
        step = "credentials"
        attrs = await _credentials(auth, source_settings, name, driver)
        report.ok(step, attrs.identity or "obtained")
        step = "login"
        cnxn = await _login(source_settings, driver, attrs)
        try:
            report.ok(step, f"logged in with auth {source_settings.auth!r}")
            step = "database"
            database, login_name, user_name, version, edition = await _query_one(cnxn, WHO_SQL)
            report.ok(
                step,
                f"{database} as {login_name}, user {user_name} ({engine_name(edition)} {version})",
            )
            step = "permissions"
            (seen,) = await _query_one(cnxn, CATALOG_SQL)
            names, row = await _fetch_one(cnxn, PERMISSIONS)
            grants = dict(zip(names, row, strict=True))
            fine, text = _catalog_line(int(seen), bool(grants["sees_every_table"]), user_name)
            (report.ok if fine else report.warn)(step, text)
            names, row = await _fetch_one(cnxn, STATE_ACCESS)
            access = state_access_of(dict(zip(names, row, strict=True)))
            security = settings.source_security(name)
            writable = not security.read_only
            lines = _permission_lines(grants, access, user_name, listed, writable=writable)
            for fine, text in lines:
                (report.ok if fine else report.warn)(step, text)
            step = "masking"
            await _masked_columns(cnxn, report)
            if not security.read_only and not security.allow_uncounted_writes:
                step = "writes"
                sees_all = bool(grants["sees_every_table"])
                await _uncounted_tables(cnxn, report, sees_all=sees_all)
            step = "reach outside"
            await _outside_objects(cnxn, report, whole=bool(grants["view_definition"]))
            statements = declared_statements(settings.tools, name, settings.default_source)
            if statements:
                step = "declared statements"
                await _statement_types(cnxn, statements, report)
                rows = functools.partial(_rows, cnxn)
                for line in await asyncio.to_thread(uncallable_lines, rows, statements):
                    report.warn(step, line)
                # a write tool is not listed while its source is read-only
                listed_statements = [s for s in statements if writable or not s.writes]
                for line in await asyncio.to_thread(unreachable_lines, rows, listed_statements):
                    report.warn(step, line)
        finally:
            await asyncio.to_thread(_close, cnxn)
    except CheckFailed as failure:
        report.fail(step, failure)
        return False
    return True


def _source_names(settings: Settings, source: str | None) -> list[str]:
    if not settings.sources:
        notes = "".join(f"; {note}" for note in unread_seed_variables(os.environ))
        raise CheckFailed(
            "no database source is configured",
            "add a [sources.NAME] section with at least `server` to azsql-mcp.toml, "
            f"or set AZURE_SQL_SERVER and AZURE_SQL_DATABASE{notes}",
        )
    if source is None:
        return list(settings.sources)
    if source not in settings.sources:
        raise CheckFailed(
            f"there is no source {source!r}", f"use one of: {', '.join(settings.sources)}"
        )
    return [source]


def _address(settings: SourceSettings) -> ServerAddress:
    try:
        return parse_server_setting(settings.server)
    except ValueError as exc:
        raise CheckFailed(str(exc)) from exc


def _make_auth(
    settings: SourceSettings, providers: Mapping[str, AuthProviderFactory]
) -> AuthProvider:
    factory = providers.get(settings.auth)
    if factory is None:
        raise CheckFailed(
            f"auth {settings.auth!r} is not a known auth provider",
            f"set auth to one of: {', '.join(sorted(providers)) or 'none (is builtin_auth off?)'}",
        )
    try:
        return factory(settings)
    except (ValueError, TypeError) as exc:
        raise CheckFailed(
            str(exc), f"fix the source's auth settings ({doc('authentication.md')})"
        ) from exc


def _driver(settings: SourceSettings) -> Driver:
    try:
        driver = find_driver(settings.driver)
        check_driver_settings(settings, driver)
    except Exception as exc:
        raise CheckFailed(str(exc)) from exc
    return driver


async def _resolve(address: ServerAddress) -> str:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(
            address.host, address.effective_port, type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise CheckFailed(
            f"cannot resolve {address.host}: {exc.strerror}",
            "check `server`; an Azure SQL server is named <server>.database.windows.net",
        ) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    return f"{address.host} resolves to {', '.join(addresses)}"


async def _tcp(address: ServerAddress, settings: SourceSettings) -> None:
    timeout = min(settings.connection_timeout_s, 10)
    unreachable = await reachability_problem(address.host, address.effective_port, timeout)
    if unreachable is not None:
        raise CheckFailed(unreachable.problem, unreachable.step or "")


async def _prelogin(address: ServerAddress, settings: SourceSettings) -> str:
    if settings.encrypt == "strict":
        return "encrypt = strict (TDS 8): TLS comes before PRE-LOGIN; verified by the login"
    client_encryption = 0 if settings.encrypt in ("no", "optional") else 1
    try:
        reply = await asyncio.wait_for(
            _exchange_prelogin(address, client_encryption), min(settings.connection_timeout_s, 10)
        )
    except (OSError, TimeoutError, ValueError) as exc:
        raise CheckFailed(
            f"the server did not answer PRE-LOGIN like SQL Server: {exc or type(exc).__name__}",
            "check that server and port point at SQL Server (not a proxy or another service)",
        ) from exc
    version = reply.get(_VERSION, b"")
    encryption = reply.get(_ENCRYPTION, b"\x02")[0]
    text = f"server answered PRE-LOGIN, encryption {_ENCRYPTION_NAMES.get(encryption, encryption)}"
    if len(version) >= 4:
        text += f", version {version[0]}.{version[1]}.{int.from_bytes(version[2:4], 'big')}"
    if encryption == 2 and client_encryption:
        raise CheckFailed(
            "the server does not support encryption but encrypt = "
            f"{settings.encrypt!r} requires it",
            "enable TLS on the server, or on a trusted network only set encrypt = 'optional'",
        )
    return text


async def _exchange_prelogin(address: ServerAddress, encryption: int) -> dict[int, bytes]:
    reader, writer = await asyncio.open_connection(address.host, address.effective_port)
    try:
        writer.write(prelogin_packet(encryption))
        await writer.drain()
        header = await reader.readexactly(8)
        if header[0] != 0x04:  # TABULAR RESULT
            raise ValueError(f"unexpected packet type 0x{header[0]:02x}")
        (length,) = struct.unpack(">H", header[2:4])
        return parse_prelogin(await reader.readexactly(length - 8))
    except asyncio.IncompleteReadError as exc:
        raise ValueError("the connection closed during PRE-LOGIN") from exc
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def prelogin_packet(encryption: int) -> bytes:
    """A client PRE-LOGIN packet: version, encryption, instance, thread id, MARS."""
    options = [
        (_VERSION, bytes([18, 0]) + (0).to_bytes(2, "big") + b"\x00\x00"),
        (_ENCRYPTION, bytes([encryption])),
        (_INSTOPT, b"\x00"),
        (_THREADID, b"\x00\x00\x00\x00"),
        (_MARS, b"\x00"),
    ]
    offset = 5 * len(options) + 1
    head, body = b"", b""
    for token, data in options:
        head += struct.pack(">BHH", token, offset + len(body), len(data))
        body += data
    payload = head + bytes([_TERMINATOR]) + body
    return struct.pack(">BBHHBB", PRELOGIN, 0x01, 8 + len(payload), 0, 1, 0) + payload


def parse_prelogin(payload: bytes) -> dict[int, bytes]:
    options: dict[int, bytes] = {}
    position = 0
    while position < len(payload) and payload[position] != _TERMINATOR:
        if position + 5 > len(payload):
            raise ValueError("truncated PRE-LOGIN reply")
        token, offset, length = struct.unpack(">BHH", payload[position : position + 5])
        options[token] = payload[offset : offset + length]
        position += 5
    return options


async def _credentials(
    auth: AuthProvider, settings: SourceSettings, name: str, driver: Driver
) -> ConnectAttributes:
    try:
        attrs = await obtain_attributes(auth, settings, name)
    except CredentialsFailed as exc:  # the operator's own command: the detail too
        problem = exc.problem if exc.detail is None else f"{exc.problem}: {exc.detail}"
        raise CheckFailed(problem, exc.advice) from exc
    refusal = token_driver_refusal(driver) if attrs.access_token is not None else None
    if refusal is not None:  # the server refuses the same way (database.py)
        raise CheckFailed(*refusal)
    return attrs


async def _login(settings: SourceSettings, driver: Driver, attrs: ConnectAttributes) -> Any:
    import pyodbc

    connection_string = build_connection_string(settings, driver, attrs)
    kwargs: dict[str, Any] = {"autocommit": True, "timeout": settings.connection_timeout_s}
    before = attrs_before(attrs)
    if before is not None:
        kwargs["attrs_before"] = before
    try:
        return await asyncio.to_thread(pyodbc.connect, connection_string, **kwargs)
    except pyodbc.Error as exc:
        info = inspect_error(exc)
        raise CheckFailed(info.message, login_advice(info, settings, attrs, driver)) from exc


# FreeTDS 1.3.16 and 1.3.17 keep the gateway's TLS session on the connection to the node
# a route names, and time out there (FreeTDS issue #489, fixed in 1.3.18); Azure SQL
# always encrypts. Measured with Debian 12's tdsodbc 1.3.17 against the TDS test server.
FREETDS_ROUTE_OVER_TLS = (
    "; FreeTDS 1.3.16 and 1.3.17 (Debian 12's tdsodbc) cannot follow such a route over"
    " TLS at all (FreeTDS issue #489, fixed in 1.3.18): with them use Microsoft ODBC"
    " Driver 18 (pip install mssql-python-odbc) or the Proxy connection policy"
)


def login_advice(
    info: DriverErrorInfo, settings: SourceSettings, attrs: ConnectAttributes, driver: Driver
) -> str:
    """What to do about a failed login, for the failures Azure SQL users meet most. A
    refused login, a timeout and a failed TLS handshake get the step a source's outage
    reason gives (reachability.login_step), a refused login with what only Azure SQL
    adds, a timeout over FreeTDS with TLS the FreeTDS versions that cannot follow a
    route."""
    message = info.message
    if info.number == 40615:
        match = re.search(r"IP address '([^']+)'", message)
        ip = match.group(1) if match else "<your client IP>"
        return (
            f"the server's firewall blocks this client ({ip}). Add a rule: az sql server "
            f"firewall-rule create -g <resource-group> -s <server> -n azsql-mcp "
            f"--start-ip-address {ip} --end-ip-address {ip} (or Networking in the portal)"
        )
    if info.number == 40532:
        return (
            "the server name in the login does not match: use the full name "
            "<server>.database.windows.net and a user name without @server"
        )
    if info.number == 4060:
        return (
            f"check `database` ({settings.database!r}) and that the login has a user in it: "
            "CREATE USER [<login>] FOR LOGIN [<login>] (or FROM EXTERNAL PROVIDER)"
        )
    if info.number == 40613:
        return (
            "the database is not available right now: a serverless database may be paused "
            "and resuming (try again in a minute), or a failover is in progress"
        )
    token = attrs.access_token is not None
    step = login_step(message, info.number, info.timed_out, settings, token)
    if info.number == LOGIN_FAILED:
        if token:
            return (
                f"{step}, and check that the token's audience is Azure SQL in the server's"
                " cloud (https://database.windows.net/; database.usgovcloudapi.net and"
                " database.chinacloudapi.cn in the national clouds) and its tenant the"
                " server's (the credentials line above names the identity)"
            )
        return (
            f"{step}; in Azure SQL the login must exist on the server, or be a contained user"
            f" of database {settings.database!r}"
        )
    if info.timed_out and driver.kind == "freetds" and settings.encrypt != "no":
        return f"{step}{FREETDS_ROUTE_OVER_TLS}"
    if step is not None:
        return step
    if info.connection_lost:
        return "the login did not complete: check the network path and the port"
    return "see the server's message above"


async def _query_one(cnxn: Any, sql: str, *, allow_empty: bool = False) -> tuple[Any, ...]:
    return (await _fetch_one(cnxn, sql, allow_empty=allow_empty))[1]


async def _fetch_one(
    cnxn: Any, sql: str, *, allow_empty: bool = False
) -> tuple[list[str], tuple[Any, ...]]:
    """The column names and the first row of `sql`; CheckFailed on an error."""
    import pyodbc

    try:
        names, rows = await asyncio.to_thread(_rows, cnxn, sql)
    except pyodbc.Error as exc:
        info = inspect_error(exc)
        raise CheckFailed(
            f"{info.message} (while running: {sql})",
            "grant the user read access: ALTER ROLE db_datareader ADD MEMBER [<user>]",
        ) from exc
    row = rows[0] if rows else ()
    if not row and not allow_empty:
        raise CheckFailed(f"no row came back from: {sql}")
    return names, row


def _rows(cnxn: Any, sql: str, *params: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of `sql` (blocking: run in a thread)."""
    cursor = cnxn.cursor()
    try:
        rows = cursor.execute(sql, *params).fetchall()
        names = [entry[0] for entry in cursor.description or ()]
    finally:
        cursor.close()
    return names, [tuple(row) for row in rows]


async def _uncounted_tables(cnxn: Any, report: _Report, *, sees_all: bool) -> None:
    """The tables whose writes max_affected_rows cannot count (db/write_effects.py): the
    server refuses writes to them, which an operator had better know before an agent
    meets it. A warning, not a failure: reads and other writes work. Unless the login
    `sees_all` tables (PERMISSIONS' sees_every_table), the list may be short."""
    import pyodbc

    try:
        _, rows = await asyncio.to_thread(_rows, cnxn, TABLES_UNCOUNTED)
    except pyodbc.Error as exc:
        report.warn("writes", f"could not list the tables with cascades or triggers: {exc}")
        return
    tables = [str(row[0]) for row in rows]
    unseen = (
        ""
        if sees_all
        else "; of the tables this login can see: a foreign key of a table it holds no"
        " permission on is not seen, and a write it cascades from is not refused"
    )
    if not tables:
        text = "no table has a cascading foreign key or an enabled trigger" + unseen
        (report.ok if sees_all else report.warn)("writes", text)
        return
    shown = ", ".join(tables[:UNCOUNTED_SHOWN]) + (", ..." if len(tables) > UNCOUNTED_SHOWN else "")
    report.warn(
        "writes",
        f"{len(tables)} table(s) have a cascading foreign key or an enabled trigger, whose"
        " rows max_affected_rows cannot count: a DELETE, an UPDATE of a cascading key's"
        " columns, or a write a trigger fires on is refused there until"
        f" allow_uncounted_writes = true for this source ({shown}){unseen}",
    )


async def _masked_columns(cnxn: Any, report: _Report) -> None:
    """The masked columns the login reads masked (catalog/masking.py): a warning with the
    GRANT UNMASK, as reads return placeholders for them with no error."""
    import pyodbc

    step = "masking"
    try:
        names, rows = await asyncio.to_thread(_rows, cnxn, MASKED_FOR_USER)
    except pyodbc.Error as exc:
        info = inspect_error(exc)
        if info.number == INVALID_OBJECT:  # before SQL Server 2016: no sys.masked_columns
            report.ok(step, "this server has no dynamic data masking")
        else:
            report.warn(step, f"could not list the masked columns: {info.message}")
        return
    missing = unmask_missing(masked_of([dict(zip(names, row, strict=True)) for row in rows]))
    if missing is None:
        report.ok(step, "no masked column is read masked by this login")
    else:
        report.warn(step, missing)


async def _outside_objects(cnxn: Any, report: _Report, *, whole: bool) -> None:
    """The objects of the database that reach outside it when read (outside_objects.py):
    warnings, never a failure; `whole`: the login sees every object's metadata."""
    import pyodbc

    step = "reach outside"
    noted = False
    for kind in KINDS:
        try:
            _, rows = await asyncio.to_thread(_rows, cnxn, kind.sql)
        except pyodbc.Error as exc:
            info = inspect_error(exc)
            if info.number != INVALID_OBJECT:  # 208: this version has no such objects
                report.warn(step, failed_line(kind, info.message))
                noted = True
            continue
        if rows:
            report.warn(step, found_line(kind, rows, whole))
            noted = True
    if not noted:
        report.ok(step, none_line(whole))


async def _statement_types(cnxn: Any, statements: list[DeclaredStatement], report: _Report) -> None:
    """Each declared statement's string parameters against the types SQL Server deduces
    for them (statement_types.py): warnings, never a failure, as the tool works either
    way; a statement SQL Server will not describe is a warning that says why."""
    import pyodbc

    step = "declared statements"
    advised = False
    for declared in statements:
        if not declared.strings:
            continue
        try:
            _, described = await asyncio.to_thread(_rows, cnxn, DESCRIBE_SQL, declared.statement)
        except pyodbc.Error as exc:
            report.warn(step, describe_failed(declared, inspect_error(exc).message))
            advised = True
            continue
        for line in sql_type_advice(declared, described):
            report.warn(step, line)
            advised = True
    if not advised:
        report.ok(
            step,
            f"{', '.join(d.tool for d in statements)}: no string parameter meets a char or"
            " varchar column without sql_type",
        )


def _catalog_line(seen: int, sees_every_table: bool, user: str) -> tuple[bool, str]:
    """(fine?, text) on the tables and views the catalog shows the user: a login that sees
    none can reach none, which "can read the catalog" would hide."""
    if sees_every_table:
        return True, f"the catalog shows every table and view: {seen}"
    if not seen:
        return False, (
            "the catalog shows no table or view: SQL Server shows a user only those it holds"
            f" a permission on, and the database user {quote(user)} holds none: "
            + database_select_missing(user)
        )
    return True, (
        f"the catalog shows {seen} tables and views, those the database user {quote(user)} holds a"
        " permission on (not every one: " + database_select_missing(user) + ")"
    )


def _permission_lines(
    grants: Mapping[str, Any],
    access: StateAccess,
    user: str,
    listed: Collection[str],
    *,
    writable: bool,
) -> list[tuple[bool, str]]:
    """(fine?, text) per permission a tool needs, as health_check notes them; missing ones
    are warnings, not failures. `grants` is a row of catalog PERMISSIONS, `user` the
    database user (USER_NAME()); the state permission is the one this engine needs for
    list_long_running_queries to see other sessions (catalog/access.py). A permission
    one tool needs only where that tool is `listed` (not switched off); the write
    permissions only where the write tools are listed."""
    state = f"list_long_running_queries sees only its own session without it: {access.grant}"
    needs: list[tuple[str, str, bool, str]] = [
        ("list_long_running_queries", access.permission, access.sees_all_sessions, state),
        (
            "explain_query",
            "SHOWPLAN",
            bool(grants["showplan"]),
            f"explain_query cannot show plans without it: {showplan_grant(user)}",
        ),
        (
            "describe_table",
            "VIEW DEFINITION",
            bool(grants["view_definition"]),
            "describe_table shows the definitions of defaults, CHECK constraints and computed"
            " columns as hidden, and no row-level security policy, without it:"
            f" {view_definition_grant(user)}",
        ),
    ]
    lines = [
        _permission_line(
            "SELECT on the database", bool(grants["can_select"]), database_select_missing(user)
        ),
        *(
            _permission_line(name, granted, remedy)
            for tool, name, granted, remedy in needs
            if tool in listed
        ),
    ]
    if writable:
        held = all(bool(grants[f"can_{w}"]) for w in ("insert", "update", "delete"))
        lines.append(
            _permission_line("INSERT, UPDATE, DELETE on the database", held, writes_missing(user))
        )
    return lines


def _permission_line(name: str, granted: bool, remedy: str) -> tuple[bool, str]:
    return granted, f"{name}: yes" if granted else f"{name}: no ({remedy})"


def _close(cnxn: Any) -> None:
    with contextlib.suppress(Exception):
        cnxn.close()
