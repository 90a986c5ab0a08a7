"""Serving over streamable HTTP: the ASGI app (MCP endpoint, bearer challenge, request
admission, CORS, DNS-rebinding protection), the refusal to listen beyond loopback
without client authentication, and uvicorn with a draining shutdown."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from azsql_mcp.api import ConfigError
from azsql_mcp.core.docpaths import doc
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.admission import CUT_ANSWERS_S, FailedAuthLimit, McpRequestGuard
from azsql_mcp.serving.banner import client_base
from azsql_mcp.serving.bearer import BearerChallenge
from azsql_mcp.serving.clientauth import metadata_url, short_token_problems
from azsql_mcp.serving.console.access import console_enabled, console_locked_out
from azsql_mcp.serving.console.mcp_page import BrowserPage
from azsql_mcp.serving.disconnect import CancelOnDisconnect
from azsql_mcp.serving.hosts import LOOPBACK_HOSTS, is_loopback

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from azsql_mcp.core.app import App

log = logging.getLogger(__name__)


def check_binding(settings: Settings) -> None:
    """Refuse to listen beyond loopback without client authentication."""
    problems = binding_problems(settings)
    if problems:
        raise ConfigError(problems)


def binding_problems(settings: Settings) -> list[str]:
    """Who could reach the database through this HTTP server without proving who they
    are: anyone beyond loopback, any web page through a browser, or a guessable token."""
    server, auth = settings.server, settings.server.auth
    open_to_all = auth.mode == "none" and not auth.allow_unauthenticated
    problems = []
    if open_to_all and not is_loopback(server.host):
        problems.append(
            f"server.host: {server.host!r} is not a loopback address and [server.auth] mode"
            " is 'none', so anyone who reaches the port could use the database. Set"
            " [server.auth] mode to 'entra', 'jwt' or 'static_tokens', or, only when a"
            " gateway in front authenticates every request, allow_unauthenticated = true"
            f" (each mode's keys: {doc('server-configuration.md')}, [server.auth])"
        )
    if open_to_all and "*" in server.cors_origins:
        # a loopback server too: every browser on the machine reaches it
        problems.append(
            "server.cors_origins: '*' lets the JavaScript of any web page a user opens call"
            " this server from the user's browser, and [server.auth] mode is 'none', so"
            " any site could read the database. List the origins of the web clients that"
            " call it (such as 'http://localhost:6274'), or set [server.auth] mode"
        )
    if open_to_all:  # DNS rebinding: a page whose own name the pattern matches
        problems += [
            f"server.allowed_hosts: {pattern!r} matches names any web site can have, and"
            " [server.auth] mode is 'none', so a page a user opens could point its own name"
            " at this machine (DNS rebinding) and read the database through the user's"
            " browser. List the names clients use, or patterns under a domain you hold"
            " ('*.example.com'), or set [server.auth] mode"
            for pattern in server.allowed_hosts
            if any_site_matches(pattern)
        ]
    if auth.mode == "static_tokens" and not is_loopback(server.host):
        problems += short_token_problems(auth)
    return problems


def any_site_matches(pattern: str) -> bool:
    """Whether an `allowed_hosts` pattern matches names outside any one domain: what
    follows its last wildcard (`*`, `?`, `[...]`; FastMCP matches with fnmatch, where `*`
    spans dots too) must hold a domain of two labels or more, as `*.example.com` does.
    The port and an IPv6 literal's brackets are read off as FastMCP reads them."""
    name = pattern.strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.rsplit(":", 1)[0]
    cut = max(name.rfind(char) for char in "*?]")
    if cut < 0:
        return False  # a name, not a pattern
    domain = name[cut + 1 :].partition(".")[2]
    return domain.count(".") < 1 or "" in domain.split(".")


def http_app(app: App) -> Starlette:
    """The ASGI app `serve` runs: MCP endpoint, auth, limits, CORS, health, metrics."""
    from starlette.middleware import Middleware as AsgiMiddleware
    from starlette.middleware.cors import CORSMiddleware

    server = app.settings.server
    protection, allowed_hosts = host_protection(server.host, server.allowed_hosts)
    if "*" in server.trusted_proxies:
        log.warning(
            "[server] trusted_proxies = ['*'] believes X-Forwarded-For from every client"
            " and takes its first address, which the client wrote unless the proxy"
            " replaces the header: a client picks its own address, and with it its rate"
            " limit and its sessions' count; list the proxies' addresses or networks"
            " unless nothing but a proxy that replaces the header can reach the port"
        )
    locked_out = console_locked_out(app.settings)
    if locked_out:
        log.warning(locked_out)
    provider = app.mcp.auth
    middleware = [
        AsgiMiddleware(
            McpRequestGuard,
            state=app.limits,
            drain=app.drain,
            path=server.path,
            # stateless HTTP opens no session
            session_idle_s=None if server.stateless_http else server.session_idle_timeout_s,
        )
    ]
    if server.json_response:  # with SSE answers the SDK notices a client going away
        middleware.append(AsgiMiddleware(CancelOnDisconnect, path=server.path))
    # a browser's GET of the endpoint gets a page rather than a 401 or a JSON-RPC error
    page = AsgiMiddleware(BrowserPage, path=server.path, console=console_enabled(app.settings))
    middleware.insert(0, page)
    if provider is not None:  # mode "none": a gateway in front may use the query its own way
        # a refused token counts against the client's rate on every path (admission.py)
        limit = AsgiMiddleware(FailedAuthLimit, state=app.limits, path=server.path)
        middleware.insert(0, limit)
        # outside the page: a token in the query is refused on every path
        bearer = AsgiMiddleware(BearerChallenge, metadata_url=lambda: metadata_url(provider))
        middleware.insert(0, bearer)
    if server.cors_origins:
        cors = AsgiMiddleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
            expose_headers=["Mcp-Session-Id", "WWW-Authenticate", "Retry-After"],
        )
        middleware.insert(0, cors)  # outermost: 401/413/429 answers carry CORS headers too
    origins = [*server.allowed_origins, *server.cors_origins]
    return app.mcp.http_app(
        path=server.path,
        middleware=middleware,
        json_response=server.json_response,
        stateless_http=server.stateless_http,
        session_idle_timeout=server.session_idle_timeout_s,
        host_origin_protection=protection,
        allowed_hosts=allowed_hosts,
        allowed_origins=origins or None,
    )


async def serve_http(
    app: App,
    sockets: list[socket.socket] | None = None,
    started: Callable[[], None] | None = None,
) -> None:
    """uvicorn on `http_app(app)`; SIGTERM drains calls in flight (those still running
    after shutdown_grace_s are cut and told so) and exits 0. A worker
    process passes the listening socket its parent bound, and what to call once uvicorn
    serves (serving/workers.py)."""
    import uvicorn

    from azsql_mcp.serving.httphead import BoundedHttpToolsProtocol
    from azsql_mcp.serving.stopagain import DrainingServer

    server = app.settings.server
    config = uvicorn.Config(
        http_app(app),
        host=server.host,
        port=server.port,
        log_config=None,
        access_log=app.settings.logging.access_log,
        lifespan="on",
        # uvicorn believes X-Forwarded-For from loopback unless told otherwise: only the
        # proxies the operator names may set the client address (the rate limit's key)
        proxy_headers=bool(server.trusted_proxies),
        forwarded_allow_ips=server.trusted_proxies,
        # past the drain's own end (the calls cut, their answers sent): uvicorn would
        # cancel the calls' tasks and drop their connections without an answer
        timeout_graceful_shutdown=server.shutdown_grace_s + CUT_ANSWERS_S + 1,
        http=BoundedHttpToolsProtocol,
    )
    httpd = DrainingServer(config, app.drain)
    app.drain.hold()
    # uvicorn re-raises the signal it stopped on once it is done; with this handler in
    # place that is a no-op, so the process exits 0 after closing the pools.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    draining = asyncio.create_task(_drain_on_exit(app, httpd))
    if started is not None:
        announcing = asyncio.create_task(_when_started(httpd, started))
    quiet = _QuietStartupFailure(app)
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        base = client_base(server.host, server.port, server.allowed_hosts)
        log.info("serving MCP at %s%s", base, server.path)
        await httpd.serve(sockets=sockets)
    except SystemExit:
        # uvicorn exits 3 when the lifespan fails; a plugin's failed startup (strict)
        # is reported like over stdio instead: one line, exit 2 (core/cli.py)
        if app.startup_error is not None:
            raise app.startup_error from None
        raise
    finally:
        draining.cancel()
        if started is not None:
            announcing.cancel()
        logging.getLogger("uvicorn.error").removeFilter(quiet)


class _QuietStartupFailure(logging.Filter):
    """Drops uvicorn's traceback of a failed startup hook: `serve` reports it as one line."""

    def __init__(self, app: App):
        super().__init__()
        self.app = app

    def filter(self, record: logging.LogRecord) -> bool:
        return self.app.startup_error is None or record.levelno < logging.ERROR


async def _when_started(httpd: Any, then: Callable[[], None]) -> None:
    while not httpd.started:
        await asyncio.sleep(0.1)
    then()


async def _drain_on_exit(app: App, httpd: Any) -> None:
    while not httpd.should_exit:
        await asyncio.sleep(0.1)
    app.stopping.set()  # uvicorn waits for the startup hooks before it looks at the flag
    grace = app.settings.server.shutdown_grace_s
    log.info("shutting down: finishing calls in flight (up to %s s)", grace)
    app.sessions.end_streams()  # a listen stream is a POST that never finishes by itself
    await app.drain.drain(grace, functools.partial(_cut, app, grace))


def _cut(app: App, grace: float) -> None:
    if app.drain.hurried:
        when = "the server was told a second time to stop (SIGINT or SIGTERM)"
    else:
        setting = f"[server] shutdown_grace_s, {grace:g} s"
        when = f"the grace period for calls in flight ({setting}) ran out"
    cut = app.tool_calls.cut(when)
    if cut:
        log.warning(
            "shutting down: %d call(s) still running cancelled, as %s; each caller is told so",
            cut,
            when,
        )


def host_protection(
    host: str, allowed_hosts: list[str]
) -> tuple[bool | Literal["auto"], list[str]]:
    """DNS-rebinding protection, set explicitly: the loopback names and `allowed_hosts`
    in Host/Origin. FastMCP's check also always accepts the loopback names and the
    address a request came in on (docs/deployment.md)."""
    if is_loopback(host):
        return True, [*LOOPBACK_HOSTS, *allowed_hosts]
    if allowed_hosts:
        return True, list(allowed_hosts)
    # FastMCP takes the empty list as explicit: Host is still checked, against the
    # loopback names and the address each request came in on.
    log.warning(
        "HTTP bound to %s without [server] allowed_hosts: a request whose Host is not a"
        " loopback name or the address it came in on gets 421 Misdirected Request; list"
        " the names clients use (a DNS name, an ingress host) in allowed_hosts",
        host,
    )
    return "auto", []
