"""App assembly: plugins + config -> one FastMCP server (`build_app`), each plugin's
registrations turned into FastMCP components, all or nothing.

Nothing here opens a database: the App opens its sources when it starts running.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastmcp import FastMCP
from fastmcp.prompts import Prompt
from fastmcp.resources import Resource, ResourceTemplate
from fastmcp.tools import Tool

from azsql_mcp.api import AuthProviderFactory, ConfigError, PluginError, SourceSettings
from azsql_mcp.core.app import App
from azsql_mcp.core.components import tool_component
from azsql_mcp.core.configerrors import from_variable
from azsql_mcp.core.declared import declare_tools, never_listed
from azsql_mcp.core.pluginloader import load_plugins
from azsql_mcp.core.plugins import PluginRecord, PluginSet
from azsql_mcp.core.resolution import ListWhenResolved
from azsql_mcp.core.settings import Settings, reference_problems
from azsql_mcp.serving.admission import LimitState
from azsql_mcp.serving.advertised import AdvertisedCapabilities
from azsql_mcp.serving.auditlog import open_audit_log
from azsql_mcp.serving.clientauth import ScopePolicy, build_auth_provider, registered_scopes
from azsql_mcp.serving.completions import Completer
from azsql_mcp.serving.console import add_console
from azsql_mcp.serving.inflight import InFlight
from azsql_mcp.serving.injection import docstring_description, inject
from azsql_mcp.serving.instructions import caller_instructions
from azsql_mcp.serving.listing import ListDereferenceMiddleware
from azsql_mcp.serving.logsetup import quiet_routine_errors
from azsql_mcp.serving.loopwatch import watching
from azsql_mcp.serving.promptargs import plain_arguments
from azsql_mcp.serving.routes import add_routes
from azsql_mcp.serving.runtime import Runtime
from azsql_mcp.serving.toolcalls import ToolCallMiddleware
from azsql_mcp.version import __version__

log = logging.getLogger(__name__)


def build_app(settings: Settings, *, extra_plugins: Mapping[str, object] | None = None) -> App:
    """Load plugins and assemble the FastMCP server; raises ConfigError or PluginError."""
    plugins = load_plugins(settings, extra_plugins)
    plugins.report_failures(settings.plugins.strict)
    problems = assembly_problems(settings, plugins)
    if problems:
        raise ConfigError(problems)
    return assemble(settings, plugins)


def assemble(settings: Settings, plugins: PluginSet) -> App:
    """The FastMCP server of plugins already loaded and judged against these settings
    (`assembly_problems` found nothing): their hooks are not run again."""
    for why in unbound_tools(settings, plugins):
        log.warning("%s; until then it is not offered", why)
    for why in never_listed(settings, plugins).values():
        log.warning("%s", why)
    _bind_sources(settings, plugins)
    runtime = Runtime(settings, {r.name: r.config for r in plugins.loaded()})

    @asynccontextmanager
    async def lifespan(server: FastMCP) -> AsyncIterator[dict[str, Any]]:
        async with app.running():
            with watching(plugins, limits):  # once started; stopped before shutdown hooks
                yield {}

    quiet_routine_errors()  # an expected failure is one log line, for any handler
    mcp = FastMCP(
        settings.server.name,
        version=__version__,
        lifespan=lifespan,
        mask_error_details=True,
        on_duplicate="error",
        auth=build_auth_provider(settings.server, registered_scopes(plugins)),
        dereference_schemas=False,  # ListDereferenceMiddleware does it, for the lists only
    )
    limits = LimitState(settings.server.limits)
    policy = ScopePolicy()
    app = App(
        settings=settings,
        plugins=plugins,
        runtime=runtime,
        mcp=mcp,
        policy=policy,
        limits=limits,
        tool_calls=ToolCallMiddleware(
            plugins,
            open_audit_log(settings.audit),
            limits,
            policy,
            InFlight() if settings.server.stateless_http else None,
        ),
    )
    for record in plugins.loaded():
        _add_components(app, record)
    app.policy.update(settings.server.auth, plugins)
    app.hidden.keys = app.hidden_keys(settings)
    mcp.add_transform(app.hidden)
    stateless = settings.server.transport == "http" and settings.server.stateless_http

    async def instructions() -> str | None:  # the caller's, from the settings a reload left
        return await caller_instructions(app.settings, app.plugins)

    mcp.add_middleware(AdvertisedCapabilities(stateless_http=stateless, instructions=instructions))
    mcp.add_middleware(ListDereferenceMiddleware())
    mcp.add_middleware(ListWhenResolved(app))
    mcp.add_middleware(app.tool_calls)
    mcp.add_completion_handler(Completer(runtime))
    if not stateless:  # stateless HTTP keeps no connection to notify: off the call path
        mcp.add_middleware(app.sessions)
    app.sessions.serve_listen(mcp)
    add_routes(app)
    add_console(app)
    return app


def assembly_problems(settings: Settings, plugins: PluginSet) -> list[str]:
    """What keeps these plugins and settings from being assembled: references across
    tables, plugin selection, plugin sections and their configs, each source's auth
    provider, declared tools."""
    problems = [*reference_problems(settings), *plugins.config_problems]
    problems += auth_problems(settings, plugins)
    if settings.plugins.strict:  # else such a tool is not offered, with a warning
        problems += unbound_tools(settings, plugins)
    return problems + declare_tools(plugins, settings)  # [tools.*]: names, types, the guard


def unbound_tools(settings: Settings, plugins: PluginSet) -> list[str]:
    """Why each plugin tool bound to a source (`register(fn, source=...)`) that
    `settings` do not configure cannot work, found before its first call. Such a tool is
    not offered (App.hidden_keys), as a plugin that fails to load is skipped; in strict
    mode it stops the server. Tools the settings switch off are never called, so they
    may name a source the operator does not have. (Config tools are judged by the
    plugin that declares them.)"""
    off_plugins, off_tools, _ = plugins.switched_off(settings)
    records = {r.name: r for r in plugins.records}
    known = ", ".join(settings.sources) or "none configured"
    problems = []
    for spec in plugins.tools.values():
        if spec.source is None or spec.declared or settings.source_named(spec.source):
            continue
        if spec.plugin in off_plugins or spec.name in off_tools:
            continue
        problems.append(
            f"sources.{spec.source}: tool {spec.name!r} of {records[spec.plugin].describe()}"
            f" is bound to source {spec.source!r}, which is not configured (sources: {known}); add"
            f" a [sources.{spec.source}] table (a running server opens it after a restart),"
            f" or switch the tool off with [plugins.{spec.plugin}] disabled_tools ="
            f' ["{spec.name}"]'
        )
    return problems


def _bind_sources(settings: Settings, plugins: PluginSet) -> None:
    """Each tool's source as the config spells it: a plugin cannot know the case an
    operator gives a name (environment variables give lower case)."""
    for spec in plugins.tools.values():
        if spec.source is not None:
            spec.source = settings.source_named(spec.source) or spec.source


def auth_problems(settings: Settings, plugins: PluginSet) -> list[str]:
    known = ", ".join(sorted(plugins.auth_providers)) or "none (is builtin_auth disabled?)"
    problems = []
    builtin = {a for r in plugins.loaded() if r.builtin for a in r.auth_providers}
    for name, source in settings.sources.items():
        key = f"sources.{name}.auth" + from_variable(["sources", name, "auth"], os.environ)
        if source.auth in plugins.auth_providers:
            if source.auth in builtin:
                problems += _provider_problems(key, plugins.auth_providers[source.auth], source)
            continue
        failed = [r for r in plugins.records if source.auth in r.failed_auth_providers]
        if failed:
            problems.append(
                f"{key}: auth provider {source.auth!r} comes from {failed[0].describe()},"
                " which failed to load (its error is above); fix it or pick another provider"
            )
            continue
        disabled = [r.name for r in plugins.records if r.status == "disabled"]
        hint = (
            f"; it may come from a plugin that is not loaded: {', '.join(disabled)}"
            if disabled
            else ""
        )
        meant = _meant_provider(source.auth, list(plugins.auth_providers))
        problems.append(
            f"{key}: unknown auth provider {source.auth!r}{meant} (registered: {known}){hint}"
        )
    return problems


def _meant_provider(name: str, known: list[str]) -> str:
    """The registered provider a misspelt `auth` likely means: a spelling the seed
    server's AZURE_SQL_AUTH_TYPE takes (`msi`, `managed-identity`), else a close name."""
    import difflib

    from azsql_mcp.core.configsources import AUTH_ALIASES

    alias = AUTH_ALIASES.get(name.strip().lower().replace("-", "_").replace(" ", "_"))
    close = difflib.get_close_matches(name.lower(), known, 1, 0.75)
    meant = alias if alias in known else (close[0] if close else None)
    return f" (did you mean {meant!r}?)" if meant else ""


def _provider_problems(key: str, factory: AuthProviderFactory, source: SourceSettings) -> list[str]:
    """What a built-in provider's constructor refuses in the source's settings (a missing
    username, tenant, secret reference, a `*_env` variable that is not set, a `*_file` or
    `certificate_path` it cannot open). Only built-in
    providers are constructed here: theirs read no secret and open no connection; a
    third-party constructor might, so its checks run when `serve` opens the source."""
    try:
        factory(source)
    except ConfigError as exc:
        return [f"{key}: {problem}" for problem in exc.problems]
    except ValueError as exc:
        return [f"{key}: {exc}"]
    return []


def _add_components(app: App, record: PluginRecord) -> None:
    """Turn one plugin's registrations into FastMCP components, all or nothing."""
    plugins, runtime = app.plugins, app.runtime
    # the plugin's resources and the by-source variants the core added to them
    own = [uri for uri, res in plugins.resources.items() if res.plugin == record.name]
    if len(runtime.sources) <= 1:  # with one source `database://{source}/...` repeats
        own = [uri for uri in own if not plugins.resources[uri].source_from_uri]
    try:
        components: list[Tool | Resource | ResourceTemplate | Prompt] = []
        components += [
            tool_component(plugins.tools[name], runtime, app.policy) for name in record.tools
        ]
        for uri in own:
            res = plugins.resources[uri]
            fn = inject(
                res.fn,
                runtime,
                plugin=record.name,
                kind="resource",
                source_from_uri=res.source_from_uri,
            )
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
            description = docstring_description(fn, prompt.description)
            made = Prompt.from_function(fn, name=name, description=description, auth=app.policy)
            components.append(plain_arguments(made))
    except Exception as exc:
        reason = f"registered a component FastMCP refused: {exc}"
        message = f"{record.describe()} {reason}"
        for name in record.tools:
            plugins.tools.pop(name, None)
        for uri in own:
            plugins.resources.pop(uri, None)
        for name in record.prompts:
            plugins.prompts.pop(name, None)
        record.fail(reason)
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
