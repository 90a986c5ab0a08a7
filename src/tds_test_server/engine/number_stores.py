"""A value that INSERT (VALUES, or a plain SELECT) or UPDATE puts into a decimal,
numeric or integer column is converted to the column's type, as SQL Server converts it:
to a decimal's precision and scale, rounded half away from zero, and Msg 8115
"Arithmetic overflow error converting numeric to data type numeric." (int, varchar, ...
by the value's type) where its whole part has more digits than precision - scale allow;
to an integer type within its range, else Msg 220 "Arithmetic overflow error for data
type tinyint, value = 300." (an int into tinyint or smallint) or 8115; either ends
the statement. SQLite would store any number in the column (a NUMERIC or INTEGER column
has no range), so the error came only when the row was read, or never.

Each such value is wrapped in the conversion the statement makes implicitly:
TSQL_CONVERT(value, type, precision, scale, NULL, source type, 0) for a decimal,
TSQL_ASSIGNED(value, type, 0, 0, source type) for an integer (functions.assigned: 220
for an int); text_numbers' rules apply to a string (8114 where it is no number). An
integer literal within the column's range is left as it is (no call).
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import Column, Table
from .stored_values import literal_type, stored_values
from .text_numbers import INTEGER_RANGES
from .variable_types import declared, variable_name


def store_numbers(
    tree: exp.Expression, table: Table | None, insert_columns: tuple[str, ...] | None
) -> None:
    """Wrap, in place, the values `tree` (an INSERT or UPDATE of `table`) puts into
    decimal, numeric and integer columns in the conversion to the column's type."""
    if table is None:
        return
    for value, column in list(stored_values(tree, table, insert_columns)):
        _store(value, column)


def _store(value: exp.Expression, column: Column | None) -> None:
    if column is None or column.type.name not in ("decimal", "numeric", *INTEGER_RANGES):
        return
    if isinstance(value, (exp.Null, exp.Star, exp.Var)) or _fits(value, column.type.name):
        return  # NULL, *, DEFAULT, or an integer the column holds
    t, source = column.type, _source(value)
    if t.name in INTEGER_RANGES:
        zero = exp.Literal.number(0)
        name, rest = "TSQL_ASSIGNED", [zero, zero.copy(), source]
    else:
        precision, scale = exp.Literal.number(t.precision or 18), exp.Literal.number(t.scale or 0)
        name, rest = "TSQL_CONVERT", [precision, scale, exp.null(), source, exp.Literal.number(0)]
    call = exp.Anonymous(this=name, expressions=[])
    value.replace(call)  # the value moves into the call, for the translator to rewrite
    call.set("expressions", [value, exp.Literal.string(t.name), *rest])


def _fits(value: exp.Expression, type_name: str) -> bool:
    """Whether `value` is an integer literal within integer type `type_name`'s range."""
    if type_name not in INTEGER_RANGES or literal_type(value) != "int":
        return False
    low, high = INTEGER_RANGES[type_name]
    number = value.this if isinstance(value, exp.Neg) else value
    return low <= (-1 if number is not value else 1) * int(number.name) <= high


def _source(value: exp.Expression) -> exp.Expression:
    """The type of the value, which Msg 8115 names: a literal's (an INSERT's 12345.6 is
    numeric, 5 int), a @variable's or parameter's as declared (bound when the statement
    runs: variable_types.py), else '' (the stored value decides)."""
    name = variable_name(value)
    if name is not None:
        return declared(name)
    return exp.Literal.string(literal_type(value))
