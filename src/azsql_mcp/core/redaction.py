"""Secrets kept out of what leaves the process: the effective settings as
`azsql-mcp config` prints them, and which keys a config error never quotes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Secret, SecretBytes, SecretStr

if TYPE_CHECKING:
    from azsql_mcp.core.settings import Settings

# Keys whose values never leave the process (redacted by `azsql-mcp config`, never logged).
# `public_key` is the shared secret with HS* algorithms.
SECRET_KEYS = frozenset({"password", "client_secret", "token", "public_key"})
# Keys whose whole value may hold secrets (a static token written as a bare string, a
# third-party provider's options): a config error never quotes what they were given.
SECRET_HOLDERS = SECRET_KEYS | {"static_tokens", "auth_options"}


REDACTED = "***"


def redacted(
    settings: Settings, plugin_configs: Mapping[str, BaseModel | None] | None = None
) -> dict[str, Any]:
    """The effective settings as plain data (as the file would say), secrets as '***'.

    Besides the core's secret keys: every value of a source's `auth_options` (the
    options of third-party auth providers, whose secrets the core cannot tell), and in
    a `[plugins.NAME]` section every value its plugin's validated config holds as a
    `SecretStr`/`SecretBytes`/`Secret`. `plugin_configs` maps a loaded plugin's name to
    that config (None: it takes no settings); the section of a plugin not in it
    (disabled, failed) has every value but `disabled_tools` hidden, since nothing says
    which of them are secret.
    """
    data = settings.model_dump(mode="json")
    sections = data["plugins"].pop("sections")
    configs = plugin_configs or {}
    for name, section in sections.items():
        if name in configs:
            config = configs[name]
            sections[name] = section if config is None else _redact_as(section, config)
        else:
            sections[name] = {
                k: v if k == "disabled_tools" else REDACTED for k, v in section.items()
            }
    data["plugins"] |= sections
    for source in data["sources"].values():
        source["auth_options"] = dict.fromkeys(source["auth_options"], REDACTED)
    return _redact(data)


def _redact_as(raw: Any, value: Any) -> Any:
    """`raw` (as configured) with what became a secret in `value` (validated) hidden."""
    if isinstance(value, SecretStr | SecretBytes | Secret):
        return REDACTED
    if isinstance(value, BaseModel) and isinstance(raw, dict):
        fields = type(value).model_fields
        names = {k: k for k in fields} | {f.alias: k for k, f in fields.items() if f.alias}
        return {
            k: _redact_as(v, getattr(value, names[k])) if k in names else v for k, v in raw.items()
        }
    if isinstance(value, Mapping) and isinstance(raw, dict):
        return {k: _redact_as(v, value[k]) if k in value else v for k, v in raw.items()}
    if isinstance(value, list | tuple) and isinstance(raw, list) and len(raw) == len(value):
        return [_redact_as(r, v) for r, v in zip(raw, value, strict=True)]
    return raw


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in SECRET_KEYS and v is not None else _redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value
