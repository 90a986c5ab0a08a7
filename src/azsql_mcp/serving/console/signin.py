"""What a browser gets when the console refuses it (401, 403): a small page saying how to
sign in: which token, where it comes from, how a browser sends it, and where the docs
say more. An API client (any request that does not ask for HTML) keeps the plain
answer, which serving/bearer.py words as JSON like the endpoint's 401s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from azsql_mcp.api import ADMIN_SCOPE
from azsql_mcp.serving.clientauth import metadata_url
from azsql_mcp.serving.console.layout import esc, page
from azsql_mcp.serving.jwtclaims import REFUSAL

if TYPE_CHECKING:
    from azsql_mcp.core.app import App

SEND_IT = (
    "<p>A browser sends no such header by itself: add it with a browser extension that"
    " sets request headers for this site (<code>Authorization: Bearer &lt;token&gt;</code>),"
    " or reach the console through a reverse proxy that adds it.</p>"
)
DOCS = (
    "<p>More in the server's documentation: <code>docs/console.md</code>, \"Who can open"
    ' it", and <code>docs/server-configuration.md</code>, <code>[server.auth]</code>.</p>'
)


def wants_html(request: Request) -> bool:
    """A browser's navigation asks for HTML; fetch(), curl and MCP clients do not."""
    return "text/html" in request.headers.get("accept", "")


def signin_page(app: App, refused: Response) -> Response:
    """`refused` (a 401 or 403 of the console) as a page for a person, with its status
    and headers (WWW-Authenticate) kept."""
    if refused.status_code == 401:
        title, body = "Sign in", _signin(app, refused)
    else:
        title = "Not allowed"
        body = f"<p>{esc(bytes(refused.body).decode())}.</p>{DOCS}"
    headers = {k: v for k, v in refused.headers.items() if k.lower() == "www-authenticate"}
    return HTMLResponse(page(title, "", body), refused.status_code, headers)


def _signin(app: App, refused: Response) -> str:
    challenge = refused.headers.get("www-authenticate", "")
    static = app.settings.server.auth.mode == "static_tokens"
    said = (
        f"<p>The console needs an access token that carries the <code>{ADMIN_SCOPE}</code>"
        " scope, sent in the <code>Authorization</code> header of every request.</p>"
    )
    if 'error="invalid_token"' in challenge:
        # why, when our verifier could say (serving/jwtclaims.py): expired, wrong audience
        reason = REFUSAL.get() or (
            "it is not one of the tokens the operator configured"
            if static
            else "it has expired, names another audience, or is not from the issuer this"
            " server trusts (the server's log says which)"
        )
        said += f'<p class="bad">The token this browser sent was refused: {esc(reason)}.</p>'
    if static:
        where = (
            "<p>This server accepts the tokens its operator configured (<code>[server.auth]"
            f" static_tokens</code>, each with its scopes): ask the operator for one with"
            f" <code>{ADMIN_SCOPE}</code>.</p>"
        )
    else:
        url = metadata_url(app.mcp.auth)
        named = f' (<a href="{esc(url)}">{esc(url)}</a>)' if url else ""
        where = (
            "<p>Tokens come from the authorization server this server's protected-resource"
            f" metadata names{named}: ask it for one with the <code>{ADMIN_SCOPE}</code>"
            " scope.</p>"
        )
    return said + where + SEND_IT + DOCS
