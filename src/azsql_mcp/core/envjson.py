"""Environment variables that must hold JSON: a list- or table-typed setting given as
`AZSQL_MCP_...` is parsed as JSON by pydantic-settings, whose error names only the
top-level field. This finds the variable, so the error can name it and show the form."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

PREFIX = "AZSQL_MCP_"


def non_json_variables(model: type[BaseModel], environ: Mapping[str, str]) -> list[str]:
    """One problem per `AZSQL_MCP_*` variable of a list/table setting that is not JSON.

    The value is never shown: such a variable may hold a token or a client secret
    (`...__STATIC_TOKENS`, `...__AUTH_OPTIONS`). The parser's position says where it broke."""
    problems = []
    for name, value in environ.items():
        if not name.upper().startswith(PREFIX):
            continue
        kind = _kind(model, name[len(PREFIX) :].lower().split("__"))
        if kind is None:
            continue
        try:
            json.loads(value)
        except ValueError as exc:
            problems.append(
                f"{name} is not JSON ({_where(exc)}); this setting takes {_form(name, kind, value)}"
            )
    return problems


def _where(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):  # its msg quotes nothing of the value
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return type(exc).__name__


def _form(name: str, kind: str, value: str) -> str:
    if kind == "table":
        return 'a JSON object, e.g. \'{"key": "value"}\''
    if kind == "objects":
        return 'a JSON list of objects, e.g. \'[{"key": "value"}]\''
    if kind == "list":
        return "a JSON list"
    # A list of names (plugins, scopes, hosts): no secret, so the example is the
    # operator's own names, quoted, as when `a, b` was written for `["a", "b"]`.
    names = [p.strip() for p in value.split(",") if p.strip()]
    if value.lstrip().startswith("[") or not names:  # broken JSON: splitting it makes nonsense
        return 'a JSON list of strings, e.g. \'["first", "second"]\''
    return f"a JSON list, e.g. {name}='{json.dumps(names)}'"


def _kind(model: Any, path: list[str]) -> str | None:
    """ "names" (strings), "objects", "list" or "table" when the setting at `path` is one
    pydantic-settings reads as JSON."""
    annotation: Any = model
    for i, part in enumerate(path):
        fields = getattr(_model(annotation), "model_fields", None)
        if fields is not None and part in fields:
            annotation = fields[part].annotation
        elif typing.get_origin(_unwrap(annotation)) is dict and i > 0:
            annotation = typing.get_args(_unwrap(annotation))[1]  # a key, e.g. a source name
        else:
            return None
    target = _unwrap(annotation)
    if typing.get_origin(target) in (list, set, tuple):
        item = (typing.get_args(target) or (Any,))[0]
        return "names" if item is str else "objects" if _model(item) else "list"
    if typing.get_origin(target) is dict or _model(target) is not None:
        return "table"
    return None


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if args else annotation
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None
