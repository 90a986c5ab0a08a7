"""A registered tool as a FastMCP component: at assembly, when a reload changes the
tools declared in config, and when a tool is completed from its source's catalog."""

from __future__ import annotations

from fastmcp.tools import Tool
from fastmcp.utilities.types import NotSet

from azsql_mcp.core.outputs import output_schema
from azsql_mcp.core.plugins import ToolSpec
from azsql_mcp.serving.clientauth import ScopePolicy
from azsql_mcp.serving.injection import docstring_description, inject
from azsql_mcp.serving.runtime import Runtime


def tool_component(spec: ToolSpec, runtime: Runtime, policy: ScopePolicy) -> Tool:
    """The FastMCP tool of one registered tool, its ToolContext injected."""
    fn = inject(
        spec.fn,
        runtime,
        plugin=spec.plugin,
        kind="tool",
        writes=spec.writes,
        fixed_source=spec.source,
    )
    declared = spec.output_schema
    return Tool.from_function(
        fn,
        # a declared result model, else FastMCP infers one from the return type
        output_schema=NotSet if declared is None else output_schema(declared),
        name=spec.name,
        title=spec.title,
        description=docstring_description(fn, spec.description),
        tags=spec.tags,
        annotations=spec.annotations,
        auth=policy,
    )
