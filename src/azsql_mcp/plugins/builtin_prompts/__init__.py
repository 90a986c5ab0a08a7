"""Built-in plugin builtin_prompts."""
