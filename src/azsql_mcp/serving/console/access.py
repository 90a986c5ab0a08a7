"""Who may open the console: anyone on this machine when the server listens on loopback
without client authentication; otherwise a client whose bearer token carries
`sql.admin`. Requests must name this server in Host (DNS-rebinding protection) and
form posts must come from its own pages (Origin)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from azsql_mcp.api import ADMIN_SCOPE
from azsql_mcp.serving.hosts import LOOPBACK_HOSTS, is_loopback

if TYPE_CHECKING:
    from azsql_mcp.core.app import App
    from azsql_mcp.core.config import Settings


def console_enabled(settings: Settings) -> bool:
    """`[server] console`: "auto" serves it only when bound to loopback."""
    mode = settings.server.console
    return mode == "on" or (mode == "auto" and is_loopback(settings.server.host))


def host_allowed(header: str, allowed: list[str]) -> bool:
    """Whether a Host header names this server, read as the MCP endpoint reads
    `allowed_hosts`: an entry is a name (any port), `name:port`, or `name:*`; IPv6
    addresses in brackets or not ([::1]:8000 matches ::1)."""
    if header in allowed:
        return True
    try:
        name = urlsplit("//" + header).hostname or ""
    except ValueError:
        return False
    for entry in allowed:
        if entry.endswith(":*") and header.startswith(entry[:-2] + ":"):
            return True
        if name == entry.strip("[]").lower():
            return True
    return False


async def refusal(app: App, request: Request) -> Response | None:
    """None when the request may see the console, else the answer that says why not."""
    server = app.settings.server
    host = request.headers.get("host") or ""
    names = [*server.allowed_hosts] + (list(LOOPBACK_HOSTS) if is_loopback(server.host) else [])
    if names and not host_allowed(host, names):
        return PlainTextResponse(
            f"Host {host!r} is not one this server answers to; add it to [server] allowed_hosts",
            status_code=421,
        )
    if request.method == "POST":
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            return PlainTextResponse("cross-site form posts are refused", status_code=403)
    return await admin_refusal(app, request)


async def admin_refusal(app: App, request: Request) -> Response | None:
    """None when the caller may see what the server knows about itself (the console,
    `/health`'s reasons): on a loopback server without client authentication anyone,
    else a client whose bearer token carries `sql.admin`; otherwise the answer that
    says why not."""
    server = app.settings.server
    provider = app.mcp.auth
    if provider is None:
        if is_loopback(server.host):
            return None
        return PlainTextResponse(
            "The console is served beyond loopback only with client authentication: set"
            ' [server.auth] mode, or [server] console = "off"',
            status_code=403,
        )
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    access = await provider.verify_token(token) if token else None
    if access is None:
        return PlainTextResponse(
            "The console needs an access token with the sql.admin scope in the"
            " Authorization header (Authorization: Bearer <token>)",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if ADMIN_SCOPE not in access.scopes:
        return PlainTextResponse(
            f"The console needs the {ADMIN_SCOPE} scope; this token does not carry it",
            status_code=403,
        )
    return None
