"""CHECKSUM and BINARY_CHECKSUM ("CHECKSUM (Transact-SQL)", "BINARY_CHECKSUM
(Transact-SQL)"): an int hash of an expression list, for hash indexes and for sampling
(`ORDER BY CHECKSUM(NEWID())`, `WHERE ABS(CHECKSUM(NEWID())) % 100 < 10`).

SQL Server's hash algorithm is not documented, so the values here differ from its own;
what the pages promise holds: the result is an int, equal lists (element by element
equal under `=`, NULLs counted equal) give equal values, and the order of the
expressions matters. The pages do not say what a NULL argument gives; here it is an
int, as for any other value. CHECKSUM compares strings as the default collation does
(case and trailing blanks ignored: 'McCavity' and 'Mccavity ' agree), BINARY_CHECKSUM
by their characters (case counts; trailing blanks are left out, as `=` leaves them
out). SQLite keeps no declared type, so values that differ only in their SQL type (1
as int and as bigint) agree here. `CHECKSUM(*)` is 40517 (name the columns).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlglot import exp

from . import errors

_NAMES = ("CHECKSUM", "BINARY_CHECKSUM")


def _encoded(value: Any, fold_case: bool) -> bytes:
    """One argument as tagged bytes, so that 1, '1' and NULL hash apart."""
    if value is None:
        return b"N"
    if isinstance(value, str):
        text = value.rstrip(" ")
        return b"S" + (text.lower() if fold_case else text).encode("utf-8")
    if isinstance(value, bytes):
        return b"B" + value
    if isinstance(value, float) and value.is_integer():  # 2.0 stored as REAL is 2
        return b"I" + str(int(value)).encode()
    return (b"I" if isinstance(value, int) else b"F") + repr(value).encode()


def _checksum(fold_case: bool, args: tuple[Any, ...]) -> int:
    digest = hashlib.blake2b(digest_size=4)
    for value in args:
        part = _encoded(value, fold_case)
        digest.update(len(part).to_bytes(4, "big") + part)
    return int.from_bytes(digest.digest(), "big", signed=True)


def checksum(*args: Any) -> int:
    return _checksum(True, args)


def binary_checksum(*args: Any) -> int:
    return _checksum(False, args)


def check_checksum_star(node: exp.Expr) -> None:
    """40517 for CHECKSUM(*) and BINARY_CHECKSUM(*), which need the FROM's columns."""
    if (
        isinstance(node, exp.Anonymous)
        and node.name.upper() in _NAMES
        and any(isinstance(arg, exp.Star) for arg in node.expressions)
    ):
        name = node.name.upper()
        raise errors.unsupported(f"{name}(*); name the columns: {name}(col1, col2, ...)")


CHECKSUM_FUNCTIONS = {
    "CHECKSUM": (-1, checksum, True),
    "BINARY_CHECKSUM": (-1, binary_checksum, True),
}
