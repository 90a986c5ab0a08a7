"""Why a server cannot be reached: no TCP answer, or a failed login.

Shared by SourceDatabase (the reasons of its outages) and `azsql-mcp check`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

UNANSWERED = "(host down, or a firewall drops the traffic)"  # ends a reachability timeout
LOGIN_FAILED = 18456  # "Login failed for user ..."


async def reachability_problem(host: str, port: int, timeout_s: float) -> str | None:
    """None if a TCP connection to host:port opens within timeout_s, else why not."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    except TimeoutError:
        return f"cannot reach {host}:{port}: no answer within {timeout_s:g} s {UNANSWERED}"
    except ConnectionRefusedError:
        return f"cannot reach {host}:{port}: connection refused (nothing listens on that port)"
    except OSError as exc:
        return f"cannot reach {host}:{port}: {exc.strerror or exc}"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


def login_failure_reason(message: str, number: int | None, timed_out: bool, address: Any) -> str:
    """Why opening a connection failed, as a source's outage reason: what went wrong,
    then the driver's `message`. The login timed out, SQL Server refused it (`number`
    18456), or else no connection to `address` (the source's ServerAddress, shown as
    `host,port`) was made."""
    if timed_out:
        return f"login to {address} timed out: {message}"
    if number == LOGIN_FAILED:
        return f"login failed: {message}"
    return f"cannot connect to {address}: {message}"
