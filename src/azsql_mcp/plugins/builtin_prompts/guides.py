"""The prompts: each gathers facts from the database, then asks for specific help.

Database-provided text is fenced as untrusted data, as in tool results.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastmcp.exceptions import ValidationError
from pydantic import Field

from azsql_mcp import ADMIN_SCOPE, DatabaseError, ToolContext, advice, catalog
from azsql_mcp.catalog import access, versions
from azsql_mcp.catalog.server import SQL_SERVER_EDITIONS, engine_name
from azsql_mcp.values import cell_text, fence_untrusted

T = TypeVar("T")

OPERATIONS = ("SELECT", "INSERT", "UPDATE", "DELETE")

# What the write tools need the operator to have allowed, said once for every prompt;
# each names its tool to the callers that may call it.
WRITE_NOTE = (
    "INSERT, UPDATE and DELETE run"
    + advice("insert_data", " (INSERT through insert_data)")
    + advice("update_data", " (UPDATE and DELETE through update_data)")
    + " only when the server is not read-only; UPDATE and DELETE need a WHERE clause."
)


async def sql_query_builder(
    ctx: ToolContext,
    table: Annotated[str, Field(description="schema.table, e.g. SalesLT.Customer")],
    operation: Annotated[str, Field(description="SELECT, INSERT, UPDATE or DELETE")] = "SELECT",
) -> str:
    """Write a T-SQL statement for one table, from its real columns and keys."""
    # An argument that names no operation or table is the client's to fix: MCP's invalid
    # params (-32602), as a missing argument is, not an internal error (-32603).
    verb = operation.strip().upper()
    if verb not in OPERATIONS:
        raise ValidationError(
            f"operation must be one of {', '.join(OPERATIONS)} (got {operation!r})"
        )
    try:
        info = await catalog.describe_table(ctx.db, table)
    except catalog.CatalogError as e:
        raise ValidationError(str(e)) from e
    tool = (
        "read_data" if verb == "SELECT" else ("insert_data" if verb == "INSERT" else "update_data")
    )
    # a tool switched off or beyond this caller's scopes is not named: the model would call it
    offered = await ctx.may_call(tool)
    if verb == "SELECT":
        run = (
            "Use TOP (n) to keep results small; to page, ORDER BY a unique key (or columns"
            " unique together), or rows tied on the order may repeat or go missing between"
            " pages. "
        )
        run += (
            f"Run it with the {tool} tool, with the parameters in params." if offered else ELSEWHERE
        )
    elif ctx.db.security.read_only:
        # the write tools are not listed: naming one would send the model after it
        run = (
            "This server is read-only, so no tool here runs it: show me the statement and"
            " its parameters to run elsewhere."
        )
    elif not offered:
        run = ELSEWHERE
    else:
        missing = await access.table_write_missing(ctx.db, info.schema_name, info.name, verb, tool)
        run = (
            WRITE_NOTE
            + " "
            + (
                f"{missing} Show me the statement and its parameters, to run once it is granted."
                if missing
                else f"Run it with the {tool} tool, with the parameters in params."
                + _returned_values(verb, info)
            )
        )
    user = await catalog.definitions_grantee(ctx.db, info)
    described = catalog.render_description(catalog.fit_description(info), user=user)
    return (
        f"Help me write a T-SQL {verb} statement for {_unfenced(info)}.\n\n"
        f"This is the {info.type} as the database describes it:\n{described}\n\n"
        "Rules: SQL Server T-SQL only; one statement; name the columns explicitly; pass every"
        " value as an @name parameter (never inside the SQL text); use the keys above for joins"
        " and filters. " + await _built_ins(ctx) + _date_values(info) + run
    )


ELSEWHERE = (
    "No tool this caller may use runs it: show me the statement and its parameters to run"
    " elsewhere."
)


async def _built_ins(ctx: ToolContext) -> str:
    """The built-ins this database's version and compatibility level lack (STRING_AGG on
    SQL Server 2016, STRING_SPLIT below level 130), for the statement to avoid; "" when
    it has them all, or the server would not say."""
    try:
        return versions.missing(await versions.platform(ctx.db))
    except DatabaseError:
        return ""


# The types that read 'yyyy-mm-dd' by the session's date order ("datetime
# (Transact-SQL)"): as yyyy-dd-mm under a dmy language such as British or Deutsch.
_LANGUAGE_READ_DATES = frozenset(["datetime", "smalldatetime"])


def _date_values(info: catalog.TableDescription) -> str:
    """For a table with a datetime or smalldatetime column: the forms of its values that
    every session language reads alike (a parameter sent as text converts as a literal)."""
    if not any(c.type in _LANGUAGE_READ_DATES for c in info.columns):
        return ""
    return (
        "Give datetime values as 'yyyy-mm-ddThh:mm:ss' or 'yyyymmdd', which SQL Server reads"
        " alike in every session language ('2024-02-01' can be 2 January). "
    )


def _returned_values(verb: str, info: catalog.TableDescription) -> str:
    """For an INSERT into a table with an identity column (SQL Server allows one per
    table): how to get the values SQL Server gives it (the write tools pass an OUTPUT
    clause's rows on)."""
    identity = next((c.name for c in info.columns if c.identity), None)
    if verb != "INSERT" or identity is None:
        return ""
    if not catalog.is_regular(identity):  # not written outside the fence: see _unfenced
        return (
            " To get the values SQL Server assigns the identity column (IDENTITY above), add"
            " OUTPUT inserted.[that column] before VALUES, bracket-quoted as above."
        )
    return (
        f" To get the {identity} values SQL Server assigns, add OUTPUT inserted.{identity}"
        " before VALUES."
    )


def _unfenced(info: catalog.TableDescription) -> str:
    """The table as the prompt's own text names it: schema.table when both are regular
    identifiers; else "the table below", its name only inside the fenced description (a
    name may hold any text, instructions included)."""
    if catalog.is_regular(info.schema_name) and catalog.is_regular(info.name):
        return info.full_name
    return f"the {info.type} below"


async def analyze_performance(
    ctx: ToolContext,
    query: Annotated[str, Field(description="the SELECT to analyse")],
) -> str:
    """Analyse a slow query using its estimated execution plan."""
    # How to go on: a caller denied the plan (no SHOWPLAN, or not given explain_query) is
    # denied explain_query too, so it is not sent there.
    next_steps = WITH_PLAN
    try:
        # the plan is what explain_query shows: to the callers its scopes admit, if it is on
        if not await ctx.may_call(PLAN_TOOL):
            next_steps = WITHOUT_PLAN
            # not said by name: the tool is one this caller may not call
            raise catalog.CatalogError("plans are not shown to this caller")
        plan = catalog.render_plan(catalog.summarize_plan(await ctx.db.explain(query)))
        facts = fence_untrusted(plan, what="the estimated plan")
    except DatabaseError as e:
        if e.number == access.SHOWPLAN_DENIED:
            next_steps = WITHOUT_PLAN
            e = DatabaseError(access.showplan_missing(await access.database_user(ctx.db)))
        elif denied := (  # the plan needs SELECT too, or a DMV's state permission
            await access.select_missing(ctx.db, e)
            or await access.call_missing(ctx.db, e)
            or await access.state_missing(ctx.db, e)
        ):
            next_steps = WITHOUT_PLAN
            e = DatabaseError(denied)
        facts = f"(the estimated plan could not be obtained: {e.numbered()})"
    except catalog.CatalogError as e:
        facts = f"(the estimated plan could not be obtained: {e})"
    return (
        "Analyse the performance of this SQL Server query and suggest concrete improvements"
        " (indexes, rewrites, statistics), most effective first, with the T-SQL for each.\n\n"
        f"Query:\n{fence_untrusted(query, what='the query text')}\n\n"
        f"Estimated plan summary:\n{facts}\n\n" + next_steps
    )


# The tools whose output the prompts show part of: the prompt shows it to the callers
# the tool is offered to (ToolContext.may_call), whatever scopes the operator gave it.
PLAN_TOOL = "explain_query"
REQUESTS_TOOL = "list_long_running_queries"

WITH_PLAN = (
    "Weigh each missing-index suggestion against its write cost, look for scans of large"
    " tables, implicit conversions and row-estimate errors."
    + advice("describe_table", " describe_table shows the existing indexes.")
    + advice(PLAN_TOOL, " explain_query checks a rewrite without running it.")
)
WITHOUT_PLAN = (
    "Without the plan, work from the query and the tables: look for filters and joins on"
    " columns no index starts with, functions or type conversions applied to indexed"
    " columns, leading wildcards in LIKE, SELECT * of wide tables."
    + advice("describe_table", " describe_table shows each table's indexes and column types.")
    + advice(
        "read_data",
        " read_data with SELECT COUNT(*) and the query's filters shows how many rows each keeps.",
    )
    + " Say which suggestions someone who can see the plan should check in it."
)


# The tables a migration plan names, read no further: a database of 5,000 would fill the
# prompt (and reading them all took minutes on a large catalog).
MIGRATION_TABLES_SHOWN = 200


async def data_migration_guide(
    ctx: ToolContext,
    source_system: Annotated[
        str, Field(description="where the data comes from, e.g. Oracle, MySQL, PostgreSQL")
    ],
) -> str:
    """Plan a migration of data from another system into this database."""
    info = await catalog.database_info(ctx.db)
    tables = await catalog.list_tables(ctx.db, limit=MIGRATION_TABLES_SHOWN)
    listing = "\n".join(
        f"{catalog.qualified_text(t.schema_name, t.name)} ({t.type_text()}"
        + (f", ~{t.row_count} rows)" if t.row_count is not None else ")")
        for t in tables.tables
    )
    types = {t.type for t in tables.tables}
    kinds = catalog.listing_kinds(synonyms="synonym" in types, functions="table function" in types)
    listed = (
        f"The first {len(tables.tables)} {kinds} by schema and name (there are more"
        + advice("list_tables", ": list_tables with schema or name_pattern finds them")
        + ")"
        if tables.truncated
        else f"Existing {kinds} ({len(tables.tables)})"
    )
    # the built-ins the T-SQL it suggests must do without
    lacking = versions.missing(versions.Platform.of(info)).rstrip()
    return (
        f"Plan a migration of data from {source_system} into this"
        f" {_product(info)} database.\n\n"
        f"Target: {_target_line(info)}\n"
        + (f"{lacking}\n" if lacking else "")
        + f"{listed}{access.seen_of(tables.only_visible)}:\n"
        f"{fence_untrusted(listing, what='object names')}\n\n"
        f"Cover, specifically for {source_system}: mapping its data types to SQL Server types"
        " (dates, decimals, text encodings and collation, booleans, identity/sequence columns),"
        " the order of loading given the foreign keys"
        + advice("describe_table", " (describe_table shows them)")
        + ", the tooling"
        " to use (Azure Database Migration Service, SSMA, bcp, BULK INSERT or Azure Data"
        " Factory), validating row counts and checksums afterwards, and a rollback plan."
    )


async def database_troubleshooting(
    ctx: ToolContext,
    symptom: Annotated[str, Field(description="what goes wrong, e.g. 'queries time out'")],
) -> str:
    """Diagnose a database problem from its symptom, with live facts from the server."""
    facts: list[str] = []
    offered = {tool for tool in DIAGNOSIS_TOOLS if await ctx.may_call(tool)}
    grants: catalog.Permissions | None = None
    state: access.StateAccess | None = None
    try:
        facts.append(f"Connection round trip: {await ctx.db.ping():.1f} ms")
    except DatabaseError as e:
        facts.append(f"The database could not be queried: {e.numbered()}")
    else:
        info = await _fact(facts, "The server's properties", catalog.database_info(ctx.db))
        if info is not None:
            facts.append("Server: " + _target_line(info))
        grants = await _fact(facts, "The login's permissions", catalog.permissions(ctx.db))
        state = await _fact(
            facts, "Whether the login sees other sessions", access.state_access(ctx.db)
        )
        if grants is not None:
            facts.extend(_permission_facts(offered, grants, state))
        if REQUESTS_TOOL not in offered:  # other sessions' SQL: what that tool shows
            facts.append("Running requests are not shown to this caller")
        elif state is not None and not state.sees_all_sessions:
            facts.append(
                f"Running requests of other sessions are not visible without {state.permission}"
                f" ({state.grant})"
            )
        elif state is not None:
            found = await _fact(
                facts, "The running requests", catalog.long_running_queries(ctx.db, 5)
            )
            running = found[0] if found is not None else []
            facts.extend(
                f"Running {q.elapsed_s:g}s (wait {q.wait_type}, blocked by"
                f" {q.blocking_session_id or '-'}): {cell_text(q.statement_text)}"
                for q in running[:10]
            )
            if found is not None and not running:
                facts.append("No request has been running for 5 s or more.")
    return (
        f"Help me troubleshoot this SQL Server / Azure SQL problem: {symptom}\n\n"
        f"What the server reports now:\n{fence_untrusted(chr(10).join(facts), what='server facts')}"
        "\n\nGive the most likely causes first, how to confirm each"
        f" ({_diagnosis_tools(ctx, offered, grants, state)}), and the fix."
    )


# The tools database_troubleshooting may name, each only to a caller it is offered to.
DIAGNOSIS_TOOLS = ("health_check", "describe_table", "read_data", REQUESTS_TOOL, PLAN_TOOL)


def _permission_facts(
    offered: set[str], grants: catalog.Permissions, state: access.StateAccess | None
) -> list[str]:
    """The permissions the diagnosis tools need, each named once: the state permission
    this engine asks (state_access_of, as health_check names it) and SHOWPLAN. One the
    caller's tools need and the login lacks is told with its GRANT (SHOWPLAN here, the
    state permission with the running requests); the rest are listed as held or not."""
    listed = []
    # lacking it, a caller given the running requests is told below that other sessions'
    # are hidden, and how
    if state is not None and not (REQUESTS_TOOL in offered and not state.sees_all_sessions):
        listed.append(f"{state.permission} {'yes' if state.sees_all_sessions else 'no'}")
    if PLAN_TOOL in offered and not grants.showplan:  # what explain_query needs
        facts = [f"Plans need SHOWPLAN ({access.showplan_grant(grants.user_name or '')})"]
    else:
        facts, listed = [], [*listed, f"SHOWPLAN {'yes' if grants.showplan else 'no'}"]
    return [f"Login {grants.login_name}: {', '.join(listed)}", *facts] if listed else facts


async def _fact(facts: list[str], what: str, read: Awaitable[T]) -> T | None:
    """What `read` returns, or None and a fact saying it failed: one refused read (a DENY
    on a catalog view, a DMV the login may not query) leaves the others to be told."""
    try:
        return await read
    except DatabaseError as e:
        facts.append(f"{what} could not be read: {e.numbered()}")
        return None


def _diagnosis_tools(
    ctx: ToolContext,
    offered: set[str],
    grants: catalog.Permissions | None,
    state: access.StateAccess | None,
) -> str:
    """The tools that can confirm a cause, for what this caller and login may do: a
    reader is not sent to the tools the facts say it lacks permissions for."""
    # the read of whether other sessions show failed: list_long_running_queries says itself
    visible = state is None or state.sees_all_sessions
    requests, plan = REQUESTS_TOOL in offered, PLAN_TOOL in offered
    sessions = requests and visible
    plans = plan and (grants is None or grants.showplan)  # None: could not say
    # read_data's own rule for server-state views (plugins/builtin_tools/query.py)
    dmvs = "read_data" in offered and ctx.client.may(ADMIN_SCOPE) and visible
    if sessions and plans and dmvs and "health_check" in offered:
        return FULL_TOOLS
    named = (
        ("health_check", "health_check" in offered),
        ("describe_table (indexes)", "describe_table" in offered),
        (REQUESTS_TOOL, sessions),
        (PLAN_TOOL, plans),
        ("read_data on DMVs", dmvs),
        ("read_data (row counts, recent rows)", "read_data" in offered and not dmvs),
    )
    tools = [tool for tool, usable in named if usable]
    helps = _listed(tools) + " can help"
    shown = (("other sessions' requests", sessions), ("plans", plans))
    unseen = [what for what, seen in shown if not seen]
    if not unseen:
        return helps
    needs = []
    if (requests and not sessions) or (plan and not plans):
        needs.append("the permissions above")
    if not (requests and plan):
        needs.append("the tools that show them")
    return (
        f"{helps}; this caller sees no {' or '.join(unseen)} without {' and '.join(needs)},"
        " so where a cause needs them, say what someone who has them should check"
    )


def _listed(tools: list[str]) -> str:
    """ "the tools a, b and c", "the tool a", or "no tool this caller may use"."""
    if len(tools) < 2:
        return f"the tool {tools[0]}" if tools else "no tool this caller may use"
    return f"the tools {', '.join(tools[:-1])} and {tools[-1]}"


FULL_TOOLS = (
    "the tools health_check, list_long_running_queries, explain_query and read_data on DMVs"
    " can help"
)


def _product(info: catalog.DatabaseInfo) -> str:
    """SQL Server, Azure SQL Database...: what its version number is a version of (the
    edition alone, Enterprise 13.0.1601.5, does not say)."""
    return engine_name(info.engine_edition) if info.engine_edition else "SQL Server"


def _target_line(info: catalog.DatabaseInfo) -> str:
    parts = [
        f"{_product(info)} {info.product_version}"
        + (f" ({info.engine})" if info.engine_edition in SQL_SERVER_EDITIONS else ""),
        f"database {info.database_name}",
        f"compatibility level {info.compatibility_level}",
        f"collation {info.collation}",
    ]
    if info.service_objective:
        parts.append(f"service objective {info.service_objective}")
    if info.data_size_mb is not None:
        parts.append(f"data {info.data_size_mb:g} MB")
    return ", ".join(parts)
