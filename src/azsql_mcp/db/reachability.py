"""Why a server cannot be reached: no TCP answer, or a failed login, each with the one
next step that fits it.

Shared by SourceDatabase (the reasons of its outages) and `azsql-mcp check`. The reasons
reach a model's context through tool errors: one short step, and `check` for the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass
from typing import Any

from azsql_mcp.api import SourceSettings

LOGIN_FAILED = 18456  # "Login failed for user ..."
CHECK_STEP = "run `azsql-mcp check` for a step-by-step diagnosis"
# FreeTDS: "Unable to connect: Adaptive Server is unavailable or does not exist", its
# failed TCP connect. After the server's port answered, it was a connect elsewhere.
FREETDS_UNABLE_TO_CONNECT = 20009
# A login whose server port answered, then timed out or failed to connect, is what a
# route to a blocked port looks like. Azure SQL's Redirect connection policy (the default
# inside Azure) and read-only routing answer the login with a node to log in to again;
# Azure SQL's nodes listen on 11000-11999, which a firewall open only for 1433 stops
# (Microsoft: "Azure SQL Database connectivity architecture", "Connection policy").
# Driver 18 keeps trying until the login timeout; FreeTDS fails at once with 20009.
ROUTE_STEP = (
    "if the server routes logins (Azure SQL's Redirect connection policy, read-only"
    " routing), open outbound TCP 11000-11999 to the database or set the server's"
    " connection policy to Proxy"
)


@dataclass(frozen=True)
class Unreachable:
    """No connection: the `problem`, and the `step` that fits it (None: only `check`).
    `unanswered`: no answer in time, which under load may be a busy server rather than
    a down one. str() is the outage reason."""

    problem: str
    step: str | None
    unanswered: bool = False

    def __str__(self) -> str:
        problem = self.problem.rstrip(".")  # a driver's message may end a sentence
        if self.step is None:
            return f"{problem}; {CHECK_STEP}"
        return f"{problem}. What to do: {self.step}; {CHECK_STEP}"


async def reachability_problem(host: str, port: int, timeout_s: float) -> Unreachable | None:
    """None if a TCP connection to host:port opens within timeout_s, else why not."""
    where = f"cannot reach {host}:{port}"
    try:
        async with asyncio.timeout(timeout_s):
            _, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return Unreachable(
            f"{where}: no answer within {timeout_s:g} s (host down, or a firewall drops"
            " the traffic)",
            "check that a firewall lets this machine reach that port (Azure SQL: the"
            " server's firewall rules or private endpoint)",
            unanswered=True,
        )
    except ConnectionRefusedError:
        return Unreachable(
            f"{where}: connection refused (nothing listens on that port)",
            "check the port in `server` (host,port; default 1433) and that SQL Server runs"
            " with TCP/IP enabled",
        )
    except socket.gaierror as exc:
        return Unreachable(
            f"cannot resolve {host}: {exc.strerror or exc}",
            "check the host name in `server` (Azure SQL: <server>.database.windows.net)",
        )
    except OSError as exc:
        return Unreachable(
            f"{where}: {exc.strerror or exc}", "check `server` and this machine's network"
        )
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


def login_failure_reason(
    message: str,
    number: int | None,
    timed_out: bool,
    address: Any,
    settings: SourceSettings,
    token: bool,
) -> Unreachable:
    """Why opening a connection failed: what went wrong, then the driver's `message`,
    and what to do. The login timed out, SQL Server refused
    it (`number` 18456), or else no connection to `address` (the source's ServerAddress,
    shown as `host,port`) was made. `token`: the login sent an Entra ID access token."""
    step = login_step(message, number, timed_out, settings, token)
    if timed_out:
        return Unreachable(f"login to {address} timed out: {message}", step, unanswered=True)
    if number == LOGIN_FAILED:
        return Unreachable(f"login failed: {message}", step)
    return Unreachable(f"cannot connect to {address}: {message}", step)


def login_step(
    message: str, number: int | None, timed_out: bool, settings: SourceSettings, token: bool
) -> str | None:
    """The step for a failed login (as `login_failure_reason`'s arguments), None where
    only `check` can tell more: outage reasons and `check`'s advice alike."""
    if timed_out:
        return (
            f"check the network path and connection_timeout_s"
            f" ({settings.connection_timeout_s:g} s); {ROUTE_STEP}"
        )
    if number == LOGIN_FAILED:
        return _credentials_step(settings, token)
    if number == FREETDS_UNABLE_TO_CONNECT:
        return ROUTE_STEP
    return tls_step(message)


def _credentials_step(settings: SourceSettings, token: bool) -> str:
    if token:
        return (
            f"give the identity that auth = {settings.auth!r} signs in as a user in database"
            f" {settings.database!r} (CREATE USER [<name>] FROM EXTERNAL PROVIDER)"
        )
    if settings.auth != "sql":
        return f"check the user name and password that auth = {settings.auth!r} supplies"
    return f"check `username` ({settings.username}) and the password ({password_origin(settings)})"


def tls_step(message: str) -> str | None:
    """The step for a failed TLS handshake, None for any other failure."""
    text = message.lower()
    if "encryption not supported" in text:
        return "the server does not support TLS; on a trusted network set encrypt = 'optional'"
    if "certificate" in text:
        return (
            "install the CA of the server's certificate on this machine; for a test server"
            " only, set trust_server_certificate = true"
        )
    if "ssl" in text or "tls" in text:
        return "check `encrypt` and trust_server_certificate against the server's TLS setup"
    return None


def password_origin(settings: SourceSettings) -> str:
    """Where the password of SQL authentication comes from, for advice."""
    # read_secret's order; the config gives at most one of the three
    if settings.password is not None:
        return "from the config"
    if settings.password_env:
        return f"from ${settings.password_env}"
    if settings.password_file:
        return f"from {settings.password_file}"
    return "from the config"
