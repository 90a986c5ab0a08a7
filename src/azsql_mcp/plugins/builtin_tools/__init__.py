"""Built-in tools: catalog, queries, writes and diagnostics for SQL Server and Azure SQL.

Operators hide tools with `[plugins.builtin_tools] disabled_tools = [...]` (handled by
the core for every plugin); write tools are hidden by the core while read_only holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from azsql_mcp import RegisterTool, hookimpl
from azsql_mcp.plugins.builtin_tools import admin, catalog, query, write
from azsql_mcp.plugins.builtin_tools.common import READ, write_annotations

# Tools that show plans or other sessions' queries; the core asks sql.admin for them.
ADMIN = {"explain_query", "list_long_running_queries"}

# name -> (function, MCP annotations, writes)
TOOLS: dict[str, tuple[Callable[..., Awaitable[Any]], dict[str, Any], bool]] = {
    "list_tables": (catalog.list_tables, READ, False),
    "describe_table": (catalog.describe_table, READ, False),
    "read_data": (query.read_data, READ, False),
    "explain_query": (admin.explain_query, READ, False),
    "database_info": (admin.database_info, READ, False),
    "health_check": (admin.health_check, READ, False),
    "list_long_running_queries": (admin.list_long_running_queries, READ, False),
    "list_available_tools": (admin.list_available_tools, READ, False),
    "insert_data": (write.insert_data, write_annotations(destructive=False), True),
    "update_data": (write.update_data, write_annotations(destructive=True), True),
    "execute_batch": (write.execute_batch, write_annotations(destructive=True), True),
}


@hookimpl
def register_tools(register: RegisterTool, config: BaseModel | None) -> None:
    for name, (fn, hints, writes) in TOOLS.items():
        tags = {"admin"} if name in ADMIN else None
        register(fn, name=name, annotations=hints, tags=tags, writes=writes)
