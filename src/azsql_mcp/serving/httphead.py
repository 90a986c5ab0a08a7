"""uvicorn's httptools protocol with bounds on a request's head (its request line and
headers), which uvicorn sets only for its h11 parser: httptools buffers a header of any
size and waits for the rest of a head forever, so a few connections could hold hundreds
of megabytes or every file descriptor before any authentication ran. A head still
unfinished once more than MAX_HEAD_BYTES of it arrived is answered 431 (the bound is on
what is buffered: a larger head that arrives whole in one read, at most a read's 256 KiB,
is parsed); one not finished HEAD_TIMEOUT_S after its connection opened or its request
began is answered 408. Both close the connection, as h11 does.

Passed to uvicorn as `Config(http=...)`, its documented way to choose the protocol
class; only the parser callbacks and the asyncio Protocol methods are overridden."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# h11's default is 16 KiB; four times that leaves room for the largest Entra ID tokens
# (group claims) and proxies' headers, as nginx's default of 4 x 8 KiB buffers does.
MAX_HEAD_BYTES = 64 * 1024
# nginx's client_header_timeout and Node's headersTimeout are both 60 s
HEAD_TIMEOUT_S = 60.0


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = MAX_HEAD_BYTES
    head_timeout_s = HEAD_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # bytes received of the head being read; None once its headers are complete
        self._head_bytes: int | None = 0
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # counted after parsing: a head that completed in this chunk is not counted, and
        # the parser holds at most one chunk past the limit
        if self._head_bytes is None or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes:
            self._refuse(431, "Request Header Fields Too Large", "request headers too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._head_deadline is None:
            self._start_head_deadline()

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        self._cancel_head_deadline()
        super().on_headers_complete()

    def _start_head_deadline(self) -> None:
        loop = asyncio.get_running_loop()
        self._head_deadline = loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self._refuse(408, "Request Timeout", "request headers not received in time")

    def _refuse(self, status: int, reason: str, text: str) -> None:
        self._cancel_head_deadline()
        self._head_bytes = None
        body = text.encode("ascii")
        head = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()
