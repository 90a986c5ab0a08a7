"""`App`: the assembled server (settings, plugins, runtime, FastMCP, policies) and the
opening and closing of its database sources. `startup(app)` / `shutdown(app)` hooks
receive a public `ServerHandle` of it (core/lifecycle.py).

Nothing here opens a database while building: sources are opened in the server
lifespan, in the background, so `initialize` is answered first.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastmcp import FastMCP
from fastmcp.server.transforms.visibility import Visibility

from azsql_mcp import metrics
from azsql_mcp.api import Database, DatabaseError, plain_advice
from azsql_mcp.core.lifecycle import run_shutdown, run_startup
from azsql_mcp.core.plugins import PluginRecord, PluginSet
from azsql_mcp.core.resolution import resolve_when_reached, stop_resolving
from azsql_mcp.core.settings import Settings
from azsql_mcp.db.drivers import load_driver_manager
from azsql_mcp.serving.admission import Drain, LimitState
from azsql_mcp.serving.clientauth import ScopePolicy, component_key
from azsql_mcp.serving.runtime import Runtime
from azsql_mcp.serving.sessions import ConnectedSessions
from azsql_mcp.serving.stdout import StdoutDiverted
from azsql_mcp.serving.toolcalls import ToolCallMiddleware
from azsql_mcp.serving.unavailable import UnavailableDatabase

log = logging.getLogger(__name__)


@dataclass
class App:
    """The assembled server (plugins see it through `azsql_mcp.ServerHandle`)."""

    settings: Settings
    plugins: PluginSet
    runtime: Runtime
    mcp: FastMCP
    policy: ScopePolicy
    limits: LimitState
    tool_calls: ToolCallMiddleware
    # One visibility transform whose keys a config reload replaces (never stacked).
    hidden: Visibility = field(default_factory=lambda: Visibility(False, keys=set()))
    drain: Drain = field(default_factory=Drain)
    sessions: ConnectedSessions = field(default_factory=ConnectedSessions)
    started_at: float = field(default_factory=time.monotonic)
    source_errors: dict[str, str] = field(default_factory=dict)
    # Over stdio the sources open once the client is initialized, so nothing slows
    # the `initialize` answer; elsewhere (HTTP, in-memory clients) right at start.
    open_sources_at_start: bool = True
    # `serve` sets it: once the sources are set up, freeze the heap (freeze_heap).
    freeze_heap_when_open: bool = False
    # what stopped the startup hooks (strict mode); `serve` reports it as one line
    startup_error: BaseException | None = None
    # set when the server is told to stop (uvicorn's SIGTERM or SIGINT): a startup hook
    # still running is cancelled and the others are skipped (core/lifecycle.py)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # tools whose resolution against their source found problems (core/resolution.py)
    withdrawn: set[str] = field(default_factory=set)
    resolving: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    watching: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    closed: bool = False  # close() ran (or runs): the second caller has nothing to do
    # the plugins whose startup hooks ended well (or that have none), in order: only
    # their shutdown hooks run, so a stop during start-up spares the plugins not started
    started: list[PluginRecord] = field(default_factory=list)

    @property
    def databases(self) -> dict[str, Database]:
        return self.runtime.databases

    def tools_off(self, settings: Settings) -> dict[str, str]:
        """The registered tools clients must not see, each with why: of plugins or tools
        switched off in `settings`, withdrawn, bound to a source `settings` do not
        configure, or writing while its source (every source) is read-only."""
        plugins = self._plugins_off(settings)
        _, tools, _ = self.plugins.switched_off(settings)
        off: dict[str, str] = {}
        for name, tool in self.plugins.tools.items():
            if tool.plugin in plugins:
                off[name] = "plugin off"
            elif name in tools:
                off[name] = "in disabled_tools"
            elif name in self.withdrawn:
                off[name] = "withdrawn: its source does not match it (see the log)"
            elif tool.source is not None and settings.source_named(tool.source) is None:
                off[name] = f"source {tool.source!r} is not configured"
            elif tool.writes and tool.source is not None:  # bound to one (declared tools)
                if self.runtime.read_only.get(tool.source, True):
                    off[name] = f"source {tool.source!r} is read-only"
            elif tool.writes and self.runtime.all_read_only:
                off[name] = "no writable source"
        return off

    def hidden_keys(self, settings: Settings) -> set[str]:
        """Components clients must not see: the tools of tools_off, and the resources and
        prompts of plugins switched off."""
        plugins = self._plugins_off(settings)
        keys = {component_key("tool", name) for name in self.tools_off(settings)}
        for uri, resource in self.plugins.resources.items():
            if resource.plugin in plugins:
                keys.add(component_key("template" if "{" in uri else "resource", uri))
        for name, prompt in self.plugins.prompts.items():
            if prompt.plugin in plugins:
                keys.add(component_key("prompt", name))
        return keys

    def _plugins_off(self, settings: Settings) -> set[str]:
        plugins, _, _ = self.plugins.switched_off(settings)
        # a plugin whose startup hook failed keeps nothing visible
        return plugins | {r.name for r in self.plugins.failed()}

    def withdraw_failed(self) -> None:
        self.hidden.keys = self.hidden_keys(self.settings)

    def readiness(self) -> dict[str, dict[str, Any]]:
        """Per source: ready, reason, latency_ms, and whether /health needs it ready
        (`required`), as /health reports them."""
        out: dict[str, dict[str, Any]] = {}
        for name, source in self.settings.sources.items():
            db = self.runtime.databases.get(name)
            if db is not None and hasattr(db, "readiness"):
                state = db.readiness()
                out[name] = {
                    "ready": state.ready,
                    # as the operator reads advice (a plugin's AuthError may hold some):
                    # every tool offered, as the log and the console say it
                    "reason": state.reason and plain_advice(state.reason, lambda tool: True),
                    "latency_ms": state.latency_ms,
                }
            else:
                reason = self.source_errors.get(name, "starting")
                out[name] = {"ready": False, "reason": reason, "latency_ms": None}
            out[name]["required"] = source.required
        return out

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open the sources in the background, run startup hooks (which may wait for
        the sources through their handle); undo both on exit."""
        self.runtime.opener = self._open_sources
        if self.open_sources_at_start:
            self.runtime.open()
        try:
            with StdoutDiverted():  # stdio's transport takes stdout after the hooks
                await run_startup(self)
        except BaseException as exc:
            self.startup_error = exc
            await self._close_sources()
            raise
        try:
            yield
        finally:
            await self.close()

    async def close(self) -> None:
        """What leaving `running` does: the shutdown hooks, then the sources closed. Called
        alone by a process that must end without leaving it (serving/stdio.py); once."""
        if self.closed:
            return
        self.closed = True
        try:
            with StdoutDiverted():  # and gives it back before them
                await run_shutdown(self)
        finally:
            await self._close_sources()

    async def _open_sources(self) -> None:
        if not self.settings.sources:
            return
        # Imported here, off the event loop: drivers are not needed to answer `initialize`.
        await asyncio.to_thread(load_driver_manager)
        database = await asyncio.to_thread(importlib.import_module, "azsql_mcp.db.database")
        drivers = database.DriverHosts(self.settings.server.sources_per_driver_process)
        for name, source in self.settings.sources.items():
            metrics.start_source_series(name)
            try:
                factory = self.plugins.auth_providers[source.auth]
                auth = await asyncio.to_thread(factory, source)
                db = database.SourceDatabase(
                    name,
                    source,
                    self.settings.source_security(name),
                    self.settings.source_limits(name),
                    auth,
                    drivers=drivers,
                )
                await db.start()
            except Exception as exc:
                message = f"source {name!r} could not be set up: {exc}"
                # a DatabaseError's message says what to fix (a driver, a credential)
                log.error(message, exc_info=None if isinstance(exc, DatabaseError) else exc)
                self.source_errors[name] = message
                self.runtime.databases[name] = UnavailableDatabase(name, message)
                metrics.SOURCE_UP.labels(name).set(0)  # a ready source sets it itself
            else:
                self.runtime.databases[name] = db
                resolve_when_reached(self, name)
        if self.freeze_heap_when_open:
            from azsql_mcp.db import sqlguard  # loaded with the database module above

            # what the first statement check loads (sqlglot), loaded now, off the loop
            await asyncio.to_thread(sqlguard.check_select, "SELECT 1")
            freeze_heap()

    async def _close_sources(self) -> None:
        stop_resolving(self)
        opening = self.runtime.opening
        if opening is not None and not opening.done():
            opening.cancel()
        self.runtime.opening = None
        for db in list(self.runtime.databases.values()):
            close = getattr(db, "close", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.exception("closing source %r failed", db.source)
        self.runtime.databases.clear()


# Net allocations between collections of the youngest generation while serving.
YOUNG_GC_THRESHOLD = 10_000


def freeze_heap() -> None:
    """Move every object alive now into the garbage collector's permanent generation.

    Once the sources are set up and sqlglot is loaded, the modules, plugins and schemas
    the server keeps for its whole life are in memory: hundreds of thousands of objects
    that each full collection would walk again, while requests only create short-lived
    ones. Frozen, they are left out of collections (bench/load.py: about 0.3-0.7 ms less
    CPU per call). Not done in tests and embedded apps, where a frozen object that later
    becomes cyclic garbage would never be freed.

    The youngest generation's threshold is raised too: at Python's 700, a collection
    came every few calls under load, each walking the objects of every call in flight,
    while what a call leaves for the collector is a few cycles (bench/throughput-rounds.md,
    "Eighth round"). At 10,000 the collector's share of a call's CPU falls from about 6%
    to under 1%, and a young collection pauses the loop for about 4 ms."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
    log.debug(
        "froze %d objects in %.0f ms", gc.get_freeze_count(), (time.perf_counter() - started) * 1000
    )


def tool_labels(names: list[str], off: dict[str, str]) -> list[str]:
    """A plugin's tools as the console's overview and `azsql-mcp plugins` list them:
    each one clients do not see says why (App.tools_off)."""
    return [f"{name} (off: {off[name]})" if name in off else name for name in names]
