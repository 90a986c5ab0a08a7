"""Built-in plugin builtin_resources."""
