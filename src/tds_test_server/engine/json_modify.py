"""JSON_MODIFY(expression, path, newValue) ("JSON_MODIFY (Transact-SQL)", "JSON Path
Expressions (SQL Server)"): the JSON text with the property at `path` updated, inserted
or deleted, as nvarchar(max).

The path is `[append] [lax | strict] $` and steps `.key`, `."quoted key"` and `[n]`.
Lax (the default) inserts a missing key whose parent exists, deletes the key when
newValue is NULL, and returns the text unchanged where it cannot insert (a missing
parent, an index past the end, a key of an array); strict updates only what exists (a
NULL newValue writes JSON null) and is Msg 13608 "Property cannot be found on the
specified JSON path." otherwise. `append` adds newValue to the array at the path (lax
makes the array where the key is missing). A string newValue is escaped as FOR JSON
escapes; the result of JSON_QUERY or of another JSON_MODIFY goes in as JSON; numbers
are written as numbers.

Not documented, chosen here: a NULL expression or path gives NULL; NULL at an array
index writes JSON null in both modes (nothing to delete by key); `append` of NULL adds
JSON null; a path to the root `$` alone is 40517. A bit is written as the number 0 or
1 (SQLite keeps no declared type; SQL Server may write true or false). The result is
written without the input's whitespace (spacing and number texts of the rest are kept
as they were, key order too). An invalid path is Msg 13607 and text that is not JSON
Msg 13609 (json_paths.py).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from . import errors
from .json_paths import MISSING, JsonNumber, child, not_found, parse_json, parse_path, render


def _new_value(value: Any, is_json: int) -> Any:
    if value is None:
        return None
    if isinstance(value, bytes):
        raise errors.unsupported("JSON_MODIFY of a binary value; CONVERT it to nvarchar first")
    if isinstance(value, str):
        return parse_json(value) if is_json else value
    return JsonNumber(repr(value) if isinstance(value, float) else str(value))


def json_modify(text: Any, path: Any, value: Any, is_json: int = 0) -> str | None:
    if text is None or path is None:
        return None
    append, strict, steps = parse_path(str(path))
    if not steps:
        raise errors.unsupported("JSON_MODIFY of the root '$'; name a property: '$.key'")
    document = parse_json(text)
    new = _new_value(value, is_json)
    parent: Any = document
    for step in steps[:-1]:
        parent = child(parent, step)
        if parent is MISSING:
            if strict:
                raise not_found()
            return str(text)
    if _modify(parent, steps[-1], new, value is None, append, strict):
        return render(document)
    return str(text)


def _modify(parent: Any, step: str | int, new: Any, null: bool, append: bool, strict: bool) -> bool:
    """Change `parent` at `step`; False where lax mode leaves the text as it was."""
    current = child(parent, step)
    if append:
        if isinstance(current, list):
            current.append(new)
            return True
        if current is MISSING and isinstance(parent, dict) and not strict:
            parent[step] = [new]
            return True
    elif current is not MISSING:
        if null and not strict and isinstance(parent, dict):
            del parent[step]
        else:
            parent[step] = new
        return True
    elif isinstance(parent, dict) and isinstance(step, str) and not strict:
        if not null:
            parent[step] = new
        return not null
    if strict:
        raise not_found()
    return False


def rewrite_json_modify(node: exp.Expr) -> exp.Expression | None:
    """JSON_MODIFY(expression, path, newValue, is_json): is_json 1 where newValue is
    JSON_QUERY's or JSON_MODIFY's result, which goes in unescaped."""
    if not (
        isinstance(node, exp.Anonymous)
        and node.name.upper() == "JSON_MODIFY"
        and len(node.expressions) == 3
    ):
        return None
    value = node.expressions[2]
    is_json = (isinstance(value, exp.JSONExtract) and bool(value.args.get("json_query"))) or (
        isinstance(value, exp.Anonymous) and value.name.upper() == "JSON_MODIFY"
    )
    flag = exp.Literal.number(1 if is_json else 0)
    return exp.Anonymous(this="JSON_MODIFY", expressions=[*node.expressions, flag])


JSON_MODIFY_FUNCTIONS = {"JSON_MODIFY": (-1, json_modify, True)}
