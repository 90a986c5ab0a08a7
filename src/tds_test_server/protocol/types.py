"""TDS data types: TYPE_INFO and value encoders for results, decoders for RPC parameters.

Encoders are built once per result column (`column_encoder`) so that the row
writer only calls one precompiled function per value. The fast encoders take
values of the expected Python type; anything else goes through `coerce` once.
"""

from __future__ import annotations

import codecs
import datetime as dt
import encodings.cp1252
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache, partial
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, cast

from ..engine.clr_types import CLR_TYPES, udt_type_info
from ..results import ColumnType, TdsError
from .packets import ProtocolError, Reader

# SQL_Latin1_General_CP1_CI_AS: LCID 1033, case-insensitive, sort id 52, code page 1252.
COLLATION = bytes.fromhex("0904d00034")
CHAR_CODEC = "cp1252"
_CP1252_TABLE = encodings.cp1252.encoding_table


# str.encode("utf-16-le") looks the codec up by name on every call, which costs more
# than the encoding itself; the codec functions are called directly instead.
def utf16(text: str) -> bytes:
    return codecs.utf_16_le_encode(text)[0]


def utf16_column(values: Sequence[str]) -> list[bytes]:
    return list(map(_FIRST, map(codecs.utf_16_le_encode, values)))


def cp1252(text: str) -> bytes:
    return codecs.charmap_encode(text, "replace", _CP1252_TABLE)[0]


def cp1252_column(values: Sequence[str]) -> list[bytes]:
    return list(
        map(_FIRST, map(codecs.charmap_encode, values, repeat("replace"), repeat(_CP1252_TABLE)))
    )


def decode_utf16(data: bytes) -> str:
    return codecs.utf_16_le_decode(data)[0]


PLP_NULL = b"\xff" * 8
PLP_UNKNOWN_LENGTH = 0xFFFFFFFFFFFFFFFE
_PLP_TERMINATOR = b"\x00\x00\x00\x00"

# decimal(38) needs more digits than the default context's 28.
_EXACT = Context(prec=80)
_EPOCH_ORDINAL = dt.date(1, 1, 1).toordinal()
_DATETIME2_EPOCH = dt.datetime(1, 1, 1)
_DATETIME_EPOCH_ORDINAL = dt.date(1900, 1, 1).toordinal()
_TICKS_PER_DAY = 300 * 86400
# Last days of each type's range ([MS-TDS] 2.2.5.5.1.8; "datetime (Transact-SQL)").
_MAX_DATE_DAYS = dt.date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL
_MIN_DATETIME_DAYS = dt.date(1753, 1, 1).toordinal() - _DATETIME_EPOCH_ORDINAL
_MAX_DATETIME_DAYS = dt.date(9999, 12, 31).toordinal() - _DATETIME_EPOCH_ORDINAL
_MAX_OFFSET_MINUTES = 14 * 60

_H = struct.Struct("<H").pack
# int.to_bytes(n, length, byteorder) as a plain callable for map() (positional: fastest).
_TO_BYTES = cast(Callable[[int, int, str], bytes], int.to_bytes)
_BYTES_LE = attrgetter("bytes_le")
_FIRST = itemgetter(0)
_PLP_HEAD = struct.Struct("<QI").pack

Encode = Callable[[Any], bytes]


@dataclass(frozen=True)
class ColumnEncoder:
    """How one column travels: TYPE_INFO bytes, a non-NULL value encoder, the NULL form."""

    type_info: bytes
    encode: Encode
    null: bytes
    coerce: Callable[[Any], Any]
    type_name: str = ""
    # Encodes a whole column of non-NULL values in C-level loops where it can; returns
    # lists of byte strings that interleave, per row, into the row's bytes.
    column: Callable[[Sequence[Any]], list[list[bytes]]] | None = None

    def encode_column(self, values: Sequence[Any]) -> list[list[bytes]]:
        try:
            if self.column is not None:
                return self.column(values)
            return [list(map(self.encode, values))]
        except ENCODE_ERRORS:
            return [[self.value(v) for v in values]]

    def value(self, value: Any) -> bytes:
        """Encode any value, NULL included, converting it to the column type if needed."""
        if value is None:
            return self.null
        try:
            return self.encode(value)
        except ENCODE_ERRORS:
            pass
        try:
            return self.encode(self.coerce(value))
        except (OverflowError, struct.error) as exc:
            raise TdsError(
                8115,
                f"Arithmetic overflow error converting expression to data type {self.type_name}.",
            ) from exc


# What a fast encoder raises when it gets a value of another Python type.
ENCODE_ERRORS = (TypeError, ValueError, AttributeError, OverflowError, LookupError, struct.error)


def _conversion_error(value: Any, type_name: str) -> TdsError:
    shown = value if isinstance(value, str | int | float | Decimal) else type(value).__name__
    return TdsError(
        245,
        f"Conversion failed when converting the value '{shown}' to data type {type_name}.",
        state=1,
        severity=16,
    )


def _coercer(type_name: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        try:
            return convert(value)
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise _conversion_error(value, type_name) from exc

    return coerce


# --- integers, bit, floats -----------------------------------------------------------------

_INT_SIZES = {"tinyint": (1, "B"), "smallint": (2, "h"), "int": (4, "i"), "bigint": (8, "q")}


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, float | Decimal):
        return int(value)  # SQL Server truncates toward zero when converting to int
    return int(value)


def _packed(size: int, code: str) -> tuple[Encode, Callable[[Sequence[Any]], list[list[bytes]]]]:
    """Encoders of a fixed-size value behind its one-byte length, per value and per column."""
    pack = struct.Struct("<B" + code).pack

    def column(values: Sequence[Any]) -> list[list[bytes]]:
        return [list(map(pack, repeat(size), values))]

    return partial(pack, size), column


def _intn(name: str) -> ColumnEncoder:
    size, code = _INT_SIZES[name]
    encode, column = _packed(size, code)
    return ColumnEncoder(
        bytes([0x26, size]), encode, b"\x00", _coercer(name, _to_int), column=column
    )


def _to_bit(value: Any) -> int:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return int(text == "true")
        return int(int(text) != 0)
    return int(bool(value))


_BITS = {True: b"\x01\x01", False: b"\x01\x00"}  # 1 and 0 hash like True and False


def _bit() -> ColumnEncoder:
    def column(values: Sequence[Any]) -> list[list[bytes]]:
        return [list(map(_BITS.__getitem__, values))]

    return ColumnEncoder(
        b"\x68\x01", _BITS.__getitem__, b"\x00", _coercer("bit", _to_bit), column=column
    )


def _fltn(name: str) -> ColumnEncoder:
    size, code = (8, "d") if name == "float" else (4, "f")
    encode, column = _packed(size, code)
    return ColumnEncoder(bytes([0x6D, size]), encode, b"\x00", _coercer(name, float), column=column)


# --- exact numerics --------------------------------------------------------------------------


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    return Decimal(value)


def decimal_size(precision: int) -> int:
    """Bytes of a DECIMALN value, sign byte included."""
    if precision <= 9:
        return 5
    if precision <= 19:
        return 9
    if precision <= 28:
        return 13
    return 17


def _decimaln(name: str, precision: int, scale: int) -> ColumnEncoder:
    size = decimal_size(precision)
    head_pos = bytes([size, 1])
    head_neg = bytes([size, 0])
    limit = 10**precision

    def encode(value: Decimal) -> bytes:
        scaled = int(value.scaleb(scale, _EXACT).to_integral_value(ROUND_HALF_UP, _EXACT))
        if not -limit < scaled < limit:
            raise TdsError(
                8115, f"Arithmetic overflow error converting {value} to data type {name}."
            )
        if scaled < 0:
            return head_neg + (-scaled).to_bytes(size - 1, "little")
        return head_pos + scaled.to_bytes(size - 1, "little")

    def column(values: Sequence[Any]) -> list[list[bytes]]:
        scaled = list(
            map(
                int,
                map(
                    Decimal.to_integral_value,
                    map(Decimal.scaleb, values, repeat(scale), repeat(_EXACT)),
                    repeat(ROUND_HALF_UP),
                    repeat(_EXACT),
                ),
            )
        )
        if scaled and (min(scaled) < 0 or max(scaled) >= limit):
            return [list(map(encode, values))]  # signs and overflow, value by value
        magnitudes = map(_TO_BYTES, scaled, repeat(size - 1), repeat("little"))
        return [[head_pos] * len(scaled), list(magnitudes)]

    token = 0x6C if name == "numeric" else 0x6A
    return ColumnEncoder(
        bytes([token, size, precision, scale]),
        encode,
        b"\x00",
        _coercer(name, _to_decimal),
        column=column,
    )


def _money(name: str) -> ColumnEncoder:
    pack8 = struct.Struct("<BiI").pack
    pack4 = struct.Struct("<Bi").pack

    def units(value: Decimal) -> int:
        return int(value.scaleb(4, _EXACT).to_integral_value(ROUND_HALF_UP, _EXACT))

    def encode8(value: Decimal) -> bytes:
        n = units(value)
        return pack8(8, n >> 32, n & 0xFFFFFFFF)

    def encode4(value: Decimal) -> bytes:
        return pack4(4, units(value))

    if name == "money":
        return ColumnEncoder(b"\x6e\x08", encode8, b"\x00", _coercer(name, _to_decimal))
    return ColumnEncoder(b"\x6e\x04", encode4, b"\x00", _coercer(name, _to_decimal))


# --- dates and times ------------------------------------------------------------------------


def time_length(scale: int) -> int:
    """Bytes of the time part of time/datetime2/datetimeoffset for a fractional scale."""
    return 3 if scale <= 2 else 4 if scale <= 4 else 5


def _hundred_ns(value: dt.time | dt.datetime) -> int:
    """The 100 ns digit a value read from the store kept (engine/temporal.py), else 0."""
    return getattr(value, "nanosecond", 0) // 100


def _time_units(t: dt.time | dt.datetime, scale: int, hundred_ns: int = 0) -> int:
    """10^-scale seconds since midnight; `hundred_ns` counts at scale 7 only (a smaller
    scale holds values already rounded to it)."""
    micros = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
    if scale == 7:
        return micros * 10 + hundred_ns
    if scale == 6:
        return micros
    step = 10 ** (6 - scale)
    return (micros + step // 2) // step


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


def _to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(str(value).strip())


def _to_naive_datetime(value: Any) -> dt.datetime:
    return _to_datetime(value).replace(tzinfo=None)  # datetime2 keeps the wall clock


def _to_time(value: Any) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.timetz()
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value).strip())


def _date() -> ColumnEncoder:
    def encode(value: dt.date) -> bytes:
        return b"\x03" + (value.toordinal() - _EPOCH_ORDINAL).to_bytes(3, "little")

    return ColumnEncoder(b"\x28", encode, b"\x00", _coercer("date", _to_date))


def _time(scale: int) -> ColumnEncoder:
    length = time_length(scale)
    top = 86400 * 10**scale - 1
    head = bytes([length])

    def encode(value: dt.time) -> bytes:
        units = _time_units(value, scale, _hundred_ns(value))
        return head + min(units, top).to_bytes(length, "little")

    return ColumnEncoder(bytes([0x29, scale]), encode, b"\x00", _coercer("time", _to_time))


def _datetime2_parts(value: dt.datetime, scale: int, hundred_ns: int = 0) -> tuple[int, int]:
    units = _time_units(value, scale, hundred_ns)
    days = value.toordinal() - _EPOCH_ORDINAL
    per_day = 86400 * 10**scale
    if units >= per_day:  # rounding carried into the next day
        units -= per_day
        days += 1
    return units, days


def _datetime2(scale: int) -> ColumnEncoder:
    length = time_length(scale)
    head = bytes([length + 3])
    shift = 8 * length
    if scale >= 6:  # microseconds scale up exactly: no rounding, no carry into the next day
        factor = 10 ** (scale - 6)
        pack = struct.Struct("<BQ").pack  # length, then time units and days in 8 bytes

        def encode(value: dt.datetime) -> bytes:
            since = value - _DATETIME2_EPOCH  # one C subtraction instead of five attributes
            units = (since.seconds * 1_000_000 + since.microseconds) * factor
            if scale == 7:
                units += _hundred_ns(value)
            return pack(length + 3, units | since.days << shift)

    else:

        def encode(value: dt.datetime) -> bytes:
            units, days = _datetime2_parts(value, scale)
            return head + (units | days << shift).to_bytes(length + 3, "little")

    return ColumnEncoder(
        bytes([0x2A, scale]), encode, b"\x00", _coercer("datetime2", _to_naive_datetime)
    )


def _datetimeoffset(scale: int) -> ColumnEncoder:
    length = time_length(scale)
    head = bytes([length + 5])
    offset_pack = struct.Struct("<h").pack

    def encode(value: dt.datetime) -> bytes:
        offset = value.utcoffset()
        minutes = 0 if offset is None else int(offset.total_seconds()) // 60
        utc = value.replace(tzinfo=None) - (offset or dt.timedelta())
        units, days = _datetime2_parts(utc, scale, _hundred_ns(value))
        return (
            head
            + units.to_bytes(length, "little")
            + days.to_bytes(3, "little")
            + offset_pack(minutes)
        )

    return ColumnEncoder(
        bytes([0x2B, scale]), encode, b"\x00", _coercer("datetimeoffset", _to_datetime)
    )


def datetime_parts(value: dt.datetime) -> tuple[int, int]:
    """(days since 1900-01-01, 1/300 s ticks since midnight) of a legacy datetime."""
    days = value.toordinal() - _DATETIME_EPOCH_ORDINAL
    micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    ticks = (micros * 3 + 5000) // 10000
    if ticks >= _TICKS_PER_DAY:
        ticks -= _TICKS_PER_DAY
        days += 1
    return days, ticks


def _datetime(name: str) -> ColumnEncoder:
    pack8 = struct.Struct("<BiI").pack
    pack4 = struct.Struct("<BHH").pack

    def encode8(value: dt.datetime) -> bytes:
        return pack8(8, *datetime_parts(value))

    def encode4(value: dt.datetime) -> bytes:
        days = value.toordinal() - _DATETIME_EPOCH_ORDINAL
        minutes = value.hour * 60 + value.minute + (1 if value.second >= 30 else 0)
        if minutes >= 1440:
            minutes -= 1440
            days += 1
        return pack4(4, days, minutes)

    if name == "datetime":
        return ColumnEncoder(b"\x6f\x08", encode8, b"\x00", _coercer(name, _to_datetime))
    return ColumnEncoder(b"\x6f\x04", encode4, b"\x00", _coercer(name, _to_datetime))


# --- uniqueidentifier -----------------------------------------------------------------------


def _to_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, bytes | bytearray) and len(value) == 16:
        return uuid.UUID(bytes_le=bytes(value))
    return uuid.UUID(str(value).strip())


def _guid() -> ColumnEncoder:
    def encode(value: uuid.UUID) -> bytes:
        return b"\x10" + value.bytes_le

    def column(values: Sequence[Any]) -> list[list[bytes]]:
        return [[b"\x10"] * len(values), list(map(_BYTES_LE, values))]

    return ColumnEncoder(
        b"\x24\x10", encode, b"\x00", _coercer("uniqueidentifier", _to_uuid), column=column
    )


# --- character and binary -------------------------------------------------------------------


def _plp(data: bytes) -> bytes:
    if not data:
        return b"\x00" * 8 + _PLP_TERMINATOR
    return _PLP_HEAD(len(data), len(data)) + data + _PLP_TERMINATOR


def _to_str(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, uuid.UUID):
        return value.bytes_le
    return bytes(value)


def _clip(data: bytes, max_bytes: int, unicode: bool) -> bytes:
    """A value longer than its column's declared size would break the stream (the driver
    reads exactly the declared maximum): cut it, never inside a UTF-16 surrogate pair."""
    if len(data) <= max_bytes:
        return data
    data = data[:max_bytes]
    if unicode and len(data) >= 2 and 0xD8 <= data[-1] <= 0xDB:  # a lone high surrogate
        data = data[:-2]
    return data


def _string(name: str, length: int | None) -> ColumnEncoder:
    unicode = name in ("nchar", "nvarchar")
    fixed = name in ("char", "nchar")
    unit = 2 if unicode else 1
    is_max = length == -1 or (length is not None and length * unit > 8000)
    chars = 4000 if unicode else 8000
    if length is not None and length > 0 and not is_max:
        chars = length
    token = {"char": 0xAF, "varchar": 0xA7, "nchar": 0xEF, "nvarchar": 0xE7}[name]
    max_bytes = 0xFFFF if is_max else chars * unit
    type_info = bytes([token]) + _H(max_bytes) + COLLATION

    to_wire = utf16 if unicode else cp1252
    to_wire_column = utf16_column if unicode else cp1252_column
    coerce = _coercer(name, _to_str)
    if is_max:

        def encode_max(value: str) -> bytes:
            return _plp(to_wire(value))

        return ColumnEncoder(type_info, encode_max, PLP_NULL, coerce)
    if fixed:
        pad = b" \x00" if unicode else b" "

        def encode_fixed(value: str) -> bytes:
            data = _clip(to_wire(value), max_bytes, unicode)
            data += pad * ((max_bytes - len(data)) // unit)
            return _H(len(data)) + data

        return ColumnEncoder(type_info, encode_fixed, b"\xff\xff", coerce)

    def encode(value: str) -> bytes:
        data = to_wire(value)
        if len(data) > max_bytes:
            data = _clip(data, max_bytes, unicode)
        return _H(len(data)) + data

    def column(values: Sequence[Any]) -> list[list[bytes]]:
        data = to_wire_column(values)
        sizes = list(map(len, data))
        if sizes and max(sizes) > max_bytes:
            data = [_clip(d, max_bytes, unicode) for d in data]
            sizes = list(map(len, data))
        return [list(map(_H, sizes)), data]

    return ColumnEncoder(type_info, encode, b"\xff\xff", coerce, column=column)


def _binary(name: str, length: int | None) -> ColumnEncoder:
    is_max = length == -1 or (length is not None and length > 8000)
    size = length if length is not None and length > 0 and not is_max else 8000
    token = 0xAD if name == "binary" else 0xA5
    type_info = bytes([token]) + _H(0xFFFF if is_max else size)
    if is_max:
        return ColumnEncoder(type_info, _plp, PLP_NULL, _coercer(name, _to_bytes))
    if name == "binary":

        def encode(value: bytes) -> bytes:
            return _H(size) + value.ljust(size, b"\x00")
    else:

        def encode(value: bytes) -> bytes:
            return _H(len(value)) + value

    return ColumnEncoder(type_info, encode, b"\xff\xff", _coercer(name, _to_bytes))


def _xml() -> ColumnEncoder:
    def encode(value: str) -> bytes:
        return _plp(utf16(value))

    return ColumnEncoder(b"\xf1\x00", encode, PLP_NULL, _coercer("xml", _to_str))


# ntext's TYPE_INFO: the maximum size, the collation and the table name (one empty part,
# as for an expression), and SQL Server's placeholder text pointer and timestamp before
# each value ([MS-TDS] 2.2.5.4.3 TYPE_VARBYTE); only FOR XML's result (for_xml.py) sends it.
_NTEXT_TYPE_INFO = b"\x63" + struct.pack("<I", 0x7FFFFFFE) + COLLATION + b"\x01\x00\x00"
_TEXT_POINTER = b"\x10" + b"dummy textptr\x00\x00\x00" + b"dummyTS\x00"


def _ntext() -> ColumnEncoder:
    def encode(value: str) -> bytes:
        data = utf16(value)
        return _TEXT_POINTER + struct.pack("<I", len(data)) + data

    return ColumnEncoder(_NTEXT_TYPE_INFO, encode, b"\x00", _coercer("ntext", _to_str))


def _udt(name: str) -> ColumnEncoder:
    """geography, geometry, hierarchyid: UDT_INFO, and the serialization as PLP bytes."""
    return ColumnEncoder(udt_type_info(name), _plp, PLP_NULL, _coercer(name, _to_bytes))


@lru_cache(maxsize=1024)  # immutable; every result set asks again for its column types
def column_encoder(ctype: ColumnType) -> ColumnEncoder:
    """The encoder of a column type; an unknown type is a TdsError naming it."""
    return replace(_column_encoder(ctype), type_name=ctype.name.lower())


def _column_encoder(ctype: ColumnType) -> ColumnEncoder:
    name = ctype.name.lower()
    if name in _INT_SIZES:
        return _intn(name)
    if name == "bit":
        return _bit()
    if name in ("float", "real"):
        return _fltn(name)
    if name in ("decimal", "numeric"):
        precision = ctype.precision or 18
        if not 1 <= precision <= 38:
            raise TdsError(2750, f"Column or parameter has an invalid precision {precision}.")
        scale = ctype.scale if ctype.scale is not None else 0
        return _decimaln(name, precision, min(max(scale, 0), precision))
    if name in ("money", "smallmoney"):
        return _money(name)
    if name == "date":
        return _date()
    if name in ("time", "datetime2", "datetimeoffset"):
        scale = 7 if ctype.scale is None else min(max(ctype.scale, 0), 7)
        return {"time": _time, "datetime2": _datetime2, "datetimeoffset": _datetimeoffset}[name](
            scale
        )
    if name in ("datetime", "smalldatetime"):
        return _datetime(name)
    if name == "uniqueidentifier":
        return _guid()
    if name in ("char", "varchar", "nchar", "nvarchar"):
        return _string(name, ctype.length)
    if name in ("binary", "varbinary"):
        return _binary(name, ctype.length)
    if name == "xml":
        return _xml()
    if name == "ntext":
        return _ntext()
    if name in CLR_TYPES:
        return _udt(name)
    raise TdsError(0, f"The TDS test server cannot send columns of type '{ctype.name}'.")


# --- decoding RPC parameters ----------------------------------------------------------------


class InvalidValue(ValueError):
    """Well-formed bytes outside the type's range (a date past 9999-12-31, a time past
    midnight): SQL Server answers error 8023 and the connection goes on."""

    def __init__(self, type_name: str):
        super().__init__(type_name)
        self.type_name = type_name


_FIXED_TYPES: dict[int, tuple[str, int]] = {
    0x30: ("tinyint", 1),
    0x32: ("bit", 1),
    0x34: ("smallint", 2),
    0x38: ("int", 4),
    0x7F: ("bigint", 8),
    0x3B: ("real", 4),
    0x3E: ("float", 8),
    0x3D: ("datetime", 8),
    0x3A: ("smalldatetime", 4),
    0x3C: ("money", 8),
    0x7A: ("smallmoney", 4),
}
_INTN_NAMES = {1: "tinyint", 2: "smallint", 4: "int", 8: "bigint"}
_UNSUPPORTED_TYPES = {
    0x62: "sql_variant",
    0xF0: "CLR UDT",
    0xF3: "table-valued parameter",
    0x1F: "null type",
}


def read_type_info(r: Reader) -> tuple[ColumnType, Callable[[Reader], Any]]:
    """Read a TYPE_INFO; return the type and a function reading one value of it."""
    token = r.u8()
    if token in _FIXED_TYPES:
        name, size = _FIXED_TYPES[token]
        return ColumnType(name), lambda rd: _decode_fixed(name, rd.take(size))
    if token in (0x26, 0x68, 0x6D, 0x6E, 0x6F):
        size = r.u8()
        name = _bytelen_type_name(token, size)
        return ColumnType(name), lambda rd: _read_bytelen(rd, name)
    if token == 0x24:
        r.u8()
        return ColumnType("uniqueidentifier"), _read_guid
    if token in (0x6A, 0x6C, 0x37, 0x3F):
        r.u8()
        precision, scale = r.u8(), r.u8()
        name = "numeric" if token in (0x6C, 0x3F) else "decimal"
        return ColumnType(name, precision=precision, scale=scale), partial(
            _read_decimal, scale=scale
        )
    if token == 0x28:
        return ColumnType("date"), _read_date
    if token in (0x29, 0x2A, 0x2B):
        scale = r.u8()
        if scale > 7:
            raise ProtocolError(f"invalid fractional seconds scale {scale}")
        name = {0x29: "time", 0x2A: "datetime2", 0x2B: "datetimeoffset"}[token]
        return ColumnType(name, scale=scale), partial(_read_temporal, name=name, scale=scale)
    if token in (0xA7, 0xAF, 0xE7, 0xEF, 0xA5, 0xAD):
        max_len = r.u16()
        if token not in (0xA5, 0xAD):
            r.take(5)  # collation; values are decoded as code page 1252 / UTF-16LE
        name = {
            0xA7: "varchar",
            0xAF: "char",
            0xE7: "nvarchar",
            0xEF: "nchar",
            0xA5: "varbinary",
            0xAD: "binary",
        }[token]
        unit = 2 if token in (0xE7, 0xEF) else 1
        length = -1 if max_len == 0xFFFF else max_len // unit
        convert = _text_converter(name)
        if max_len == 0xFFFF:
            return ColumnType(name, length=length), lambda rd: _convert(read_plp(rd), convert)
        return ColumnType(name, length=length), lambda rd: _convert(_read_ushort_bytes(rd), convert)
    if token in (0x23, 0x63, 0x22):
        r.u32()
        if token != 0x22:
            r.take(5)
        name = {0x23: "varchar", 0x63: "nvarchar", 0x22: "varbinary"}[token]
        convert = _text_converter(name)
        return ColumnType(name, length=-1), lambda rd: _convert(_read_long_bytes(rd), convert)
    if token == 0xF1:
        if r.u8():  # schema present: database, owning schema, collection
            r.b_varchar()
            r.b_varchar()
            r.us_varchar()
        return ColumnType("xml", length=-1), lambda rd: _convert(
            read_plp(rd), _text_converter("nvarchar")
        )
    what = _UNSUPPORTED_TYPES.get(token, f"type 0x{token:02X}")
    raise ProtocolError(f"parameters of {what} are not supported by the TDS test server")


def _bytelen_type_name(token: int, size: int) -> str:
    names = {
        0x26: _INTN_NAMES,
        0x68: {1: "bit"},
        0x6D: {4: "real", 8: "float"},
        0x6E: {4: "smallmoney", 8: "money"},
        0x6F: {4: "smalldatetime", 8: "datetime"},
    }[token]
    if size not in names:
        raise ProtocolError(f"invalid length {size} for TDS type 0x{token:02X}")
    return names[size]


def _convert(data: bytes | None, convert: Callable[[bytes], Any]) -> Any:
    return None if data is None else convert(data)


def _text_converter(name: str) -> Callable[[bytes], Any]:
    if name in ("nvarchar", "nchar"):
        return decode_utf16
    if name in ("varchar", "char"):
        return lambda b: b.decode(CHAR_CODEC, "replace")
    return bytes


def _decode_fixed(name: str, data: bytes) -> Any:
    if name == "tinyint":
        return data[0]
    if name == "bit":
        return bool(data[0])
    if name in ("smallint", "int", "bigint"):
        return int.from_bytes(data, "little", signed=True)
    if name == "real":
        return struct.unpack("<f", data)[0]
    if name == "float":
        return struct.unpack("<d", data)[0]
    if name == "datetime":
        days, ticks = struct.unpack("<iI", data)
        if not _MIN_DATETIME_DAYS <= days <= _MAX_DATETIME_DAYS or ticks >= _TICKS_PER_DAY:
            raise InvalidValue(name)
        base = dt.datetime(1900, 1, 1) + dt.timedelta(days=days)
        return base + dt.timedelta(microseconds=(ticks * 10000 + 1) // 3)
    if name == "smalldatetime":
        days, minutes = struct.unpack("<HH", data)
        if minutes >= 24 * 60:
            raise InvalidValue(name)
        return dt.datetime(1900, 1, 1) + dt.timedelta(days=days, minutes=minutes)
    if name == "money":
        high, low = struct.unpack("<iI", data)
        return Decimal((high << 32) | low).scaleb(-4, _EXACT)
    if name == "smallmoney":
        return Decimal(struct.unpack("<i", data)[0]).scaleb(-4, _EXACT)
    raise ProtocolError(f"cannot decode {name}")


def _read_bytelen(r: Reader, name: str) -> Any:
    size = r.u8()
    return None if size == 0 else _decode_fixed(name, r.take(size))


def _read_guid(r: Reader) -> uuid.UUID | None:
    size = r.u8()
    return None if size == 0 else uuid.UUID(bytes_le=r.take(size))


def _read_decimal(r: Reader, scale: int) -> Decimal | None:
    size = r.u8()
    if size == 0:
        return None
    data = r.take(size)
    magnitude = int.from_bytes(data[1:], "little")
    try:
        value = Decimal(magnitude).scaleb(-scale, _EXACT)
    except InvalidOperation as exc:
        raise ProtocolError("invalid decimal parameter") from exc
    return value if data[0] else value.copy_negate()  # exact: -value rounds to 28 digits


def _read_date(r: Reader) -> dt.date | None:
    size = r.u8()
    if size == 0:
        return None
    days = int.from_bytes(r.take(3), "little")
    if days > _MAX_DATE_DAYS:
        raise InvalidValue("date")
    return dt.date.fromordinal(days + _EPOCH_ORDINAL)


def _read_temporal(r: Reader, name: str, scale: int) -> Any:
    size = r.u8()
    if size == 0:
        return None
    length = time_length(scale)
    units = int.from_bytes(r.take(length), "little")
    if units >= 86400 * 10**scale:
        raise InvalidValue(name)
    micros = units * 10 ** (6 - scale) if scale <= 6 else units // 10 ** (scale - 6)
    clock = dt.timedelta(microseconds=micros)
    if name == "time":
        return (dt.datetime.min + clock).time()
    days = int.from_bytes(r.take(3), "little")
    if days > _MAX_DATE_DAYS:
        raise InvalidValue(name)
    value = dt.datetime.min + dt.timedelta(days=days) + clock
    if name == "datetime2":
        return value
    minutes = struct.unpack("<h", r.take(2))[0]
    if abs(minutes) > _MAX_OFFSET_MINUTES:
        raise InvalidValue(name)
    offset = dt.timedelta(minutes=minutes)
    try:  # the local clock of a UTC instant at either end of the range
        return (value + offset).replace(tzinfo=dt.timezone(offset))
    except OverflowError:
        raise InvalidValue(name) from None


def _read_ushort_bytes(r: Reader) -> bytes | None:
    size = r.u16()
    return None if size == 0xFFFF else r.take(size)


def _read_long_bytes(r: Reader) -> bytes | None:
    size = r.u32()
    return None if size == 0xFFFFFFFF else r.take(size)


def read_plp(r: Reader) -> bytes | None:
    """A partially length-prefixed value: total length, then chunks up to a zero chunk."""
    total = r.u64()
    if total == 0xFFFFFFFFFFFFFFFF:
        return None
    chunks: list[bytes] = []
    while True:
        size = r.u32()
        if size == 0:
            return b"".join(chunks)
        chunks.append(r.take(size))
