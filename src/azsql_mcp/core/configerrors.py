"""Describing the schema's refusals to the operator: one line per problem with the key,
the variable that set it, the value given (never a secret's) and what to write instead."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from azsql_mcp.core.configsources import SEED_SERVER_ENV, SEED_SOURCE_ENV, SEED_SOURCE_NAME
from azsql_mcp.core.redaction import SECRET_HOLDERS
from azsql_mcp.core.settings import Settings


def describe_errors(
    exc: ValidationError,
    root: type[BaseModel] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    hide_values: bool = False,
) -> list[str]:
    """One line per problem: key (and the variable it came from, when `environ` set it),
    the value given (secrets hidden), what is allowed.

    `root` is the model `exc` comes from when it is not Settings (a plugin's section);
    `hide_values` never quotes a value (a plugin's section may hold its secrets)."""
    return [describe_error(err, root, environ, hide_values=hide_values) for err in exc.errors()]


def describe_error(
    err: ErrorDetails,
    root: type[BaseModel] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    hide_values: bool = False,
) -> str:
    """One problem of `describe_errors`."""
    loc = [str(p) for p in key_path(err["loc"])]
    key = ".".join(loc)
    variable = _variable_of(loc, environ or {})
    if variable:
        key += f" (from {variable})"
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown setting{_meant_key(loc, root or Settings)}"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{key}: required, but not set{_made_by_variables(loc, environ or {})}"
    if not key:  # a rule over the whole config: its message names the keys
        return message
    secret = hide_values or not SECRET_HOLDERS.isdisjoint(loc)
    got = "" if secret else f" (got {err.get('input')!r})"
    if err["type"] in ("model_type", "dict_type") and loc[-1].isdigit():
        table = ".".join(loc[:-1])
        return f"{key}: each entry is a table: write it as [[{table}]] with its keys below it{got}"
    if err["type"] in ("model_type", "dict_type"):
        return f"{key}: {_table_expected(loc, root or Settings)}{got}"
    if err["type"] == "list_type" and isinstance(err.get("input"), str) and not secret:
        listed = json.dumps([err["input"]])
        return f"{key}: a list, even of one: write {loc[-1]} = {listed} (got {err['input']!r})"
    if err["type"] == "list_type" and (secret or isinstance(err.get("input"), dict)):
        given = "a table" if isinstance(err.get("input"), dict) else "a single value"
        return (
            f"{key}: a list, not {given}; in TOML write each entry as its own [[{key}]]"
            " (double brackets) with its keys below it"
        )
    if isinstance(err.get("input"), dict):
        return f"{key}: {message}"  # a table's rule names its keys
    return f"{key}: {message}{got}"


def _meant_key(loc: list[str], root: type[BaseModel]) -> str:
    """What an unknown key likely meant: the table below this one that has a key of that
    name (`read_only` sits in `[sources.NAME.security]`), else a close spelling."""
    import difflib  # only for a config with a mistake

    table, name = loc[:-1], loc[-1]
    allowed = _allowed_keys(table, root)
    nested = [k for k in allowed if name in _allowed_keys([*table, k], root)]
    close = difflib.get_close_matches(name, allowed, n=1)
    if nested:
        hint = f" (it belongs in [{'.'.join([*table, nested[0]])}])"
    else:
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    return hint + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")


def _table_expected(loc: list[str], root: type[BaseModel]) -> str:
    """Why a value should have been a TOML table: it is one (`[server.auth]`), or it is a
    key of the tables that `[sources]` and its like hold by name (`[sources] server =`)."""
    table, name = loc[:-1], loc[-1]
    siblings = _allowed_keys(table, root)
    if name in siblings and not _allowed_keys(loc, root):
        named = ".".join([*table, "NAME"])
        return f"[{'.'.join(table)}] holds one table per name: put {name} in a [{named}] table"
    return f"must be a table: write [{'.'.join(loc)}] with its keys on the lines below it"


def key_path(loc: tuple[str | int, ...]) -> list[str | int]:
    """An error's location as the keys of the file: `[plugins.NAME]` tables sit in
    `plugins.sections` in the model only."""
    path = list(loc)
    if path[:2] == ["plugins", "sections"]:
        del path[1]
    return path


def from_variable(loc: list[str], environ: Mapping[str, str]) -> str:
    """` (from NAME)` when the environment variable NAME set the value at `loc`, else ""."""
    variable = _variable_of(loc, environ)
    return f" (from {variable})" if variable else ""


def _variable_of(loc: list[str], environ: Mapping[str, str]) -> str | None:
    """The environment variable that set the value at `loc`, if one did: ours first (they
    win over the seed server's names)."""
    ours = "AZSQL_MCP_" + "__".join(loc).upper()
    if ours in environ:
        return ours
    seed = {v: k for k, v in SEED_SOURCE_ENV.items() if environ.get(k)}
    if loc[:2] == ["sources", SEED_SOURCE_NAME] and len(loc) == 3 and loc[2] in seed:
        return seed[loc[2]]
    server = {v: k for k, v in SEED_SERVER_ENV.items() if environ.get(k)}
    if loc[:1] == ["server"] and len(loc) == 2 and loc[1] in server:
        return server[loc[1]]
    return None


def _made_by_variables(loc: list[str], environ: Mapping[str, str]) -> str:
    """For a key missing from a source that `AZSQL_MCP_SOURCES__NAME__*` variables set
    values of (often a misspelt source name, which makes a new source): which."""
    if len(loc) < 3 or loc[0] != "sources":
        return ""
    start = f"AZSQL_MCP_SOURCES__{loc[1].upper()}__"
    made = sorted(name for name in environ if name.upper().startswith(start))
    if not made:
        return ""
    return (
        f"; source {loc[1]!r} gets values from {', '.join(made)} (a misspelt source name?"
        " they reach the file's [sources.NAME] whatever the case of NAME)"
    )


def _allowed_keys(loc: list[str], root: type[BaseModel]) -> list[str]:
    """Field names of the model found at `loc` inside `root` (dict keys are skipped)."""
    model: Any = root
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        if part in fields:
            model = _model_of(fields[part].annotation)
        elif model is Settings and part in Settings.model_fields:
            model = _model_of(Settings.model_fields[part].annotation)
        # else: a dict key such as a source name; stay on the value model
    fields = getattr(model, "model_fields", None)
    if not fields:
        return []
    return [name for name in fields if name != "sections"]


def _model_of(annotation: Any) -> Any:
    """The BaseModel class inside `M`, `M | None` or `dict[str, M]`."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(typing.get_args(annotation)):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
