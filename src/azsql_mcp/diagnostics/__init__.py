"""Diagnostics: `azsql-mcp check` and the demo configuration."""
