"""A string that INSERT (VALUES, or a plain SELECT) or UPDATE puts into a char, varchar,
nchar or nvarchar column it does not fit ends the statement, as SQL Server ends it: Msg
2628 "String or binary data would be truncated in table '...', column '...'. Truncated
value: '...'." (SQL Server 2019 and later and Azure SQL Database, at compatibility
level 150 or higher: "Database Engine events and errors (2000 to 2999)"). Below level
150, and on SQL Server 2016 and 2017, it is Msg 8152 "String or binary data would be
truncated." without the names ("ALTER DATABASE SCOPED CONFIGURATION":
VERBOSE_TRUNCATION_WARNINGS, which is not modelled, has no effect there).
SQLite would store any length. Blanks past the length are dropped without an error
(SET ANSI_PADDING ON, the default, keeps them but does not fail on them).

Each such value is wrapped in TSQL_FIT_STRING(value, length, unicode, table, column,
verbose), verbose 1 for 2628 and 0 for 8152.
A varchar's length is counted in characters (one byte each in the single-byte code
pages; a UTF-8 collation's multi-byte characters are not counted apart), an nvarchar's
in UTF-16 code units.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from ..editions import Edition
from ..results import TdsError
from .catalog import Column, Table
from .stored_values import stored_values

_TEXT_TYPES = {"char": 0, "varchar": 0, "nchar": 1, "nvarchar": 1}
VERBOSE_LEVEL = 150  # the compatibility level from which truncation is 2628


def store_strings(
    tree: exp.Expression,
    table: Table | None,
    insert_columns: tuple[str, ...] | None,
    database: str,
    edition: Edition,
) -> None:
    """Wrap, in place, the values `tree` (an INSERT or UPDATE of `table`) puts into
    character columns of a fixed length in the check of that length."""
    if table is None:
        return
    name = f"{database}.{table.display_name}"
    verbose = int(edition.compatibility_level >= VERBOSE_LEVEL)
    for value, column in list(stored_values(tree, table, insert_columns)):
        _store(value, column, name, verbose)


def _store(value: exp.Expression, column: Column | None, table: str, verbose: int) -> None:
    if column is None or column.type.name not in _TEXT_TYPES:
        return
    length = column.type.length
    if length is None or length < 0 or isinstance(value, (exp.Null, exp.Star, exp.Var)):
        return  # (max), NULL, *, DEFAULT
    call = exp.Anonymous(this="TSQL_FIT_STRING", expressions=[])
    value.replace(call)  # the value moves into the call, for the translator to rewrite
    call.set(
        "expressions",
        [
            value,
            exp.Literal.number(length),
            exp.Literal.number(_TEXT_TYPES[column.type.name]),
            exp.Literal.string(table),
            exp.Literal.string(column.name),
            exp.Literal.number(verbose),
        ],
    )


def _units(text: str, unicode: int) -> int:
    return len(text.encode("utf-16-le")) // 2 if unicode else len(text)


def fit_string(value: Any, length: int, unicode: int, table: str, column: str, verbose: int) -> Any:
    """`value` as the column stores it, or Msg 2628 (8152) where it is longer than `length`."""
    if not isinstance(value, str) or _units(value, unicode) <= length:
        return value
    kept = value.rstrip(" ")
    if _units(kept, unicode) <= length:
        return kept
    if not verbose:
        raise TdsError(8152, "String or binary data would be truncated.")
    cut = value[:length]
    while _units(cut, unicode) > length:  # a supplementary character counts two
        cut = cut[:-1]
    raise TdsError(
        2628,
        f"String or binary data would be truncated in table '{table}', column '{column}'."
        f" Truncated value: '{cut}'.",
    )


STRING_STORE_FUNCTIONS = {"TSQL_FIT_STRING": (6, fit_string, True)}
