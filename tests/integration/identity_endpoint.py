"""A local stand-in for the managed identity endpoint App Service, Functions and Container
Apps give a process (IDENTITY_ENDPOINT, IDENTITY_HEADER), so tests run azure-identity's
real ManagedIdentityCredential against it. It answers as App Service's REST endpoint
(api-version 2019-08-01) does: `access_token` and `expires_on` in seconds since the epoch,
or a status code with a JSON error."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from token_sources import jwt

IDENTITY_HEADER = "identity-header-s3cr3t"


@dataclass
class EndpointState:
    """What the endpoint answers next; tests change it while it runs."""

    lifetime_s: float = 3600
    # cleared, requests wait until it is set again (a test's own time, not a guessed delay)
    answering: threading.Event = field(default_factory=threading.Event)
    status: int = 200
    error: dict[str, Any] = field(default_factory=dict)
    audience: str | None = None  # the token's aud; None: the resource asked for
    requests: list[dict[str, str]] = field(default_factory=list)
    answered: int = 0  # requests answered (a token or an error)


class _Handler(BaseHTTPRequestHandler):
    state: EndpointState

    def do_GET(self) -> None:
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        state = self.state
        state.requests.append(query)
        state.answering.wait(60)
        if self.headers.get("X-IDENTITY-HEADER") != IDENTITY_HEADER:
            self._answer(401, {"statusCode": 401, "message": "Unauthorized request"})
            return
        if state.status != 200:
            # MSAL holds a 5xx answer for Retry-After seconds (5 when absent), answering
            # the requests in between itself: 1 s keeps the tests short
            self._answer(state.status, state.error, {"Retry-After": "1"})
            return
        resource = query.get("resource", "")
        expires_on = int(time.time() + state.lifetime_s)
        token = jwt(
            aud=state.audience or resource,
            oid=f"mi-{len(state.requests)}",
            appid="mi-app",
            exp=expires_on,
        )
        self._answer(
            200,
            {
                "access_token": token,
                "expires_on": str(expires_on),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": "mi-app",
            },
        )

    def _answer(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.state.answered += 1  # before the client can have the answer
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


@contextmanager
def identity_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[EndpointState]:
    """Serve the endpoint on a free local port and point this process's environment at
    it, as App Service does for the app it runs."""
    state = EndpointState()
    state.answering.set()
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{httpd.server_port}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    for name in ("MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def endpoint_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """An IDENTITY_ENDPOINT nothing listens on (a port just closed)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = httpd.server_port
    httpd.server_close()
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{port}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
