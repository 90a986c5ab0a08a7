"""Tools declared in the config (`[tools.NAME]`): the core hands the tables to the
plugins that implement `register_config_tools` (builtin_declared) and keeps what they
register beside the other plugins' tools, at start and again on every reload."""

from __future__ import annotations

import logging

from azsql_mcp.api import CheckStatement
from azsql_mcp.core.app import App
from azsql_mcp.core.components import tool_component
from azsql_mcp.core.plugins import (
    PluginRecord,
    PluginSet,
    ToolSpec,
    call_plugin_hook,
)
from azsql_mcp.core.pluginstaging import Staging
from azsql_mcp.core.resolution import stop_watching
from azsql_mcp.core.settings import Settings

log = logging.getLogger(__name__)

HOOK = "register_config_tools"
WRITE_KINDS = ("insert", "update", "delete")


def declare_tools(plugins: PluginSet, settings: Settings) -> list[str]:
    """Replace the declared tools in `plugins` with those of `settings.tools`.

    Returns every problem found; with any, `plugins` is left as it was. (`_inputs`
    lists what it reads besides the tables.)"""
    taken = _taken(plugins)
    check = statement_checker(settings)
    staged: list[Staging] = []
    problems: list[str] = []
    for record in _declarers(plugins):
        staging = Staging(record)
        try:
            # through pluggy, like every hook: each implementation gets the arguments it names
            results = call_plugin_hook(
                plugins.manager,
                HOOK,
                record.name,
                register=staging.register_tool,
                tables=settings.tools,
                taken=taken,
                check=check,
            )
            problems += [problem for found in results for problem in found or []]
        except Exception as exc:
            problems.append(f"tools: {record.describe()} failed: {type(exc).__name__}: {exc}")
        staged.append(staging)
    if settings.tools and not staged:
        problems.append(
            "tools: [tools.*] tables need the builtin_declared plugin, which is not loaded"
            " (remove it from [plugins] disabled, or add it to [plugins] enabled)"
        )
    specs = [spec for staging in staged for spec in staging.tools]
    # a procedure is read from its source only once reached: its source is checked here
    known = ", ".join(settings.sources) or "none configured"
    problems += [
        f"tools.{spec.name}.source: no source {spec.source!r} (sources: {known})"
        for spec in specs
        if spec.source is not None and spec.source not in settings.sources
    ]
    names = [spec.name for spec in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    problems += [f"tools.{n}: declared by more than one plugin" for n in twice]
    if problems:
        return problems
    _replace(plugins, staged, settings)
    return []


def never_listed(settings: Settings, plugins: PluginSet) -> dict[str, str]:
    """Why each declared tool that writes is never listed: its source is read-only, a
    setting that changes only with a restart (the default is read-only, so a forgotten
    `read_only = false` would otherwise leave the tool silently missing)."""
    return {
        name: f"tools.{name}: writes = true, but source {spec.source!r} is read-only"
        " ([security] read_only, true unless set), so the tool is not listed until a"
        f" restart with read_only = false in [sources.{spec.source}.security]; set that,"
        " or remove writes = true"
        for name, spec in sorted(declared_specs(plugins).items())
        if spec.writes
        and spec.source in settings.sources
        and settings.source_security(spec.source).read_only
    }


def _taken(plugins: PluginSet) -> frozenset[str]:
    return frozenset(name for name, spec in plugins.tools.items() if not spec.declared)


def _declarers(plugins: PluginSet) -> list[PluginRecord]:
    """The loaded plugins that implement the hook, in load order."""
    implementers = {
        impl.plugin_name for impl in getattr(plugins.manager.hook, HOOK).get_hookimpls()
    }
    return [record for record in plugins.loaded() if record.name in implementers]


def _replace(plugins: PluginSet, staged: list[Staging], settings: Settings) -> None:
    for staging in staged:
        for spec in staging.tools:
            spec.declared = True
            spec.source = spec.source or settings.default_source
    _install(plugins, [spec for staging in staged for spec in staging.tools])


def _install(plugins: PluginSet, specs: list[ToolSpec]) -> None:
    """`specs` in place of the declared tools in `plugins`, each listed by its plugin."""
    old = set(declared_specs(plugins))
    for name in old:
        del plugins.tools[name]
    for record in plugins.records:
        record.tools = [t for t in record.tools if t not in old]
    records = {record.name: record for record in plugins.records}
    for spec in specs:
        plugins.tools[spec.name] = spec
        records[spec.plugin].tools.append(spec.name)


def declared_specs(plugins: PluginSet) -> dict[str, ToolSpec]:
    return {name: spec for name, spec in plugins.tools.items() if spec.declared}


def redeclare(app: App, settings: Settings, judged: PluginSet, new: Settings) -> list[str]:
    """On reload: the declared tools of `settings` (the running settings with the new
    reloadable parts) replace the running ones, in the plugins and in FastMCP; problems
    leave everything as it was. A withdrawn tool is replaced even with its table
    unchanged: declared anew, it keeps nothing its plugin read of the catalog before
    (builtin_declared reads sys.parameters at most once a minute), so what the source
    holds now (after a GRANT, say) decides. The caller resolves the new tools
    (resolve_pending).

    `judged`: the plugins the reload's validation loaded and declared the tools of `new`
    in. Those tools are taken as they are when the running plugins would declare the
    same (`_inputs`), which leaves one run of the hook per reload; otherwise (a plugin
    switched on or off, a source changed in the file) the running plugins declare them
    again, against the running sources."""
    old = dict(declared_specs(app.plugins))
    if _inputs(judged, new) == _inputs(app.plugins, settings):
        _install(app.plugins, list(declared_specs(judged).values()))
    else:
        problems = declare_tools(app.plugins, settings)
        if problems:
            return problems
    # A tool whose table, source and plugin are unchanged keeps what it had, resolved
    # parameters included: it is not withdrawn and resolved again, failing calls meanwhile.
    kept = {
        name
        for name, spec in declared_specs(app.plugins).items()
        if name in old
        and name not in app.withdrawn
        and settings.tools.get(name) == app.settings.tools.get(name)
        and (old[name].source, old[name].plugin) == (spec.source, spec.plugin)
    }
    for name in kept:
        app.plugins.tools[name] = old[name]
    stop_watching(app, sorted(set(old) - kept))
    for name in set(old) - kept:
        app.mcp.local_provider.remove_tool(name)
    for name, spec in declared_specs(app.plugins).items():
        if name not in kept:
            app.mcp.add_tool(tool_component(spec, app.runtime, app.policy))
    for name, why in never_listed(settings, app.plugins).items():
        if name not in kept:
            log.warning("%s", why)
    # a declared tool withdrawn with an unchanged table stays so until resolved again
    app.withdrawn = {
        name
        for name in app.withdrawn
        if name not in old or settings.tools.get(name) == app.settings.tools.get(name)
    }
    return []


def withdrawn_declared(app: App) -> list[str]:
    """The declared tools withdrawn for their problems (a reload declares them again)."""
    return sorted(app.withdrawn & set(declared_specs(app.plugins)))


def _inputs(plugins: PluginSet, settings: Settings) -> tuple[object, ...]:
    """What declare_tools and its statement_checker read besides the tables: equal
    inputs declare equal tools. Keep it in step with them."""
    sources = {
        name: (source.database, settings.source_security(name))
        for name, source in settings.sources.items()
    }
    declarers = [record.name for record in _declarers(plugins)]
    return declarers, _taken(plugins), settings.default_source, sources


def statement_checker(settings: Settings) -> CheckStatement:
    """The guard's check of one source's statements, run in this process (at load)."""

    def check(sql: str, *, writes: bool, source: str | None) -> tuple[str, ...]:
        # imported on the first [tools.*] statement: without one, start-up does not need them
        from azsql_mcp.db import sqlguard
        from azsql_mcp.db.sqlpolicy import ReadPolicy

        name = source or settings.default_source
        if name is None or name not in settings.sources:
            known = ", ".join(settings.sources) or "none configured"
            raise KeyError(f"no source {name!r} (sources: {known})")
        security = settings.source_security(name)
        policy = ReadPolicy.of(settings.sources[name].database, security.allowed_databases)
        if writes:
            allow = security.allow_unfiltered_writes
            checked = sqlguard.check_write(sql, WRITE_KINDS, allow_unfiltered=allow, policy=policy)
        else:
            checked = sqlguard.check_select(sql, policy=policy)
        return tuple(checked.param_names)

    return check
