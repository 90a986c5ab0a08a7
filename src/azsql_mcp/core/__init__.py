"""azsql-mcp core: hookspecs, plugin loading, config, database access, server."""
