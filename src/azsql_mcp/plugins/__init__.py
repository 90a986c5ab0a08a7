"""Plugins that ship with azsql-mcp, written exactly like third-party ones."""
