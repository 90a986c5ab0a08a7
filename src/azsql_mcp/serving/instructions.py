"""The `instructions` of the initialize answer: how to use this server, in a few lines.

Clients put them in front of the model once per session, so they stay short: the
workflow, what is allowed, how values and pages go, and which sources there are.
`[server] instructions` replaces the text, `[server] extra_instructions` adds to it
(docs/tools.md).
"""

from __future__ import annotations

from collections.abc import Collection

from azsql_mcp.core.config import Settings

WRITE_TOOLS = ("insert_data", "update_data", "execute_batch")


def server_instructions(settings: Settings, tools: Collection[str]) -> str | None:
    """The configured text, or the built-in one for these tools, plus any addition."""
    server = settings.server
    text = server.instructions if server.instructions is not None else _built_in(settings, tools)
    if server.extra_instructions:
        text = f"{text}\n{server.extra_instructions}".strip()
    return text or None


def _built_in(settings: Settings, tools: Collection[str]) -> str:
    lines = ["SQL Server / Azure SQL database access."]
    workflow = [t for t in ("list_tables", "describe_table", "read_data") if t in tools]
    if workflow:
        lines.append("Workflow: " + " -> ".join(workflow) + " (one SELECT per call).")
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
    lines.extend(_sources(settings))
    return "\n".join(lines)


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
