"""`build_server`: the public way to build a server from a config mapping (no config file,
no environment), for the pytest kit, plugin tests and apps that embed the server."""

from __future__ import annotations

import warnings
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
    (its lifespan), not here. Raises ConfigError or PluginError with what to fix.

    Each plugin warning (`azsql-mcp plugins` lists them) is also a Python warning, a
    `PluginWarning`: the log of a plugin's test run is shown only when a test fails,
    pytest's summary of warnings always."""
    # Imported here: `import azsql_mcp` stays cheap for plugins.
    from azsql_mcp.api import PluginWarning
    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import settings_from_mapping

    app = build_app(settings_from_mapping(config), extra_plugins=extra_plugins)
    for record in app.plugins.records:
        for warning in record.warnings:
            warnings.warn(f"{record.describe()}: {warning}", PluginWarning, stacklevel=2)
    return app.mcp
