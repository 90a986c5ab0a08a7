"""Serving MCP: stdio and HTTP, client authentication, request limits, the tool-call
middleware, audit log, metrics, logging set-up and config reload."""
