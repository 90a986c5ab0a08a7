"""Comparisons of a number with a string, by data type precedence.

Microsoft's "Data type precedence (Transact-SQL)": when an operator combines expressions
of different types, the one of lower precedence is converted to the higher; every number
type outranks every character type. So `int_column = 'abc'` converts 'abc' to int and
fails (Msg 245, level 16, state 1: "Conversion failed when converting the varchar value
'abc' to data type int."), `varchar_column = 5` converts the column, row by row, and
'17' still compares as the number 17. SQLite instead compares a text with a number as
unequal, so the test server found no rows where SQL Server fails.

Before the tables are renamed for SQLite, each comparison (= <> < <= > >=, IN with a
list, BETWEEN) with an operand of a number type gets its string operands wrapped in
TSQL_COMPARAND(value, number type, source type). A @variable's type is known only when
the statement runs: it is bound as the parameter `<name>__azsql_type`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlglot import exp

from ..results import ColumnType, TdsError
from . import errors
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type
from .result_types import precedence
from .sql_types import INTEGER_TYPES

# A @variable's declared type name is bound under its name with this suffix.
TYPE_SUFFIX = "__azsql_type"

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_STRINGS = ("char", "varchar", "nchar", "nvarchar")
# money and smallmoney are left out: their text forms ('$1,000.00') are not handled here.
_NUMBERS = (*INTEGER_TYPES, "bit", "decimal", "numeric", "float", "real")

_INTEGER = re.compile(r"[+-]?\d*")  # '' and a lone sign are 0, as in CAST('' AS int)
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|")  # '' is 0 as a float
_RANGES = {
    "tinyint": (0, 255),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def rewrite_comparisons(tree: exp.Expression, catalog: Catalog) -> None:
    groups = list(_operand_groups(tree))
    if not groups:
        return
    columns = ColumnSources(tree, catalog)
    # every type before any replacement: ColumnSources knows the columns as they are
    typed = [[(op, _operand_type(op, columns)) for op in group] for group in groups]
    for group in typed:
        number = _number_type([found for _, found in group])
        if number is None:
            continue
        for operand, found in group:
            if _variable(operand) is not None or (found is not None and found.name in _STRINGS):
                _wrap(operand, number.name, found)


def _operand_groups(tree: exp.Expression) -> Iterator[list[exp.Expression]]:
    """The operands each comparison sets against each other (an UPDATE's SET is no
    comparison)."""
    for node in tree.find_all(*_COMPARISONS, exp.In, exp.Between):
        if isinstance(node, exp.In):
            if not node.args.get("query") and not node.args.get("unnest"):
                yield [node.this, *node.expressions]
        elif isinstance(node, exp.Between):
            yield [node.this, node.args["low"], node.args["high"]]
        elif not isinstance(node.parent, exp.Update):
            yield [node.this, node.expression]


def _operand_type(node: exp.Expression, columns: ColumnSources) -> ColumnType | None:
    if _variable(node) is not None:
        return None
    return source_type(node, columns)


def _number_type(types: list[ColumnType | None]) -> ColumnType | None:
    """The number type the comparison converts to: the highest-precedence one, if every
    operand whose type is known is a number or a string."""
    known = [t for t in types if t is not None]
    if any(t.name not in _NUMBERS + _STRINGS for t in known):
        return None
    numbers = [t for t in known if t.name in _NUMBERS]
    if not numbers:
        return None
    win = numbers[0]
    for t in numbers[1:]:
        win = precedence(win, t)
    return win


def _variable(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Parameter) and isinstance(node.this, (exp.Var, exp.Identifier)):
        return node.this.name.lower()
    return None


def _wrap(operand: exp.Expression, target: str, found: ColumnType | None) -> None:
    name = _variable(operand)
    source: exp.Expression = (
        exp.Parameter(this=exp.Var(this=name + TYPE_SUFFIX))
        if name is not None
        else exp.Literal.string(found.name if found is not None else "")
    )
    call = exp.Anonymous(this="TSQL_COMPARAND", expressions=[])
    operand.replace(call)  # the operand itself moves into the call: other groups hold it
    call.set("expressions", [operand, exp.Literal.string(target), source])


def comparand(value: Any, target: str, source: str | None) -> Any:
    """`value` as the number type `target` where it is a string (by its declared type
    `source`; by its value where no type is known), else unchanged."""
    if value is None:
        return None
    if source in _STRINGS or (not source and isinstance(value, str)):
        return _number(str(value), target, source or "varchar")
    return value


def _number(text: str, target: str, source: str) -> Any:
    bare = text.strip(" ")
    if target in INTEGER_TYPES or target == "bit":
        if target == "bit" and bare.lower() in ("true", "false"):
            return int(bare.lower() == "true")
        if not _INTEGER.fullmatch(bare):
            raise errors.conversion_failed(text, source, target)
        number = int(bare) if bare.strip("+-") else 0
        if target == "bit":
            return int(number != 0)
        low, high = _RANGES[target]
        if not low <= number <= high:
            raise _overflow(text, source, target)
        return number
    if target in ("float", "real"):
        if not _FLOAT.fullmatch(bare):
            raise _not_converted(source, target)
        return float(bare) if bare else 0.0
    if not _DECIMAL.fullmatch(bare):  # decimal, numeric: '' is no number
        raise _not_converted(source, "numeric")
    exact = Decimal(bare)
    return int(exact) if exact == exact.to_integral_value() else float(exact)


def _not_converted(source: str, target: str) -> TdsError:
    """Msg 8114 (state 5), as SQL Server reports a string that is no decimal or float."""
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


COMPARISON_FUNCTIONS = {"TSQL_COMPARAND": (3, comparand, True)}
