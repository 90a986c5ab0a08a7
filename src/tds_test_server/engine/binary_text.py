"""Conversions between character and binary types ("CAST and CONVERT (Transact-SQL)",
"Binary styles"). Style 0 converts byte for byte in the type's encoding: nchar and
nvarchar hold UTF-16LE (`CAST(N'ab' AS varbinary)` is 0x61006200), char and varchar the
default collation's code page, 1252 (`CAST('é' AS varbinary)` is 0xE9). Styles 1 and 2
read or write hexadecimal digits, with `0x` before them for style 1.
"""

from __future__ import annotations

import binascii
from typing import Any

from ..results import TdsError

_UNICODE = ("nchar", "nvarchar", "ntext", "xml")
CODE_PAGE = "cp1252"


def text_to_binary(text: str, source: str, style: int | None, target: str) -> bytes:
    """`text` (of type `source`, '' when unknown: varchar) as binary bytes."""
    if style in (1, 2):
        digits = text[2:] if style == 1 and text[:2].lower() == "0x" else text
        if (style == 1 and digits is text) or len(digits) % 2:
            raise _not_hex(source, target)
        try:
            return binascii.unhexlify(digits)
        except binascii.Error:
            raise _not_hex(source, target) from None
    if source in _UNICODE:
        return text.encode("utf-16-le")
    return text.encode(CODE_PAGE, "replace")  # a character outside the code page: '?'


def binary_to_text(data: bytes, target: str, style: int | None) -> str:
    """`data` as the character type `target`."""
    if style in (1, 2):
        digits = data.hex().upper()
        return "0x" + digits if style == 1 else digits
    if target in _UNICODE:
        return data[: len(data) - len(data) % 2].decode("utf-16-le", "replace")
    # bytes 1252 leaves undefined (0x81, 0x8D, ...) stand for the same code points
    return "".join(_code_page_char(b) for b in data)


def _code_page_char(byte: int) -> str:
    try:
        return bytes([byte]).decode(CODE_PAGE)
    except UnicodeDecodeError:
        return chr(byte)


def is_binary(value: Any) -> bool:
    return isinstance(value, (bytes, bytearray))


def _not_hex(source: str, target: str) -> TdsError:
    return TdsError(8114, f"Error converting data type {source or 'varchar'} to {target}.")
