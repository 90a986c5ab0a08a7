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
Msg 13609, their texts as published outside Microsoft's pages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlglot import exp

from ..sqlerror import TdsError
from . import errors
from .for_json import json_string

_STEP = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([^.\["\s]+))|\[(\d+)\]')
_MODES = re.compile(r"\s*(append\s+)?(?:(lax|strict)\s*)?(?=\$)", re.IGNORECASE)


class _Number(str):
    """A JSON number's text, written back as it was read."""


def _not_found() -> TdsError:
    return TdsError(13608, "Property cannot be found on the specified JSON path.")


def _bad_path(path: str, at: int) -> TdsError:
    found = path[at] if at < len(path) else ""
    return TdsError(
        13607,
        "JSON path is not properly formatted. Unexpected character"
        f" '{found}' is found at position {at}.",
    )


def _parse_path(path: str) -> tuple[bool, bool, list[str | int]]:
    """(append, strict, steps) of a path, or Msg 13607."""
    modes = _MODES.match(path)
    if modes is None:
        raise _bad_path(path, len(path) - len(path.lstrip()))
    at = modes.end() + 1  # past the $
    steps: list[str | int] = []
    while at < len(path):
        step = _STEP.match(path, at)
        if step is None:
            raise _bad_path(path, at)
        quoted, name, index = step.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(json.loads(f'"{quoted}"') if quoted is not None else name)
        at = step.end()
    strict = (modes.group(2) or "").lower() == "strict"
    return bool(modes.group(1)), strict, steps


def _render(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_string(k)}:{_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_render(v) for v in value) + "]"
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, str):
        return json_string(value)
    return json.dumps(value)  # true, false, null


def _new_value(value: Any, is_json: int) -> Any:
    if value is None:
        return None
    if isinstance(value, bytes):
        raise errors.unsupported("JSON_MODIFY of a binary value; CONVERT it to nvarchar first")
    if isinstance(value, str):
        return json.loads(value, parse_float=_Number, parse_int=_Number) if is_json else value
    return _Number(repr(value) if isinstance(value, float) else str(value))


def json_modify(text: Any, path: Any, value: Any, is_json: int = 0) -> str | None:
    if text is None or path is None:
        return None
    append, strict, steps = _parse_path(str(path))
    if not steps:
        raise errors.unsupported("JSON_MODIFY of the root '$'; name a property: '$.key'")
    try:
        document = json.loads(str(text), parse_float=_Number, parse_int=_Number)
    except json.JSONDecodeError as exc:
        found = exc.doc[exc.pos] if exc.pos < len(exc.doc) else ""
        raise TdsError(
            13609,
            "JSON text is not properly formatted. Unexpected character"
            f" '{found}' is found at position {exc.pos}.",
        ) from None
    new = _new_value(value, is_json)
    parent: Any = document
    for step in steps[:-1]:
        parent = _child(parent, step)
        if parent is _MISSING:
            if strict:
                raise _not_found()
            return str(text)
    if _modify(parent, steps[-1], new, value is None, append, strict):
        return _render(document)
    return str(text)


_MISSING = object()


def _child(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and step < len(node) else _MISSING
    return node[step] if isinstance(node, dict) and step in node else _MISSING


def _modify(parent: Any, step: str | int, new: Any, null: bool, append: bool, strict: bool) -> bool:
    """Change `parent` at `step`; False where lax mode leaves the text as it was."""
    current = _child(parent, step)
    if append:
        if isinstance(current, list):
            current.append(new)
            return True
        if current is _MISSING and isinstance(parent, dict) and not strict:
            parent[step] = [new]
            return True
    elif current is not _MISSING:
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
        raise _not_found()
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
