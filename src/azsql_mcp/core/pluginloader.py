"""Plugin loading, each plugin inside its own error boundary.

We iterate `entry_points(group="azsql_mcp")` ourselves instead of pluggy's
`load_setuptools_entrypoints`: that one aborts on the first broken plugin and
cannot skip a plugin before importing it. A disabled plugin is never imported.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping
from importlib.metadata import EntryPoint, PackageMetadata, entry_points
from types import ModuleType

import pluggy
from pydantic import BaseModel, ValidationError

from azsql_mcp.api import AuthProviderFactory, PluginError
from azsql_mcp.core import hookspecs
from azsql_mcp.core.configerrors import describe_errors
from azsql_mcp.core.entrypoints import (
    distribution_name,
    load_order,
    normalize,
    other_group,
    unique_entry_points,
)
from azsql_mcp.core.hookchecks import (
    argument_mismatch,
    check_hook_names,
    check_registered_only,
    check_undecorated,
)
from azsql_mcp.core.hookspecs import REGISTRATION_HOOKS
from azsql_mcp.core.plugins import (
    DISABLED_TOOLS_KEY,
    IN_PROCESS,
    PluginRecord,
    PluginSet,
    PromptSpec,
    ResourceSpec,
    ToolSpec,
    call_plugin_hook,
    disabled_reason,
    error_text,
    warn,
)
from azsql_mcp.core.pluginsource import (
    missing_module_advice,
    private_imports,
    top_package,
    where_raised,
)
from azsql_mcp.core.pluginstaging import Staging, named
from azsql_mcp.core.settings import Settings
from azsql_mcp.version import DISTRIBUTION, PLUGIN_GROUP

_REPLACED = "replaced by the in-process plugin of the same name"


def load_plugins(settings: Settings, extra: Mapping[str, object] | None = None) -> PluginSet:
    """Discover, filter, import and register plugins as the settings say, running each
    plugin's registration hooks once. A plugin that fails is recorded, not raised or
    logged: `PluginSet.report_failures` does that as `[plugins] strict` says.

    `extra` adds plugins given as objects (modules or classes with hookimpls)
    under a name, for tests; they load like an enabled entry point.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    loader = _Loader(settings, manager, replaced=set(extra or {}))
    for ep, metadata in load_order(unique_entry_points(entry_points(group=PLUGIN_GROUP))):
        loader.add_entry_point(ep, metadata)
    for name, obj in (extra or {}).items():
        loader.add_object(name, obj)
    loader.check_selection()
    loader.check_sections()
    return PluginSet(
        records=loader.records,
        tools=loader.tools,
        resources=loader.resources,
        prompts=loader.prompts,
        auth_providers=loader.auth_providers,
        config_problems=loader.config_problems,
        manager=manager,
        in_process=dict(extra or {}),
        failures=loader.failures,
    )


class _Loader:
    def __init__(
        self, settings: Settings, manager: pluggy.PluginManager, replaced: set[str] | None = None
    ):
        self.settings = settings
        # names of in-process plugins: an installed plugin of the same name is not loaded
        self.replaced = replaced or set()
        self.manager = manager
        self.records: list[PluginRecord] = []
        self.tools: dict[str, ToolSpec] = {}
        self.resources: dict[str, ResourceSpec] = {}
        self.prompts: dict[str, PromptSpec] = {}
        self.auth_providers: dict[str, AuthProviderFactory] = {}
        self.config_problems: list[str] = []
        self.failures: list[tuple[str, BaseException | None]] = []
        self._owners: dict[tuple[str, str], PluginRecord] = {}

    # --- discovery and selection -------------------------------------------------

    def add_entry_point(self, ep: EntryPoint, metadata: PackageMetadata | None) -> None:
        dist_name = distribution_name(metadata)
        record = PluginRecord(
            name=ep.name,
            distribution=dist_name,
            version=metadata["Version"] if metadata is not None else "",
            module=ep.value,
            builtin=normalize(dist_name) == DISTRIBUTION,
        )
        self.records.append(record)
        if record.name in self.replaced:
            record.status = "disabled"
            record.reason = _REPLACED
            return
        if self._duplicate_name(record):
            return
        reason = disabled_reason(self.settings, record)
        if reason is not None:
            record.status, record.reason = "disabled", reason
            return
        before = set(sys.modules)
        try:
            plugin = ep.load()
        except BaseException as exc:  # SystemExit from a plugin must not stop the server
            package = top_package(ep.module)
            advice = missing_module_advice(exc, ep.module, f"{ep.name} = {ep.value}")
            error = f"{error_text(exc)}{where_raised(exc, package)}{advice}"
            self._failed(record, f"import of {ep.value!r} failed: {error}", exc)
            return
        if not record.builtin:  # the built-in plugins are azsql-mcp's own modules
            # the plugin's own modules this import loaded (a library it shares may be too)
            package = top_package(ep.module)
            own = {m for m in set(sys.modules) - before if top_package(m) == package}
            warn(record, private_imports({ep.module, *own}))
        self._register(record, plugin)

    def add_object(self, name: str, plugin: object) -> None:
        record = PluginRecord(
            name=name,
            distribution=IN_PROCESS,
            version="",
            module=getattr(plugin, "__name__", type(plugin).__name__),
            builtin=False,
        )
        self.records.append(record)
        if isinstance(plugin, ModuleType):
            warn(record, private_imports([plugin.__name__]))
        if not self._duplicate_name(record):
            self._register(record, plugin)

    def _duplicate_name(self, record: PluginRecord) -> bool:
        for other in self.records[:-1]:
            if other.name == record.name and other.reason != _REPLACED:
                self._failed(
                    record,
                    f"plugin name {record.name!r} is already used by {other.describe()}",
                )
                return True
        return False

    # --- registration ------------------------------------------------------------

    def _register(self, record: PluginRecord, plugin: object) -> None:
        try:
            self.manager.register(plugin, name=record.name)
        except Exception as exc:
            error = argument_mismatch(self.manager, plugin) or error_text(exc)
            self._failed(record, f"invalid hook implementation: {error}", exc)
            return
        record.hooks = sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])
        try:
            check_hook_names(self.manager, plugin)
            check_undecorated(self.manager, plugin)
            record.config = self._plugin_config(record)
            staged = Staging(record)
            for hook in REGISTRATION_HOOKS:
                results = call_plugin_hook(
                    self.manager,
                    hook,
                    record.name,
                    register=staged.register_for(hook),
                    config=record.config,
                )
                check_registered_only(hook, results)
            results = call_plugin_hook(
                self.manager,
                "register_auth_providers",
                record.name,
                register=staged.register_auth_provider,
            )
            check_registered_only("register_auth_providers", results)
            self._commit(staged)
        except _ConfigProblem as problem:
            record.failed_auth_providers = self._auth_names(record)
            self.manager.unregister(name=record.name)
            record.fail(f"invalid configuration: {problem}")
            self.config_problems.extend(problem.lines)
        except (Exception, SystemExit) as exc:  # argparse in a hook must not end the server
            record.failed_auth_providers = self._auth_names(record)
            self.manager.unregister(name=record.name)
            where = where_raised(exc, top_package(record.module))
            self._failed(record, error_text(exc) + where, exc)

    def _auth_names(self, record: PluginRecord) -> list[str]:
        """The auth providers a failing plugin registers (its hook takes no config)."""
        names: list[str] = []
        with contextlib.suppress(Exception):  # the failure that matters is reported already
            call_plugin_hook(
                self.manager,
                "register_auth_providers",
                record.name,
                register=lambda name, factory: (
                    names.append(name) if isinstance(name, str) else None
                ),
            )
        return names

    def _plugin_config(self, record: PluginRecord) -> BaseModel | None:
        section = dict(self.settings.plugins.sections.get(record.name, {}))
        disabled_tools = section.pop(DISABLED_TOOLS_KEY, [])
        if not isinstance(disabled_tools, list) or not all(
            isinstance(t, str) for t in disabled_tools
        ):
            raise _ConfigProblem(
                f"plugins.{record.name}.{DISABLED_TOOLS_KEY}: must be a list of tool names"
                f" (got {disabled_tools!r})"
            )
        record.disabled_tools = disabled_tools
        models = call_plugin_hook(self.manager, "plugin_config_model", record.name)
        model = models[0] if models else None
        if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise PluginError(
                f"plugin_config_model returned {named(model)}; it returns a pydantic model class"
                " (class AcmeConfig(BaseModel): ...), or None for a plugin without settings"
            )
        if model is None:
            if section:
                keys = ", ".join(sorted(section))
                raise _ConfigProblem(
                    f"plugins.{record.name}: {keys}: plugin {record.name!r} takes no settings"
                    f" except {DISABLED_TOOLS_KEY}"
                )
            return None
        try:
            config: BaseModel = model.model_validate(section)
        except ValidationError as exc:
            lines = describe_errors(exc, root=model, hide_values=True)
            raise _ConfigProblem(*[f"plugins.{record.name}.{line}" for line in lines]) from None
        return config

    def _commit(self, staged: Staging) -> None:
        record = staged.record
        keys = (
            [("tool", t.name) for t in staged.tools]
            + [("resource", r.uri) for r in staged.resources]
            + [("prompt", p.name) for p in staged.prompts]
            + [("auth provider", name) for name, _ in staged.auth]
        )
        seen: set[tuple[str, str]] = set()
        for kind, key in keys:
            if (kind, key) in seen:
                raise ValueError(f"{kind} {key!r} is registered twice by {record.describe()}")
            seen.add((kind, key))
            owner = self._owners.get((kind, key))
            if owner is not None:
                raise ValueError(
                    f"{kind} {key!r} is registered by both {owner.describe()}"
                    f" and {record.describe()}; disable one of them, or register it in"
                    f" {record.name!r} under another name"
                )
        self._owners.update(dict.fromkeys(keys, record))
        self.tools.update((t.name, t) for t in staged.tools)
        self.resources.update((r.uri, r) for r in staged.resources)
        self.prompts.update((p.name, p) for p in staged.prompts)
        self.auth_providers.update(staged.auth)
        record.tools = [t.name for t in staged.tools]
        # what the plugin registered; the core's by-source variants are not listed
        record.resources = [r.uri for r in staged.resources if not r.source_from_uri]
        record.prompts = [p.name for p in staged.prompts]
        record.auth_providers = [name for name, _ in staged.auth]
        unknown = [t for t in record.disabled_tools if t not in record.tools]
        if unknown:
            self.config_problems.append(
                f"plugins.{record.name}.{DISABLED_TOOLS_KEY}: {', '.join(unknown)}: no such tool"
                f" in {record.name} (its tools: {', '.join(record.tools) or 'none'})"
            )

    def _failed(self, record: PluginRecord, error: str, exc: BaseException | None = None) -> None:
        record.fail(error)
        self.failures.append((f"{record.describe()} failed to load: {error}", exc))

    def check_selection(self) -> None:
        """Every name in `[plugins] enabled` / `disabled` is a plugin or distribution
        that is installed: a misspelt name would otherwise switch nothing, silently."""
        known = {normalize(n): n for r in self.records for n in (r.name, r.distribution)}
        known.pop(normalize(IN_PROCESS), None)
        plugins = self.settings.plugins
        for key, names in (("enabled", plugins.enabled or []), ("disabled", plugins.disabled)):
            for name in names:
                if normalize(name) in known:
                    continue
                import difflib  # only for a name that is no plugin

                close = difflib.get_close_matches(normalize(name), list(known), n=1)
                hint = f"; did you mean {known[close[0]]!r}?" if close else ""
                listed = ", ".join(sorted({r.name for r in self.records})) or "none"
                self.config_problems.append(
                    f"plugins.{key}: no plugin named {name!r} is installed{hint}"
                    f" (installed: {listed}). {other_group(name)}"
                )

    def check_sections(self) -> None:
        known = {r.name for r in self.records}
        for name in self.settings.plugins.sections:
            if name not in known:
                installed = ", ".join(sorted(known)) or "none"
                self.config_problems.append(
                    f"plugins.{name}: no plugin named {name!r} is installed"
                    f" (installed: {installed})"
                )


class _ConfigProblem(Exception):
    """Problems in a plugin's section, one line each."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)
