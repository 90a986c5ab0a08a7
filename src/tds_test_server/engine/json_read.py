"""JSON_VALUE(expression, path) and JSON_QUERY(expression [, path]) ("JSON_VALUE
(Transact-SQL)", "JSON_QUERY (Transact-SQL)", "JSON Path Expressions (SQL Server)").

JSON_VALUE gives the scalar at the path as text (nvarchar(4000)): a string's
characters, true or false; JSON null is NULL. A number stays a number here (SQL Server
gives its text): SQLite has no implicit conversion, so `JSON_VALUE(j, '$.id') = 5`,
true in SQL Server, would be false with text. JSON_QUERY gives the
object or array at the path (nvarchar(max)), written without the input's whitespace as
JSON_MODIFY writes. In lax mode (the default) a missing property, the wrong kind of value
(an object for JSON_VALUE, a scalar for JSON_QUERY) and a string over 4000 characters
give NULL; strict mode raises an error for each. Text that is not JSON is an error in
both modes (Msg 13609), as is an invalid path (Msg 13607); json_paths.py has them and
13608 for the missing property. The pages do not give the numbers of the other strict
errors; as published outside Microsoft's pages they are 13623 (JSON_VALUE finds an
object or array), 13624 (JSON_QUERY finds a scalar) and 13625 (a string over 4000
characters). `append` belongs to JSON_MODIFY: here it is an invalid path (13607).
"""

from __future__ import annotations

import json
from typing import Any

from sqlglot import exp

from ..sqlerror import TdsError
from .json_paths import (
    MISSING,
    JsonNumber,
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


def json_value(text: Any, path: Any) -> str | int | float | None:
    if text is None or path is None:
        return None
    strict, node = _at_path(text, path)
    if isinstance(node, (dict, list)):
        if strict:
            raise TdsError(13623, "Scalar value cannot be found in the specified JSON path.")
        return None
    if node is MISSING or node is None:
        return None
    if isinstance(node, JsonNumber):
        return json.loads(node)  # a number, as SQLite's own extraction gave (see above)
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


def rewrite_json_read(node: exp.Expr) -> exp.Expression | None:
    """JSON_VALUE and JSON_QUERY (parsed as JSONExtractScalar and JSONExtract) as the
    calls above; a literal path is written back as text (the parser splits it)."""
    if isinstance(node, exp.JSONExtractScalar) and node.args.get("scalar_only"):
        name = "JSON_VALUE"
    elif isinstance(node, exp.JSONExtract) and node.args.get("json_query"):
        name = "JSON_QUERY"
    else:
        return None
    path = node.expression
    if isinstance(path, exp.JSONPath):
        path = exp.Literal.string(path.sql("tsql")[1:-1].replace("''", "'"))
    return exp.Anonymous(this=name, expressions=[node.this, path])


JSON_READ_FUNCTIONS = {
    "JSON_VALUE": (2, json_value, True),
    "JSON_QUERY": (2, json_query, True),
}
