"""azsql-mcp: a plugin-based MCP server for SQL Server and Azure SQL Database.

This module is the public plugin API. Built-in and third-party plugins import
only from here (never from ``azsql_mcp.core``, ``.db``, ``.serving``). It stays cheap to import: the
server must answer ``initialize`` before heavy libraries are loaded.
"""

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
    SourceSettings,
    ToolContext,
    hookimpl,
)
from azsql_mcp.embedding import build_server
from azsql_mcp.version import __version__

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
    "PluginError",
    "PluginInfo",
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
    "SourceSettings",
    "ToolContext",
    "__version__",
    "build_server",
    "hookimpl",
]
