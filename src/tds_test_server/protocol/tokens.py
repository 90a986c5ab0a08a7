"""TDS token writers (server to client) and the writer of result rows."""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from itertools import groupby, repeat
from operator import is_, itemgetter
from typing import Any

from ..results import ResultColumn
from .types import ColumnEncoder, column_encoder

SERVER_NAME = "azsql-tds-test"
PROGRAM_NAME = "Microsoft SQL Server"  # FreeTDS treats a server as MSSQL only by this name
TDS_74 = 0x74000004

COLMETADATA = 0x81
ROW = 0xD1
NBCROW = 0xD2
DONE = 0xFD
DONEPROC = 0xFE
DONEINPROC = 0xFF
ERROR = 0xAA
INFO = 0xAB
LOGINACK = 0xAD
ENVCHANGE = 0xE3
RETURNSTATUS = 0x79
RETURNVALUE = 0xAC
FEATUREEXTACK = 0xAE

DONE_FINAL = 0x00
DONE_MORE = 0x01
DONE_ERROR = 0x02
DONE_INXACT = 0x04
DONE_COUNT = 0x10
DONE_ATTN = 0x20
DONE_SRVERROR = 0x100

CMD_SELECT = 0xC1

ENV_DATABASE = 1
ENV_LANGUAGE = 2
ENV_PACKET_SIZE = 4
ENV_COLLATION = 7
ENV_BEGIN_TRAN = 8
ENV_COMMIT_TRAN = 9
ENV_ROLLBACK_TRAN = 10
ENV_RESET_ACK = 18
ENV_ROUTING = 20
ROUTING_PROTOCOL_TCP = 0

_DONE = struct.Struct("<BHHQ")
_H = struct.Struct("<H").pack
_I = struct.Struct("<I").pack
_i = struct.Struct("<i").pack


def b_varchar(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return bytes([len(data) // 2]) + data


def us_varchar(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return _H(len(data) // 2) + data


def done(
    status: int = DONE_FINAL, rowcount: int = 0, *, token: int = DONE, curcmd: int = 0
) -> bytes:
    """DONE, DONEPROC or DONEINPROC: status flags, current command, row count."""
    return _DONE.pack(token, status, curcmd, rowcount)


def _with_length(token: int, body: bytes) -> bytes:
    return bytes([token]) + _H(len(body)) + body


def loginack(tds_version: int, version: tuple[int, int, int]) -> bytes:
    """LOGINACK; the TDS version goes big-endian here, unlike in LOGIN7. `version`: the
    server's major, minor and build (Driver 18 reports them as SQL_DBMS_VER)."""
    major, minor, build = version
    body = (
        b"\x01"
        + struct.pack(">I", tds_version)
        + b_varchar(PROGRAM_NAME)
        + bytes([major, minor])
        + struct.pack(">H", build)
    )
    return _with_length(LOGINACK, body)


def envchange(kind: int, new: str, old: str) -> bytes:
    """ENVCHANGE of a string value (database, language, packet size)."""
    return _with_length(ENVCHANGE, bytes([kind]) + b_varchar(new) + b_varchar(old))


def envchange_bytes(kind: int, new: bytes, old: bytes) -> bytes:
    """ENVCHANGE of a binary value (collation, transaction descriptors, reset ack)."""
    body = bytes([kind, len(new)]) + new + bytes([len(old)]) + old
    return _with_length(ENVCHANGE, body)


def envchange_routing(host: str, port: int) -> bytes:
    """ENVCHANGE type 20 ([MS-TDS] 2.2.7.9): log in again at host:port over TCP. The new
    value is RoutingDataValueLength, Protocol, ProtocolProperty (the port) and
    AlternateServer (US_VARCHAR); the old value is always empty (a zero USHORT)."""
    data = bytes([ROUTING_PROTOCOL_TCP]) + _H(port) + us_varchar(host)
    return _with_length(ENVCHANGE, bytes([ENV_ROUTING]) + _H(len(data)) + data + _H(0))


def message(
    number: int,
    text: str,
    *,
    state: int = 1,
    severity: int = 16,
    line: int = 1,
    proc: str = "",
    server: str = SERVER_NAME,
) -> bytes:
    """ERROR (severity > 10) or INFO token."""
    token = ERROR if severity > 10 else INFO
    body = (
        _i(number)
        + bytes([state & 0xFF, severity & 0xFF])
        + us_varchar(text[:4000])
        + b_varchar(server)
        + b_varchar(proc)
        + _I(line)
    )
    return _with_length(token, body)


def return_status(value: int = 0) -> bytes:
    return bytes([RETURNSTATUS]) + _i(value)


def return_value(
    ordinal: int, name: str, encoder: ColumnEncoder, value: Any, *, output: bool = True
) -> bytes:
    """RETURNVALUE: an output parameter (status 0x01) with its type and value."""
    return (
        bytes([RETURNVALUE])
        + _H(ordinal)
        + b_varchar(name)
        + bytes([0x01 if output else 0x02])
        + b"\x00\x00\x00\x00"
        + b"\x01\x00"
        + encoder.type_info
        + encoder.value(value)
    )


def feature_ext_ack(features: dict[int, bytes]) -> bytes:
    parts = [bytes([FEATUREEXTACK])]
    for feature, data in features.items():
        parts.append(bytes([feature]) + _I(len(data)) + data)
    parts.append(b"\xff")
    return b"".join(parts)


class RowWriter:
    """COLMETADATA and ROW/NBCROW tokens of one result set, encoders compiled once."""

    def __init__(self, columns: Sequence[ResultColumn]):
        self.encoders = [column_encoder(c.type) for c in columns]
        self._width = len(columns)
        parts = [bytes([COLMETADATA]), _H(len(columns))]
        for column, encoder in zip(columns, self.encoders, strict=True):
            flags = 0x0001 if column.type.nullable else 0x0000
            parts.append(
                b"\x00\x00\x00\x00" + _H(flags) + encoder.type_info + b_varchar(column.name[:128])
            )
        self.metadata = b"".join(parts)

    @staticmethod
    @functools.lru_cache(maxsize=512)
    def of(columns: tuple[ResultColumn, ...]) -> RowWriter:
        """The writer of these columns, kept: it holds nothing of one result set, and the
        same statements come back with the same columns call after call."""
        return RowWriter(columns)

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """ROW tokens, or NBCROW for rows holding NULLs. Runs of rows without NULLs are
        encoded column by column, which keeps most of the work in C loops."""
        if not rows:
            return b""
        columns = list(zip(*rows, strict=True))
        if len(columns) != self._width:
            raise ValueError(f"rows have {len(columns)} values for {self._width} columns")
        # Identity tests: `None in values` would call Decimal.__eq__ on every value.
        if not any(any(map(is_, values, repeat(None))) for values in columns):
            return self._columnar(columns, len(rows))
        flags = [any(map(is_, row, repeat(None))) for row in rows]
        out: list[bytes] = []
        for has_null, run in groupby(zip(flags, rows, strict=True), key=itemgetter(0)):
            if has_null:
                out.extend(self._nbcrow(row) for _, row in run)
            else:
                run_rows = [row for _, row in run]
                out.append(self._columnar(list(zip(*run_rows, strict=True)), len(run_rows)))
        return b"".join(out)

    def _columnar(self, columns: Sequence[Sequence[Any]], count: int) -> bytes:
        parts: list[list[bytes]] = [[b"\xd1"] * count]
        for encoder, values in zip(self.encoders, columns, strict=True):
            parts.extend(encoder.encode_column(values))
        # Interleave per row by extended-slice assignment (C loops): part i of each row
        # lands at i, i + width, i + 2 * width, ...
        width = len(parts)
        flat: list[bytes] = [b""] * (count * width)
        for i, part in enumerate(parts):
            flat[i::width] = part
        return b"".join(flat)

    def _nbcrow(self, row: Sequence[Any]) -> bytes:
        if len(row) != self._width:
            raise ValueError(f"row has {len(row)} values for {self._width} columns")
        bitmap = bytearray((self._width + 7) // 8)
        values: list[bytes] = []
        for i, (encoder, value) in enumerate(zip(self.encoders, row, strict=False)):
            if value is None:
                bitmap[i >> 3] |= 1 << (i & 7)
            else:
                values.append(encoder.value(value))
        return b"\xd2" + bytes(bitmap) + b"".join(values)
