"""`GET /mcp` from a browser: a short page saying what the endpoint is and how to
connect a client. MCP clients send `Accept: text/event-stream` (or a session id) and
reach the JSON-RPC endpoint unchanged."""

from __future__ import annotations

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from azsql_mcp.serving.console.layout import esc, page


class BrowserPage:
    def __init__(self, app: ASGIApp, path: str, console: bool):
        self.app = app
        self.path = path.rstrip("/") or "/"
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self._is_browser(scope):
            await HTMLResponse(self._page(scope)).__call__(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _is_browser(self, scope: Scope) -> bool:
        if scope["path"].rstrip("/") != self.path:
            return False
        headers = dict(scope["headers"])
        accept = headers.get(b"accept", b"").decode("latin-1")
        return b"mcp-session-id" not in headers and "text/html" in accept

    def _page(self, scope: Scope) -> str:
        host = dict(scope["headers"]).get(b"host", b"127.0.0.1:8000").decode("latin-1")
        url = f"http://{host}{self.path}"
        snippet = '{\n  "servers": {\n    "azsql": {"type": "http", "url": "' + url + '"}\n  }\n}'
        console = (
            '<p>The <a href="/">console</a> shows this server\'s state.</p>' if self.console else ""
        )
        body = (
            f"<p><code>{esc(url)}</code> is this server's MCP endpoint (streamable HTTP):"
            " MCP clients send JSON-RPC here with POST. A browser has nothing to do here.</p>"
            "<h2>Connect a client</h2><p>VS Code (<code>.vscode/mcp.json</code>):</p>"
            f'<pre tabindex="0">{esc(snippet)}</pre>'
            "<p>Claude Code: <code>claude mcp add --transport http"
            f" azsql {esc(url)}</code></p><p>Or try it with the MCP Inspector:"
            " <code>npx @modelcontextprotocol/inspector</code>, transport Streamable HTTP,"
            f" URL <code>{esc(url)}</code>.</p>{console}"
        )
        return page("MCP endpoint", "", body)
