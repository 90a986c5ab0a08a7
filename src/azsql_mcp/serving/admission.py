"""`[server.limits]`: per-client rate, request body size, concurrent tool calls.

- `McpRequestGuard` (ASGI, on the MCP path only, so probes and /metrics are never
  limited): 429 with Retry-After past the client's rate, 413 past the body size,
  and the count of 401 answers. It also drains the server on shutdown: once no
  POST is in flight, open GET streams are told the client left, so the process
  does not wait out the grace period for idle listeners; calls still running when
  it ends are cut, and their answers (saying so) sent first.
  Past `max_listen_streams_per_client` open `subscriptions/listen` streams, a client's
  next one gets 429 too, so one client cannot hold every stream the process keeps.
  Past `max_sessions_per_client` open HTTP sessions (revisions before 2026-07-28), a
  client's next `initialize` gets 429, so one client cannot hold every session the
  MCP SDK keeps (10,000 a process).
- `FailedAuthLimit` (ASGI, every other path, with client authentication on): a request
  whose bearer token the server refused takes from the same per-client rate, and gets
  429 past it, so a client guessing tokens on the console or /health (whose reasons a
  `sql.admin` token shows) is slowed as on the MCP endpoint. A request without a token
  learns nothing there and is not counted.
- tool-call slots, taken by the tool-call middleware (serving/toolcalls.py): at most
  `max_concurrent_calls` tool calls run at once; a call waits up to
  `queue_timeout_s` for a slot, then gets an MCP error. An authenticated client (its
  token's subject) runs at most `max_concurrent_calls_per_client` at once, so that its
  slow queries cannot hold every pooled connection; one more waits as above.

The limits live in one `LimitState` that a config reload updates in place.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from azsql_mcp import metrics
from azsql_mcp.core.settingtables import ServerLimits

# Forget a client's bucket once it has been idle this long (it would be full again anyway).
_IDLE_BUCKET_S = 600.0
_PRUNE_EVERY = 1024


class LimitState:
    """The current limits, the per-client token buckets and the tool-call slots."""

    def __init__(self, limits: ServerLimits):
        self.limits = limits
        self._buckets: dict[str, _Bucket] = {}
        self._since_prune = 0
        self._in_use = 0
        self._waiting = 0  # calls queued for a slot
        self._slot_freed: asyncio.Condition | None = None  # bound to the serving loop lazily
        self._listening: dict[str, int] = {}  # client -> listen streams it holds open
        self._calling: dict[str, int] = {}  # authenticated client -> calls it runs
        self.sessions = SessionTable()

    @property
    def calls_in_flight(self) -> int:
        """Calls, prompts and resource reads holding a slot (not those queued for one)."""
        return self._in_use

    def update(self, limits: ServerLimits) -> None:
        rate_changed = (limits.rate_per_minute, limits.rate_burst) != (
            self.limits.rate_per_minute,
            self.limits.rate_burst,
        )
        self.limits = limits
        if rate_changed:
            self._buckets.clear()  # refilled at the new rate from the next request on

    # --- rate ---------------------------------------------------------------------

    def take(self, client: str) -> float | None:
        """None when the client may go on; else seconds until it may retry."""
        limits = self.limits
        if limits.rate_per_minute == 0:
            return None
        bucket = self._buckets.get(client)
        if bucket is None:
            self._prune()
            bucket = self._buckets[client] = _Bucket(limits.rate_burst, limits.rate_per_minute / 60)
        return bucket.take()

    def _prune(self) -> None:
        self._since_prune += 1
        if self._since_prune < _PRUNE_EVERY:
            return
        self._since_prune = 0
        cutoff = time.monotonic() - _IDLE_BUCKET_S
        for key in [k for k, b in self._buckets.items() if b.last_refill < cutoff]:
            del self._buckets[key]

    # --- listen streams -------------------------------------------------------------

    def open_listen(self, client: str) -> bool:
        """Count one more listen stream of `client`; False when it holds its limit."""
        held = self._listening.get(client, 0)
        if held >= self.limits.max_listen_streams_per_client:
            return False
        self._listening[client] = held + 1
        return True

    def close_listen(self, client: str) -> None:
        held = self._listening[client] - 1
        if held:
            self._listening[client] = held
        else:
            del self._listening[client]

    # --- concurrency ----------------------------------------------------------------

    def _free(self, client: str | None) -> bool:
        """Whether a call may take a slot now; `client`: an authenticated client, bound
        to max_concurrent_calls_per_client of them."""
        return self._in_use < self.limits.max_concurrent_calls and not self.client_full(client)

    def client_full(self, client: str | None) -> bool:
        """Whether `client` runs as many calls as max_concurrent_calls_per_client lets it."""
        held = 0 if client is None else self._calling.get(client, 0)
        return client is not None and held >= self.limits.max_concurrent_calls_per_client

    def _take(self, client: str | None) -> None:
        self._in_use += 1
        if client is not None:
            self._calling[client] = self._calling.get(client, 0) + 1

    async def acquire(self, client: str | None = None) -> bool:
        """Take a tool-call slot (and one of `client`'s own), waiting up to
        queue_timeout_s; False when none freed."""
        if self._waiting == 0 and self._free(client):
            self._take(client)  # the usual case: a slot is free and nobody queues for it
            return True
        if self._slot_freed is None:
            self._slot_freed = asyncio.Condition()
        freed = self._slot_freed
        self._waiting += 1
        try:
            async with freed:
                try:
                    async with asyncio.timeout(self.limits.queue_timeout_s):
                        await freed.wait_for(lambda: self._free(client))
                except TimeoutError:
                    return False
                self._take(client)
                return True
        finally:
            self._waiting -= 1

    async def release(self, client: str | None = None) -> None:
        self._in_use -= 1
        if client is not None:
            held = self._calling[client] - 1
            if held:
                self._calling[client] = held
            else:
                del self._calling[client]
        if self._waiting and self._slot_freed is not None:
            async with self._slot_freed:
                # all, in the order they came: the first may wait for its client's own
                # slot, which this one did not free, where a later one can run
                self._slot_freed.notify_all()


@dataclass
class _Session:
    client: str
    in_flight: int = 0
    idle_since: float = 0.0


class SessionTable:
    """The HTTP sessions each client holds, as the MCP endpoint sees them pass.

    The SDK keeps its sessions to itself, so they are followed from outside: one opens
    when an `initialize` without a session ID is answered with one, and ends when its
    client deletes it or, as the SDK ends it, once no request of it has been in flight
    for the idle timeout (a session the SDK drops otherwise is forgotten then too).
    Expired ones are forgotten when their client is at its limit, and all of them now
    and then."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}  # session ID -> its client and activity
        self._of_client: dict[str, set[str]] = {}
        self._opening: dict[str, int] = {}  # client -> initialize requests not answered yet
        self._since_prune = 0

    def held(self, client: str) -> int:
        return len(self._of_client.get(client, ())) + self._opening.get(client, 0)

    def reserve(self, client: str, limit: int, idle_s: float) -> bool:
        """Count a session `client` is opening; False when it holds `limit` already."""
        now = time.monotonic()
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._since_prune = 0
            self._forget(list(self._sessions), now, idle_s)
        if self.held(client) >= limit:
            self._forget(list(self._of_client.get(client, ())), now, idle_s)
            if self.held(client) >= limit:
                return False
        self._opening[client] = self._opening.get(client, 0) + 1
        return True

    def settle(self, client: str, session_id: str | None) -> None:
        """The opening request is answered: with the new session's ID, or none."""
        opening = self._opening[client] - 1
        if opening:
            self._opening[client] = opening
        else:
            del self._opening[client]
        if session_id is not None:
            self._sessions[session_id] = _Session(client, 0, time.monotonic())
            self._of_client.setdefault(client, set()).add(session_id)

    def begin(self, session_id: str) -> bool:
        """A request of the session is in flight; False when the session is not counted
        here (then `end` is not called for it)."""
        session = self._sessions.get(session_id)
        if session is None:
            return False
        session.in_flight += 1
        return True

    def end(self, session_id: str, client: str, gone: bool) -> None:
        """A request `begin` counted is answered; `gone`: a DELETE the SDK accepted."""
        session = self._sessions.get(session_id)
        if session is None:
            return
        session.in_flight -= 1
        session.idle_since = time.monotonic()
        # Another client's request for it is refused as if it did not exist: not its end.
        if gone and session.client == client:
            self._drop(session_id)

    def _forget(self, session_ids: list[str], now: float, idle_s: float) -> None:
        for session_id in session_ids:
            if _expired(self._sessions[session_id], now, idle_s):
                self._drop(session_id)

    def _drop(self, session_id: str) -> None:
        client = self._sessions.pop(session_id).client
        held = self._of_client[client]
        held.discard(session_id)
        if not held:
            del self._of_client[client]


def _expired(session: _Session, now: float, idle_s: float) -> bool:
    return session.in_flight == 0 and now - session.idle_since >= idle_s


class _Bucket:
    """One client's token bucket: `capacity` requests at once, refilled at `refill_rate`
    a second. Synchronous: with nothing to wait for, it needs no lock (FastMCP's
    `TokenBucketRateLimiter` takes an anyio lock, whose acquire yields to the event loop
    once per request)."""

    __slots__ = ("capacity", "last_refill", "refill_rate", "tokens")

    def __init__(self, capacity: int, refill_rate: float):
        self.capacity = capacity
        self.refill_rate = refill_rate
        self.tokens = float(capacity)
        self.last_refill = time.monotonic()

    def take(self) -> float | None:
        """None when a token was taken; else seconds until one is there."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last_refill) * self.refill_rate)
        self.last_refill = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.refill_rate


class _BodyTooLarge(Exception):
    pass


# How long calls cut at the end of shutdown_grace_s have to send their answers: longer
# than a cut write waits for its COMMIT's outcome (db/database.py SETTLE_MAX_S).
CUT_ANSWERS_S = 6


class Drain:
    """Shutdown: let POSTs in flight finish, then end the long-lived SSE streams.

    sse_starlette (the SSE layer of the MCP SDK) would end every stream, calls in
    flight included, the moment uvicorn starts shutting down; `hold` turns that
    off and `drain` lets it happen once the calls are answered.
    """

    def __init__(self) -> None:
        self.posts_in_flight = 0
        self.hurried = False  # told to stop a second time: the calls are cut at once

    @staticmethod
    def hold() -> None:
        from sse_starlette.sse import AppStatus

        AppStatus.disable_automatic_graceful_drain()

    async def drain(self, grace_s: float, cut: Callable[[], None]) -> None:
        """Wait (up to grace_s) for POSTs in flight; then `cut` the calls still running
        and wait (up to CUT_ANSWERS_S) for their answers to go out; then end the SSE
        streams (an answer on one is sent before)."""
        from sse_starlette.sse import AppStatus

        await self._posts_done(grace_s, hurry=True)
        if self.posts_in_flight:
            cut()
            await self._posts_done(CUT_ANSWERS_S)
        AppStatus.should_exit = True

    def hurry(self) -> None:
        """End the grace period now (a second SIGINT or SIGTERM): the calls still
        running are cut, and their answers still sent."""
        self.hurried = True

    async def _posts_done(self, within_s: float, *, hurry: bool = False) -> None:
        deadline = time.monotonic() + within_s
        while self.posts_in_flight and time.monotonic() < deadline:
            if hurry and self.hurried:
                return
            await asyncio.sleep(0.05)


class McpRequestGuard:
    """ASGI middleware for the MCP endpoint: rate, body size, 401 counting, draining."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        state: LimitState,
        drain: Drain,
        path: str,
        session_idle_s: float | None = None,
    ):
        self.app = app
        self.state = state
        self.drain = drain
        self.path = path.rstrip("/") or "/"
        # the SDK's idle timeout of an HTTP session; None: stateless, no session opens
        self.session_idle_s = session_idle_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        client = client_key(scope)
        retry_after = self.state.take(client)
        if retry_after is not None:
            metrics.LIMITED_REQUESTS.labels("rate").inc()
            await _answer(
                send,
                429,
                "rate limit exceeded: slow down and retry after the Retry-After seconds",
                [(b"retry-after", str(max(1, math.ceil(retry_after))).encode())],
            )
            return
        max_body = self.state.limits.max_body_bytes
        length = _content_length(scope)
        if length is not None and length > max_body:
            await self._too_large(send, max_body)
            return
        # Only a request the SDK serves on a session's path is of one: the SDK sends any
        # other revision's request to its sessionless path, whatever its Mcp-Session-Id.
        if self.session_idle_s is not None and _of_a_session_era(scope):
            session_id = _header(scope, b"mcp-session-id")
            if session_id is not None:
                await self._in_session(
                    session_id.decode("latin-1"), client, scope, receive, send, max_body
                )
                return
            if scope["method"] == "POST":
                await self._opening(client, self.session_idle_s, scope, receive, send, max_body)
                return
        if scope["method"] == "GET":  # the session's listening stream: ends on shutdown
            await self.app(scope, receive, _Responding(scope, send))
            return
        # The SDK refuses a 2026-07-28 request whose Mcp-Method header is not its body's
        # method, and serves subscriptions/listen to no other: the header tells it.
        if _header(scope, b"mcp-method") != b"subscriptions/listen":
            await self._post(scope, receive, send, max_body)
            return
        if not self.state.open_listen(client):
            metrics.LIMITED_REQUESTS.labels("listen").inc()
            limit = self.state.limits.max_listen_streams_per_client
            await _answer(
                send,
                429,
                f"this client already holds {limit} open subscriptions/listen streams, the"
                " limit set by [server.limits] max_listen_streams_per_client: close one"
                " before opening another",
            )
            return
        try:
            await self._post(scope, receive, send, max_body)
        finally:
            self.state.close_listen(client)

    async def _post(self, scope: Scope, receive: Receive, send: Send, max_body: int) -> _Responding:
        responding = _Responding(scope, send)
        self.drain.posts_in_flight += 1
        try:
            await self.app(scope, _capped(receive, max_body), responding)
        except _BodyTooLarge:
            if responding.status is not None:
                raise
            await self._too_large(send, max_body)
        finally:
            self.drain.posts_in_flight -= 1
        return responding

    async def _in_session(
        self,
        session_id: str,
        client: str,
        scope: Scope,
        receive: Receive,
        send: Send,
        max_body: int,
    ) -> None:
        """A request of an HTTP session: it keeps the session from idling out meanwhile.

        The session ends here only by a DELETE the SDK answers 200 (it checks that the
        caller owns it). A 404 proves nothing: the SDK gives it for other reasons too,
        and a session it dropped some other way is forgotten once idle as long."""
        sessions = self.state.sessions
        counted = sessions.begin(session_id)
        responding: _Responding | None = None
        try:
            if scope["method"] == "GET":  # the session's listening stream: ends on shutdown
                responding = _Responding(scope, send)
                await self.app(scope, receive, responding)
            else:
                responding = await self._post(scope, receive, send, max_body)
        finally:
            if counted:
                status = responding.status if responding is not None else None
                deleted = scope["method"] == "DELETE" and status == 200
                sessions.end(session_id, client, gone=deleted)

    async def _opening(
        self,
        client: str,
        idle_s: float,
        scope: Scope,
        receive: Receive,
        send: Send,
        max_body: int,
    ) -> None:
        """A POST without a session ID, which opens a session when it is an initialize."""
        sessions, limit = self.state.sessions, self.state.limits.max_sessions_per_client
        if not sessions.reserve(client, limit, idle_s):
            metrics.LIMITED_REQUESTS.labels("sessions").inc()
            await _answer(
                send,
                429,
                f"this client already holds {limit} open MCP sessions, the limit set by"
                " [server.limits] max_sessions_per_client: end one (an HTTP DELETE with its"
                " Mcp-Session-Id) before opening another; a session with no request for"
                f" {idle_s:g} s ([server] session_idle_timeout_s) ends by itself",
            )
            return
        settled = False

        async def send_opening(message: Message) -> None:
            # Counted before the client can read the new session's ID and use it.
            nonlocal settled
            if message["type"] == "http.response.start":
                settled = True
                sessions.settle(client, _session_opened(message))
            await send(message)

        try:
            await self._post(scope, receive, send_opening, max_body)
        finally:
            if not settled:
                sessions.settle(client, None)

    async def _too_large(self, send: Send, max_body: int) -> None:
        metrics.LIMITED_REQUESTS.labels("body").inc()
        await _answer(
            send,
            413,
            f"request body larger than {max_body} bytes ([server.limits] max_body_bytes)",
        )


class FailedAuthLimit:
    """ASGI middleware for every path but the MCP endpoint (whose requests all count,
    McpRequestGuard): a refused token costs one request of the client's rate."""

    def __init__(self, app: ASGIApp, *, state: LimitState, path: str):
        self.app = app
        self.state = state
        self.path = path.rstrip("/") or "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") != self.path:
            # FastMCP's authentication middleware, outside this one, left no access token
            # in the scope for a token it refused
            refused = getattr(scope.get("user"), "access_token", None) is None
            if refused and sends_bearer(scope):
                retry_after = self.state.take(client_key(scope))
                if retry_after is not None:
                    metrics.LIMITED_REQUESTS.labels("rate").inc()
                    await _answer(
                        send,
                        429,
                        "too many requests with a refused access token: wait for the"
                        " Retry-After seconds, then send a valid token"
                        " (Authorization: Bearer <token>)",
                        [(b"retry-after", str(max(1, math.ceil(retry_after))).encode())],
                    )
                    return
        await self.app(scope, receive, send)


def _capped(receive: Receive, max_body: int) -> Receive:
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_body:
                raise _BodyTooLarge
        return message

    return receive_capped


def client_key(scope: Scope) -> str:
    """The token's subject when authenticated, else the peer address."""
    token = getattr(scope.get("user"), "access_token", None)
    subject = getattr(token, "subject", None) or getattr(token, "client_id", None)
    if subject:
        return f"sub:{subject}"
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


class _Responding:
    """`send` for the app: counts 401 answers, and notes the status (a body found too
    large once the response started cannot be answered with 413)."""

    __slots__ = ("scope", "send", "status")

    def __init__(self, scope: Scope, send: Send):
        self.scope = scope
        self.send = send
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = status = message["status"]
            if status == 401:
                count_auth_failure(self.scope)
        await self.send(message)


def _of_a_session_era(scope: Scope) -> bool:
    """Whether the SDK serves this request on its session path: one of a handshake-era
    revision (the header absent, as on initialize, or one of those revisions)."""
    version = _header(scope, b"mcp-protocol-version")
    return version is None or version.decode("latin-1") in HANDSHAKE_PROTOCOL_VERSIONS


def _session_opened(start: Message) -> str | None:
    """The session ID an initialize's answer carries; None when it opened none (the SDK
    keeps a session only when it answers below 400)."""
    if start["status"] >= 400:
        return None
    value = _header(start, b"mcp-session-id")
    return value.decode("latin-1") if value is not None else None


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def count_auth_failure(scope: Scope) -> None:
    """Count a request refused for authentication (a 401), by whether it sent a token."""
    reason = "invalid_token" if sends_bearer(scope) else "missing_token"
    metrics.AUTH_FAILURES.labels(reason).inc()


def sends_bearer(scope: Scope) -> bool:
    """Whether the request carries a bearer token (a 401 then says it was refused, not
    missing: RFC 6750 §3.1)."""
    return any(
        name == b"authorization" and value[:7].lower() == b"bearer "
        for name, value in scope.get("headers", [])
    )


async def _answer(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": message}).encode()
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *(headers or []),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})
