"""Built-in prompts that bring real context from the database into the conversation."""

from __future__ import annotations

from pydantic import BaseModel

from azsql_mcp import RegisterPrompt, hookimpl
from azsql_mcp.plugins.builtin_prompts import guides


@hookimpl
def register_prompts(register: RegisterPrompt, config: BaseModel | None) -> None:
    register(guides.sql_query_builder, name="sql_query_builder")
    register(guides.analyze_performance, name="analyze_performance")
    register(guides.data_migration_guide, name="data_migration_guide")
    register(guides.database_troubleshooting, name="database_troubleshooting")
