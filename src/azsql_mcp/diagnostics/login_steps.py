"""`azsql-mcp check`'s steps from the settings to a login: the auth provider, the
driver, the credentials and the login itself, with advice for the failures Azure SQL users
meet most."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

from azsql_mcp.api import AuthProvider, AuthProviderFactory, ConnectAttributes, SourceSettings
from azsql_mcp.core.docpaths import doc
from azsql_mcp.db.connstr import attrs_before, build_connection_string, check_driver_settings
from azsql_mcp.db.credentials import CredentialsFailed, obtain_attributes, token_driver_refusal
from azsql_mcp.db.drivers import Driver, find_driver
from azsql_mcp.db.reachability import LOGIN_FAILED, login_step
from azsql_mcp.db.retry import DriverErrorInfo, inspect_error
from azsql_mcp.diagnostics.check_report import CheckFailed


def build_auth(
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


def source_driver(settings: SourceSettings) -> Driver:
    try:
        driver = find_driver(settings.driver)
        check_driver_settings(settings, driver)
    except Exception as exc:
        raise CheckFailed(str(exc)) from exc
    return driver


async def obtain_credentials(
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


async def log_in(settings: SourceSettings, driver: Driver, attrs: ConnectAttributes) -> Any:
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
