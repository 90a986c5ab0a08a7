"""What INSERT (VALUES, or a plain SELECT) or UPDATE puts into a date or time column (a
string literal, a parameter or variable, any other expression), and the column's
DEFAULT, is stored as the text of the column's type, as CAST makes it
('2008-06-01 00:00:00.000' for datetime from '06/01/2008', from a datetime2 parameter or
from CONCAT('2008-', '06-01')): comparisons.py brings a string compared with the column
to that text too, so they compare as SQL Server compares the dates. A string that is no
date of the type fails as it does in SQL Server (Msg 241, or 242 out of the type's
range): a literal when the statement is translated, anything else when it runs
(TSQL_IMPLICIT_CONVERT). A number is a count of days for datetime and smalldatetime and
clashes with the newer types (Msg 206), as date_numbers.py describes.
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import Column, Table
from .convert import tsql_convert
from .sql_types import DATE_TYPES
from .stored_values import literal_type, stored_values


def store_date_literals(
    tree: exp.Expression, table: Table | None, insert_columns: tuple[str, ...] | None
) -> None:
    """Rewrite, in place, what `tree` (an INSERT or UPDATE of `table`) puts into date
    and time columns."""
    if table is None:
        return
    for value, column in list(stored_values(tree, table, insert_columns)):
        _store(value, column)


def stored_default(sql: str, column: Column) -> str:
    """A column's DEFAULT (as SQLite SQL) that stores, for a date or time column, the text
    of the column's type (DEFAULT '2020-01-01' or GETDATE() on a datetime2 column)."""
    t = column.type
    if t.name not in DATE_TYPES:
        return sql
    return f"TSQL_CONVERT(({sql}), '{t.name}', 0, {t.scale or 0}, NULL, '', 0)"


def _store(value: exp.Expression, column: Column | None) -> None:
    if column is None or column.type.name not in DATE_TYPES:
        return
    if isinstance(value, (exp.Null, exp.Star)):
        return
    t = column.type
    source = literal_type(value)
    if source:  # a literal string or number, converted now
        text = value.name if source in ("varchar", "nvarchar") else value.sql()
        stored = tsql_convert(text, t.name, 0, t.scale or 0, None, source, 0, implicit=True)
        value.replace(exp.Literal.string(stored))
        return
    # Any other expression (a parameter, a variable, CONCAT, CASE, another column) is
    # converted by its value when the statement runs, as SQL Server converts it to the
    # column's type: a string read as a date (Msg 241 where it is none), a date or time
    # of another type brought to this one, a number as date_numbers.py converts it.
    call = exp.Anonymous(this="TSQL_IMPLICIT_CONVERT", expressions=[])
    value.replace(call)  # the expression moves into the call (a parameter stays bindable)
    scale, no_style = exp.Literal.number(t.scale or 0), exp.null()
    zero, no_source = exp.Literal.number(0), exp.Literal.string("")
    name = exp.Literal.string(t.name)
    call.set("expressions", [value, name, zero, scale, no_style, no_source, zero.copy()])
