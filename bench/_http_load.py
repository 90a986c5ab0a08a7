"""A minimal asyncio HTTP/1.1 keep-alive client for bench/load.py's JSON-RPC POSTs
(a helper module: `make bench` runs only the bench/*.py files not starting with "_").

Why not httpx: the load generator shares the machine's cores with the servers it
measures, and httpx costs a few milliseconds of CPU per call, CPU the servers then
lack. This client does only what the benchmark needs: one connection per client,
a request head built once per connection, and a body read by Content-Length or
chunked transfer coding. No TLS, redirects, pipelining or `Expect: 100-continue`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

NO_BODY = (204, 304)  # statuses whose responses never carry a body

# MCP revisions a benchmark can speak. In CURRENT every request is one self-contained POST
# (no `initialize`, no session); the Python MCP SDK answers it without the per-request
# session, task group and memory streams it runs for a stateless request of an earlier
# revision. LEGACY is the newest revision before it (DBHub 1.4's newest).
CURRENT = "2026-07-28"
LEGACY = "2025-11-25"
PROTOCOLS = (CURRENT, LEGACY)


def percentile_ms(latencies: Sequence[float], q: float) -> float:
    """The q-quantile of latencies in seconds, in milliseconds (the median for 0.5)."""
    ordered = sorted(latencies)
    if not ordered:
        return float("nan")
    if q == 0.5:
        return statistics.median(ordered) * 1000
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]  # names lower-cased; of a repeated header, the last one
    body: bytes


class HttpConnection:
    """One keep-alive connection POSTing to http://host:port/path; reconnects when needed.

    It reconnects before a request when there is no connection yet, the server answered
    `Connection: close` or ended the body by closing, the server closed the idle
    connection, or the previous request failed part-way (its state is unknown).
    """

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        authorization: str | None = None,
        timeout: float = 30,
        protocol: str = CURRENT,
    ) -> None:
        self.host, self.port, self.timeout, self.protocol = host, port, timeout, protocol
        auth = f"Authorization: {authorization}\r\n" if authorization else ""
        self._head = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\n"
            f"MCP-Protocol-Version: {protocol}\r\n"
            f"{auth}"
        ).encode("latin-1")
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def close(self) -> None:
        if self._stream is not None:
            self._stream[1].close()
            self._stream = None

    async def post(self, body: bytes, headers: bytes = b"") -> Response:
        """POST BODY (JSON) with HEADERS (CRLF-terminated lines) besides the connection's
        own; returns the response once its whole body has been read."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(body, headers)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, body: bytes, headers: bytes) -> Response:
        if self._stream is None or self._stream[0].at_eof():  # at EOF: closed while idle
            self.close()
            self._stream = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._stream
        writer.write(b"%s%sContent-Length: %d\r\n\r\n%s" % (self._head, headers, len(body), body))
        await writer.drain()
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n"))[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        keep_alive = "close" not in headers.get("connection", "").lower()
        if status in NO_BODY:
            content = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            content = await read_chunked(reader)
        elif "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        else:  # no framing: the body runs until the server closes the connection
            content = await reader.read()
            keep_alive = False
        if not keep_alive:
            self.close()
        return Response(status, headers, content)


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body: chunks up to the 0-size one, then the trailer fields (dropped)."""
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0], 16)  # chunk extensions are ignored
        if size == 0:
            break
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise ValueError("malformed chunked body: chunk not followed by CRLF")
        parts.append(chunk[:-2])
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass  # a trailer field
    return b"".join(parts)


def tool_call(
    name: str, arguments: dict[str, Any], protocol: str, request_id: int = 1
) -> tuple[bytes, bytes]:
    """The body and the per-request headers of a JSON-RPC `tools/call` in PROTOCOL.

    From 2026-07-28 a request carries its protocol version and the client's capabilities
    in `params._meta`, and repeats its method and tool name in headers; before, it relied
    on an earlier `initialize` (or, stateless, on the version header alone)."""
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    headers = b""
    if protocol == CURRENT:
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": protocol,
            "io.modelcontextprotocol/clientCapabilities": {},
        }
        headers = b"Mcp-Method: tools/call\r\nMcp-Name: %s\r\n" % name.encode()
    body = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}
    return json.dumps(body).encode(), headers


async def call_tool(
    http: HttpConnection, request_id: int, name: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """One JSON-RPC `tools/call` in the connection's protocol; the reply, or RuntimeError
    unless it is a 200 answer holding a result that is not an error."""
    response = await http.post(*tool_call(name, arguments, http.protocol, request_id))
    if response.status != 200:
        text = response.body[:200].decode(errors="replace")
        raise RuntimeError(f"{name}: HTTP {response.status}: {text}")
    reply: dict[str, Any] = json.loads(response.body)
    if "error" in reply or reply["result"].get("isError"):
        raise RuntimeError(f"{name} failed: {json.dumps(reply)[:300]}")
    return reply
