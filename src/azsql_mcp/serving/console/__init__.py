"""The web console at `/`: overview, components, schema browser with an ER diagram,
activity and a query runner, rendered on the server (docs/console.md)."""

from azsql_mcp.serving.console.routes import add_console

__all__ = ["add_console"]
