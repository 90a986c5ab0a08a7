"""explain_query, database_info, health_check, list_long_running_queries, list_available_tools."""

from __future__ import annotations

from typing import Annotated

from fastmcp.exceptions import ToolError
from fastmcp.server.dependencies import get_context
from fastmcp.tools import ToolResult
from pydantic import BaseModel, Field

from azsql_mcp import DatabaseError, ToolContext, advice, catalog, render_advice
from azsql_mcp.catalog import access, dialect_functions, from_names, masking, near_names, versions
from azsql_mcp.plugins.builtin_tools.common import clear_errors, respond
from azsql_mcp.plugins.builtin_tools.query import ParamValue
from azsql_mcp.values import cell_text, fence_untrusted


class ExplainResult(BaseModel):
    plan: catalog.PlanSummary
    xml: str | None = None


async def explain_query(
    ctx: ToolContext,
    query: Annotated[str, Field(description="one SELECT (CTEs allowed); values as @name")],
    params: Annotated[
        dict[str, ParamValue] | None,
        Field(description="@name values; the plan is estimated for unknown values"),
    ] = None,
    include_xml: Annotated[bool, Field(description="also return the raw ShowPlanXML")] = False,
) -> ToolResult:
    """Show the estimated plan of a SELECT without running it.

    Operators with estimated rows and cost, warnings, and missing-index suggestions.
    Use to find why a query is slow. Needs the SHOWPLAN permission in the database.
    """
    # params are accepted so a read_data call can be explained as it stands; the batch
    # declares each @name without a value (driverdescribe.showplan), as SQL Server estimates a
    # local variable, so their values do not change the plan.
    del params
    try:
        xml = await ctx.db.explain(query)
    except DatabaseError as e:
        if e.number != access.SHOWPLAN_DENIED:
            # A plan needs the permission to run the query too ("Showplan Security"):
            # a table, column or DMV the user may not read is error 229, 230 or 300 and
            # 297, as in read_data.
            message = (
                await access.select_missing(ctx.db, e)
                or await access.call_missing(ctx.db, e)
                or await access.state_missing(ctx.db, e)
                or await versions.missing_built_in(ctx.db, e)
                or dialect_functions.other_dialect(e)
                or await near_names.unknown_name(ctx.db, e, query)
                or from_names.unbound_name(e, query)
            )
            if message is None:
                raise
            # SQL Server's error with what to do: its number still ends the message
            raise e.reworded(message) from e
        user = await access.database_user(ctx.db)
        raise e.reworded(access.showplan_missing(user)) from e
    with clear_errors():
        plan = catalog.summarize_plan(xml)
    text = fence_untrusted(catalog.render_plan(plan), what="the estimated plan")
    if include_xml:
        text += "\n" + fence_untrusted(xml, what="the plan as ShowPlanXML")
    return respond(ExplainResult(plan=plan, xml=xml if include_xml else None), text)


async def database_info(ctx: ToolContext) -> ToolResult:
    """Server version and edition, database name, compatibility level, collation, size,
    and the service objective on Azure SQL."""
    info = await catalog.database_info(ctx.db)
    lines = [f"{name}: {cell_text(value)}" for name, value in info.shown().items()]
    text = fence_untrusted("\n".join(lines), what="database properties")
    # the built-ins this version and level lack (STRING_AGG on 2016) lead the answer
    lacking = versions.missing(versions.Platform.of(info))
    return respond(info, f"{lacking}\n{text}" if lacking else text)


class HealthResult(BaseModel):
    source: str
    sources: list[str]
    connected: bool
    status: catalog.SourceStatus
    latency_ms: float | None
    error: str | None
    read_only: bool
    pool: dict[str, int]
    permissions: catalog.Permissions | None
    state_access: access.StateAccess | None
    notes: list[str]


async def health_check(ctx: ToolContext) -> ToolResult:
    """Check the connection: latency, pool state, read-only mode, and what the database
    login may do, such as SHOWPLAN or the state permission that shows other sessions."""
    if not ctx.sources:  # nothing to check: an error, not a healthy-looking answer
        raise ToolError(
            "no database source is configured: add a [sources.NAME] table to the config"
            " file, or set AZURE_SQL_SERVER and AZURE_SQL_DATABASE (docs/configuration.md)"
        )
    latency: float | None = None
    error: str | None = None
    grants: catalog.Permissions | None = None
    state: access.StateAccess | None = None
    unmask: str | None = None
    status: catalog.SourceStatus = "not connected"
    try:
        latency = round(await ctx.db.ping(), 2)
        status = "connected"
        grants = await catalog.permissions(ctx.db)
        state = await access.state_access(ctx.db)
        unmask = masking.unmask_missing(await masking.masked_for_user(ctx.db))
    except DatabaseError as e:
        busy = catalog.busy_reason(e, ctx.db.limits.query_timeout_s)
        status = "busy" if busy else status
        error = busy or e.numbered()
    # the structured result's texts are data to the boundary: their advice is said here
    notes = _permission_notes(grants, state, unmask, writable=not ctx.db.security.read_only)
    health = HealthResult(
        source=ctx.source,
        sources=ctx.sources,
        connected=status != "not connected",
        status=status,
        latency_ms=latency,
        error=None if error is None else await render_advice(error, ctx.may_call),
        read_only=ctx.db.security.read_only,
        pool=ctx.db.pool_stats(),
        permissions=grants,
        state_access=state,
        notes=[await render_advice(note, ctx.may_call) for note in notes],
    )
    line = {
        "connected": f"connected, {latency} ms",
        "busy": f"connected but busy: {error}",
        "not connected": f"NOT connected: {error}",
    }[status]
    lines = [f"source {ctx.source}: {line}", f"read_only: {health.read_only}"]
    if health.pool:
        lines.append("pool: " + ", ".join(f"{k}={v}" for k, v in health.pool.items()))
    if grants:
        lines.append(f"login {cell_text(grants.login_name)}, user {cell_text(grants.user_name)}")
    if status == "connected" and health.error:  # the ping answered; a permission read did not
        lines.append(_unread_permissions(grants, health.error))
    lines.extend(health.notes)
    return respond(health, "\n".join(lines))


def _unread_permissions(grants: catalog.Permissions | None, error: str) -> str:
    """What a failed permission read (after a good ping) leaves unknown, and which tools
    may then fail for want of a permission."""
    failed = error.rstrip(". ")
    if grants is None:
        return (
            f"permissions unknown: reading them failed: {failed}. The connection works, but"
            " calls may fail for a permission this login lacks: SELECT (reads), SHOWPLAN"
            " (plans), the server-state permission (other sessions' requests). Call"
            " health_check again to retry the read."
        )
    return (
        f"whether this login sees other sessions is unknown: reading it failed: {failed}."
        + advice("list_long_running_queries", " list_long_running_queries may fail.")
        + " Call health_check again to retry the read."
    )


def _permission_notes(
    grants: catalog.Permissions | None,
    state: access.StateAccess | None,
    unmask: str | None,
    *,
    writable: bool,
) -> list[str]:
    if grants is None:
        return []
    user = grants.user_name or ""
    notes = []
    if not grants.can_select:  # not in db_datareader: SELECT granted table by table, if at all
        notes.append("no SELECT on the database: " + access.database_select_missing(user))
    lacking = [
        name
        for name, held in (
            ("INSERT", grants.can_insert),
            ("UPDATE", grants.can_update),
            ("DELETE", grants.can_delete),
        )
        if not held
    ]
    if writable and lacking:  # write tools are listed; without these they meet error 229
        notes.append(f"no {', '.join(lacking)} on the database: " + access.writes_missing(user))
    if state is not None and not state.sees_all_sessions:
        notes.append(
            f"no {state.permission}: "
            + advice(
                "list_long_running_queries",
                "list_long_running_queries cannot see other sessions",
                "other sessions' requests are not visible",
            )
            + f" ({state.grant})"
        )
    if not grants.showplan:
        notes.append(
            "no SHOWPLAN: "
            + advice(
                "explain_query",
                "explain_query cannot show estimated plans",
                "estimated plans cannot be shown",
            )
            + f" ({access.showplan_grant(user)})"
        )
    if not grants.view_definition:  # the catalog shows these definitions as NULL
        notes.append(
            "no VIEW DEFINITION: table descriptions show the definitions of defaults, CHECK"
            " constraints and computed columns as hidden, and no row-level security policy"
            f" ({access.view_definition_grant(user)})"
        )
    if unmask:  # masked columns read masked (catalog/masking.py)
        notes.append(unmask)
    if grants.is_db_owner:
        notes.append("the login is db_owner: prefer a least-privilege user")
    return notes


class RunningQueries(BaseModel):
    queries: list[catalog.RunningQuery]
    truncated: bool


async def list_long_running_queries(
    ctx: ToolContext,
    min_seconds: Annotated[float, Field(ge=0, description="minimum elapsed seconds")] = 5,
) -> ToolResult:
    """List queries running now for at least min_seconds, longest first, with waits and
    blockers. Needs VIEW SERVER STATE (up to SQL Server 2019), VIEW SERVER PERFORMANCE
    STATE (2022) or VIEW DATABASE STATE (Azure SQL Database)."""
    queries, truncated = await catalog.long_running_queries(ctx.db, min_seconds)
    state = await access.state_access(ctx.db)
    if not state.sees_all_sessions:
        # The DMVs showed this session only: "none running" would be a wrong answer.
        raise ToolError(
            f"Cannot list running queries: the login lacks {state.permission}, so the server"
            " shows it only its own session. A DBA can grant it with: " + state.grant
        )
    result = RunningQueries(queries=queries, truncated=truncated)
    if not queries:
        return respond(result, f"No queries running for {min_seconds:g} s or more.")
    lines = [
        f"session {q.session_id} {q.status} {q.elapsed_s:g}s cpu {q.cpu_s:g}s"
        f" wait {cell_text(q.wait_type)} blocked_by {q.blocking_session_id or '-'}"
        f" {cell_text(q.login_name)}@{cell_text(q.host_name)}: {cell_text(q.statement_text)}"
        for q in queries
    ]
    summary = f"{len(queries)} running queries" + (" (truncated)" if truncated else "")
    return respond(result, summary + "\n" + fence_untrusted("\n".join(lines), what="requests"))


class ToolLine(BaseModel):
    name: str
    description: str
    read_only: bool


class ToolList(BaseModel):
    tools: list[ToolLine]


async def list_available_tools() -> ToolResult:
    """List the tools this client can call, one line each."""
    seen: dict[str, ToolLine] = {}
    for tool in await get_context().fastmcp.list_tools():
        if tool.name in seen:
            continue  # several versions of one tool: the list is by name
        first_paragraph = (tool.description or "").strip().split("\n\n")[0]
        summary = " ".join(first_paragraph.split()).rstrip(".")
        read_only = bool(tool.annotations and tool.annotations.read_only_hint)
        seen[tool.name] = ToolLine(name=tool.name, description=summary, read_only=read_only)
    tools = sorted(seen.values(), key=lambda t: t.name)
    text = "\n".join(
        f"{t.name}{'' if t.read_only else ' (writes)'}: {t.description}" for t in tools
    )
    return respond(ToolList(tools=tools), text)
