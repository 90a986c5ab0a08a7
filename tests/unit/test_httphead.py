"""The bounds on a request's head that uvicorn's httptools protocol lacks, on a real
uvicorn listening on loopback: 431 past the size, 408 past the time, and the requests
within them served."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from azsql_mcp.serving.httphead import BoundedHttpToolsProtocol
from azsql_mcp.testing.ports import reserved_port


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    headers = [(b"content-length", b"5")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


class QuickDeadline(BoundedHttpToolsProtocol):
    head_timeout_s = 0.5


@asynccontextmanager
async def serving(protocol: type[BoundedHttpToolsProtocol]) -> AsyncIterator[int]:
    with reserved_port() as port:
        config = uvicorn.Config(hello, port=port, http=protocol, lifespan="off", log_config=None)
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            yield port
        finally:
            server.should_exit = True
            await task


async def exchange(port: int, *parts: bytes, pause: float = 0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause)
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


def request(header_bytes: int) -> bytes:
    pad = b"a" * header_bytes
    return b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + pad + b"\r\nConnection: close\r\n\r\n"


async def test_a_head_past_the_limit_gets_431_and_one_within_it_is_served() -> None:
    async with serving(BoundedHttpToolsProtocol) as port:
        # a head sent in pieces, as a slow client does, is counted across them; it is
        # never finished, so the server has read all of it when it answers
        head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 72 * 1024
        pieces = [head[i : i + 8192] for i in range(0, len(head), 8192)]
        assert (await exchange(port, *pieces, pause=0.01)).startswith(b"HTTP/1.1 431 ")
        # an Entra ID token with group claims fits
        fine = await exchange(port, request(40 * 1024))
        assert fine.startswith(b"HTTP/1.1 200 ") and fine.endswith(b"hello")


async def test_a_huge_head_is_cut_off_after_the_limit() -> None:
    """A header of 200 MB: the server stops at the limit and closes, where uvicorn's
    httptools protocol alone buffered all of it (the client may see the 431 or a reset,
    as the server closes with the rest unread)."""
    async with serving(BoundedHttpToolsProtocol) as port:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ")
        sent = 0
        with pytest.raises(ConnectionError):
            while sent < 200 * 1024 * 1024:
                writer.write(b"a" * 65536)
                await writer.drain()
                sent += 65536
        assert sent < 8 * 1024 * 1024
        writer.close()


async def test_a_head_not_finished_in_time_gets_408() -> None:
    async with serving(QuickDeadline) as port:
        # connected and silent, then a head begun and never finished
        assert (await exchange(port)).startswith(b"HTTP/1.1 408 ")
        slow = await exchange(port, b"GET / HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", pause=0.1)
        assert slow.startswith(b"HTTP/1.1 408 ")


async def test_keep_alive_requests_each_get_their_own_bounds() -> None:
    """A connection that served requests within the bounds keeps being served: the
    deadline and the count start again with each request, and stop at its headers."""
    async with serving(QuickDeadline) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(3):
                writer.write(request(40_000).replace(b"Connection: close\r\n", b""))
                await writer.drain()
                head = await asyncio.wait_for(reader.readuntil(b"hello"), 5)
                assert head.startswith(b"HTTP/1.1 200 ")
                await asyncio.sleep(0.3)  # under the deadline each time, not in total
        finally:
            writer.close()
