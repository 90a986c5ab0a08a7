"""azsql-mcp core: hookspecs, plugin loading, config, app assembly and the CLI; nothing else."""
