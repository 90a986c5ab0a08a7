"""Built-in plugin builtin_tools."""
