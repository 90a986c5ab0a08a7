"""One declared stored procedure as a tool: the call is built by the database layer from
the declaration (never from a client's text); OUTPUT parameters and their types come
from sys.parameters, read once per source at the first call, which also checks that the
procedure and every declared parameter exist."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from pydantic import BaseModel

from azsql_mcp import ToolContext
from azsql_mcp.catalog.tables import format_sql_type
from azsql_mcp.plugins.builtin_declared.model import ToolDecl
from azsql_mcp.plugins.builtin_declared.tool import claimed_values, parameter, respond
from azsql_mcp.values import StructuredResult, render_result, result_to_structured

PARAMETERS = """
SELECT p.name, TYPE_NAME(p.user_type_id) AS type_name, p.max_length, p.[precision], p.scale,
       p.is_output
FROM sys.parameters AS p
WHERE p.object_id = OBJECT_ID(@procedure, 'P')
ORDER BY p.parameter_id"""
EXISTS = "SELECT OBJECT_ID(@procedure, 'P')"


class ProcedureOutput(BaseModel):
    result_sets: list[StructuredResult]
    outputs: dict[str, Any]
    return_value: int | None
    duration_ms: float


def make_procedure(name: str, decl: ToolDecl) -> Callable[..., Awaitable[ToolResult]]:
    procedure = decl.procedure or ""
    claimed = {p: d for p, d in decl.parameters.items() if d.from_claim is not None}
    outputs_of: dict[str, dict[str, str]] = {}  # source -> OUTPUT parameter -> SQL type

    async def declared_procedure(ctx: ToolContext, **arguments: Any) -> ToolResult:
        if ctx.source not in outputs_of:
            outputs_of[ctx.source] = await _outputs(ctx, name, decl)
        params = dict(arguments) | claimed_values(name, claimed, ctx.client.claims)
        result = await ctx.db.call_procedure(
            procedure, params, outputs=outputs_of[ctx.source], writes=decl.writes
        )
        sets = [result_to_structured(r) for r in result.result_sets]
        structured = ProcedureOutput(
            result_sets=sets,
            outputs=result.outputs,
            return_value=result.return_value,
            duration_ms=round(result.duration_ms, 1),
        )
        parts = [f"Result set {i + 1}: {render_result(s)}" for i, s in enumerate(sets)]
        parts.append(f"Return value: {result.return_value}; OUTPUT parameters: {result.outputs}")
        if decl.writes:
            parts.append("Committed.")
        return respond(structured, "\n\n".join(parts))

    parameters = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ToolContext)
    ]
    parameters += [parameter(p, d) for p, d in decl.parameters.items() if d.from_claim is None]
    parameters[1:] = sorted(parameters[1:], key=lambda p: p.default is not inspect.Parameter.empty)
    declared_procedure.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=ToolResult
    )
    declared_procedure.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": ToolResult
    }
    declared_procedure.__name__ = declared_procedure.__qualname__ = name
    declared_procedure.__doc__ = decl.description
    return declared_procedure


async def _outputs(ctx: ToolContext, tool: str, decl: ToolDecl) -> dict[str, str]:
    """OUTPUT parameter -> SQL type, from the catalog; checks the declaration against it."""
    procedure = decl.procedure or ""
    rows = (await ctx.db.read(PARAMETERS, {"procedure": procedure}, max_rows=2100)).rows
    if not rows:
        found = (await ctx.db.read(EXISTS, {"procedure": procedure})).rows
        if not found or found[0][0] is None:
            raise ToolError(
                f"tools.{tool}.procedure: source {ctx.source!r} has no procedure {procedure!r}"
                " (or this login may not see it); fix the name in the config"
            )
    known = {str(r[0]).lstrip("@").casefold() for r in rows}
    missing = [p for p in decl.parameters if p.casefold() not in known]
    if missing:
        raise ToolError(
            f"tools.{tool}.parameters.{missing[0]}: procedure {procedure!r} has no parameter"
            f" @{missing[0]} (its parameters: {', '.join(sorted(known)) or 'none'})"
        )
    return {
        str(r[0]).lstrip("@"): format_sql_type(str(r[1]), int(r[2]), int(r[3]), int(r[4]))
        for r in rows
        if r[5]
    }
