"""A character string converted to a number type: the one set of rules CAST, CONVERT,
TRY_CAST, TRY_CONVERT, assignment to a typed variable and comparisons (data type
precedence) share.

Microsoft's "CAST and CONVERT" and "Data type conversion (Database Engine)": a string
converted to an exact number type holds digits, one decimal point and an optional sign
(leading blanks are ignored; no thousands separators); one converted to float or real
may add an exponent (E, or D as SQL Server also reads it); money and smallmoney take a
currency symbol and comma separators. An empty string is 0 for the integer types, bit,
float, real and money, and an error for decimal and numeric.

The errors are SQL Server's own, and they differ by target type:
- tinyint, smallint, int, bit: Msg 245 "Conversion failed when converting the varchar
  value 'x' to data type int."; out of range, Msg 248 (int) or 244 (INT1, INT2);
- bigint: Msg 8114 "Error converting data type varchar to bigint." either way;
- decimal, numeric, float, real: Msg 8114 (decimal and numeric are named "numeric");
  more digits than the precision allows, Msg 8115 "Arithmetic overflow error
  converting varchar to data type numeric.";
- money, smallmoney: Msg 235 / 293 "Cannot convert a char value to money. The char
  value has incorrect syntax."
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal

from ..results import TdsError
from . import errors
from .sql_types import INTEGER_TYPES

NUMBER_TYPES = (*INTEGER_TYPES, "bit", "decimal", "numeric", "float", "real")
MONEY_TYPES = ("money", "smallmoney")

# The numbers a conversion fails on, which TRY_CAST and TRY_CONVERT turn into NULL.
FAILURES = (235, 244, 245, 248, 293, 8114, 8115)

_INTEGER = re.compile(r"[+-]?\d*")  # '' and a lone sign are 0, as in CAST('' AS int)
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?|")  # '' is 0 as a float
# A sign, a currency symbol and a sign again, each optional, with blanks between them.
_MONEY = re.compile(r"([+-]?)\s*[$€£¥]?\s*([+-]?)\s*(\d[\d,]*\.?\d*|\.\d+|)")
INTEGER_RANGES = {
    "tinyint": (0, 255),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
_MONEY_LIMITS = {"money": Decimal("922337203685477.5807"), "smallmoney": Decimal("214748.3647")}
_EXACT = Context(prec=80)  # decimal(38) needs more digits than the default 28


def text_to_number(
    text: str, target: str, source: str = "varchar", precision: int = 0, scale: int = 0
) -> int | float | Decimal:
    """`text` (of the character type `source`) as a value of the number type `target`:
    an int for the integer types and bit, a float for float and real, a Decimal for
    decimal, numeric, money and smallmoney (rounded to `scale`, and checked against
    `precision` when it is given)."""
    bare = text.strip(" ")
    if target in INTEGER_RANGES or target == "bit":
        return _integer(text, bare, target, source)
    if target in ("float", "real"):
        if not _FLOAT.fullmatch(bare):
            raise _not_converted(source, target)
        number = float(bare.replace("d", "e").replace("D", "e")) if bare else 0.0
        if math.isinf(number):  # '1e400': no float holds it
            raise _not_converted(source, target)
        return number
    if target in MONEY_TYPES:
        return _money(bare, target)
    if not _DECIMAL.fullmatch(bare):  # decimal, numeric: '' is no number
        raise _not_converted(source, "numeric")
    exact = Decimal(bare)
    return fit_decimal(exact, precision, scale, source) if precision else exact


def fit_decimal(exact: Decimal, precision: int, scale: int, source: str) -> Decimal:
    """`exact` as a decimal(precision, scale): rounded half up to the scale, Msg 8115
    (state 8) where its whole part needs more than precision - scale digits, which names
    the value's type ("converting numeric to data type numeric" for a decimal)."""
    fitted = exact.quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP, _EXACT)
    if abs(fitted) >= Decimal(10) ** (precision - scale):
        raise TdsError(
            8115, f"Arithmetic overflow error converting {source} to data type numeric.", state=8
        )
    return fitted


def _integer(text: str, bare: str, target: str, source: str) -> int:
    if target == "bit" and bare.lower() in ("true", "false"):
        return int(bare.lower() == "true")
    if not _INTEGER.fullmatch(bare):
        if target == "bigint":
            raise _not_converted(source, target)
        raise errors.conversion_failed(text, source, target)
    number = int(bare) if bare.strip("+-") else 0
    if target == "bit":
        return int(number != 0)
    low, high = INTEGER_RANGES[target]
    if not low <= number <= high:
        raise _overflow(text, source, target)
    return number


def _money(bare: str, target: str) -> Decimal:
    found = _MONEY.fullmatch(bare)
    if found is None or (found.group(1) and found.group(2)):
        # sys.messages: 235 "Cannot convert a char value to money.", 293 "Cannot convert
        # char value to smallmoney." (no article), each "The char value has incorrect syntax."
        raise TdsError(
            235 if target == "money" else 293,
            f"Cannot convert {'a char' if target == 'money' else 'char'} value to {target}."
            " The char value has incorrect syntax.",
            state=0,
        )
    sign, digits = found.group(1) or found.group(2), found.group(3).replace(",", "")
    amount = Decimal(digits) if digits.strip(".") else Decimal(0)
    amount = amount.quantize(Decimal("0.0001"), ROUND_HALF_UP, _EXACT)
    if amount > _MONEY_LIMITS[target]:
        raise TdsError(
            8115, f"Arithmetic overflow error converting expression to data type {target}."
        )
    return -amount if sign == "-" else amount


def _not_converted(source: str, target: str) -> TdsError:
    """Msg 8114 (state 5): a string that is no decimal, float or bigint."""
    return TdsError(8114, f"Error converting data type {source} to {target}.", state=5)


def _overflow(text: str, source: str, target: str) -> TdsError:
    """A string of a whole number out of the integer type's range."""
    if target == "int":
        return TdsError(
            248, f"The conversion of the {source} value '{text}' overflowed an int column."
        )
    if target == "bigint":
        return _not_converted(source, "bigint")
    width = "INT2" if target == "smallint" else "INT1"
    return TdsError(
        244,
        f"The conversion of the {source} value '{text}' overflowed an {width} column."
        " Use a larger integer column.",
    )
