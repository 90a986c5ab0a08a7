"""Who may open the console: anyone on this machine when the server listens on loopback
without client authentication; otherwise a client whose bearer token carries
`sql.admin`. Form posts must come from its own pages (Origin, Sec-Fetch-Site), and no
other site's page may load one (Sec-Fetch-Mode, Sec-Fetch-Dest). A browser
refused gets a page saying how to sign in (signin.py). The Host header is checked for
every path, the console's too, by FastMCP's host guard (DNS-rebinding protection,
serving/http.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from azsql_mcp.api import ADMIN_SCOPE
from azsql_mcp.serving.admission import sends_bearer
from azsql_mcp.serving.clientauth import metadata_url
from azsql_mcp.serving.console.signin import signin_page, wants_html
from azsql_mcp.serving.hosts import is_loopback

if TYPE_CHECKING:
    from azsql_mcp.core.app import App
    from azsql_mcp.core.settings import Settings


def console_enabled(settings: Settings) -> bool:
    """`[server] console`: "auto" serves it only when bound to loopback."""
    mode = settings.server.console
    return mode == "on" or (mode == "auto" and is_loopback(settings.server.host))


def console_locked_out(settings: Settings) -> str | None:
    """Why no one could open a console that is served: mode `static_tokens` with no token
    carrying sql.admin (with `jwt` and `entra` the issuer decides). None otherwise."""
    auth = settings.server.auth
    if not console_enabled(settings) or auth.mode != "static_tokens":
        return None
    if any(ADMIN_SCOPE in token.scopes for token in auth.static_tokens):
        return None
    return (
        f"the console is served, but opening it needs a token with {ADMIN_SCOPE} and no"
        f" [[server.auth.static_tokens]] carries it: add {ADMIN_SCOPE!r} to the scopes of"
        ' the operator\'s token, or set [server] console = "off"'
    )


def refusal(app: App, request: Request) -> Response | None:
    """None when the request may see the console, else the answer that says why not."""
    if request.method == "POST" and not _same_origin(request):
        return PlainTextResponse("cross-site form posts are refused", status_code=403)
    if _loaded_by_another_site(request):
        return PlainTextResponse(
            "another site's page may link to the console, not load it (as an image, script,"
            " frame or fetch): open it from the address bar or a link",
            status_code=403,
        )
    refused = admin_refusal(app, request)
    if refused is not None and wants_html(request):  # a person at a browser
        return signin_page(app, refused)
    return refused


def _same_origin(request: Request) -> bool:
    """A browser names where a post comes from in Origin, and (current ones) in
    Sec-Fetch-Site; a client that sends neither is not a browser another site drives."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def _loaded_by_another_site(request: Request) -> bool:
    """Whether another site's page (another port of localhost too: same-site) loads this
    one as an image, script, frame or fetch, which current browsers say in Fetch Metadata:
    a page that does so in a loop would have each load's catalog reads run, unseen. A
    person following a link from elsewhere (a top-level navigation) opens the page."""
    headers = request.headers
    if headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none"):
        return False
    return not (
        headers.get("sec-fetch-mode") == "navigate"
        and headers.get("sec-fetch-dest", "document") == "document"
    )


def admin_refusal(app: App, request: Request) -> Response | None:
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
    # FastMCP's authentication middleware, around every route, verified the token and
    # left the caller in the scope: the console reads the header no other way
    access = getattr(request.scope.get("user"), "access_token", None)
    sent = sends_bearer(request.scope)
    # RFC 9728 §5.1: a 401 names the protected-resource metadata (modes jwt and entra),
    # which serving/bearer.py reads to tell where tokens come from
    challenge = f'scope="{ADMIN_SCOPE}"'
    if url := metadata_url(provider):
        challenge += f', resource_metadata="{url}"'
    if access is None and sent:  # RFC 6750 §3.1: a token was sent, and refused
        return PlainTextResponse(
            "The console did not accept this access token (expired, or not one this server"
            " accepts); send a valid one with the sql.admin scope",
            status_code=401,
            headers={"WWW-Authenticate": f'Bearer error="invalid_token", {challenge}'},
        )
    if access is None:
        return PlainTextResponse(
            "The console needs an access token with the sql.admin scope in the"
            " Authorization header (Authorization: Bearer <token>)",
            status_code=401,
            headers={"WWW-Authenticate": f"Bearer {challenge}"},
        )
    if ADMIN_SCOPE not in access.scopes:
        return PlainTextResponse(
            f"The console needs the {ADMIN_SCOPE} scope; this token does not carry it",
            status_code=403,
        )
    return None
