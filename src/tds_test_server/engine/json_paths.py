"""What JSON_VALUE, JSON_QUERY and JSON_MODIFY share ("JSON Path Expressions (SQL
Server)"): the path `[append] [lax | strict] $` with steps `.key`, `."quoted key"` and
`[n]`, the JSON text read with its number texts kept, written back without its
whitespace, and the errors: an invalid path is Msg 13607, a property a strict path does
not find Msg 13608, text that is not JSON Msg 13609. The pages say that these are
errors, not their numbers or texts; those here are as published outside Microsoft's
pages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..sqlerror import TdsError
from .for_json import json_string

_STEP = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([^.\["\s]+))|\[(\d+)\]')
_MODES = re.compile(r"\s*(append\s+)?(?:(lax|strict)\s*)?(?=\$)", re.IGNORECASE)

# A step's value where the JSON has none.
MISSING = object()


class JsonNumber(str):
    """A JSON number's text, written back as it was read."""


def not_found() -> TdsError:
    return TdsError(13608, "Property cannot be found on the specified JSON path.")


def bad_path(path: str, at: int) -> TdsError:
    found = path[at] if at < len(path) else ""
    return TdsError(
        13607,
        "JSON path is not properly formatted. Unexpected character"
        f" '{found}' is found at position {at}.",
    )


def parse_path(path: str) -> tuple[bool, bool, list[str | int]]:
    """(append, strict, steps) of a path, or Msg 13607."""
    modes = _MODES.match(path)
    if modes is None:
        raise bad_path(path, len(path) - len(path.lstrip()))
    at = modes.end() + 1  # past the $
    steps: list[str | int] = []
    while at < len(path):
        step = _STEP.match(path, at)
        if step is None:
            raise bad_path(path, at)
        quoted, name, index = step.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(json.loads(f'"{quoted}"') if quoted is not None else name)
        at = step.end()
    strict = (modes.group(2) or "").lower() == "strict"
    return bool(modes.group(1)), strict, steps


def parse_json(text: Any) -> Any:
    """The JSON document of `text` (numbers kept as their texts), or Msg 13609."""
    try:
        return json.loads(str(text), parse_float=JsonNumber, parse_int=JsonNumber)
    except json.JSONDecodeError as exc:
        found = exc.doc[exc.pos] if exc.pos < len(exc.doc) else ""
        raise TdsError(
            13609,
            "JSON text is not properly formatted. Unexpected character"
            f" '{found}' is found at position {exc.pos}.",
        ) from None


def render(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_string(k)}:{render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(v) for v in value) + "]"
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, str):
        return json_string(value)
    return json.dumps(value)  # true, false, null


def child(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and step < len(node) else MISSING
    return node[step] if isinstance(node, dict) and step in node else MISSING
