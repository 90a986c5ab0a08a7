"""odbc_types.row_bound: the most row_sizer counts for a row of a result whose declared
sizes bound it (driverrows.take_rows then leaves such rows unmeasured), and None where
they do not."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from azsql_mcp.db import odbc_types

# pyodbc's description entries: (name, type_code, display_size, internal_size, precision,
# scale, null_ok)


def column(python_type: type, size: int) -> tuple[Any, ...]:
    return ("c", python_type, size, size, size, 0, True)


@pytest.mark.parametrize("named", ["char", "varchar", "nchar", "nvarchar"])
@pytest.mark.parametrize(
    "widest",
    [
        "x",
        "é",  # 2 bytes as UTF-8
        "\u4e2d",  # CJK: 3 bytes
        "\ufffd",  # half a surrogate pair, as utf16_text decodes it: 3 bytes
        "\ud83d",  # a lone surrogate as surrogatepass encodes it: 3 bytes
    ],
)
def test_the_widest_values_of_a_sized_text_column_are_within_the_bound(
    named: str, widest: str
) -> None:
    description = [column(int, 10), column(str, 40), column(decimal.Decimal, 9)]
    bound = odbc_types.row_bound(description, [None, named, None])
    row = (2**40, widest * 40, decimal.Decimal("1.5"))
    assert bound is not None
    assert odbc_types.row_sizer(description)(row) <= bound
    # an emoji is two UTF-16 code units of nvarchar(n): 4 bytes for 2 of n
    pairs = (1, "\U0001f600" * 20, None)
    assert odbc_types.row_sizer(description)(pairs) <= bound


@pytest.mark.parametrize(
    ("description", "reported"),
    [
        ([column(str, 0)], ["nvarchar"]),  # nvarchar(max)
        ([column(str, 2_147_483_647)], ["varchar"]),  # a (max) type some drivers size
        ([column(str, 4001)], ["nvarchar"]),  # past nvarchar's 4000: not a real size
        ([column(str, 50)], [None]),  # the driver named no type (FreeTDS for CLR types)
        ([column(str, 50)], []),  # no names at all
        ([column(str, 34)], ["datetimeoffset"]),  # an output converter's
        ([column(str, 36)], ["uniqueidentifier"]),
        ([column(str, 892)], ["hierarchyid"]),  # a CLR type's text is not bounded so
        ([column(str, 8016)], ["sql_variant"]),
        ([column(bytes, 50)], ["varbinary"]),  # binary: measured with the bytes read
        ([column(int, 10), column(str, 2_147_483_647)], [None, "ntext"]),
        ([column(dt.date, 10), column(str, 2_147_483_647)], [None, "xml"]),
    ],
)
def test_columns_their_size_does_not_bound_have_no_bound(
    description: list[tuple[Any, ...]], reported: list[str | None]
) -> None:
    assert odbc_types.row_bound(description, reported) is None


def test_fixed_size_columns_count_8_bytes_each() -> None:
    description = [column(int, 10), column(bool, 1), column(float, 53), column(dt.date, 10)]
    assert odbc_types.row_bound(description, [None] * 4) == 32
