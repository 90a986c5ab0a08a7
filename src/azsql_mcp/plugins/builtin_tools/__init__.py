"""Built-in tools: catalog, queries, writes and diagnostics for SQL Server and Azure SQL.

Operators hide tools with `[plugins.builtin_tools] disabled_tools = [...]` (handled by
the core for every plugin); write tools are hidden by the core while read_only holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from azsql_mcp import RegisterTool, hookimpl
from azsql_mcp.catalog import DatabaseInfo, TableDescription, TableList
from azsql_mcp.plugins.builtin_tools import admin, catalog, query, write
from azsql_mcp.plugins.builtin_tools.common import READ, write_annotations
from azsql_mcp.values import StructuredResult, WriteResult

# Tools that show plans or other sessions' queries; the core asks sql.admin for them.
ADMIN = {"explain_query", "list_long_running_queries"}

# name -> (function, MCP annotations, writes, result model: the tool's outputSchema)
TOOLS: dict[str, tuple[Callable[..., Awaitable[Any]], dict[str, Any], bool, type[BaseModel]]] = {
    "list_tables": (catalog.list_tables, READ, False, TableList),
    "describe_table": (catalog.describe_table, READ, False, TableDescription),
    "read_data": (query.read_data, READ, False, StructuredResult),
    "explain_query": (admin.explain_query, READ, False, admin.ExplainResult),
    "database_info": (admin.database_info, READ, False, DatabaseInfo),
    "health_check": (admin.health_check, READ, False, admin.HealthResult),
    "list_long_running_queries": (
        admin.list_long_running_queries,
        READ,
        False,
        admin.RunningQueries,
    ),
    "list_available_tools": (admin.list_available_tools, READ, False, admin.ToolList),
    "insert_data": (write.insert_data, write_annotations(destructive=False), True, WriteResult),
    "update_data": (write.update_data, write_annotations(destructive=True), True, WriteResult),
    "execute_batch": (
        write.execute_batch,
        write_annotations(destructive=True),
        True,
        write.BatchResult,
    ),
}


@hookimpl
def register_tools(register: RegisterTool, config: BaseModel | None) -> None:
    for name, (fn, hints, writes, result) in TOOLS.items():
        tags = {"admin"} if name in ADMIN else None
        register(fn, name=name, annotations=hints, tags=tags, writes=writes, output_schema=result)
