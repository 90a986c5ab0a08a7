"""azsql-mcp: a plugin-based MCP server for SQL Server and Azure SQL Database.

This module is the public plugin API. Built-in and third-party plugins import
only from here (never from ``azsql_mcp.core``, ``.db``, ``.serving``). It stays cheap to import: the
server must answer ``initialize`` before heavy libraries are loaded, and pytest loads the
pytest kit (``azsql_mcp.testing.pytest_plugin``, below this package) in every test run
of every project installed beside azsql-mcp. So the names of ``azsql_mcp.api`` (pydantic
models, pluggy's marker) load on first use (PEP 562); type checkers read the imports under
``TYPE_CHECKING``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from azsql_mcp.embedding import build_server
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from azsql_mcp.api import (
        ADMIN_SCOPE,
        AccessToken,
        AuthError,
        AuthProvider,
        CheckStatement,
        ClientIdentity,
        Column,
        ConfigError,
        ConnectAttributes,
        Database,
        DatabaseError,
        DatabaseUnavailable,
        Limits,
        PluginError,
        PluginInfo,
        PluginWarning,
        ProcedureResult,
        QueryRefused,
        QueryResult,
        QueryTimeout,
        RegisterAuthProvider,
        RegisterPrompt,
        RegisterResource,
        RegisterTool,
        ResolvedTool,
        Security,
        ServerHandle,
        SourceBusy,
        SourceSettings,
        ToolContext,
        WorkRefused,
        WriteKind,
        WriteOutcomeUnknown,
        advice,
        hookimpl,
        plain_advice,
        render_advice,
        shown_reference,
        string_sql_type,
    )
    from azsql_mcp.logredaction import LogRedaction

__all__ = [
    "ADMIN_SCOPE",
    "AccessToken",
    "AuthError",
    "AuthProvider",
    "CheckStatement",
    "ClientIdentity",
    "Column",
    "ConfigError",
    "ConnectAttributes",
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Limits",
    "LogRedaction",
    "PluginError",
    "PluginInfo",
    "PluginWarning",
    "ProcedureResult",
    "QueryRefused",
    "QueryResult",
    "QueryTimeout",
    "RegisterAuthProvider",
    "RegisterPrompt",
    "RegisterResource",
    "RegisterTool",
    "ResolvedTool",
    "Security",
    "ServerHandle",
    "SourceBusy",
    "SourceSettings",
    "ToolContext",
    "WorkRefused",
    "WriteKind",
    "WriteOutcomeUnknown",
    "__version__",
    "advice",
    "build_server",
    "hookimpl",
    "plain_advice",
    "render_advice",
    "shown_reference",
    "string_sql_type",
]

if not TYPE_CHECKING:  # hidden from type checkers, which would let any name through it

    def __getattr__(name: str) -> object:
        """Every public name not defined above comes from ``azsql_mcp.api`` (LogRedaction
        from ``azsql_mcp.logredaction``, which uses the api's advice), imported on the
        first use of one; kept here so later uses skip this function."""
        if name not in __all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        if name == "LogRedaction":
            from azsql_mcp import logredaction as home
        else:
            from azsql_mcp import api as home

        value = getattr(home, name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
