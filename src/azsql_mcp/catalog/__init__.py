"""Public helper for plugins: what the database says about itself.

Catalog and DMV reads through `Database.read` (so the safety model applies), returned
as pydantic models; and a summary of estimated plans. Used by the built-in tools,
resources and prompts, and open to third-party plugins.
"""

import importlib
from typing import TYPE_CHECKING, Any

from azsql_mcp.catalog.description_text import definitions_grantee, render_description
from azsql_mcp.catalog.functions import FunctionParameter
from azsql_mcp.catalog.names import (
    escaped_text,
    identifier,
    is_regular,
    name_text,
    qualified_text,
    spelled_as,
)
from azsql_mcp.catalog.reading import read_all
from azsql_mcp.catalog.server import (
    DatabaseInfo,
    Permissions,
    RunningQuery,
    SourceStatus,
    busy_reason,
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
from azsql_mcp.catalog.table_features import SecurityPredicate, TableFeatures, Trigger
from azsql_mcp.catalog.table_pages import (
    SCHEMA_TEXT_CHARS,
    cursor_after,
    first_page,
    listing_kinds,
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
    LeftOut,
    SynonymError,
    TableDescription,
    TableList,
    TableSummary,
    describe_table,
    format_sql_type,
    list_tables,
    parse_table_name,
)

if TYPE_CHECKING:
    from azsql_mcp.catalog.description_fit import description_json, fit_description
    from azsql_mcp.catalog.diagram import (
        DIAGRAM_MAX_TABLES,
        diagram_tables,
        render_mermaid,
        select_tables,
    )
    from azsql_mcp.catalog.schema import (
        HIDDEN_LEGEND,
        OutlineColumn,
        OutlineForeignKey,
        SchemaOverview,
        SchemaPage,
        TableOutline,
        render_schema,
        schema_overview,
        schema_page,
    )

# Imported when first asked for: the schema outline, its diagram and the fitting of a
# table's description serve resources, prompts and tool calls, not the tools' output
# schemas that `initialize` waits for; their modules cost about 30 M instructions of
# the start (bench/throughput-rounds-3.md, 35th round).
_LATER = {
    "description_json": "description_fit",
    "fit_description": "description_fit",
    "DIAGRAM_MAX_TABLES": "diagram",
    "diagram_tables": "diagram",
    "render_mermaid": "diagram",
    "select_tables": "diagram",
    "HIDDEN_LEGEND": "schema",
    "OutlineColumn": "schema",
    "OutlineForeignKey": "schema",
    "SchemaOverview": "schema",
    "SchemaPage": "schema",
    "TableOutline": "schema",
    "render_schema": "schema",
    "schema_overview": "schema",
    "schema_page": "schema",
}


def __getattr__(name: str) -> Any:
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = [
    "DEFINITION_HIDDEN",
    "DIAGRAM_MAX_TABLES",
    "HIDDEN_LEGEND",
    "NO_SELECT",
    "NO_SELECT_MARK",
    "NO_SELECT_STAR",
    "SCHEMA_TEXT_CHARS",
    "TABLE_HIDDEN",
    "CatalogError",
    "CheckConstraint",
    "ColumnDetail",
    "DatabaseInfo",
    "ForeignKey",
    "FunctionParameter",
    "IndexDetail",
    "KeyConstraint",
    "LeftOut",
    "MissingIndex",
    "OutlineColumn",
    "OutlineForeignKey",
    "Permissions",
    "PlanOperator",
    "PlanSummary",
    "RunningQuery",
    "SchemaOverview",
    "SchemaPage",
    "SecurityPredicate",
    "SourceStatus",
    "SynonymError",
    "TableDescription",
    "TableFeatures",
    "TableList",
    "TableOutline",
    "TableSummary",
    "Trigger",
    "busy_reason",
    "cursor_after",
    "database_info",
    "definitions_grantee",
    "describe_table",
    "description_json",
    "diagram_tables",
    "escaped_text",
    "first_page",
    "fit_description",
    "format_sql_type",
    "identifier",
    "is_regular",
    "list_tables",
    "listing_kinds",
    "long_running_queries",
    "name_text",
    "parse_table_name",
    "permissions",
    "qualified_text",
    "read_all",
    "render_description",
    "render_mermaid",
    "render_plan",
    "render_schema",
    "schema_overview",
    "schema_page",
    "select_tables",
    "spelled_as",
    "summarize_plan",
]
