"""Hook specifications of the `azsql_mcp` pluggy project.

The registration hooks are synchronous and only register things; what they register
(tools, resources, prompts) is async; `startup` and `shutdown` may be async. An
implementation may declare any subset of a hook's arguments. Every hook is documented
in docs/plugins.md (a test checks that).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pluggy
from pydantic import BaseModel

from azsql_mcp.api import (
    CheckStatement,
    RegisterAuthProvider,
    RegisterPrompt,
    RegisterResource,
    RegisterTool,
    ServerHandle,
)

PROJECT = "azsql_mcp"
REGISTRATION_HOOKS = ("register_tools", "register_resources", "register_prompts")
# the hooks a plugin implements (register_config_tools is builtin_declared's)
HOOKS = (
    *REGISTRATION_HOOKS,
    "register_auth_providers",
    "plugin_config_model",
    "startup",
    "shutdown",
)
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def register_tools(register: RegisterTool, config: BaseModel | None) -> None:
    """Register tools with `register(fn, name=..., annotations=..., tags=..., writes=...)`."""


@hookspec
def register_config_tools(
    register: RegisterTool,
    tables: Mapping[str, Mapping[str, Any]],
    taken: frozenset[str],
    check: CheckStatement,
) -> list[str] | None:
    """Turn the `[tools.NAME]` tables of the config into tools with `register(...)`.

    `taken` holds the names of the other plugins' tools; `check` runs the SQL guard.
    Return every problem found (each naming the tool and key, e.g. "tools.x.type: ..."):
    any problem refuses the whole configuration. Called at start and on every reload."""


@hookspec
def register_resources(register: RegisterResource, config: BaseModel | None) -> None:
    """Register resources and resource templates with `register(fn, uri, ...)`."""


@hookspec
def register_prompts(register: RegisterPrompt, config: BaseModel | None) -> None:
    """Register prompts with `register(fn, name=..., description=...)`."""


@hookspec
def register_auth_providers(register: RegisterAuthProvider) -> None:
    """Register database auth providers with `register(name, factory)`."""


@hookspec
def plugin_config_model() -> type[BaseModel] | None:
    """The pydantic model that validates this plugin's `[plugins.NAME]` section."""


@hookspec
def startup(app: ServerHandle) -> None:
    """Called once when the server starts (may be `async def`); `app.database()` waits
    for a source to be open."""


@hookspec
def shutdown(app: ServerHandle) -> None:
    """Called once when the server stops, before the sources close (may be `async def`)."""
