"""Tools completed from their source's catalog (`register(..., resolve=...)`), such as
declared procedure tools whose parameters come from sys.parameters.

Sources open in the background, after `initialize` is answered, so nothing here can
refuse to start the server: once a source is first reached, and again on every config
reload, each pending tool of that source is resolved (a withdrawn tool stays pending, so
a reload after the GRANT or the fix it asked for brings it back). A resolved
tool's component is replaced (its input schema and description); a tool with problems
is withdrawn from the tool list and every problem is logged as an ERROR. Connected
clients get `notifications/tools/list_changed` when the list changed. `azsql-mcp
check` runs the same resolution and reports the problems (exit 2). A resolved tool
whose `outdated` returns (its procedure was altered) is pending again and resolved
anew, so the list changes with it.

A `tools/list` in the first seconds waits for that (`ListWhenResolved`): a client that
lists tools once, or that no notification reaches (stateless HTTP), would otherwise
keep a schema without the catalog's parameters and call the tool without them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastmcp import FastMCP
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.server.transforms.visibility import Visibility

from azsql_mcp.api import Database, DatabaseError, DatabaseUnavailable
from azsql_mcp.core.components import tool_component
from azsql_mcp.core.plugins import PluginSet, ToolSpec, error_text
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.clientauth import ScopePolicy
from azsql_mcp.serving.runtime import Runtime
from azsql_mcp.serving.sessions import ConnectedSessions
from azsql_mcp.serving.unavailable import UnavailableDatabase

log = logging.getLogger(__name__)
OutdatedFn = Callable[[], Awaitable[None]]

RETRY_FIRST_S = 1.0
RETRY_MAX_S = 60.0
MAX_FAILURES = 5  # errors other than an unavailable source before giving up
# How long the first `tools/list`s wait for the sources to open and their tools to be
# resolved: well under the request timeouts of clients (the MCP Inspector's is 10 s).
LIST_WAIT_S = 5.0


@dataclass
class Resolution:
    """One pending tool, resolved: the completed spec; or the problems that withdraw it;
    or the error its `resolve` failed with (the tool stays as registered)."""

    pending: ToolSpec
    resolved: ToolSpec | None = None
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    outdated: OutdatedFn | None = None  # ResolvedTool's


def pending_tools(plugins: PluginSet, source: str, default_source: str | None) -> list[ToolSpec]:
    """The tools of `source` (a tool bound to none uses the default source) that still
    wait for their resolution."""
    return [
        spec
        for spec in plugins.tools.values()
        if spec.resolve is not None and (spec.source or default_source) == source
    ]


async def resolve_tools(specs: list[ToolSpec], db: Database) -> list[Resolution]:
    """Each tool's `resolve` against `db`. A DatabaseError propagates (the caller
    decides whether to try again); any other failure, SystemExit too (it would end the
    event loop from this background task), is that tool's `error`."""
    out = []
    for spec in specs:
        assert spec.resolve is not None
        try:
            found = await spec.resolve(db)
        except DatabaseError:
            raise
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # an exit ends no server
            log.error("plugin %r: resolving tool %r failed", spec.plugin, spec.name, exc_info=exc)
            out.append(Resolution(spec, error=f"resolving it failed: {error_text(exc)}"))
            continue
        if found.problems:
            out.append(Resolution(spec, problems=list(found.problems)))
            continue
        resolved = dataclasses.replace(
            spec,
            fn=found.fn or spec.fn,
            description=found.description or spec.description,
            resolve=None,
        )
        out.append(Resolution(spec, resolved=resolved, outdated=found.outdated))
    return out


class App(Protocol):
    """What resolution needs of `core.app.App` (which imports this module)."""

    settings: Settings
    plugins: PluginSet
    runtime: Runtime
    mcp: FastMCP
    policy: ScopePolicy
    hidden: Visibility
    sessions: ConnectedSessions
    withdrawn: set[str]
    resolving: dict[str, asyncio.Task[None]]
    watching: dict[str, asyncio.Task[None]]  # tool name -> waiting on its `outdated`

    def hidden_keys(self, settings: Settings) -> set[str]: ...


def resolve_when_reached(app: App, source: str) -> None:
    """Resolve the pending tools of `source` in the background, once it answers; a
    resolution already under way for it is replaced (a reload changed the tools)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no server running: nothing is open to resolve against
        return
    if not pending_tools(app.plugins, source, app.runtime.default_source):
        return
    running = app.resolving.pop(source, None)
    if running is not None:
        running.cancel()
    task = loop.create_task(_resolve_source(app, source), name=f"azsql-resolve-{source}")
    app.resolving[source] = task
    task.add_done_callback(lambda done: _forget(app, source, done))


def resolve_pending(app: App) -> list[str]:
    """On reload: the pending tools of every source that is set up resolved anew, those
    withdrawn included (a GRANT or an ALTER PROCEDURE since may have fixed them); their
    names, sorted."""
    names = []
    for source, db in list(app.runtime.databases.items()):
        if not isinstance(db, UnavailableDatabase):
            specs = pending_tools(app.plugins, source, app.runtime.default_source)
            names += [spec.name for spec in specs]
            resolve_when_reached(app, source)
    return sorted(names)


def _forget(app: App, source: str, task: asyncio.Task[None]) -> None:
    if app.resolving.get(source) is task:
        del app.resolving[source]


def stop_resolving(app: App) -> None:
    for task in app.resolving.values():
        task.cancel()
    app.resolving.clear()
    stop_watching(app, list(app.watching))


def stop_watching(app: App, names: list[str]) -> None:
    """No longer wait on these tools' `outdated` (replaced by a reload, or shut down)."""
    for name in names:
        task = app.watching.pop(name, None)
        if task is not None:
            task.cancel()


def _watch(app: App, resolved: ToolSpec, pending: ToolSpec, outdated: OutdatedFn) -> None:
    """Once `outdated` returns, the tool is pending again (its `resolve` back) and its
    source resolves it anew: what its resolution found no longer holds."""
    name = resolved.name
    stop_watching(app, [name])

    async def watch() -> None:
        try:
            await outdated()
        except Exception as exc:  # the tool stays as resolved
            log.error("plugin %r: tool %r: outdated failed", resolved.plugin, name, exc_info=exc)
            return
        if app.plugins.tools.get(name) is not resolved:
            return  # replaced meanwhile (a reload)
        log.info("tool %r: what it was resolved from changed; resolving it again", name)
        app.plugins.tools[name] = dataclasses.replace(resolved, resolve=pending.resolve)
        source = resolved.source or app.runtime.default_source
        if source is not None:
            resolve_when_reached(app, source)

    task = asyncio.get_running_loop().create_task(watch(), name=f"azsql-outdated-{name}")
    app.watching[name] = task
    task.add_done_callback(lambda done: _unwatch(app, name, done))


def _unwatch(app: App, name: str, task: asyncio.Task[None]) -> None:
    if app.watching.get(name) is task:
        del app.watching[name]


async def _resolve_source(app: App, source: str) -> None:
    """Resolve the source's pending tools, waiting while it is down."""
    delay, failures = RETRY_FIRST_S, 0
    while True:
        db = app.runtime.databases.get(source)
        if db is None or isinstance(db, UnavailableDatabase):
            return  # never set up: its tools fail at call time, saying why
        specs = pending_tools(app.plugins, source, app.runtime.default_source)
        try:
            outcome = await resolve_tools(specs, db)
        except DatabaseError as exc:
            # Down: wait for it (no load while it is down: calls fail fast then). Any
            # other error a few times only, so an idle serverless database may pause.
            if not isinstance(exc, DatabaseUnavailable):
                failures += 1
                if failures >= MAX_FAILURES:
                    log.error(
                        "source %s: tools %s could not be checked against its catalog: %s;"
                        " they stay as registered until a reload or restart",
                        source,
                        ", ".join(spec.name for spec in specs),
                        exc,
                    )
                    return
            log.debug("source %s: tools not resolved yet (%s); again in %.0f s", source, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
            continue
        apply_resolutions(app, outcome)
        return


def apply_resolutions(app: App, outcome: list[Resolution]) -> None:
    """Replace the resolved tools' components and withdraw those with problems; tell
    connected clients when the tool list changed."""
    changed = False
    for item in outcome:
        name = item.pending.name
        if app.plugins.tools.get(name) is not item.pending:
            continue  # a reload replaced the tool meanwhile; its own resolution follows
        if item.error is not None:
            continue  # logged; the tool stays as registered and checks its own calls
        if item.resolved is None:
            for problem in item.problems:
                log.error("%s; tool %r is withdrawn until it is fixed", problem, name)
            app.withdrawn.add(name)
            continue
        if name in app.withdrawn:
            log.info("tool %r matches its source's catalog now; it is listed again", name)
            app.withdrawn.discard(name)
        app.plugins.tools[name] = item.resolved
        if item.outdated is not None:
            _watch(app, item.resolved, item.pending, item.outdated)
        if item.resolved.fn is not item.pending.fn or (
            item.resolved.description != item.pending.description
        ):
            app.mcp.local_provider.remove_tool(name)
            app.mcp.add_tool(tool_component(item.resolved, app.runtime, app.policy))
            changed = True
    hidden = app.hidden_keys(app.settings)
    if hidden != app.hidden.keys:
        app.hidden.keys = hidden
        changed = True
    if changed:
        app.sessions.lists_changed(["tools"])


class ListWhenResolved(Middleware):
    """The first `tools/list`s answered once the sources are open and their pending
    tools resolved, waiting at most LIST_WAIT_S from the first: a source that is down by
    then has its tools listed as registered (logged), and listed again (list_changed)
    once it answers. Later lists, and those after a reload, do not wait."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.deadline: float | None = None
        self.done = False

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        if context.method == "tools/list" and not self.done:
            await self._wait()
        return await call_next(context)

    async def _wait(self) -> None:
        app = self.app
        if not any(spec.resolve is not None for spec in app.plugins.tools.values()):
            self.done = True  # nothing to resolve (a reload's tools are not waited for)
            return
        # Over stdio the sources open once the client says it is initialized, which a
        # 2026-07-28 client never does: a list is as sure a sign that it has its answer.
        opening = app.runtime.open()
        if opening is None:
            return  # not serving (no opener): nothing to wait for
        if self.deadline is None:
            self.deadline = time.monotonic() + LIST_WAIT_S
        if not opening.done():
            await asyncio.wait([opening], timeout=self._left())
        if app.resolving:
            await asyncio.wait(list(app.resolving.values()), timeout=self._left())
        if self.done:
            return  # a list that came at the same time has logged what is still pending
        self.done = True
        waiting = sorted(source for source, task in app.resolving.items() if not task.done())
        for source in waiting:
            names = pending_tools(app.plugins, source, app.runtime.default_source)
            log.warning(
                "source %s has not answered within %.0f s of the first tools/list: tools %s"
                " are listed with only the parameters they were registered with (for a"
                " declared procedure, its [tools.NAME.parameters]) until it does. Connected"
                " clients are then told the tool list changed; stateless HTTP clients, and"
                " clients that keep the first list, are not: declare in the config every"
                " parameter clients must pass",
                source,
                LIST_WAIT_S,
                ", ".join(spec.name for spec in names),
            )

    def _left(self) -> float:
        assert self.deadline is not None
        return max(0.0, self.deadline - time.monotonic())
