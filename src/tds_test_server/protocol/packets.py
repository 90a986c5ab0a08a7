"""TDS packet framing: the 8-byte header, message assembly and a bounds-checked reader."""

from __future__ import annotations

import struct
from collections.abc import Callable
from enum import IntEnum

HEADER = struct.Struct(">BBHHBB")  # type, status, length, spid, packet id, window
HEADER_SIZE = 8
MAX_PACKET_SIZE = 32767
DEFAULT_PACKET_SIZE = 4096
# A message larger than this is refused rather than buffered (fast_executemany
# batches are the largest thing clients send; they stay far below it).
MAX_MESSAGE_SIZE = 256 * 1024 * 1024

STATUS_EOM = 0x01
STATUS_IGNORE = 0x02
STATUS_RESET_CONNECTION = 0x08
STATUS_RESET_CONNECTION_SKIP_TRAN = 0x10


class PacketType(IntEnum):
    SQL_BATCH = 1
    RPC = 3
    TABULAR_RESULT = 4
    ATTENTION = 6
    BULK_LOAD = 7
    FEDAUTH_TOKEN = 8
    TRANSACTION_MANAGER = 14
    LOGIN7 = 16
    SSPI = 17
    PRELOGIN = 18


class ProtocolError(Exception):
    """The client sent something this server cannot parse or does not support."""


class Message:
    """One client message: the payload of consecutive packets up to end-of-message."""

    __slots__ = ("payload", "status", "type")

    def __init__(self, type: int, status: int, payload: bytes):
        self.type = type
        self.status = status
        self.payload = payload


def read_message(read_exactly: Callable[[int], bytes]) -> Message:
    """Read packets until one carries the end-of-message bit."""
    parts: list[bytes] = []
    total = 0
    first_type: int | None = None
    first_status = 0
    while True:
        ptype, status, length, _spid, _pid, _window = HEADER.unpack(read_exactly(HEADER_SIZE))
        if length < HEADER_SIZE or length > MAX_PACKET_SIZE + 1:
            raise ProtocolError(f"malformed TDS packet header: length {length}")
        body = read_exactly(length - HEADER_SIZE) if length > HEADER_SIZE else b""
        if first_type is None:
            first_type, first_status = ptype, status
        elif ptype != first_type:
            raise ProtocolError(
                f"TDS packet of type {ptype} arrived in the middle of a type {first_type} message"
            )
        parts.append(body)
        total += len(body)
        if total > MAX_MESSAGE_SIZE:
            raise ProtocolError(f"TDS message larger than {MAX_MESSAGE_SIZE} bytes")
        if status & STATUS_EOM:
            return Message(first_type, first_status, b"".join(parts))


class PacketFramer:
    """Cuts one outgoing message into packets of the negotiated size."""

    def __init__(
        self, packet_size: int = DEFAULT_PACKET_SIZE, ptype: int = PacketType.TABULAR_RESULT
    ):
        self.payload_size = packet_size - HEADER_SIZE
        self.ptype = ptype
        self.packet_id = 1

    def frame(self, buf: bytearray, *, final: bool) -> bytes:
        """Frame what `buf` holds into packets and remove it from `buf`.

        Unless `final`, a tail shorter than one packet stays in `buf` for later.
        """
        size = self.payload_size
        end = len(buf) if final else len(buf) - len(buf) % size
        data = bytes(buf[:end])
        del buf[:end]
        out: list[bytes] = []
        pack = HEADER.pack
        # A final message is at least one packet, even when empty.
        starts = range(0, max(end, 1), size) if final else range(0, end, size)
        last_start = starts[-1] if final else -1
        for pos in starts:
            chunk = data[pos : pos + size]
            status = STATUS_EOM if pos == last_start else 0
            out.append(pack(self.ptype, status, len(chunk) + HEADER_SIZE, 0, self.packet_id, 0))
            out.append(chunk)
            self.packet_id = (self.packet_id + 1) & 0xFF
        return b"".join(out)


def frame_message(
    payload: bytes, packet_size: int = DEFAULT_PACKET_SIZE, ptype: int = PacketType.TABULAR_RESULT
) -> bytes:
    """A whole message framed at once (login replies, PRELOGIN, errors)."""
    return PacketFramer(packet_size, ptype).frame(bytearray(payload), final=True)


class Reader:
    """Little-endian reads over a payload; running off the end is a ProtocolError."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def remaining(self) -> int:
        return self.end - self.pos

    def peek(self) -> int:
        if self.pos >= self.end:
            raise ProtocolError("unexpected end of TDS message")
        return self.data[self.pos]

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise ProtocolError("unexpected end of TDS message")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: struct.Struct) -> tuple:
        if self.pos + fmt.size > self.end:
            raise ProtocolError("unexpected end of TDS message")
        out = fmt.unpack_from(self.data, self.pos)
        self.pos += fmt.size
        return out

    def u8(self) -> int:
        return int(self.unpack(_U8)[0])

    def u16(self) -> int:
        return int(self.unpack(_U16)[0])

    def u32(self) -> int:
        return int(self.unpack(_U32)[0])

    def u64(self) -> int:
        return int(self.unpack(_U64)[0])

    def b_varchar(self) -> str:
        """A string with a one-byte length in characters (UTF-16LE)."""
        return self.take(self.u8() * 2).decode("utf-16-le")

    def us_varchar(self) -> str:
        """A string with a two-byte length in characters (UTF-16LE)."""
        return self.take(self.u16() * 2).decode("utf-16-le")


_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


def skip_all_headers(payload: bytes) -> tuple[int, bytes | None]:
    """Skip the ALL_HEADERS block; return the offset after it and the transaction descriptor."""
    r = Reader(payload)
    total = r.u32()
    if total < 4 or total > len(payload):
        raise ProtocolError(f"malformed ALL_HEADERS block (total length {total})")
    descriptor = None
    while r.pos < total:
        length = r.u32()
        if length < 6 or r.pos - 4 + length > total:
            raise ProtocolError("malformed header inside ALL_HEADERS")
        htype = r.u16()
        data = r.take(length - 6)
        if htype == 2 and len(data) >= 8:  # transaction descriptor header
            descriptor = data[:8]
    return total, descriptor
