"""Built-in plugin builtin_auth."""
