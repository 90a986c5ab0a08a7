"""A value that INSERT (VALUES, or a plain SELECT) or UPDATE puts into a decimal or
numeric column is converted to the column's precision and scale, as SQL Server converts
it: rounded half away from zero to the scale, and Msg 8115 "Arithmetic overflow error
converting numeric to data type numeric." (int, varchar, ... by the value's type) where
its whole part has more digits than precision - scale allow, which ends the statement.
SQLite would store any number in the column (a NUMERIC column has no precision), so the
error came only when the row was read.

Each such value is wrapped in TSQL_CONVERT(value, 'decimal', precision, scale, NULL,
source type, 0), the CAST the statement makes implicitly; text_numbers' rules apply to a
string (8114 where it is no number).
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import Column, Table
from .stored_values import literal_type, stored_values
from .variable_types import declared, variable_name


def store_decimals(
    tree: exp.Expression, table: Table | None, insert_columns: tuple[str, ...] | None
) -> None:
    """Wrap, in place, the values `tree` (an INSERT or UPDATE of `table`) puts into
    decimal and numeric columns in the conversion to the column's type."""
    if table is None:
        return
    for value, column in list(stored_values(tree, table, insert_columns)):
        _store(value, column)


def _store(value: exp.Expression, column: Column | None) -> None:
    if column is None or column.type.name not in ("decimal", "numeric"):
        return
    if isinstance(value, (exp.Null, exp.Star, exp.Var)):  # NULL, *, DEFAULT
        return
    t = column.type
    call = exp.Anonymous(this="TSQL_CONVERT", expressions=[])
    value.replace(call)  # the value moves into the call, for the translator to rewrite
    call.set(
        "expressions",
        [
            value,
            exp.Literal.string(t.name),
            exp.Literal.number(t.precision or 18),
            exp.Literal.number(t.scale or 0),
            exp.null(),
            _source(value),
            exp.Literal.number(0),
        ],
    )


def _source(value: exp.Expression) -> exp.Expression:
    """The type of the value, which Msg 8115 names: a literal's (an INSERT's 12345.6 is
    numeric, 5 int), a @variable's or parameter's as declared (bound when the statement
    runs: variable_types.py), else '' (the stored value decides)."""
    name = variable_name(value)
    if name is not None:
        return declared(name)
    return exp.Literal.string(literal_type(value))
