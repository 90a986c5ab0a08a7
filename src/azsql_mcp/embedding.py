"""`build_server`: the public way to build a server from a config mapping (no config file,
no environment), for the pytest kit, plugin tests and apps that embed the server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastmcp import FastMCP


def build_server(
    config: Mapping[str, Any], *, extra_plugins: Mapping[str, object] | None = None
) -> FastMCP:
    """A FastMCP server assembled from `config` (the config file's tables as a mapping).

    `extra_plugins` maps a name to a plugin object (a module or object with hookimpls)
    that is not installed as a distribution. Sources open when the server starts
    (its lifespan), not here. Raises ConfigError or PluginError with what to fix."""
    # Imported here: `import azsql_mcp` stays cheap for plugins.
    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import settings_from_mapping

    return build_app(settings_from_mapping(config), extra_plugins=extra_plugins).mcp
