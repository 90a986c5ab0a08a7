"""Result types of ISNULL and COALESCE, which sqlglot reads as one Coalesce node.

"ISNULL (Transact-SQL)": the result has check_expression's type (the replacement is
converted to it), or the replacement's where check_expression is a literal NULL.
"COALESCE (Transact-SQL)": the type of highest precedence among the arguments, as CASE.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..results import ColumnType
from .result_types import result_of_branches


def null_function_type(
    node: exp.Expr, type_of: Callable[[exp.Expr], ColumnType | None]
) -> ColumnType | None:
    if not isinstance(node, exp.Coalesce):
        return None
    arguments = [node.this, *node.expressions]
    if node.args.get("is_null"):  # ISNULL(check, replacement)
        check = arguments[0]
        return type_of(arguments[-1] if isinstance(check, exp.Null) else check)
    return result_of_branches([type_of(a) for a in arguments if not isinstance(a, exp.Null)])
