"""`azsql-mcp check`'s steps on the way to the server: the name, the TCP port and
SQL Server's PRE-LOGIN answer, each a CheckFailed that says what to do."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

from azsql_mcp.api import SourceSettings
from azsql_mcp.db.connstr import ServerAddress
from azsql_mcp.db.reachability import reachability_problem
from azsql_mcp.diagnostics.check_report import CheckFailed

PRELOGIN = 0x12
# PRELOGIN option tokens (MS-TDS 2.2.6.5)
_VERSION, _ENCRYPTION, _INSTOPT, _THREADID, _MARS, _TERMINATOR = 0, 1, 2, 3, 4, 0xFF
_ENCRYPTION_NAMES = {0: "off (login only)", 1: "on", 2: "not supported", 3: "required"}


async def resolve_step(address: ServerAddress) -> str:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(
            address.host, address.effective_port, type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise CheckFailed(
            f"cannot resolve {address.host}: {exc.strerror}",
            "check `server`; an Azure SQL server is named <server>.database.windows.net",
        ) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    return f"{address.host} resolves to {', '.join(addresses)}"


async def tcp_step(address: ServerAddress, settings: SourceSettings) -> None:
    timeout = min(settings.connection_timeout_s, 10)
    unreachable = await reachability_problem(address.host, address.effective_port, timeout)
    if unreachable is not None:
        raise CheckFailed(unreachable.problem, unreachable.step or "")


async def prelogin_step(address: ServerAddress, settings: SourceSettings) -> str:
    if settings.encrypt == "strict":
        return "encrypt = strict (TDS 8): TLS comes before PRE-LOGIN; verified by the login"
    client_encryption = 0 if settings.encrypt in ("no", "optional") else 1
    try:
        async with asyncio.timeout(min(settings.connection_timeout_s, 10)):
            reply = await _exchange_prelogin(address, client_encryption)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CheckFailed(
            f"the server did not answer PRE-LOGIN like SQL Server: {exc or type(exc).__name__}",
            "check that server and port point at SQL Server (not a proxy or another service)",
        ) from exc
    version = reply.get(_VERSION, b"")
    encryption = reply.get(_ENCRYPTION, b"\x02")[0]
    text = f"server answered PRE-LOGIN, encryption {_ENCRYPTION_NAMES.get(encryption, encryption)}"
    if len(version) >= 4:
        text += f", version {version[0]}.{version[1]}.{int.from_bytes(version[2:4], 'big')}"
    if encryption == 2 and client_encryption:
        raise CheckFailed(
            "the server does not support encryption but encrypt = "
            f"{settings.encrypt!r} requires it",
            "enable TLS on the server, or on a trusted network only set encrypt = 'optional'",
        )
    return text


async def _exchange_prelogin(address: ServerAddress, encryption: int) -> dict[int, bytes]:
    reader, writer = await asyncio.open_connection(address.host, address.effective_port)
    try:
        writer.write(prelogin_packet(encryption))
        await writer.drain()
        header = await reader.readexactly(8)
        if header[0] != 0x04:  # TABULAR RESULT
            raise ValueError(f"unexpected packet type 0x{header[0]:02x}")
        (length,) = struct.unpack(">H", header[2:4])
        return parse_prelogin(await reader.readexactly(length - 8))
    except asyncio.IncompleteReadError as exc:
        raise ValueError("the connection closed during PRE-LOGIN") from exc
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def prelogin_packet(encryption: int) -> bytes:
    """A client PRE-LOGIN packet: version, encryption, instance, thread id, MARS."""
    options = [
        (_VERSION, bytes([18, 0]) + (0).to_bytes(2, "big") + b"\x00\x00"),
        (_ENCRYPTION, bytes([encryption])),
        (_INSTOPT, b"\x00"),
        (_THREADID, b"\x00\x00\x00\x00"),
        (_MARS, b"\x00"),
    ]
    offset = 5 * len(options) + 1
    head, body = b"", b""
    for token, data in options:
        head += struct.pack(">BHH", token, offset + len(body), len(data))
        body += data
    payload = head + bytes([_TERMINATOR]) + body
    return struct.pack(">BBHHBB", PRELOGIN, 0x01, 8 + len(payload), 0, 1, 0) + payload


def parse_prelogin(payload: bytes) -> dict[int, bytes]:
    options: dict[int, bytes] = {}
    position = 0
    while position < len(payload) and payload[position] != _TERMINATOR:
        if position + 5 > len(payload):
            raise ValueError("truncated PRE-LOGIN reply")
        token, offset, length = struct.unpack(">BHH", payload[position : position + 5])
        options[token] = payload[offset : offset + length]
        position += 5
    return options
