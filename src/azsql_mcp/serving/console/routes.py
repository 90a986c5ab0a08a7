"""The console's routes beside `/mcp`: `/` and `/console/...` (docs/console.md)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from azsql_mcp import metrics
from azsql_mcp.serving.admission import client_key, count_auth_failure
from azsql_mcp.serving.clientauth import component_key
from azsql_mcp.serving.console import pages
from azsql_mcp.serving.console.access import console_enabled, refusal
from azsql_mcp.serving.console.layout import page

if TYPE_CHECKING:
    from azsql_mcp.core.app import App

Handler = Callable[[Request], Awaitable[Response]]
DISCONNECT_POLL_S = 0.5  # how often a running query asks whether its browser is still there
# Pages with the server's data and a form that runs queries: never framed by another
# site (a click in a frame would post with the console's own Origin), never cached.
# The pages show what clients and the database named (escaped): no script runs but the
# console's own, which the policy names by their hashes.
SCRIPT_HASHES = " ".join(
    f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
    for script in pages.SCRIPTS
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src {SCRIPT_HASHES}; connect-src 'self';"
        " style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none';"
        " form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def add_console(app: App) -> None:
    """Register the console's routes when `[server] console` allows it here."""
    if not console_enabled(app.settings):
        return

    def route(path: str, methods: list[str]) -> Callable[[Handler], Handler]:
        def wrap(handler: Handler) -> Handler:
            async def guarded(request: Request) -> Response:
                refused = refusal(app, request)
                if refused is not None and refused.status_code == 401:
                    count_auth_failure(request.scope)
                response = refused if refused is not None else await handler(request)
                response.headers.update(SECURITY_HEADERS)
                return response

            app.mcp.custom_route(path, methods=methods)(guarded)
            return handler

        return wrap

    @route("/", ["GET"])
    async def overview(request: Request) -> Response:
        return HTMLResponse(page("Overview", "/", pages.overview(app)))

    @route("/console/tools", ["GET"])
    async def components(request: Request) -> Response:
        body = await pages.components(app)
        return HTMLResponse(page("Tools, resources, prompts", "/console/tools", body))

    @route("/console/schema", ["GET"])
    async def schema(request: Request) -> Response:
        # Imported here: the schema outline and its diagram are not needed to answer
        # `initialize` (catalog/__init__.py imports them when first asked for too).
        from azsql_mcp.serving.console import schema_page

        query = request.query_params
        body = await schema_page.schema(
            app, query.get("source"), query.get("schema"), query.get("after")
        )
        return HTMLResponse(page("Schema", "/console/schema", body))

    @route("/console/activity", ["GET"])
    async def activity(request: Request) -> Response:
        return HTMLResponse(page("Activity", "/console/activity", pages.activity(app)))

    @route("/console/activity/rows", ["GET"])
    async def activity_rows(request: Request) -> Response:
        return HTMLResponse(pages.activity_rows(app))

    @route("/console/query", ["GET", "POST"])
    async def query(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(page("Query runner", "/console/query", pages.query_form(app)))
        limits = app.limits.limits
        body = await form_body(request, limits.max_body_bytes)
        form = {} if body is None else parse_form(body)
        sql, source = form.get("sql", ""), form.get("source") or None
        retry_after = app.limits.take(client_key(request.scope))
        if retry_after is not None:  # the runner's calls count as the client's MCP requests do
            metrics.LIMITED_REQUESTS.labels("rate").inc()
            wait = max(1, math.ceil(retry_after))
            said = pages.query_error(
                f"Not run: this client has made more requests than [server.limits]"
                f" rate_per_minute ({limits.rate_per_minute}) and rate_burst"
                f" ({limits.rate_burst}) allow; the console's runs count with its MCP"
                f" requests. Wait {wait} s, then Run again."
            )
            return runner_page(app, sql, source, said, 429, {"Retry-After": str(wait)})
        if body is None:
            metrics.LIMITED_REQUESTS.labels("body").inc()
            said = pages.query_error(
                f"Not run: the form is larger than {limits.max_body_bytes} bytes, the limit"
                " [server.limits] max_body_bytes sets for the console's runs as for MCP"
                " requests (the browser sends the statement encoded: a character other than"
                " a letter or digit takes 3 bytes or more). Run a shorter statement."
            )
            return runner_page(app, "", source, said, 413)
        result = await run_while_connected(request, app, sql, source)
        if result is None:
            return Response(status_code=204)  # nobody is there to read it
        return runner_page(app, sql, source, result)


def runner_page(
    app: App,
    sql: str,
    source: str | None,
    result: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The query runner with the statement as posted and what became of it."""
    body = pages.query_form(app, sql, source, result)
    return HTMLResponse(page("Query runner", "/console/query", body), status, headers)


def parse_form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


async def form_body(request: Request, max_bytes: int) -> bytes | None:
    """The posted form, or None once it passes `max_bytes`: read in chunks, so an
    oversized post is refused without being held in memory whole."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            return None
    return bytes(body)


async def run_while_connected(
    request: Request, app: App, sql: str, source: str | None
) -> str | None:
    """`run_query`, or None once the browser has left (Stop, Escape, a closed tab): the
    call is cancelled then, as when an MCP client cancels (its slot and connection freed,
    audit outcome `cancelled`), not left running to query_timeout_s for nobody."""
    run = asyncio.ensure_future(run_query(app, sql, source))
    try:
        while not run.done():
            await asyncio.wait({run}, timeout=DISCONNECT_POLL_S)
            if not run.done() and await request.is_disconnected():
                return None
        return run.result()
    finally:
        run.cancel()


async def run_query(app: App, sql: str, source: str | None) -> str:
    """`read_data` called through FastMCP with its middleware: visibility, scopes, the
    concurrency slot, the guard, caps, rollback and the audit line, as for a client."""
    from fastmcp.exceptions import FastMCPError, NotFoundError
    from pydantic import ValidationError

    if not sql.strip():
        return pages.query_error("Type a SELECT statement, then Run.")
    arguments: dict[str, object] = {"query": sql}
    if source and len(app.settings.sources) > 1:
        arguments["source"] = source
    try:
        result = await app.mcp.call_tool("read_data", arguments)
    except NotFoundError:
        return pages.query_error(read_data_missing(app))
    except (FastMCPError, ValidationError) as exc:
        return pages.query_error(str(exc))
    return pages.query_result(result)


def read_data_missing(app: App) -> str:
    """Why FastMCP did not find read_data for this caller: its token's scopes (the
    console needs sql.admin, read_data its own), or the tool is switched off."""
    key = component_key("tool", "read_data")
    needed = app.policy.table.get(key)
    if app.policy.enforce and needed and key not in (app.hidden.keys or set()):
        return (
            f"Not run: read_data needs the scope {', '.join(sorted(needed))}, which this token"
            " does not carry; the runner calls it as a client with this token would. Use a"
            " token with it too."
        )
    return (
        "Not run: read_data is switched off on this server ([plugins] disabled, or"
        " [plugins.builtin_tools] disabled_tools in its config), and the runner calls it."
    )
