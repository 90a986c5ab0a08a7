"""Server assembly: plugins + config -> one FastMCP server, and running it.

Nothing here opens a database while building: sources are opened in the
server lifespan, in the background, so `initialize` is answered first.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import ipaddress
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import mcp.types as mt
from fastmcp import FastMCP
from fastmcp.prompts import Prompt
from fastmcp.resources import Resource, ResourceTemplate
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.server.transforms.visibility import Visibility
from fastmcp.tools import Tool

from azsql_mcp import __version__
from azsql_mcp.api import Database
from azsql_mcp.core.config import ConfigError, Settings
from azsql_mcp.core.plugins import PluginError, PluginRecord, PluginSet, load_plugins
from azsql_mcp.db import sqlguard
from azsql_mcp.serving.audit import ToolCallMiddleware, open_audit_log
from azsql_mcp.serving.auth import ScopePolicy, build_auth_provider, component_key, metadata_url
from azsql_mcp.serving.bearer import BearerChallenge
from azsql_mcp.serving.context import Runtime, UnavailableDatabase, inject
from azsql_mcp.serving.http import add_routes
from azsql_mcp.serving.limits import Drain, LimitState, McpRequestGuard

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from azsql_mcp.serving.reload import ConfigSource

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
    policy: ScopePolicy
    limits: LimitState
    tool_calls: ToolCallMiddleware
    # One visibility transform whose keys a config reload replaces (never stacked).
    hidden: Visibility = field(default_factory=lambda: Visibility(False, keys=set()))
    drain: Drain = field(default_factory=Drain)
    started_at: float = field(default_factory=time.monotonic)
    source_errors: dict[str, str] = field(default_factory=dict)
    # Over stdio the sources open once the client is initialized, so nothing slows
    # the `initialize` answer; elsewhere (HTTP, in-memory clients) right at start.
    open_sources_at_start: bool = True
    # `serve` sets it: once the sources are set up, freeze the heap (freeze_heap).
    freeze_heap_when_open: bool = False

    @property
    def databases(self) -> dict[str, Database]:
        return self.runtime.databases

    def hidden_keys(self, settings: Settings) -> set[str]:
        """Components clients must not see: of plugins or tools switched off in
        `settings`, and write tools while every source is read-only."""
        plugins, tools, _ = self.plugins.switched_off(settings)
        keys = set()
        for name, tool in self.plugins.tools.items():
            writes_refused = tool.writes and self.runtime.all_read_only
            if tool.plugin in plugins or name in tools or writes_refused:
                keys.add(component_key("tool", name))
        for uri, resource in self.plugins.resources.items():
            if resource.plugin in plugins:
                keys.add(component_key("template" if "{" in uri else "resource", uri))
        for name, prompt in self.plugins.prompts.items():
            if prompt.plugin in plugins:
                keys.add(component_key("prompt", name))
        return keys

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
        database = await asyncio.to_thread(importlib.import_module, "azsql_mcp.db.database")
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
        if self.freeze_heap_when_open:
            # what the first statement check loads (sqlglot), loaded now, off the loop
            await asyncio.to_thread(sqlguard.check_select, "SELECT 1")
            freeze_heap()

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
        auth=build_auth_provider(settings.server),
    )
    plugin_of_tool = {t.name: t.plugin for t in plugins.tools.values()}
    limits = LimitState(settings.server.limits)
    app = App(
        settings=settings,
        plugins=plugins,
        runtime=runtime,
        mcp=mcp,
        policy=ScopePolicy(),
        limits=limits,
        tool_calls=ToolCallMiddleware(plugin_of_tool, open_audit_log(settings.audit), limits),
    )
    for record in plugins.loaded():
        _add_components(app, record)
    app.policy.update(settings.server.auth, plugins)
    app.hidden.keys = app.hidden_keys(settings)
    mcp.add_transform(app.hidden)
    mcp.add_middleware(app.tool_calls)
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
                    auth=app.policy,
                )
            )
        for uri in record.resources:
            res = plugins.resources[uri]
            fn = inject(res.fn, runtime, plugin=record.name, kind="resource")
            kind = ResourceTemplate if "{" in uri else Resource  # a URI template or not
            components.append(
                kind.from_function(
                    fn,
                    uri,
                    name=res.name,
                    description=res.description,
                    mime_type=res.mime_type,
                    auth=app.policy,
                )
            )
        for name in record.prompts:
            prompt = plugins.prompts[name]
            fn = inject(prompt.fn, runtime, plugin=record.name, kind="prompt")
            components.append(
                Prompt.from_function(fn, name=name, description=prompt.description, auth=app.policy)
            )
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


async def serve(app: App, transport: Transport, config: ConfigSource | None = None) -> None:
    """Serve until stopped: stdio (nothing but protocol on stdout) or streamable HTTP.

    With `config` (how to re-read the configuration), SIGHUP and edits of the config
    file reload it (serving/reload.py).
    """
    from azsql_mcp.serving.reload import watch_config

    choose_telemetry_mode()
    app.freeze_heap_when_open = True
    async with watch_config(app, config):
        if transport == "stdio":
            # Open sources only after `initialize` is answered; other transports open at start.
            app.open_sources_at_start = False
            app.mcp.add_middleware(_OpenSourcesWhenInitialized(app.runtime))
            await app.mcp.run_stdio_async(show_banner=False)
            return
        check_binding(app.settings)
        await _serve_http(app)


def freeze_heap() -> None:
    """Move every object alive now into the garbage collector's permanent generation.

    Once the sources are set up and sqlglot is loaded, the modules, plugins and schemas
    the server keeps for its whole life are in memory: hundreds of thousands of objects
    that each full collection would walk again, while requests only create short-lived
    ones. Frozen, they are left out of collections (bench/load.py: about 0.3-0.7 ms less
    CPU per call). Not done in tests and embedded apps, where a frozen object that later
    becomes cyclic garbage would never be freed."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.debug(
        "froze %d objects in %.0f ms", gc.get_freeze_count(), (time.perf_counter() - started) * 1000
    )


def choose_telemetry_mode(environ: Mapping[str, str] = os.environ) -> None:
    """FastMCP builds span attributes on every request, which costs CPU even when no
    OpenTelemetry SDK records the spans. Without an SDK (no tracer provider set, as when
    the server is not started under `opentelemetry-instrument`) it is set to create no
    spans and only pass on the caller's trace context ("off" would still build the
    attributes). FASTMCP_TELEMETRY_MODE, when the operator sets it, decides instead."""
    import fastmcp
    from opentelemetry import trace

    if "FASTMCP_TELEMETRY_MODE" in environ:
        return
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        fastmcp.settings.telemetry_mode = "propagation_only"


def check_binding(settings: Settings) -> None:
    """Refuse to listen beyond loopback without client authentication."""
    server, auth = settings.server, settings.server.auth
    if auth.mode == "none" and not auth.allow_unauthenticated and not _is_loopback(server.host):
        raise ConfigError(
            [
                f"server.host: {server.host!r} is not a loopback address and [server.auth] mode"
                " is 'none', so anyone who reaches the port could use the database. Set"
                " [server.auth] mode to 'entra', 'jwt' or 'static_tokens', or, only when a"
                " gateway in front authenticates every request, allow_unauthenticated = true"
            ]
        )


def http_app(app: App) -> Starlette:
    """The ASGI app `serve` runs: MCP endpoint, auth, limits, CORS, health, metrics."""
    from starlette.middleware import Middleware as AsgiMiddleware
    from starlette.middleware.cors import CORSMiddleware

    server = app.settings.server
    protection, allowed_hosts = host_protection(server.host, server.allowed_hosts)
    provider = app.mcp.auth
    middleware = [
        AsgiMiddleware(McpRequestGuard, state=app.limits, drain=app.drain, path=server.path)
    ]
    if provider is not None:  # mode "none": a gateway in front may use the query its own way
        bearer = AsgiMiddleware(BearerChallenge, metadata_url=lambda: metadata_url(provider))
        middleware.insert(0, bearer)
    if server.cors_origins:
        cors = AsgiMiddleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
            expose_headers=["Mcp-Session-Id", "WWW-Authenticate", "Retry-After"],
        )
        middleware.insert(0, cors)  # outermost: 401/413/429 answers carry CORS headers too
    origins = [*server.allowed_origins, *server.cors_origins]
    return app.mcp.http_app(
        path=server.path,
        middleware=middleware,
        json_response=server.json_response,
        stateless_http=server.stateless_http,
        host_origin_protection=protection,
        allowed_hosts=allowed_hosts,
        allowed_origins=origins or None,
    )


async def _serve_http(app: App) -> None:
    """uvicorn on `http_app(app)`; SIGTERM drains calls in flight and exits 0."""
    import uvicorn

    server = app.settings.server
    config = uvicorn.Config(
        http_app(app),
        host=server.host,
        port=server.port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=server.shutdown_grace_s,
    )
    httpd = uvicorn.Server(config)
    app.drain.hold()
    # uvicorn re-raises the signal it stopped on once it is done; with this handler in
    # place that is a no-op, so the process exits 0 after closing the pools.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    draining = asyncio.create_task(_drain_on_exit(app, httpd))
    try:
        log.info("serving MCP at http://%s:%s%s", server.host, server.port, server.path)
        await httpd.serve()
    finally:
        draining.cancel()


async def _drain_on_exit(app: App, httpd: Any) -> None:
    while not httpd.should_exit:
        await asyncio.sleep(0.1)
    grace = app.settings.server.shutdown_grace_s
    log.info("shutting down: finishing calls in flight (up to %s s)", grace)
    await app.drain.drain(grace)


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
