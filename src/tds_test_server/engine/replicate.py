"""REPLICATE by its input's type. Microsoft's "REPLICATE (Transact-SQL)": the result has
the input's type, and "if string_expression input is not of type varchar(max) or
nvarchar(max), REPLICATE truncates the return value at 8,000 bytes" (8,000 varchar
characters in the default single-byte code page, 4,000 nvarchar UTF-16 code units).
A max input is not cut: REPLICATE(CAST(N'a' AS nvarchar(max)), 30000) is 30,000
characters of nvarchar(max).

REPLICATE(x, n) becomes TSQL_REPLICATE(x, n, limit): the limit in characters where x's
type is plain to see, else none (0).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from ..results import ColumnType
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type
from .functions import replicate
from .result_types import replicate_type


def rewrite_replicates(tree: exp.Expression, catalog: Catalog) -> None:
    calls = list(tree.find_all(exp.Repeat))
    if not calls:
        return
    columns = ColumnSources(tree, catalog)
    limits = [(call, _limit(source_type(call.this, columns))) for call in calls]
    for call, limit in limits:
        call.replace(
            exp.Anonymous(
                this="TSQL_REPLICATE",
                expressions=[call.this, call.args["times"], exp.Literal.number(limit)],
            )
        )


def _limit(argument: ColumnType | None) -> int:
    """The UTF-16 code units the result is cut at: 0 (none) for a max or unknown input."""
    if argument is None or argument.length == -1:
        return 0
    return replicate_type(argument).length or 0


def tsql_replicate(text: Any, count: Any, limit: int) -> str | None:
    if limit and count is not None and int(count) > limit:
        count = limit  # each copy is a character or more: the rest would be cut
    value = replicate(text, count)
    if value is None or not limit or len(value) <= limit // 2:
        return value
    units = value.encode("utf-16-le")[: 2 * limit]
    return units.decode("utf-16-le", errors="ignore")  # a split surrogate pair is dropped


REPLICATE_FUNCTIONS = {"TSQL_REPLICATE": (3, tsql_replicate, True)}
