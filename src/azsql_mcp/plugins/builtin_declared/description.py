"""A declared tool's description: the operator's text, plus what the model needs to
know about the call (for a procedure, its parameters as the catalog describes them)."""

from __future__ import annotations

from collections.abc import Sequence

from azsql_mcp.plugins.builtin_declared.model import NOT_ASCII, ToolDecl, is_other_script
from azsql_mcp.plugins.builtin_declared.parameters import CatalogParameter, offered, undeclared


def describe(decl: ToolDecl, found: Sequence[CatalogParameter] | None = None) -> str:
    """`found`: the procedure's parameters from sys.parameters, once its source was
    reached; before that only the declared parameters are listed."""
    claimed = [p for p, d in decl.parameters.items() if d.from_claim is not None]
    lines = [decl.description]
    if decl.procedure is not None:
        lines.append(
            f"Calls the stored procedure {decl.procedure}; returns every result set (each"
            " capped), the OUTPUT parameters and the return value."
        )
        if found is not None:
            lines += _catalog_lines(decl, found)
        elif decl.parameters:
            declared = ", ".join(f"@{p} {d.type}" for p, d in decl.parameters.items())
            lines.append(f"Parameters: {declared}.")
    if decl.writes:
        lines.append("Changes data, committed in one transaction.")
    elif decl.procedure is not None:
        lines.append("Read-only: its changes are rolled back.")
    else:
        lines.append("Read-only; results are capped: pass next_cursor as cursor for more.")
    if claimed:
        lines.append(f"Filled from the caller's identity: {', '.join(claimed)}.")
    return "\n".join(lines)


def _catalog_lines(decl: ToolDecl, found: Sequence[CatalogParameter]) -> list[str]:
    if not found:
        return ["Parameters: none."]
    listed = ", ".join(f"@{p.name} {p.sql_type}{' OUTPUT' if p.is_output else ''}" for p in found)
    lines = [f"Parameters: {listed}."]
    if any(p.is_output for p in found):
        lines.append("OUTPUT values come back in `outputs`.")
    inputs = offered(decl, found)
    kept = [p for p in undeclared(decl, found) if not p.is_output and p.name not in inputs]
    if kept:
        names = ", ".join(f"@{p.name} {p.sql_type}" for p in kept)
        lines.append(f"Not offered (the procedure's default applies): {names}.")
        if any(is_other_script(p.name) for p in kept):
            lines.append(f"A name with {NOT_ASCII}, is not offered.")
    if inputs:
        lines.append(
            "Omit an optional parameter to use the procedure's default (SQL Server"
            " reports a parameter that has none)."
        )
    return lines
