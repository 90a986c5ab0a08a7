"""Large values (documents and images in varchar(max), nvarchar(max), varbinary(max),
text, ntext and image columns) in reads capped at max_result_bytes.

The driver reads every value of a row whole before the row can be measured, so a
200 MB document would be read into the driver process only to be refused. SET TEXTSIZE
makes SQL Server send no more than that many bytes of each such value (xml, which it
does not cut, is the exception). The driver process imports this file
without the azsql_mcp package (driverhost.py), so it imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

MAX_TEXTSIZE = 2_147_483_647  # the most SET TEXTSIZE takes: 2 GB, all of any value


class Session(Protocol):
    textsize: int | None  # what SET TEXTSIZE last set on the session; None: not yet


def textsize(max_bytes: int) -> int:
    """The TEXTSIZE of reads capped at `max_bytes`: four times the cap and four. A
    string value the server cut there is over the cap whatever its encoding (a character
    takes at most four bytes: UTF-8, or UTF-16 beyond the BMP), so its row is refused or
    ends the page as ever and it never shows as whole; a binary value, shown cut to a
    few bytes, that reaches it says its size is at least that (jsonvalues). A FOR JSON
    or FOR XML document's pieces (nvarchar(max) rows) are never cut: one longer than
    the cap is refused anyway."""
    return min(4 * max_bytes + 4, MAX_TEXTSIZE)


def set_textsize(conn: Session, cursor: Any, max_bytes: int | None) -> int:
    """SET TEXTSIZE for reads capped at `max_bytes` (None: whole values, as a plan needs)
    on the session where it is not set yet (a round trip the first time: the setting
    holds for the session, outside transactions); the TEXTSIZE."""
    wanted = MAX_TEXTSIZE if max_bytes is None else textsize(max_bytes)
    if conn.textsize != wanted:
        cursor.execute(f"SET TEXTSIZE {wanted}")
        conn.textsize = wanted
    return wanted


def row_over_cap(description: Any, row: Sequence[Any], max_bytes: int, cut_at: int) -> str:
    """Why a row alone is refused: its longest value, and what to select instead. A
    value of `cut_at` (the TEXTSIZE) bytes or more may be one the server cut there:
    its whole size is not known."""
    lengths = [len(v) if isinstance(v, str | bytes | bytearray) else 0 for v in row]
    index = max(range(len(row)), key=lengths.__getitem__)
    value = row[index]
    binary = isinstance(value, bytes | bytearray)
    if binary:
        sent = len(value)
    else:  # as many bytes as its collation's encoding may take at most
        sent = max(len(str(value).encode(code, "surrogatepass")) for code in ("utf-8", "utf-16-le"))
    least = "at least " if sent >= cut_at else ""
    size = f"{least}{lengths[index]} {'bytes' if binary else 'characters'}"
    return (
        f"one row is more than max_result_bytes = {max_bytes}: its column"
        f" {description[index][0]!r} holds {size}. Select part of such values and their"
        " size instead: LEFT(col, 1000) (SUBSTRING(col, 1, 1000) for binary, LEFT(CAST(col"
        " AS nvarchar(max)), 1000) for xml) and DATALENGTH(col), or fewer columns; or an"
        " operator can raise [limits] max_result_bytes"
    )
