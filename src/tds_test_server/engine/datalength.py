"""DATALENGTH by the expression's type: SQLite keeps one text type, so the bytes a
string takes depend on the T-SQL type the statement gives it. varchar and char take
one byte a character (the default collation, SQL_Latin1_General_CP1_CI_AS, has a
single-byte code page), nvarchar and nchar two a UTF-16 code unit; char(n) and nchar(n)
are padded to n characters (text and ntext are left to the untyped count). Where the
type is plain to see (a column, a literal: 'abc' is varchar and N'abc' nvarchar, a CAST
or CONVERT, a @variable's declared type) DATALENGTH(x) becomes TSQL_DATALENGTH(x, type,
length); elsewhere it stays
functions.py's DATALENGTH, which counts a string as nvarchar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type
from .functions import datalength
from .variable_types import declared, variable_name

_SINGLE_BYTE = ("varchar", "char")
_DOUBLE_BYTE = ("nvarchar", "nchar")


def rewrite_datalengths(tree: exp.Expression, catalog: Catalog) -> None:
    """Give each DATALENGTH of a character expression its type (before the tables are
    renamed for SQLite and before CONVERT is rewritten, while both are plain to see)."""
    calls = [
        n
        for n in tree.find_all(exp.Anonymous)
        if n.name.upper() == "DATALENGTH" and len(n.expressions) == 1
    ]
    if not calls:
        return
    columns = ColumnSources(tree, catalog)
    typed = [(call, source_type(call.expressions[0], columns)) for call in calls]
    for call, found in typed:
        variable = variable_name(call.expressions[0])
        if found is None and variable is not None:  # its declared type, bound at run time
            call.replace(
                exp.Anonymous(
                    this="TSQL_DATALENGTH",
                    expressions=[call.expressions[0], declared(variable), exp.Literal.number(0)],
                )
            )
            continue
        if found is None or found.name not in _SINGLE_BYTE + _DOUBLE_BYTE:
            continue
        length = found.length or 0
        if _converted_without_length(call.expressions[0]):
            length = CONVERSION_LENGTH  # not the 1 of a column declared `char`
        call.replace(
            exp.Anonymous(
                this="TSQL_DATALENGTH",
                expressions=[
                    call.expressions[0],
                    exp.Literal.string(found.name),
                    exp.Literal.number(length),
                ],
            )
        )


# CAST and CONVERT to char, varchar, nchar or nvarchar without a length give 30.
CONVERSION_LENGTH = 30


def _converted_without_length(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, (exp.Cast, exp.TryCast)):
        to = node.to
    elif isinstance(node, exp.Convert):
        to = node.this
    else:
        return False
    return isinstance(to, exp.DataType) and not to.expressions


def typed_datalength(value: Any, type_name: str | None, length: int) -> int | None:
    """The bytes `value` takes as a value of `type_name` (of `length` characters: 0 or
    -1 when it has none or is max); a variable's type name is None when undeclared."""
    if not isinstance(value, str) or type_name is None:
        return datalength(value)
    if type_name in _SINGLE_BYTE:
        count = len(value)
        width = 1
    else:
        count = len(value.encode("utf-16-le")) // 2
        width = 2
    if type_name in ("char", "nchar") and length > 0:
        count = max(count, length)
    return count * width


DATALENGTH_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    "TSQL_DATALENGTH": (3, typed_datalength, True),
}
