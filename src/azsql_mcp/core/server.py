"""Server assembly: plugins + config -> one FastMCP server, and running it.

Nothing here opens a database while building: sources are opened in the
server lifespan, in the background, so `initialize` is answered first.
"""

from __future__ import annotations

import asyncio
import importlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import mcp.types as mt
from fastmcp import FastMCP
from fastmcp.prompts import Prompt
from fastmcp.resources import Resource, ResourceTemplate
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools import Tool

from azsql_mcp import __version__
from azsql_mcp.api import Database
from azsql_mcp.core.audit import ToolCallMiddleware, audit_logger
from azsql_mcp.core.config import ConfigError, Settings
from azsql_mcp.core.context import Runtime, UnavailableDatabase, inject
from azsql_mcp.core.http import add_routes
from azsql_mcp.core.plugins import PluginError, PluginRecord, PluginSet, load_plugins

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
Transport = Literal["stdio", "http"]


@dataclass
class App:
    """The assembled server. `startup(app)` / `shutdown(app)` hooks receive this."""

    settings: Settings
    plugins: PluginSet
    runtime: Runtime
    mcp: FastMCP
    started_at: float = field(default_factory=time.monotonic)
    source_errors: dict[str, str] = field(default_factory=dict)
    # Over stdio the sources open once the client is initialized, so nothing slows
    # the `initialize` answer; elsewhere (HTTP, in-memory clients) right at start.
    open_sources_at_start: bool = True

    @property
    def databases(self) -> dict[str, Database]:
        return self.runtime.databases

    def readiness(self) -> dict[str, dict[str, Any]]:
        """Per source: ready, reason, latency_ms (as /health reports them)."""
        out: dict[str, dict[str, Any]] = {}
        for name in self.settings.sources:
            db = self.runtime.databases.get(name)
            if db is not None and hasattr(db, "readiness"):
                state = db.readiness()
                out[name] = {
                    "ready": state.ready,
                    "reason": state.reason,
                    "latency_ms": state.latency_ms,
                }
            else:
                reason = self.source_errors.get(name, "starting")
                out[name] = {"ready": False, "reason": reason, "latency_ms": None}
        return out

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open the sources in the background, run startup hooks; undo both on exit."""
        strict = self.settings.plugins.strict
        self.runtime.opener = self._open_sources
        if self.open_sources_at_start:
            self.runtime.open()
        self.plugins.call_lifecycle("startup", self, strict)
        try:
            yield
        finally:
            try:
                self.plugins.call_lifecycle("shutdown", self, strict=False)
            finally:
                await self._close_sources()

    async def _open_sources(self) -> None:
        if not self.settings.sources:
            return
        # Imported here, off the event loop: drivers are not needed to answer `initialize`.
        database = await asyncio.to_thread(importlib.import_module, "azsql_mcp.core.database")
        for name, source in self.settings.sources.items():
            try:
                factory = self.plugins.auth_providers[source.auth]
                auth = await asyncio.to_thread(factory, source)
                db = database.SourceDatabase(
                    name,
                    source,
                    self.settings.source_security(name),
                    self.settings.source_limits(name),
                    auth,
                )
                await db.start()
            except Exception as exc:
                message = f"source {name!r} could not be set up: {exc}"
                log.error(message, exc_info=exc)
                self.source_errors[name] = message
                self.runtime.databases[name] = UnavailableDatabase(name, message)
            else:
                self.runtime.databases[name] = db

    async def _close_sources(self) -> None:
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


def build_app(settings: Settings, *, extra_plugins: Mapping[str, object] | None = None) -> App:
    """Load plugins and assemble the FastMCP server; raises ConfigError or PluginError."""
    plugins = load_plugins(settings, extra_plugins)
    problems = plugins.config_problems + _auth_problems(settings, plugins)
    if problems:
        raise ConfigError(problems)
    runtime = Runtime(settings, {r.name: r.config for r in plugins.loaded()})

    @asynccontextmanager
    async def lifespan(server: FastMCP) -> AsyncIterator[dict[str, Any]]:
        async with app.running():
            yield {}

    mcp = FastMCP(
        settings.server.name,
        version=__version__,
        lifespan=lifespan,
        mask_error_details=True,
        on_duplicate="error",
    )
    app = App(settings=settings, plugins=plugins, runtime=runtime, mcp=mcp)
    for record in plugins.loaded():
        _add_components(app, record)
    hidden = plugins.hidden_tools()
    if runtime.all_read_only:
        hidden |= {t.name for t in plugins.tools.values() if t.writes}
    if hidden:
        mcp.disable(names=hidden, components={"tool"})
    plugin_of_tool = {t.name: t.plugin for t in plugins.tools.values()}
    mcp.add_middleware(_OpenSourcesWhenInitialized(runtime))
    mcp.add_middleware(ToolCallMiddleware(plugin_of_tool, audit_logger(settings.audit)))
    add_routes(app)
    return app


class _OpenSourcesWhenInitialized(Middleware):
    """Starts opening the sources when the client says it got the `initialize` answer."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    async def on_notification(
        self,
        context: MiddlewareContext[mt.Notification[Any, Any]],
        call_next: CallNext[mt.Notification[Any, Any], Any],
    ) -> Any:
        if context.method == "notifications/initialized":
            self.runtime.open()
        return await call_next(context)


def _auth_problems(settings: Settings, plugins: PluginSet) -> list[str]:
    known = ", ".join(sorted(plugins.auth_providers)) or "none (is builtin_auth disabled?)"
    return [
        f"sources.{name}.auth: unknown auth provider {source.auth!r} (registered: {known})"
        for name, source in settings.sources.items()
        if source.auth not in plugins.auth_providers
    ]


def _add_components(app: App, record: PluginRecord) -> None:
    """Turn one plugin's registrations into FastMCP components, all or nothing."""
    plugins, runtime = app.plugins, app.runtime
    try:
        components: list[Tool | Resource | ResourceTemplate | Prompt] = []
        for name in record.tools:
            spec = plugins.tools[name]
            fn = inject(spec.fn, runtime, plugin=record.name, kind="tool", writes=spec.writes)
            annotations = (
                mt.ToolAnnotations.model_validate(dict(spec.annotations))
                if spec.annotations
                else None
            )
            components.append(
                Tool.from_function(
                    fn,
                    name=spec.name,
                    title=spec.title,
                    description=spec.description,
                    tags=spec.tags,
                    annotations=annotations,
                )
            )
        for uri in record.resources:
            res = plugins.resources[uri]
            fn = inject(res.fn, runtime, plugin=record.name, kind="resource")
            if "{" in uri:
                template = ResourceTemplate.from_function(
                    fn, uri, name=res.name, description=res.description, mime_type=res.mime_type
                )
                components.append(template)
            else:
                resource = Resource.from_function(
                    fn, uri, name=res.name, description=res.description, mime_type=res.mime_type
                )
                components.append(resource)
        for name in record.prompts:
            prompt = plugins.prompts[name]
            fn = inject(prompt.fn, runtime, plugin=record.name, kind="prompt")
            components.append(Prompt.from_function(fn, name=name, description=prompt.description))
    except Exception as exc:
        message = f"{record.describe()} registered a component FastMCP refused: {exc}"
        for name in record.tools:
            plugins.tools.pop(name, None)
        for uri in record.resources:
            plugins.resources.pop(uri, None)
        for name in record.prompts:
            plugins.prompts.pop(name, None)
        record.fail(message)
        if app.settings.plugins.strict:
            raise PluginError(message) from exc
        log.error(message + "; the server starts without it", exc_info=exc)
        return
    for component in components:
        if isinstance(component, Tool):
            app.mcp.add_tool(component)
        elif isinstance(component, ResourceTemplate):
            app.mcp.add_template(component)
        elif isinstance(component, Resource):
            app.mcp.add_resource(component)
        else:
            app.mcp.add_prompt(component)


async def serve(app: App, transport: Transport) -> None:
    """Serve until stopped: stdio (nothing but protocol on stdout) or streamable HTTP."""
    server = app.settings.server
    if transport == "stdio":
        app.open_sources_at_start = False
        await app.mcp.run_stdio_async(show_banner=False)
        return
    protection, allowed_hosts = host_protection(server.host, server.allowed_hosts)
    await app.mcp.run_http_async(
        show_banner=False,
        transport="http",
        host=server.host,
        port=server.port,
        path=server.path,
        json_response=server.json_response,
        stateless_http=server.stateless_http,
        host_origin_protection=protection,
        allowed_hosts=allowed_hosts,
        allowed_origins=server.allowed_origins or None,
        uvicorn_config={"log_config": None},
    )


def host_protection(
    host: str, allowed_hosts: list[str]
) -> tuple[bool | Literal["auto"], list[str]]:
    """DNS-rebinding protection, set explicitly: on loopback only loopback names are
    accepted in Host/Origin; elsewhere the configured `allowed_hosts`."""
    if _is_loopback(host):
        return True, [*LOOPBACK_HOSTS, *allowed_hosts]
    if allowed_hosts:
        return True, list(allowed_hosts)
    log.warning(
        "HTTP bound to %s without [server] allowed_hosts: Host headers are not checked;"
        " list the names clients use in allowed_hosts",
        host,
    )
    return "auto", []


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
