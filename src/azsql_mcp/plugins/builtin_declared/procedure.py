"""One declared stored procedure as a tool: the call is built by the database layer from
the declaration (never from a client's text). What the declaration leaves out comes
from sys.parameters (parameters.py): the tool's `resolve` reads it once the source is
first reached, checks that the procedure and every declared parameter exist, and
returns the tool again with the undeclared parameters in its input schema and every
parameter in its description. A call that comes first reads it itself."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from pydantic import BaseModel

from azsql_mcp import Database, DatabaseError, DatabaseUnavailable, ResolvedTool, ToolContext
from azsql_mcp.catalog import access, memory_optimized
from azsql_mcp.plugins.builtin_declared.description import describe
from azsql_mcp.plugins.builtin_declared.fitting import check_values, fitted
from azsql_mcp.plugins.builtin_declared.model import ToolDecl
from azsql_mcp.plugins.builtin_declared.parameters import (
    CatalogParameter,
    Procedure,
    ProcedureCatalog,
    offered,
    problems_of,
)
from azsql_mcp.plugins.builtin_declared.tool import (
    claimed_values,
    noted,
    parameter,
    python_name,
    python_names,
    respond,
    sql_value,
)
from azsql_mcp.values import (
    StructuredResult,
    cell_text,
    fence_untrusted,
    render_result,
    result_to_structured,
)

OFFSET_KEPT = (
    "A UTC offset is kept for a datetimeoffset parameter; for another type the value is"
    " passed as the same instant in UTC."
)


class ProcedureOutput(BaseModel):
    result_sets: list[StructuredResult]
    outputs: dict[str, Any]
    return_value: int | None
    duration_ms: float
    rows_affected: int | None = None  # writes = true: the rows it changed, when counted
    messages: list[str] = []  # PRINT and RAISERROR of severity 10 or less, in order


# "Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT
# statements": the procedure ran COMMIT or ROLLBACK (or left a transaction open).
TRANSACTION_COUNT_CHANGED = 266


# error 266's counts ("Previous count = %ld, current count = %ld.")
_COUNTS = re.compile(r"Previous count = (\d+), current count = (\d+)")


def _ended_transaction(procedure: str, writes: bool, error: str) -> str:
    counts = _COUNTS.search(error)
    if counts is not None and int(counts.group(2)) > int(counts.group(1)):
        # a BEGIN TRANSACTION left open nests in azsql-mcp's, which is rolled back
        return (
            f"{procedure} left a transaction open (a BEGIN TRANSACTION without its COMMIT):"
            f" {error} Nothing it changed was committed: azsql-mcp rolled back the"
            " transaction it runs the procedure in, and the open one with it. A procedure"
            " tool must end what it begins: give the BEGIN TRANSACTION its COMMIT, or"
            " declare a procedure that leaves the transaction to azsql-mcp."
        )
    kept = (
        "this tool is declared writes = false, so azsql-mcp would have rolled it back"
        if not writes
        else "azsql-mcp did not commit it and cannot tell what the procedure kept"
    )
    return (
        f"{procedure} ended the transaction azsql-mcp runs it in (a COMMIT or ROLLBACK"
        f" inside it): {error} What it changed before that may already be committed, and"
        f" cannot be rolled back from here; {kept}. A procedure tool must leave the"
        " transaction to azsql-mcp: remove COMMIT and ROLLBACK from the procedure, or"
        " declare one that does not end the caller's transaction."
    )


def _committed(rows: int | None) -> str:
    if rows is not None:
        return f"Committed: {rows} row(s) changed."
    return (
        "Committed. How many rows changed is not known: no row count came back (the"
        " procedure runs SET NOCOUNT ON, the FreeTDS driver passes no counts of a"
        " procedure's statements on, or it changed nothing)."
    )


def _outputs_text(outputs: dict[str, Any]) -> str:
    """The OUTPUT values, fenced: text from the database, which may hold instructions
    as a row may."""
    if not outputs:
        return "; no OUTPUT parameters."
    body = "\n".join(f"@{name} = {cell_text(value)}" for name, value in outputs.items())
    return "; OUTPUT parameters:\n" + fence_untrusted(
        body, what="the OUTPUT parameter values the procedure returned"
    )


def make_procedure(
    name: str,
    decl: ToolDecl,
    catalog: ProcedureCatalog,
    found: Sequence[CatalogParameter] | None = None,
) -> Callable[..., Awaitable[ToolResult]]:
    """The tool function; with `found` (the procedure's catalog parameters) its
    signature offers the undeclared ones too, each optional."""
    procedure = decl.procedure or ""
    claimed = {p: d for p, d in decl.parameters.items() if d.from_claim is not None}

    inputs = offered(decl, found) if found is not None else {}
    # the declared parameters within their SQL types' bounds, once the catalog is read
    declared = fitted(name, decl, found)[0] if found is not None else decl.parameters
    real = python_names([*decl.parameters, *inputs])

    async def declared_procedure(ctx: ToolContext, **arguments: Any) -> ToolResult:
        found = await checked(name, decl, catalog, ctx.db)
        parameters = found.parameters or []
        arguments = {real.get(k, k): v for k, v in arguments.items()}
        outputs = {p.name: p.sql_type for p in parameters if p.is_output}
        # an omitted catalog parameter is not passed: the procedure's default applies
        given = {k: v for k, v in arguments.items() if v is not None}
        given |= claimed_values(name, claimed, ctx.client.claims)
        known = {p.name.casefold() for p in parameters}
        gone = [f"@{key}" for key in given if key.casefold() not in known]
        if gone:  # offered when the tool was listed, since dropped by an ALTER PROCEDURE
            raise ToolError(
                f"{name}: {procedure} no longer has {', '.join(gone)}: it takes"
                f" {signature(parameters)} now. Call it without {', '.join(gone)}."
            )
        # what SQL Server would silently change is refused (a call before the tool was
        # resolved has not had the SQL types' bounds in its schema)
        specs = fitted(name, decl, parameters)[0]
        unfit = check_values(given, specs, parameters, found.code_page)
        if unfit:
            raise ToolError(f"{name}: " + "\n".join(unfit))
        types = {p.name.casefold(): p.base_type for p in parameters}
        params = {
            key: sql_value(key, value, types.get(key.casefold())) for key, value in given.items()
        }
        try:
            result = await ctx.db.call_procedure(
                procedure, params, outputs=outputs, writes=decl.writes
            )
        except DatabaseError as e:
            altered = await _altered(catalog, ctx.db, procedure, parameters, e)
            if altered is not None:
                raise e.reworded(altered) from e
            if e.number == TRANSACTION_COUNT_CHANGED:
                ended = _ended_transaction(procedure, decl.writes, str(e))
                raise e.reworded(ended) from e
            advice = await memory_optimized.isolation_advice(ctx.db, e)
            if advice is not None:
                raise e.reworded(advice) from e
            if e.number != access.OBJECT_PERMISSION_DENIED:
                raise
            user = await access.database_user(ctx.db)
            raise e.reworded(access.execute_missing(str(e), user, procedure)) from e
        sets = [result_to_structured(r) for r in result.result_sets]
        structured = ProcedureOutput(
            result_sets=sets,
            outputs=result.outputs,
            return_value=result.return_value,
            duration_ms=round(result.duration_ms, 1),
            rows_affected=result.rows_affected,
            messages=result.messages,
        )
        parts = [f"Result set {i + 1}: {render_result(s)}" for i, s in enumerate(sets)]
        parts.append(f"Return value: {result.return_value}" + _outputs_text(result.outputs))
        if result.messages:
            lines = "\n".join(cell_text(text) for text in result.messages)
            parts.append("Messages:\n" + fence_untrusted(lines, what="the procedure's messages"))
        if decl.writes:
            parts.append(_committed(result.rows_affected))
        return respond(structured, "\n\n".join(parts))

    parameters = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ToolContext)
    ]
    parameters += [
        parameter(p, noted(d, OFFSET_KEPT), python=python_name(real, p))
        for p, d in declared.items()
        if d.from_claim is None
    ]
    parameters[1:] = sorted(parameters[1:], key=lambda p: p.default is not inspect.Parameter.empty)
    parameters += [
        parameter(p, d, optional=True, python=python_name(real, p)) for p, d in inputs.items()
    ]
    declared_procedure.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=ToolResult
    )
    declared_procedure.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": ToolResult
    }
    declared_procedure.__name__ = declared_procedure.__qualname__ = name
    declared_procedure.__doc__ = decl.description
    return declared_procedure


def signature(parameters: Sequence[CatalogParameter]) -> str:
    listed = (f"@{p.name} {p.sql_type}{' OUTPUT' if p.is_output else ''}" for p in parameters)
    return ", ".join(listed) or "no parameters"


async def _altered(
    catalog: ProcedureCatalog,
    db: Database,
    procedure: str,
    used: Sequence[CatalogParameter],
    error: DatabaseError,
) -> str | None:
    """Why a call failed when the procedure's parameters have changed since they were
    read (an ALTER PROCEDURE): they are read again, and the next call uses them."""
    if isinstance(error, DatabaseUnavailable):
        return None
    try:
        now = (await catalog.procedure(db, procedure, again=True)).parameters
    except DatabaseError:
        return None
    if now is None or list(now) == list(used):  # dropped: the next call says so
        return None
    return (
        f"{error} {procedure} was altered after azsql-mcp read its parameters: it took"
        f" {signature(used)}, and takes {signature(now)} now. It has read them again,"
        " checks the next call against them and lists the tool again with them (list the"
        " tools again to see its new input schema)."
    )


def resolver(
    name: str, decl: ToolDecl, catalog: ProcedureCatalog
) -> Callable[[Database], Awaitable[ResolvedTool]]:
    """The tool's `resolve`: its problems, or the tool with the catalog's parameters."""

    async def resolve(db: Database) -> ResolvedTool:
        found, problems = await _lookup(name, decl, catalog, db)
        if problems:
            return ResolvedTool(problems=problems)
        parameters = found.parameters or []
        procedure, source = decl.procedure or "", db.source
        return ResolvedTool(
            fn=make_procedure(name, decl, catalog, parameters),
            description=describe(decl, parameters),
            # an ALTER PROCEDURE seen by a call: listed again with the new parameters
            outdated=lambda: catalog.altered(source, procedure, found.parameters),
        )

    return resolve


async def checked(name: str, decl: ToolDecl, catalog: ProcedureCatalog, db: Database) -> Procedure:
    """What the catalog holds of the procedure, or ToolError naming every problem."""
    found, problems = await _lookup(name, decl, catalog, db)
    if problems:
        raise ToolError("\n".join(problems))
    return found


async def _lookup(
    name: str, decl: ToolDecl, catalog: ProcedureCatalog, db: Database
) -> tuple[Procedure, list[str]]:
    found = await catalog.procedure(db, decl.procedure or "")
    problems = problems_of(name, decl, db.source, found)
    # no parameters list means no procedure, a problem already
    if found.parameters is not None:
        problems += fitted(name, decl, found.parameters)[1]
    return found, problems
