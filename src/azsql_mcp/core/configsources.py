"""Where settings come from besides the command line: the TOML file (read as UTF-8),
`AZSQL_MCP_*` variables (source names matched to the file's without regard to case) and
the seed server's variable names; and which of them the load under way reads."""

from __future__ import annotations

import codecs
import json
import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, TomlConfigSettingsSource

from azsql_mcp.api import ConfigError
from azsql_mcp.core.settingtables import PluginsSettings

CONFIG_FILE_NAME = "azsql-mcp.toml"
CONFIG_ENV = "AZSQL_MCP_CONFIG"
SEED_SOURCE_NAME = "default"

# Names used by the seed server's README, mapped to our keys for the `default` source.
SEED_SOURCE_ENV = {
    "AZURE_SQL_SERVER": "server",
    "AZURE_SQL_DATABASE": "database",
    "AZURE_SQL_AUTH_TYPE": "auth",
    "AZURE_SQL_USERNAME": "username",
    "AZURE_SQL_PASSWORD": "password",
    "AZURE_MANAGED_IDENTITY_CLIENT_ID": "client_id",
    # a service principal's (auth = service_principal)
    "AZURE_SQL_TENANT_ID": "tenant_id",
    "AZURE_SQL_CLIENT_ID": "client_id",
    "AZURE_SQL_CLIENT_SECRET": "client_secret",
    "AZURE_SQL_DRIVER": "driver",
    "AZURE_SQL_ENCRYPT": "encrypt",
    "AZURE_SQL_TRUST_SERVER_CERTIFICATE": "trust_server_certificate",
    "AZURE_SQL_CONNECTION_TIMEOUT": "connection_timeout_s",
}
SEED_SERVER_ENV = {"MCP_HOST": "host", "MCP_PORT": "port"}

# Spellings of AZURE_SQL_AUTH_TYPE seen in the wild -> our provider names.
AUTH_ALIASES = {
    "sql": "sql",
    "sql_auth": "sql",
    "sql_password": "sql",
    "password": "sql",
    "managed_identity": "managed_identity",
    "managedidentity": "managed_identity",
    "msi": "managed_identity",
    "default_credential": "default_credential",
    "defaultazurecredential": "default_credential",
    "default": "default_credential",
    "service_principal": "service_principal",
    "serviceprincipal": "service_principal",
    "sp": "service_principal",
    "access_token": "access_token",
    "token": "access_token",
}
ENCRYPT_ALIASES = {"true": "yes", "false": "no", "mandatory": "yes", "1": "yes", "0": "no"}


# What the load under way reads (load_settings, settings_from_mapping in config.py).
config_file_read: ContextVar[Path | None] = ContextVar("azsql_mcp_config_file", default=None)
merged_inputs: ContextVar[list[Any] | None] = ContextVar("azsql_mcp_settings_inputs", default=None)
mapping_only: ContextVar[bool] = ContextVar("azsql_mcp_mapping_only", default=False)


class NotText(Exception):
    """The config file cannot be read as UTF-8 text; the message says why, in one line."""


class TomlFile(TomlConfigSettingsSource):
    """The config file, read as UTF-8 (a leading byte-order mark is allowed, as Windows
    editors write one); any other encoding is one clear line, not a traceback."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            data = file_path.read_bytes()
        except OSError as exc:
            raise NotText(
                f"config file {str(file_path)!r} cannot be read: {exc.strerror or exc}"
            ) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            offset = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
            line = data.count(b"\n", 0, offset) + 1
            raise NotText(
                f"config file {str(file_path)!r} is not UTF-8 text: byte"
                f" 0x{data[offset]:02x} at offset {offset} (line {line}); save it as UTF-8"
            ) from None
        return tomllib.loads(text)


class EnvSourcesAsNamed(PydanticBaseSettingsSource):
    """`AZSQL_MCP_*`, with each source name matched to the file's without regard to
    case: variable names are read lower-cased, so `AZSQL_MCP_SOURCES__SALES__DATABASE`
    reaches `[sources.Sales]` (as SQL Server matches names) rather than adding a
    source `sales`. Two file sources that differ only in case are refused
    (`reference_problems`), so the match is never a guess."""

    def __init__(
        self, settings_cls: type[BaseSettings], env: PydanticBaseSettingsSource, file: TomlFile
    ):
        super().__init__(settings_cls)
        self._env, self._file = env, file

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        data = _json_in_open_tables(self._env())
        sources, named = data.get("sources"), self._file.toml_data.get("sources")
        if not (isinstance(sources, dict) and isinstance(named, dict)):
            return data
        by_case: dict[str, list[str]] = {}
        for name in named:
            by_case.setdefault(name.lower(), []).append(name)
        renamed = {}
        for key, value in sources.items():
            found = by_case.get(key.lower(), [])
            renamed[found[0] if len(found) == 1 else key] = value
        return data | {"sources": renamed}


def _json_in_open_tables(data: dict[str, Any]) -> dict[str, Any]:
    """Lists and tables given as JSON below `[plugins.NAME]` and `[tools.NAME]`, whose
    keys the schema does not declare (a plugin's model, the declared-tool plugin judge
    them), so pydantic-settings leaves their values as text. A string that starts with
    `[` or `{` and parses as a JSON list or object is that list or object."""
    plugins, tools = data.get("plugins"), data.get("tools")
    if isinstance(plugins, dict):
        own = set(PluginsSettings.model_fields)
        data = data | {
            "plugins": {k: v if k in own else _json_values(v) for k, v in plugins.items()}
        }
    if isinstance(tools, dict):
        data = data | {"tools": {k: _json_values(v) for k, v in tools.items()}}
    return data


def _json_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_values(v) for k, v in value.items()}
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, list | dict) else value
    return value


class SeedEnvSource(PydanticBaseSettingsSource):
    """The seed server's variable names (see SEED_SOURCE_ENV and SEED_SERVER_ENV)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return _seed_env(os.environ)


def config_path(config_file: str | None) -> Path | None:
    """The config file in use: `--config`, else $AZSQL_MCP_CONFIG, else ./azsql-mcp.toml."""
    named = config_file or os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named)
        # an operator who set the variable long ago, or a client whose working directory
        # is not theirs, is told where the name came from and where it was looked for
        told = "" if config_file else f" (named by ${CONFIG_ENV})"
        if path.is_dir():
            raise ConfigError([f"config file {named!r}{told} is a directory (give the file in it)"])
        if not path.is_file():
            where = "" if path.is_absolute() else f" in the working directory {os.getcwd()}"
            fix = "give an existing file" + ("" if path.is_absolute() else " or an absolute path")
            if not config_file:
                fix += f", or unset {CONFIG_ENV}"
            raise ConfigError([f"config file {named!r}{told} does not exist{where}: {fix}"])
        return path
    default = Path(CONFIG_FILE_NAME)
    return default if default.is_file() else None


def unread_seed_variables(environ: Mapping[str, str]) -> list[str]:
    """Why the AZURE_SQL_* variables set here describe no source: AZURE_SQL_SERVER is not
    set, or a name is not one azsql-mcp reads. Said where no source is configured."""
    if environ.get("AZURE_SQL_SERVER"):
        return []
    named = sorted(n for n, v in environ.items() if n.startswith("AZURE_SQL_") and v)
    read = [n for n in named if n in SEED_SOURCE_ENV]
    notes = []
    if read:
        verb = "is" if len(read) == 1 else "are"
        notes.append(
            f"{', '.join(read)} {verb} set, but without AZURE_SQL_SERVER they make no source"
        )
    for name in (n for n in named if n not in SEED_SOURCE_ENV):
        notes.append(f"{name} is not a variable azsql-mcp reads{_meant(name)}")
    return notes


def _meant(name: str) -> str:
    """The seed variable `name` was likely meant to be: those whose name it extends or
    shortens (AZURE_SQL_SERVERNAME, AZURE_SQL_CLIENT), else a close spelling of what
    follows AZURE_SQL_; nothing for a name too short to tell."""
    import difflib

    prefix = "AZURE_SQL_"
    tail = name[len(prefix) :]
    if len(tail) < 3:
        return ""
    known = [n for n in SEED_SOURCE_ENV if n.startswith(prefix)]
    nested = [k for k in known if name.startswith(k) or k.startswith(name)]
    if not nested:
        tails = {k[len(prefix) :]: k for k in known}
        nested = [tails[t] for t in difflib.get_close_matches(tail, list(tails), 1, 0.8)]
    return f"; did you mean {' or '.join(nested)}?" if nested else ""


def _seed_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The seed server's variable names; they describe the `default` source when
    AZURE_SQL_SERVER is set, and the HTTP host and port."""
    out: dict[str, Any] = {}
    server = {key: environ[name] for name, key in SEED_SERVER_ENV.items() if environ.get(name)}
    if server:
        out["server"] = server
    if environ.get("AZURE_SQL_SERVER"):
        source: dict[str, Any] = {
            key: environ[name] for name, key in SEED_SOURCE_ENV.items() if environ.get(name)
        }
        if "auth" in source:
            source["auth"] = AUTH_ALIASES.get(source["auth"].strip().lower(), source["auth"])
        if "encrypt" in source:
            value = source["encrypt"].strip().lower()
            source["encrypt"] = ENCRYPT_ALIASES.get(value, value)
        out["sources"] = {SEED_SOURCE_NAME: source}
    return out
