"""The `instructions` of the initialize answer: how to use this server, in a few lines.

Clients put them in front of the model once per session, so they stay short: the
workflow, what is allowed, how values and pages go, and which sources there are.
`[server] instructions` replaces the text, `[server] extra_instructions` adds to it
(docs/tools.md).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.injection import may_call

if TYPE_CHECKING:
    from azsql_mcp.core.plugins import PluginSet

WRITE_TOOLS = ("insert_data", "update_data", "execute_batch")
NAMED_TOOLS = ("list_tables", "describe_table", "read_data", *WRITE_TOOLS)


def server_instructions(
    settings: Settings, tools: Collection[str], *, sources: bool = True
) -> str | None:
    """The configured text, or the built-in one for these tools (and the sources, unless
    `sources` is false), plus any addition."""
    server = settings.server
    text = server.instructions
    if text is None:
        text = _built_in(settings, tools, sources)
    if server.extra_instructions:
        text = f"{text}\n{server.extra_instructions}".strip()
    return text or None


async def caller_instructions(settings: Settings, plugins: PluginSet) -> str | None:
    """The instructions for the calling client. The built-in text names only the tools
    it may call, as tools/call decides (may_call: its token's scopes, none over stdio,
    tools switched off or withdrawn, write tools of read-only sources), and the sources
    (names and descriptions) only if something it may use takes one: a token for one
    declared tool is not told of read_data, the writable sources or the HR database."""
    if settings.server.instructions is not None:  # the operator's text names no tool
        return server_instructions(settings, ())
    # a lookup per tool the text may name, no more: stateless HTTP clients may initialize
    # often, and each lookup costs about what a tools/call's does
    tools = {name for name in NAMED_TOOLS if name in plugins.tools and await may_call(name)}
    return server_instructions(settings, tools, sources=await _takes_a_source(plugins, tools))


async def _takes_a_source(plugins: PluginSet, offered: set[str]) -> bool:
    """Whether the caller may use a tool that takes a source (one bound to none), or a
    resource, resource template or prompt (each takes one)."""
    for name, spec in plugins.tools.items():
        if spec.source is None and (
            name in offered or (name not in NAMED_TOOLS and await may_call(name))
        ):
            return True
    return await _other_offered()


async def _other_offered() -> bool:
    """Whether the caller is offered any resource, resource template or prompt: each
    takes a source. The lists are those resources/list and prompts/list answer."""
    from fastmcp.server.dependencies import get_context

    server = get_context().fastmcp
    return bool(
        await server.list_resources(run_middleware=False)
        or await server.list_resource_templates(run_middleware=False)
        or await server.list_prompts(run_middleware=False)
    )


def _built_in(settings: Settings, tools: Collection[str], sources: bool) -> str:
    lines = ["SQL Server / Azure SQL database access."]
    workflow = [t for t in ("list_tables", "describe_table", "read_data") if t in tools]
    if workflow:
        lines.append("Workflow: " + " -> ".join(workflow) + " (one SELECT per call).")
        if "list_tables" in tools:
            lines.append("Where a column is: list_tables with column_pattern, e.g. '%email%'.")
        lines.append(
            "Write T-SQL: TOP (n) or ORDER BY ... OFFSET/FETCH, not LIMIT; [brackets] for names."
        )
    if "read_data" in tools:
        lines.append(
            "Pass values as @name placeholders with params, never inside the SQL text."
            " Results are capped: when truncated, call again with the same query and params"
            " and the returned next_cursor. Pages (these or OFFSET/FETCH) are stable only"
            " with ORDER BY a unique key."
        )
    writable = [n for n in settings.sources if not settings.source_security(n).read_only]
    writes = [t for t in WRITE_TOOLS if t in tools]
    if writable and writes:
        lines.append(f"Writes ({', '.join(writes)}) are allowed on: {', '.join(writable)}.")
    else:
        lines.append("Read-only: nothing here changes data.")
    if workflow and sources:  # it names sources: only to a caller told of them
        lines.extend(_date_literals(settings))
    if sources:
        lines.extend(_sources(settings))
    return "\n".join(lines)


# The languages whose DATEFORMAT is mdy (sys.syslanguages), under which 'yyyy-mm-dd'
# reads as a year, month and day for every date and time type.
_MDY_LANGUAGES = frozenset(["us_english", "english"])


def _date_literals(settings: Settings) -> list[str]:
    """Under a language of another date order (a source's `language`), SQL Server reads
    '2024-02-01' compared with a datetime or smalldatetime as 2 January ("datetime
    (Transact-SQL)"): the model is told the forms every language reads alike."""
    other = [
        name
        for name, source in settings.sources.items()
        if source.language.casefold() not in _MDY_LANGUAGES
    ]
    if not other:
        return []
    return [
        "Dates, in SQL and in params: write 'yyyymmdd' or 'yyyy-mm-ddThh:mm:ss', as"
        f" {', '.join(other)} may read '2024-02-01' as 2 January (its session language)."
    ]


def _sources(settings: Settings) -> list[str]:
    if not settings.sources:
        return []
    default = settings.default_source
    described = [
        name
        + (" (default)" if name == default and len(settings.sources) > 1 else "")
        + (f": {source.description}" if source.description else "")
        for name, source in settings.sources.items()
    ]
    if len(described) == 1:
        return [f"Source: {described[0]}."]
    return ["Sources (choose with the source argument): " + "; ".join(described) + "."]
