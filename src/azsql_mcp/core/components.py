"""A registered tool as a FastMCP component: at assembly, when a reload changes the
tools declared in config, and when a tool is completed from its source's catalog."""

from __future__ import annotations

from typing import Any, cast

import pydantic_core
from fastmcp.exceptions import ToolError
from fastmcp.tools import Tool
from fastmcp.tools.base import ToolResult
from fastmcp.tools.function_tool import FunctionTool
from fastmcp.utilities.types import NotSet

from azsql_mcp.core.outputs import output_schema
from azsql_mcp.core.plugins import ToolSpec
from azsql_mcp.serving.clientauth import ScopePolicy
from azsql_mcp.serving.injection import docstring_description, inject
from azsql_mcp.serving.runtime import Runtime


class PluginTool(FunctionTool):
    """A plugin's tool: a result it returns that cannot be sent as JSON is the plugin's
    bug, so the server's log says so, naming the plugin, and the client gets the
    masked "Error calling tool" (FastMCP's own ToolError would give the client advice
    meant for the plugin's author, and the log no reason)."""

    plugin: str = ""

    def convert_result(self, raw_value: Any) -> ToolResult:
        try:
            return super().convert_result(raw_value)
        except ToolError as exc:
            cause = exc.__cause__
            if not isinstance(cause, pydantic_core.PydanticSerializationError | UnicodeDecodeError):
                raise
            raise TypeError(
                f"plugin {self.plugin!r}: tool {self.name!r} returned a value that cannot be"
                f" sent as JSON ({cause}); return str, int, float, bool, None, lists and dicts"
                " of them, or a pydantic model, as its return annotation says"
            ) from cause


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
    # from_function makes an instance of the class it is called on
    tool = cast(
        PluginTool,
        PluginTool.from_function(
            fn,
            # a declared result model, else FastMCP infers one from the return type
            output_schema=NotSet if declared is None else output_schema(declared),
            name=spec.name,
            title=spec.title,
            description=docstring_description(fn, spec.description),
            tags=spec.tags,
            annotations=spec.annotations,
            auth=policy,
        ),
    )
    tool.plugin = spec.plugin
    return tool
