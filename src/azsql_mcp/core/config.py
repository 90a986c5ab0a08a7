"""Settings: defaults < TOML file < seed env names < AZSQL_MCP_* env < command-line flags.

One config system for the whole process. `load_settings` raises `ConfigError`
listing every problem (key, value, what is allowed); nothing starts half-configured.
This module loads; the config's parts are in settings.py (the whole), settingtables.py
(its own tables), configsources.py (file and environment), configerrors.py (the
problems as the operator reads them) and redaction.py (secrets kept in).
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from azsql_mcp.api import ConfigError
from azsql_mcp.core.configerrors import describe_error, describe_errors, key_path
from azsql_mcp.core.configsources import (
    CONFIG_ENV,
    NotText,
    config_file_read,
    config_path,
    mapping_only,
    merged_inputs,
)
from azsql_mcp.core.settings import Settings
from azsql_mcp.core.tomlhints import explain_toml_error


class PartlyInvalid(ConfigError):
    """The schema refused some values (`problems`); `settings` holds what it accepted,
    so that the checks that need parsed settings run on the rest (core/validation.py) and
    one run lists every problem. `cut`: the keys whose values were left out."""

    def __init__(self, problems: list[str], settings: Settings, cut: list[str]):
        super().__init__(problems)
        self.settings = settings
        self.cut = cut


def load_settings(
    config_file: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read the config file, the environment and command-line overrides; validate all of it.

    Raises PartlyInvalid when the rest of the validation can still run, else ConfigError."""
    retired = []
    if "AZSQL_MCP_LOAD_PLUGINS" in os.environ:
        retired.append(
            "AZSQL_MCP_LOAD_PLUGINS is no longer read: list the plugins to load in"
            ' AZSQL_MCP_PLUGINS__ENABLED (a JSON list, e.g. \'["builtin_auth", "hello"]\')'
            " or [plugins] enabled, or those to skip in AZSQL_MCP_PLUGINS__DISABLED"
        )
    path = config_path(config_file)
    file_token, inputs_token = config_file_read.set(path), merged_inputs.set([])
    try:
        settings = Settings(**dict(overrides or {}))
    except ValidationError as exc:
        data = (merged_inputs.get() or [{}])[0]
        retired += stray_variables(os.environ, data)
        problems, accepted, cut = _accepted_part(data, exc)
        if accepted is None:
            raise ConfigError([*retired, *problems]) from None
        raise PartlyInvalid([*retired, *problems], accepted, cut) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [f"config file {str(path)!r} is not valid TOML: {explain_toml_error(exc)}"]
        ) from None
    except NotText as exc:
        raise ConfigError([str(exc)]) from None
    except SettingsError as exc:  # a variable that should hold JSON does not
        from azsql_mcp.core.envjson import non_json_variables

        raise ConfigError(non_json_variables(Settings, os.environ) or [str(exc)]) from None
    else:
        retired += stray_variables(os.environ, (merged_inputs.get() or [{}])[0])
    finally:
        config_file_read.reset(file_token)
        merged_inputs.reset(inputs_token)
    if retired:
        raise PartlyInvalid(retired, settings, [])
    return settings


# `AZSQL_MCP_*` variables the project reads that are no setting: the config file's
# path, the retired plugin list (refused with its own message above) and the test
# suite's database (azsql_mcp.testing.sqlserver, AZSQL_MCP_TEST_SQLSERVER[_READER]).
OTHER_VARIABLES = frozenset({CONFIG_ENV, "AZSQL_MCP_LOAD_PLUGINS"})
OTHER_PREFIXES = ("AZSQL_MCP_TEST_",)
# What Kubernetes gives every pod for a Service named azsql-mcp in its namespace
# (enableServiceLinks): AZSQL_MCP_SERVICE_HOST, AZSQL_MCP_SERVICE_PORT[_NAME],
# AZSQL_MCP_PORT, AZSQL_MCP_PORT_8000_TCP[_PROTO|_PORT|_ADDR].
SERVICE_LINKS = re.compile(
    r"AZSQL_MCP_(SERVICE_(HOST|PORT(_\w+)?)|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)"
)


def stray_variables(environ: Mapping[str, str], data: Any) -> list[str]:
    """One problem per `AZSQL_MCP_*` variable that sets nothing: its first part (up to
    `__`) is no top-level table, so pydantic-settings would drop it without a word
    (`AZSQL_MCP_SERVER_PORT`, `AZSQL_MCP_SERVR__PORT`). A variable the config names
    (`password_env = "AZSQL_MCP_DB_PASSWORD"`: any string value of `data`, the merged
    input) is a secret's, not a setting, and passes."""
    prefix = "AZSQL_MCP_"
    tables = list(Settings.model_fields)
    named = set(_strings(data))
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(prefix) or upper in OTHER_VARIABLES or name in named:
            continue
        if upper.startswith(OTHER_PREFIXES) or SERVICE_LINKS.fullmatch(upper):
            continue
        head, sep, rest = upper[len(prefix) :].partition("__")
        if head.lower() in tables:
            continue
        joined = [t for t in tables if head.lower().startswith(t + "_")]
        if joined:
            table = joined[0].upper()
            tail = head[len(table) + 1 :] + sep + rest
            hint = f'nested keys are joined with "__", not "_": {prefix}{table}__{tail}'
        else:
            import difflib  # only for a variable that sets nothing

            close = difflib.get_close_matches(head.lower(), tables, n=1)
            hint = f"did you mean {prefix}{close[0].upper()}{sep}{rest}?" if close else ""
            hint = hint or f"the tables are {', '.join(tables)}"
        problems.append(f"{name}: no setting has this name; {hint}")
    return problems


def _strings(value: Any) -> list[str]:
    """Every string inside nested dicts and lists."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _accepted_part(data: Any, exc: ValidationError) -> tuple[list[str], Settings | None, list[str]]:
    """The problems `exc` names, the settings without what it refuses, and the keys whose
    values were left out (not unknown keys: no rule reads them). Without them a rule over
    a table can fail that could not run before (the table had errors of its own), so
    this repeats a few times, listing those problems too, unless a value was cut from
    that table (the rule would judge the cut); no settings when the schema refuses
    something no key names (a rule over the whole file)."""
    data = copy.deepcopy(data)
    problems: list[str] = []
    cut: list[list[str]] = []  # values left out; an unknown key is no value of a table's
    for _ in range(5):
        for err in exc.errors():
            key = [str(p) for p in key_path(err["loc"])]
            line = describe_error(err, environ=os.environ)
            if line not in problems and not any(path[: len(key)] == key for path in cut):
                problems.append(line)
        removed = False
        # last first: removing an item of a list moves the ones after it
        for err in reversed(exc.errors()):
            loc = key_path(err["loc"])
            # a required key that is missing: its table goes
            path = _remove(data, loc[:-1] if err["type"] == "missing" else loc)
            if path:
                removed = True
                if err["type"] != "extra_forbidden":
                    cut.append(path)
        if not removed:
            break
        try:
            return problems, _from_mapping(data), [".".join(path) for path in cut]
        except ValidationError as again:
            exc = again
    return problems, None, []


def _remove(data: Any, loc: list[str | int]) -> list[str]:
    """Delete the deepest value of `data` that `loc` reaches; the path deleted, or []."""
    parent: Any = None
    key: str | int = ""
    path: list[str] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            continue  # a step of the schema's that the input does not have (a union's tag)
        parent, key, node = node, part, node[part]
        path.append(str(part))
    if parent is None:
        return []
    del parent[key]
    return path


def settings_from_mapping(data: Mapping[str, Any]) -> Settings:
    """Validate a config given as a mapping only (no file, no environment), e.g. in tests."""
    try:
        return _from_mapping(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc)) from None


def _from_mapping(data: Mapping[str, Any]) -> Settings:
    # Settings.model_validate would read the environment too: pydantic-settings runs the
    # sources whenever a Settings is built.
    token = mapping_only.set(True)
    try:
        return Settings(**dict(data))
    finally:
        mapping_only.reset(token)
