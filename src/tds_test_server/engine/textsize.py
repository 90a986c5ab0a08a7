"""SET TEXTSIZE: how much of a large value a result set sends.

SQL Server sends at most TEXTSIZE bytes of each varchar(max), nvarchar(max),
varbinary(max), text, ntext and image value a SELECT returns (xml is not among them);
0 sets it back to the default of 4 KB, and ODBC connections start at 2147483647.
(This server stores text, ntext and image as the (max) types: sql_types.parse_type.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..results import ResultSet
from . import errors

ODBC_TEXTSIZE = 2147483647  # what a session starts with (SQL Server does so for ODBC)
DEFAULT_TEXTSIZE = 4096  # what SET TEXTSIZE 0 restores
_CUT_TYPES = frozenset({"varchar", "nvarchar", "varbinary"})


def textsize_setting(argument: str) -> int:
    """The TEXTSIZE `SET TEXTSIZE argument` sets."""
    try:
        number = int(argument)
    except ValueError:
        raise errors.syntax_near(argument) from None
    if not 0 <= number <= ODBC_TEXTSIZE:
        raise errors.unsupported(f"SET TEXTSIZE {number}")
    return number or DEFAULT_TEXTSIZE


def within_textsize(results: Iterator[Any], textsize: Callable[[], int]) -> Iterator[Any]:
    """`results` with the large values of each result set cut to the TEXTSIZE in force
    when it starts (a SET TEXTSIZE earlier in the batch applies to the sets after it)."""
    for result in results:
        if isinstance(result, ResultSet):
            limit = textsize()
            cuts = [
                _cut(column.type.name, limit) if column.type.length == -1 else None
                for column in result.columns
            ]
            if limit < ODBC_TEXTSIZE and any(cuts):
                result = ResultSet(result.columns, _cut_rows(result.rows, cuts))
        yield result


def _cut(type_name: str, limit: int) -> Callable[[Any], Any] | None:
    """What cuts one value of a column of `type_name` to `limit` bytes, if any is cut."""
    if type_name not in _CUT_TYPES:
        return None
    if type_name == "nvarchar":
        return lambda value: value if value is None else _utf16_cut(value, limit)
    return lambda value: value if value is None else value[:limit]


def _utf16_cut(value: str, limit: int) -> str:
    """The characters of `value` within `limit` bytes of UTF-16 (two a character, four
    beyond the BMP). SQL Server cuts the bytes, a pair of surrogates too; this keeps
    whole characters, which the drivers can decode."""
    if len(value) * 4 <= limit:
        return value
    return value.encode("utf-16-le")[: limit - limit % 2].decode("utf-16-le", "ignore")


def _cut_rows(
    rows: Iterator[tuple[Any, ...]], cuts: list[Callable[[Any], Any] | None]
) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(
            value if cut is None else cut(value) for value, cut in zip(row, cuts, strict=True)
        )
