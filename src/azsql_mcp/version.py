"""The distribution's version and the names it is found by, in a module of its own so the
core and the serving can read them without importing the public API package or the
plugin loader."""

__version__ = "0.1.0"
DISTRIBUTION = "azsql-mcp"  # as pip installs it and importlib.metadata names it
PLUGIN_GROUP = "azsql_mcp"  # the entry-point group plugins declare (docs/plugins.md)
