"""Built-in resources: the schema, the tables, one table, and the connection status.

Each is registered once as `database://...` (the default source); the core adds
`database://{source}/...`, which names the source, for servers with several sources.
"""

from __future__ import annotations

from pydantic import BaseModel

from azsql_mcp import RegisterResource, hookimpl
from azsql_mcp.plugins.builtin_resources import views

JSON = "application/json"
TEXT = "text/plain"


@hookimpl
def register_resources(register: RegisterResource, config: BaseModel | None) -> None:
    register(
        views.schema_text,
        "database://schema",
        name="schema",
        description="Every table and view with columns, primary and foreign keys",
        mime_type=TEXT,
    )
    register(
        views.table_list,
        "database://tables",
        name="tables",
        description="Tables and views with approximate row counts",
        mime_type=JSON,
    )
    register(
        views.table_detail,
        "database://tables/{schema}/{table}",
        name="table",
        description="One table's columns, keys, indexes and constraints",
        mime_type=JSON,
    )
    register(
        views.status_json,
        "database://status",
        name="status",
        description="Connection status, latency and server details",
        mime_type=JSON,
    )
