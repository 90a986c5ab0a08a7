"""text_to_number, the one conversion of a string to a number type (CAST, CONVERT, typed
variables, comparisons): the rules of Microsoft's "Data type conversion (Database
Engine)" that the wire tests do not reach."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tds_test_server.engine.text_numbers import text_to_number
from tds_test_server.results import TdsError


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        (".5", "decimal", Decimal("0.5")),
        ("  -12.50", "numeric", Decimal("-12.50")),
        ("+7", "int", 7),
        ("true", "bit", 1),
        ("-2", "bit", 1),
        ("1.5E2", "real", 150.0),
        ("€ 1,000.00", "money", Decimal("1000.0000")),
        ("-$5", "money", Decimal("-5.0000")),
        ("", "smallmoney", Decimal("0.0000")),
        ("12.34567", "money", Decimal("12.3457")),
    ],
)
def test_strings_that_convert(text: str, target: str, expected: object) -> None:
    assert text_to_number(text, target) == expected


@pytest.mark.parametrize(
    ("text", "target", "number", "message"),
    [
        (".", "numeric", 8114, "Error converting data type varchar to numeric."),
        ("1e3", "decimal", 8114, "Error converting data type varchar to numeric."),
        ("12,5", "int", 245, "the varchar value '12,5' to data type int."),
        ("70000", "smallint", 244, "overflowed an INT2 column. Use a larger integer column."),
        ("abc", "smallmoney", 293, "Cannot convert char value to smallmoney."),
        ("1.234,56", "money", 235, "Cannot convert a char value to money."),
        ("99999999999999999999", "bigint", 8114, "varchar to bigint."),
    ],
)
def test_strings_that_do_not(text: str, target: str, number: int, message: str) -> None:
    with pytest.raises(TdsError) as info:
        text_to_number(text, target)
    assert info.value.number == number
    assert message in str(info.value)


def test_a_decimal_is_rounded_to_its_scale_and_held_to_its_precision() -> None:
    assert text_to_number("12.345", "decimal", "nvarchar", 5, 2) == Decimal("12.35")
    with pytest.raises(TdsError) as info:
        text_to_number("999.995", "decimal", "nvarchar", 5, 2)  # rounds to 1000.00
    assert (info.value.number, str(info.value)) == (
        8115,
        "Arithmetic overflow error converting nvarchar to data type numeric.",
    )
