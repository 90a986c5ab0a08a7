"""The console's pages: overview, components, activity and the query runner (the schema
page is schema_page.py).

Each function returns a page body (HTML); `routes.py` wraps it in the shell. They read
the assembled `App` and go through the same paths clients use: the component lists
through FastMCP (visibility and scopes applied), the runner through `read_data`."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from mcp_types import TextContent

from azsql_mcp.core.app import tool_labels
from azsql_mcp.serving.console.layout import (
    esc,
    header_cells,
    said,
    scroll_box,
    state,
    table,
)
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from fastmcp.tools import ToolResult

    from azsql_mcp.core.app import App

ACTIVITY_ROWS = 50
# The console's only scripts (no build step, no library), named by their hashes in its
# policy. The activity page's live updates: its rows fetched again every two seconds.
REFRESH_SCRIPT = """
const rows = document.getElementById('activity'), said = document.getElementById('refreshed');
setInterval(async () => {
  let why;
  try {
    const r = await fetch('/console/activity/rows');
    if (r.ok) {
      const html = await r.text();
      // unchanged rows stay as they are: a screen reader's place in them is kept
      if (rows.innerHTML !== html) rows.innerHTML = html;
      said.textContent = 'Refreshed at ' + new Date().toLocaleTimeString() + '.';
      return;
    }
    why = 'the server answered ' + r.status;
  } catch (e) {
    why = 'the server cannot be reached';
  }
  said.textContent = 'Not refreshed: ' + why + '; the rows below are older. Retrying every 2 s.';
}, 2000);
"""
# The query runner's word that a run is under way (the answer is a new page, which may
# take up to query_timeout_s): shown, and read by screen readers from its status region.
# Ctrl+Enter (Cmd+Enter on a Mac) in the statement runs it, as in SQL editors.
RUNNING_SCRIPT = """
const running = document.getElementById('running'), runner = document.getElementById('runner');
runner.addEventListener('submit', () => {
  running.textContent = 'Running… Escape stops it.';
});
document.getElementById('sql').addEventListener('keydown', e => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    runner.requestSubmit();
  }
});
addEventListener('keydown', e => {
  if (e.key === 'Escape' && running.textContent) running.textContent = 'Stopped.';
});
"""
SCRIPTS = (REFRESH_SCRIPT, RUNNING_SCRIPT)
ERROR_OUTCOMES = ("error", "refused", "limited")


def overview(app: App) -> str:
    settings = app.settings
    uptime = time.monotonic() - app.started_at
    facts = table(
        "Server",
        ["version", "transport", "uptime", "client auth", "default source"],
        [
            [
                esc(__version__),
                esc(settings.server.transport),
                esc(f"{uptime:.0f} s"),
                esc(settings.server.auth.mode),
                esc(settings.server.default_source or "(first source)"),
            ]
        ],
    )
    sources = []
    for name, info in app.readiness().items():
        db = app.databases.get(name)
        stats = getattr(db, "pool_stats", None)
        pool = stats() if stats else {}
        latency = info["latency_ms"]
        sources.append(
            [
                esc(name),
                state(info["ready"], _readiness_label(info)),
                said(info["reason"] or ""),
                esc("" if latency is None else f"{latency:.1f} ms"),
                esc(f"{pool.get('in_use', 0)} in use, {pool.get('idle', 0)} idle" if pool else ""),
            ]
        )
    if not sources:
        source_html = (
            '<p class="bad">No source is configured: add a [sources.NAME] table to the'
            " config file or set AZSQL_MCP_SOURCES__NAME__SERVER and __DATABASE"
            " (docs/configuration.md).</p>"
        )
    else:
        source_html = table("Sources", ["source", "state", "reason", "latency", "pool"], sources)
    off = app.tools_off(app.settings)
    plugins = table(
        "Plugins",
        ["plugin", "distribution", "status", "why / error", "tools"],
        [
            [
                esc(r.name),
                esc(r.origin()),  # `name version`, as `azsql-mcp plugins` shows it
                state(r.status == "loaded", r.status),
                said(r.reason or ""),
                esc(", ".join(tool_labels(r.tools, off))),
            ]
            for r in app.plugins.records
        ],
    )
    errors = [e for e in _activity(app) if e.get("outcome") in ERROR_OUTCOMES][:10]
    error_rows = [[said(msg), "", ""] for msg in app.source_errors.values()]
    error_rows += [
        [
            esc(e.get("time")),
            _called(e),
            esc(_outcome(e)),
        ]
        for e in errors
    ]
    recent = (
        table("Recent errors", ["when / message", "call", "outcome"], error_rows)
        if error_rows
        else '<p class="muted">No errors.</p>'
    )
    return (
        f"{facts}<h2>Sources</h2>{source_html}<h2>Plugins</h2>{plugins}"
        f"<h2>Recent errors</h2>{recent}"
    )


async def components(app: App) -> str:
    plugin_of_tool = {
        name: f"{spec.plugin}, declared in config" if spec.declared else spec.plugin
        for name, spec in app.plugins.tools.items()
    }
    tools = await app.mcp.list_tools()
    tool_rows = [
        [
            f"<code>{esc(t.name)}</code>",
            esc(plugin_of_tool.get(t.name, "")),
            esc(t.description or ""),
            _schema_details(t.parameters),
        ]
        for t in sorted(tools, key=lambda t: t.name)
    ]
    plugin_of_uri = {uri: spec.plugin for uri, spec in app.plugins.resources.items()}
    resources = [*await app.mcp.list_resources(), *await app.mcp.list_resource_templates()]
    resource_rows = []
    for r in resources:
        uri = str(getattr(r, "uri_template", None) or getattr(r, "uri", ""))
        resource_rows.append(
            [f"<code>{esc(uri)}</code>", esc(plugin_of_uri.get(uri, "")), esc(r.description or "")]
        )
    plugin_of_prompt = {name: spec.plugin for name, spec in app.plugins.prompts.items()}
    prompt_rows = []
    for p in await app.mcp.list_prompts():
        args = ", ".join(f"{a.name}{'' if a.required else '?'}" for a in (p.arguments or []))
        prompt_rows.append(
            [
                f"<code>{esc(p.name)}</code>",
                esc(plugin_of_prompt.get(p.name, "")),
                esc(p.description or ""),
                esc(args),
            ]
        )
    return (
        '<p class="muted">What a client with the scopes of your token sees (without client'
        " authentication, every client sees all of it).</p>"
        f"<h2>Tools ({len(tool_rows)})</h2>"
        + table("Tools", ["tool", "plugin", "description", "input schema"], tool_rows, "tools")
        + f"<h2>Resources ({len(resource_rows)})</h2>"
        + table("Resources", ["uri", "plugin", "description"], resource_rows)
        + f"<h2>Prompts ({len(prompt_rows)})</h2>"
        + table("Prompts", ["prompt", "plugin", "description", "arguments"], prompt_rows)
    )


def _readiness_label(info: dict[str, Any]) -> str:
    if info["ready"]:
        return "ready"
    # a source with `required = false` does not take /health to 503
    return "not ready" if info["required"] else "not ready (optional for /health)"


def _schema_details(schema: dict[str, Any]) -> str:
    props = schema.get("properties") or {}
    summary = ", ".join(props) or "(none)"
    body = esc(json.dumps(schema, indent=2))
    # a focusable box: a keyboard can scroll a long schema
    return f'<details><summary>{esc(summary)}</summary><pre tabindex="0">{body}</pre></details>'


def _activity(app: App) -> list[dict[str, Any]]:
    return list(reversed(app.tool_calls.recent))


def _called(entry: dict[str, Any]) -> str:
    """What an audit line is about: a tool by its name, a prompt or resource marked so."""
    if "tool" in entry:
        return f"<code>{esc(entry['tool'])}</code>"
    kind = "prompt" if "prompt" in entry else "resource"
    return f"{kind} <code>{esc(entry.get(kind))}</code>"


def _outcome(entry: dict[str, Any]) -> str:
    """The outcome, with why a failed call failed (`error_kind`, where the outcome does
    not already say it) and SQL Server's error number: `error: timeout`,
    `error: database 208`, `refused`."""
    outcome = str(entry.get("outcome"))
    why = [str(entry.get(k)) for k in ("error_kind", "error_number") if entry.get(k) is not None]
    if why and why[0] == outcome:
        why = why[1:]
    return f"{outcome}: {' '.join(why)}" if why else outcome


def activity_rows(app: App) -> str:
    rows = [
        [
            esc(e.get("time")),
            esc(e.get("client")),
            _called(e),
            esc(e.get("source") or ""),
            esc(e.get("duration_ms")),
            esc("" if e.get("rows") is None else e.get("rows")),
            state(e.get("outcome") == "ok", _outcome(e)),
        ]
        for e in _activity(app)[:ACTIVITY_ROWS]
    ]
    return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)


def activity(app: App) -> str:
    head = header_cells(["time", "who", "call", "source", "ms", "rows", "outcome"])
    return (
        f'<p class="muted">The last {ACTIVITY_ROWS} tool calls, prompts and resource reads'
        " from the audit stream, newest first; refreshed every 2 s.</p>"
        # a failed refresh is said here, not announced every 2 s (no live region)
        '<p id="refreshed" class="muted"></p>'
        + scroll_box(
            "Activity",
            f'<table><thead><tr>{head}</tr></thead><tbody id="activity">{activity_rows(app)}'
            "</tbody></table>",
        )
        + f"<script>{REFRESH_SCRIPT}</script>"
    )


def query_form(app: App, sql: str = "", source: str | None = None, result: str = "") -> str:
    # before a run, the source a client's call without `source` goes to
    chosen = source if source in app.settings.sources else app.settings.default_source
    options = "".join(
        f"<option{' selected' if n == chosen else ''}>{esc(n)}</option>"
        for n in app.settings.sources
    )
    return (
        '<p class="muted">Runs one statement through the <code>read_data</code> tool, as a'
        " client would: the same guard, caps, rollback and audit line.</p>"
        '<form method="post" action="/console/query" id="runner">'
        f'<p><label for="source">Source</label> <select name="source" id="source">{options}'
        '</select></p><p><label for="sql">SELECT statement</label>'
        ' <span id="sql-keys" class="muted">(Ctrl+Enter or ⌘+Enter runs it)</span></p>'
        '<textarea name="sql" id="sql" aria-describedby="sql-keys"'
        f' aria-keyshortcuts="Control+Enter Meta+Enter">{esc(sql)}</textarea>'
        '<p><button type="submit" id="run">Run</button>'
        ' <span id="running" role="status" class="muted"></span></p></form>'
        f'<div id="result">{result}</div><script>{RUNNING_SCRIPT}</script>'
    )


def query_result(result: ToolResult) -> str:
    data = result.structured_content or {}
    columns = [c.get("name", "") for c in data.get("columns", [])]
    rows = data.get("rows", [])
    cells = [[_cell(v) for v in (row.values() if isinstance(row, dict) else row)] for row in rows]
    more = " (truncated: add TOP or a WHERE clause)" if data.get("truncated") else ""
    count = data.get("row_count", len(rows))
    notes = "".join(f"<p>{esc(note)}</p>" for note in _notes(result, count))
    outcome = _outcome_line("ok", f"{len(rows)} row(s){more}")
    return outcome + notes + table("Result rows", columns, cells)


def _notes(result: ToolResult, row_count: int) -> list[str]:
    """What read_data says before its rows of what SQL Server left out without an error
    (only the login's own session in a session DMV, definitions hidden): the lines of
    its text before the `N row(s)` summary (values.render_result)."""
    text = next((c.text for c in result.content if isinstance(c, TextContent)), "")
    lines = text.split("\n")
    summary = f"{row_count} row(s)"
    end = next((i for i, line in enumerate(lines) if line.startswith(summary)), 0)
    return lines[:end]


def query_error(message: str) -> str:
    return _outcome_line("bad", message, ' id="error"')


def _outcome_line(css: str, text: str, extra: str = "") -> str:
    """The run's outcome, focused when the page loads after Run: a keyboard or screen
    reader user lands on what happened, not at the top of a page they just left."""
    return f'<p class="{css}"{extra} tabindex="-1" autofocus>{said(text)}</p>'


LONG_VALUE = 60  # characters; a longer value wraps in a column this wide


def _cell(value: Any) -> str:
    """A value as a cell's HTML: SQL NULL marked apart from the text 'NULL'; a long
    value wrapped in a column of its own width (the row scrolls sideways), not one
    line as wide as the value, nor squeezed to a letter a line."""
    if value is None:
        return '<span class="null">NULL</span>'
    text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    return f'<div class="long">{esc(text)}</div>' if len(text) > LONG_VALUE else esc(text)
