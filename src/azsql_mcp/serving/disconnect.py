"""A client that closes its connection cancels its call, when answers are plain JSON.

With SSE answers the MCP SDK notices a client going away and cancels the call, and a
2026-07-28 client cancels exactly that way (the revision has no notifications/cancelled).
With `json_response = true` nothing reads the connection once the request body is in, so
a cancelled call's statement ran to its end, holding a pooled connection and a call slot.
This ASGI middleware reads it: once the body is in, it waits for the server's
`http.disconnect` and, unless the answer was already sent, cancels the request's handling
(the database gets its ATTENTION; a write is settled as for any cancel).

Most calls are answered within a few milliseconds, and a watching task costs about 1% of
such a call (bench/throughput-rounds.md, "Fourteenth round"), so the watch starts only for a call
still running WATCH_AFTER_S after its body came in: a client that leaves sooner is heard
of that much later, while its statement has barely begun.
"""

from __future__ import annotations

import asyncio

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WATCH_AFTER_S = 0.05


class CancelOnDisconnect:
    """Cancels a POST to the MCP endpoint whose client disconnects before its answer."""

    def __init__(self, app: ASGIApp, *, path: str):
        self.app = app
        self.path = path.rstrip("/") or "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") != self.path
        ):
            await self.app(scope, receive, send)
            return
        with anyio.CancelScope() as handling:
            request = _Request(receive, send, handling)
            try:
                await self.app(scope, request.receive, request.send)
            finally:
                request.stop()


class _Request:
    """One request's receive and send; once its body is in and the call has run for
    WATCH_AFTER_S, a task watching for the client to go away."""

    __slots__ = ("_receive", "_send", "answered", "handling", "timer", "watcher")

    def __init__(self, receive: Receive, send: Send, handling: anyio.CancelScope):
        self._receive = receive
        self._send = send
        self.handling = handling
        self.answered = False
        self.timer: asyncio.TimerHandle | None = None
        self.watcher: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            self.timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, self._start)
        return message

    def _start(self) -> None:
        if not self.answered:
            self.watcher = asyncio.create_task(self._watch())

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.watcher is not None:
            self.watcher.cancel()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.answered = True  # before the server hears of it: its next receive ends
        await self._send(message)

    async def _watch(self) -> None:
        """After the body, the next message can only be `http.disconnect`: the client
        went away, or (the server's way of ending a receive) the answer was sent."""
        message = await self._receive()
        if message["type"] == "http.disconnect" and not self.answered:
            self.handling.cancel()
