"""PRELOGIN: option parsing, encryption negotiation and the server's answer."""

from __future__ import annotations

import struct

from .packets import ProtocolError

VERSION = 0x00
ENCRYPTION = 0x01
INSTOPT = 0x02
THREADID = 0x03
MARS = 0x04
TRACEID = 0x05
FEDAUTHREQUIRED = 0x06
TERMINATOR = 0xFF

ENCRYPT_OFF = 0x00  # encrypt the login packet only
ENCRYPT_ON = 0x01  # encrypt the whole connection
ENCRYPT_NOT_SUP = 0x02
ENCRYPT_REQ = 0x03

_OPTION = struct.Struct(">BHH")


def parse_prelogin(payload: bytes) -> dict[int, bytes]:
    """Options by token; offsets in PRELOGIN are big-endian and relative to the payload."""
    options: dict[int, bytes] = {}
    pos = 0
    while True:
        if pos >= len(payload):
            raise ProtocolError("PRELOGIN option list has no terminator")
        token = payload[pos]
        if token == TERMINATOR:
            return options
        if pos + _OPTION.size > len(payload):
            raise ProtocolError("truncated PRELOGIN option")
        token, offset, length = _OPTION.unpack_from(payload, pos)
        if offset + length > len(payload):
            raise ProtocolError(f"PRELOGIN option {token} points past the end of the packet")
        options[token] = payload[offset : offset + length]
        pos += _OPTION.size


def client_encryption(options: dict[int, bytes]) -> int:
    value = options.get(ENCRYPTION, bytes([ENCRYPT_OFF]))
    return (value[0] if value else ENCRYPT_OFF) & 0x0F  # high bit: client certificate


def negotiate_encryption(client: int, tls_available: bool) -> int:
    """Without TLS say NOT_SUP (clients then log in in clear text, or refuse)."""
    if not tls_available or client == ENCRYPT_NOT_SUP:
        return ENCRYPT_NOT_SUP
    return ENCRYPT_OFF if client == ENCRYPT_OFF else ENCRYPT_ON


def prelogin_response(
    encryption: int, *, version: tuple[int, int, int], fedauth_required: bool = False
) -> bytes:
    major, minor, build = version
    entries = [
        (VERSION, bytes([major, minor]) + struct.pack(">HH", build, 0)),
        (ENCRYPTION, bytes([encryption])),
        (INSTOPT, b"\x00"),
        (THREADID, b""),
        (MARS, b"\x00"),
    ]
    if fedauth_required:
        entries.append((FEDAUTHREQUIRED, b"\x01"))
    offset = len(entries) * _OPTION.size + 1
    head: list[bytes] = []
    data: list[bytes] = []
    for token, value in entries:
        head.append(_OPTION.pack(token, offset, len(value)))
        data.append(value)
        offset += len(value)
    return b"".join(head) + bytes([TERMINATOR]) + b"".join(data)
