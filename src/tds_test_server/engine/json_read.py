"""JSON_VALUE(expression, path) and JSON_QUERY(expression [, path]) ("JSON_VALUE
(Transact-SQL)", "JSON_QUERY (Transact-SQL)", "JSON Path Expressions (SQL Server)").

JSON_VALUE gives the scalar at the path as text (nvarchar(4000)): a string's characters,
a number's JSON text as written (1.50 stays '1.50': the page says only "a single text
value"), true or false; JSON null is NULL. Compared with a number (`JSON_VALUE(j,
'$.id') = 5`) or in arithmetic, the text converts to the number's type by data type
precedence, as any nvarchar does (comparisons.py): '5' = 5 holds, 'abc' = 5 fails with
Msg 245. JSON_QUERY gives the object or array at the path (nvarchar(max)), written
without the input's whitespace as JSON_MODIFY writes. In lax mode (the default) a
missing property, the wrong kind of value (an object for JSON_VALUE, a scalar for
JSON_QUERY) and a string over 4000 characters give NULL; strict mode raises an error for
each. Text that is not JSON is an error in both modes (Msg 13609), as is an invalid path
(Msg 13607); json_paths.py has them and 13608 for the missing property. The pages do not
give the numbers of the other strict errors; as published outside Microsoft's pages they
are 13623 (JSON_VALUE finds an object or array), 13624 (JSON_QUERY finds a scalar) and
13625 (a string over 4000 characters). `append` belongs to JSON_MODIFY: here it is an
invalid path (13607).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from ..results import ColumnType
from ..sqlerror import TdsError
from .json_paths import (
    MISSING,
    bad_path,
    child,
    not_found,
    parse_json,
    parse_path,
    render,
)

_VALUE_CHARS = 4000  # JSON_VALUE's nvarchar(4000)


def _at_path(text: Any, path: Any) -> tuple[bool, Any]:
    """(strict, the value at `path` in `text` or MISSING)."""
    append, strict, steps = parse_path(str(path))
    if append:
        raise bad_path(str(path), 0)
    node = parse_json(text)
    for step in steps:
        node = child(node, step)
        if node is MISSING:
            if strict:
                raise not_found()
            break
    return strict, node


def json_value(text: Any, path: Any) -> str | None:
    if text is None or path is None:
        return None
    strict, node = _at_path(text, path)
    if isinstance(node, (dict, list)):
        if strict:
            raise TdsError(13623, "Scalar value cannot be found in the specified JSON path.")
        return None
    if node is MISSING or node is None:
        return None
    value = node if isinstance(node, str) else render(node)
    if len(value) > _VALUE_CHARS:
        if strict:
            raise TdsError(13625, "String value in the specified JSON path would be truncated.")
        return None
    return value


def json_query(text: Any, path: Any) -> str | None:
    if text is None or path is None:
        return None
    strict, node = _at_path(text, path)
    if isinstance(node, (dict, list)):
        return render(node)
    if strict:
        raise TdsError(13624, "Object or array cannot be found in the specified JSON path.")
    return None


def _read_name(node: exp.Expr) -> str | None:
    """'JSON_VALUE' or 'JSON_QUERY' for their calls (parsed as JSONExtractScalar and
    JSONExtract), else None."""
    if isinstance(node, exp.JSONExtractScalar) and node.args.get("scalar_only"):
        return "JSON_VALUE"
    if isinstance(node, exp.JSONExtract) and node.args.get("json_query"):
        return "JSON_QUERY"
    return None


def json_read_type(node: exp.Expr) -> ColumnType | None:
    """nvarchar(4000) for JSON_VALUE, nvarchar(max) for JSON_QUERY, else None."""
    name = _read_name(node)
    if name is None:
        return None
    return ColumnType("nvarchar", _VALUE_CHARS if name == "JSON_VALUE" else -1)


def rewrite_json_read(node: exp.Expr) -> exp.Expression | None:
    """JSON_VALUE and JSON_QUERY as the calls above; a literal path is written back as
    text (the parser splits it)."""
    name = _read_name(node)
    if name is None:
        return None
    path = node.expression
    if isinstance(path, exp.JSONPath):
        path = exp.Literal.string(path.sql("tsql")[1:-1].replace("''", "'"))
    return exp.Anonymous(this=name, expressions=[node.this, path])


JSON_READ_FUNCTIONS = {
    "JSON_VALUE": (2, json_value, True),
    "JSON_QUERY": (2, json_query, True),
}
