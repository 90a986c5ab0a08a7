"""&, | and ^ with a binary or varbinary operand ("& (Bitwise AND)", "| (Bitwise OR)",
"^ (Bitwise Exclusive OR)"): one operand may be binary or varbinary, read as a binary
number, so `SUBSTRING(COLUMNS_UPDATED(), 2, 1) & 3` tests two bits of the second byte.
SQLite reads a blob operand of & as 0: the rewrite hands such an operand, where its type
can be told from the tree (a 0x literal, SUBSTRING of one, CAST AS varbinary), to
BINARY_OPERAND.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from .expression_types import expression_type

_BITWISE = (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor)
_BINARY = ("binary", "varbinary")
_CALL = "BINARY_OPERAND"


def rewrite_binary_operands(tree: exp.Expression) -> None:
    """Each binary operand of &, | or ^ as BINARY_OPERAND(operand)."""
    for node in list(tree.find_all(*_BITWISE)):
        for side in ("this", "expression"):
            operand = node.args.get(side)
            typed = expression_type(operand) if operand is not None else None
            if operand is not None and typed is not None and typed.name in _BINARY:
                call = exp.Anonymous(this=_CALL, expressions=[operand.copy()])
                node.set(side, call)


def binary_operand(value: Any) -> Any:
    """A binary operand as the int it stands for: its rightmost four bytes, big-endian,
    signed. Which bytes a longer value keeps is unverified (the pages are silent): the
    rightmost, as a conversion to binary cuts and pads on the left ("binary and
    varbinary")."""
    if not isinstance(value, bytes):
        return value
    return int.from_bytes(value[-4:], "big", signed=len(value) >= 4)


BITWISE_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {_CALL: (1, binary_operand, True)}
