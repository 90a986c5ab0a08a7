"""Built-in resources: the schema, the tables, one table, and the connection status.

Each resource exists twice: `database://...` reads the default source and
`database://{source}/...` names the source, for servers with several sources.
"""

from __future__ import annotations

from pydantic import BaseModel

from azsql_mcp import RegisterResource, hookimpl
from azsql_mcp.plugins.builtin_resources import views

JSON = "application/json"
TEXT = "text/plain"


@hookimpl
def register_resources(register: RegisterResource, config: BaseModel | None) -> None:
    for prefix, by_source in (("database://", False), ("database://{source}/", True)):
        suffix = " of the named source" if by_source else ""
        register(
            views.source_schema_text if by_source else views.schema_text,
            prefix + "schema",
            name="schema" + ("_by_source" if by_source else ""),
            description="Every table and view with columns, primary and foreign keys" + suffix,
            mime_type=TEXT,
        )
        register(
            views.source_table_list if by_source else views.table_list,
            prefix + "tables",
            name="tables" + ("_by_source" if by_source else ""),
            description="Tables and views with approximate row counts" + suffix,
            mime_type=JSON,
        )
        register(
            views.source_table_detail if by_source else views.table_detail,
            prefix + "tables/{schema}/{table}",
            name="table" + ("_by_source" if by_source else ""),
            description="One table's columns, keys, indexes and constraints" + suffix,
            mime_type=JSON,
        )
        register(
            views.source_status_json if by_source else views.status_json,
            prefix + "status",
            name="status" + ("_by_source" if by_source else ""),
            description="Connection status, latency and server details" + suffix,
            mime_type=JSON,
        )
