"""Bearer tokens only in the Authorization header, and 401 answers that say what to do.

FastMCP's RequireAuthMiddleware answers 401 as RFC 6750 §3 describes: without
credentials `WWW-Authenticate: Bearer resource_metadata="..."` and, as §3.1
asks, no error code; with a bad token `error="invalid_token"` and a generic
description. This ASGI middleware, around every route, adds what FastMCP cannot
know:

- a token in the URL query (`?access_token=...`, RFC 6750 §2.3) is refused
  before anything reads it: the MCP authorization spec forbids tokens in query
  strings, and URLs end up in access logs and proxies;
- when our verifier refused a token for a reason it can name (serving/jwtclaims.py),
  that reason replaces the generic description, and so does, with static tokens, why
  no token the operator configured matched (no client re-registers for a new one);
- a 401 without credentials gets a JSON body saying how to authenticate, and where
  tokens come from: the advertised issuer, or without one the operator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from azsql_mcp import metrics
from azsql_mcp.serving.jwtclaims import REFUSAL

QUERY_TOKEN = (
    "access tokens are not accepted in the URL query (access_token): send the token in the"
    " Authorization header instead, as Authorization: Bearer <token>"
)
MISSING_TOKEN = (
    "this endpoint needs an access token: send it in the Authorization header, as"
    " Authorization: Bearer <token>."
)
# Where a token comes from: the issuer the metadata names (modes jwt and entra), else
# the operator, who configured it (mode static_tokens, which advertises no issuer).
FROM_ISSUER = (
    " The resource_metadata URL in WWW-Authenticate names the authorization server that"
    " issues tokens for this server"
)
FROM_OPERATOR = (
    " This server accepts tokens its operator configured ([server.auth] static_tokens); no"
    " authorization server issues them: ask the operator for one"
)
# A token mode static_tokens does not hold. FastMCP's description (reconnect, the client
# re-registers and obtains new tokens) is true where an authorization server issues them.
UNKNOWN_STATIC_TOKEN = (
    "the token is not one this server accepts: it accepts only the tokens its operator"
    " configured ([server.auth] static_tokens); check the token sent as Authorization:"
    " Bearer <token>, or ask the operator for one"
)
_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class BearerChallenge:
    """Refuses query-string tokens; words the 401s FastMCP sends.

    `metadata_url` gives the RFC 9728 metadata URL (None without one) once the
    app is built: FastMCP computes it while creating its routes.
    """

    def __init__(self, app: ASGIApp, metadata_url: Callable[[], str | None]) -> None:
        self.app = app
        self.metadata_url = metadata_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _token_in_query(scope):
            metrics.AUTH_FAILURES.labels("token_in_query").inc()
            params = {"error": "invalid_request", "error_description": QUERY_TOKEN}
            if url := self.metadata_url():
                params["resource_metadata"] = url
            await _send_401(
                send, params, {"error": "invalid_request", "error_description": QUERY_TOKEN}
            )
            return
        await self.app(scope, receive, _worded(send))


def _token_in_query(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    return any(name == "access_token" for name, _ in parse_qsl(query, keep_blank_values=True))


def _worded(send: Send) -> Send:
    """`send`, with a 401's description and body replaced by ones that say what to do."""
    body: bytes | None = None

    async def send_worded(message: Message) -> None:
        nonlocal body
        if message["type"] == "http.response.start" and message["status"] == 401:
            headers = list(message.get("headers", []))
            challenge = next((v for k, v in headers if k.lower() == b"www-authenticate"), None)
            if challenge is None:
                await send(message)
                return
            params = dict(_PARAM.findall(challenge.decode("latin-1")))
            # no metadata advertised: the operator's static tokens, no issuer
            by_operator = "resource_metadata" not in params
            reason = REFUSAL.get() or (UNKNOWN_STATIC_TOKEN if by_operator else None)
            if "error" not in params:
                source = FROM_OPERATOR if by_operator else FROM_ISSUER
                body = json.dumps({"error_description": MISSING_TOKEN + source}).encode()
            elif params["error"] == "invalid_token" and reason:
                params["error_description"] = reason
                body = json.dumps({"error": "invalid_token", "error_description": reason}).encode()
                challenge = _challenge(params)
            # the console's page for a browser (serving/console/signin.py) says it all
            # already: only its challenge is worded
            if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                body = None
            replaced = [b"www-authenticate"]
            if body is not None:
                replaced += [b"content-length", b"content-type"]
            headers = [(k, v) for k, v in headers if k.lower() not in replaced]
            headers.append((b"www-authenticate", challenge))
            if body is not None:
                headers += [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and body is not None:
            if message.get("more_body", False):
                return  # the original body is replaced whole, once it ends
            message = {"type": "http.response.body", "body": body}
        await send(message)

    return send_worded


def _challenge(params: dict[str, str]) -> bytes:
    """`Bearer k="v", ...`; values are RFC 6750 quoted strings (no quotes or backslashes)."""
    parts = [f'{k}="{v.replace(chr(34), "").replace(chr(92), "")}"' for k, v in params.items()]
    return ("Bearer " + ", ".join(parts)).encode("latin-1", "replace")


async def _send_401(send: Send, challenge: dict[str, str], body: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"www-authenticate", _challenge(challenge)),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
