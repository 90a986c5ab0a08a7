"""Built-in resources: the schema (as text and as a diagram), the tables, one table, and
the connection status.

Each is registered once as `database://...` (the default source); the core adds
`database://{source}/...`, which names the source, for servers with several sources.
"""

from __future__ import annotations

from pydantic import BaseModel

from azsql_mcp import RegisterResource, hookimpl
from azsql_mcp.plugins.builtin_resources import views

JSON = "application/json"
TEXT = "text/plain"
MARKDOWN = "text/markdown"


@hookimpl
def register_resources(register: RegisterResource, config: BaseModel | None) -> None:
    register(
        views.schema_text,
        "database://schema",
        name="schema",
        description=(
            "Tables and views with columns, primary and foreign keys, and synonyms, by schema"
            " and name:"
            " those that fit in 40,000 characters, then the cursor of the rest"
        ),
        mime_type=TEXT,
    )
    register(
        views.table_list,
        "database://tables",
        name="tables",
        description="Tables and views with approximate row counts, and synonyms",
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
        views.diagram,
        "database://schema/diagram",
        name="schema_diagram",
        description="Tables and foreign keys as a Mermaid erDiagram (Markdown)",
        mime_type=MARKDOWN,
    )
    register(
        views.schema_diagram,
        "database://schema/diagram/{schema}",
        name="schema_diagram_of_schema",
        description="The Mermaid erDiagram of one schema's tables",
        mime_type=MARKDOWN,
    )
    register(
        views.table_diagram,
        "database://schema/diagram/{schema}/{table}",
        name="table_diagram",
        description="The Mermaid erDiagram of one table and the tables it shares foreign keys with",
        mime_type=MARKDOWN,
    )
    register(
        views.status_json,
        "database://status",
        name="status",
        description="Connection status, latency and server details",
        mime_type=JSON,
    )
