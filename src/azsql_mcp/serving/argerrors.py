"""Argument errors an agent can act on: pydantic's report of a tool call's arguments,
rewritten as one or two sentences naming the argument, what was given and what the
tool accepts.

FastMCP validates a call's arguments before the tool runs and raises its
`ValidationError` (caused by pydantic's); the tool-call middleware (toolcalls.py) turns
that into the ToolError made here, whose message reaches the client even with error
details masked.
"""

from __future__ import annotations

from typing import Any

from fastmcp.exceptions import ToolError, ValidationError
from fastmcp.server.middleware import MiddlewareContext
from fastmcp.tools import Tool
from pydantic import ValidationError as PydanticValidationError

from azsql_mcp.serving.injection import SOURCE_ARG

MAX_SHOWN = 60  # characters of a given value quoted back


async def rewritten(context: MiddlewareContext[Any], exc: ValidationError) -> ToolError | None:
    """The ToolError for a tool call whose arguments failed validation; None when the
    error did not come from pydantic (it is raised as it is)."""
    cause = exc.__cause__
    if not isinstance(cause, PydanticValidationError):
        return None
    name = context.message.name
    tool = None
    if context.fastmcp_context is not None:
        tool = await context.fastmcp_context.fastmcp.get_tool(name)
    return ToolError(argument_error(name, tool, cause))


def argument_error(name: str, tool: Tool | None, error: PydanticValidationError) -> str:
    """`read_data: ...; it takes query (required), params, max_rows, cursor.`"""
    schema = tool.parameters if tool is not None else {}
    properties: dict[str, Any] = schema.get("properties", {})
    problems = [_problem(e, properties) for e in error.errors(include_url=False)]
    problems = list(dict.fromkeys(problems))  # one line per argument, said once
    required = set(schema.get("required", []))
    accepted = ", ".join(f"{p} (required)" if p in required else p for p in properties)
    text = f"Invalid arguments for {name}: {'; '.join(problems)}."
    return text + (f" It takes {accepted}." if accepted else " It takes no arguments.")


def _problem(error: Any, properties: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    arg = loc[0] if loc else "?"
    where = ".".join(loc) or "?"
    kind = error.get("type", "")
    if kind in {"missing", "missing_argument"}:
        about = properties.get(arg, {}).get("description")
        return f"{arg} is missing" + (f" ({about})" if about else "")
    if kind in {"unexpected_keyword_argument", "extra_forbidden"}:
        return f"{arg} is not one of its arguments"
    given = _shown(error.get("input"))
    if arg == SOURCE_ARG and kind in {"literal_error", "enum"}:
        names = ", ".join(str(n) for n in properties.get(SOURCE_ARG, {}).get("enum", []))
        return f"source {given} is not a configured source (configured: {names})"
    message = str(error.get("msg", "is not valid"))
    if message.startswith("Input should"):
        message = "should" + message[len("Input should") :]
    return f"{where} was {given}, but {message[0].lower()}{message[1:]}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
