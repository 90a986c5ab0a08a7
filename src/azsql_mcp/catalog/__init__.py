"""Public helper for plugins: what the database says about itself.

Catalog and DMV reads through `Database.read` (so the safety model applies), returned
as pydantic models; and a summary of estimated plans. Used by the built-in tools,
resources and prompts, and open to third-party plugins.
"""

from azsql_mcp.catalog.diagram import DIAGRAM_MAX_TABLES, render_mermaid, select_tables
from azsql_mcp.catalog.reading import read_all
from azsql_mcp.catalog.schema import (
    OutlineColumn,
    OutlineForeignKey,
    SchemaOverview,
    TableOutline,
    render_schema,
    schema_overview,
)
from azsql_mcp.catalog.server import (
    DatabaseInfo,
    Permissions,
    RunningQuery,
    database_info,
    long_running_queries,
    permissions,
)
from azsql_mcp.catalog.showplan import (
    MissingIndex,
    PlanOperator,
    PlanSummary,
    render_plan,
    summarize_plan,
)
from azsql_mcp.catalog.tables import (
    DEFINITION_HIDDEN,
    NO_SELECT,
    NO_SELECT_MARK,
    NO_SELECT_STAR,
    TABLE_HIDDEN,
    CatalogError,
    CheckConstraint,
    ColumnDetail,
    ForeignKey,
    IndexDetail,
    KeyConstraint,
    TableDescription,
    TableList,
    TableSummary,
    describe_table,
    format_sql_type,
    list_tables,
    parse_table_name,
    render_description,
)

__all__ = [
    "DEFINITION_HIDDEN",
    "DIAGRAM_MAX_TABLES",
    "NO_SELECT",
    "NO_SELECT_MARK",
    "NO_SELECT_STAR",
    "TABLE_HIDDEN",
    "CatalogError",
    "CheckConstraint",
    "ColumnDetail",
    "DatabaseInfo",
    "ForeignKey",
    "IndexDetail",
    "KeyConstraint",
    "MissingIndex",
    "OutlineColumn",
    "OutlineForeignKey",
    "Permissions",
    "PlanOperator",
    "PlanSummary",
    "RunningQuery",
    "SchemaOverview",
    "TableDescription",
    "TableList",
    "TableOutline",
    "TableSummary",
    "database_info",
    "describe_table",
    "format_sql_type",
    "list_tables",
    "long_running_queries",
    "parse_table_name",
    "permissions",
    "read_all",
    "render_description",
    "render_mermaid",
    "render_plan",
    "render_schema",
    "schema_overview",
    "select_tables",
    "summarize_plan",
]
