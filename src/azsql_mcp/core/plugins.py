"""Plugin discovery and loading, each plugin inside its own error boundary.

We iterate `entry_points(group="azsql_mcp")` ourselves instead of pluggy's
`load_setuptools_entrypoints`: that one aborts on the first broken plugin and
cannot skip a plugin before importing it. A disabled plugin is never imported.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal

import pluggy
from pydantic import BaseModel, ValidationError

from azsql_mcp.api import AuthProviderFactory, PluginError
from azsql_mcp.core import hookspecs
from azsql_mcp.core.config import Settings
from azsql_mcp.serving.injection import SOURCE_ARG, context_params

log = logging.getLogger(__name__)

GROUP = "azsql_mcp"
BUILTIN_DISTRIBUTION = "azsql-mcp"
DISABLED_TOOLS_KEY = "disabled_tools"
REGISTRATION_HOOKS = ("register_tools", "register_resources", "register_prompts")
IN_PROCESS = "(in-process)"  # plugins handed to build_app as objects (tests); always loaded


@dataclass
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    plugin: str
    title: str | None = None
    description: str | None = None
    annotations: Mapping[str, Any] | None = None
    tags: set[str] | None = None
    writes: bool = False
    # the result model (or a JSON schema) of a tool that returns a ToolResult
    output_schema: type[BaseModel] | Mapping[str, Any] | None = None


@dataclass
class ResourceSpec:
    fn: Callable[..., Any]
    uri: str
    plugin: str
    name: str | None = None
    description: str | None = None
    mime_type: str | None = None
    # The core's variant that names the source in its URI (`scheme://{source}/...`).
    source_from_uri: bool = False


@dataclass
class PromptSpec:
    fn: Callable[..., Any]
    name: str
    plugin: str
    description: str | None = None


Status = Literal["loaded", "disabled", "failed"]


@dataclass
class PluginRecord:
    """What `azsql-mcp plugins` shows for one plugin."""

    name: str
    distribution: str
    version: str
    module: str
    builtin: bool
    status: Status = "loaded"
    reason: str | None = None  # why disabled, or the error it failed with
    hooks: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    auth_providers: list[str] = field(default_factory=list)
    disabled_tools: list[str] = field(default_factory=list)
    config: BaseModel | None = None

    def fail(self, error: str) -> None:
        self.status = "failed"
        self.reason = error
        self.tools, self.resources, self.prompts, self.auth_providers = [], [], [], []

    def describe(self) -> str:
        return f"plugin {self.name!r} ({self.distribution} {self.version})".replace(" )", ")")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "builtin": self.builtin,
            "status": self.status,
            "reason": self.reason,
            "hooks": self.hooks,
            "tools": self.tools,
            "resources": self.resources,
            "prompts": self.prompts,
            "auth_providers": self.auth_providers,
            "disabled_tools": self.disabled_tools,
        }


@dataclass
class PluginSet:
    """Everything the loaded plugins registered, and a record for every plugin seen."""

    records: list[PluginRecord]
    tools: dict[str, ToolSpec]
    resources: dict[str, ResourceSpec]
    prompts: dict[str, PromptSpec]
    auth_providers: dict[str, AuthProviderFactory]
    config_problems: list[str]
    manager: pluggy.PluginManager

    def loaded(self) -> list[PluginRecord]:
        return [r for r in self.records if r.status == "loaded"]

    def counts(self) -> dict[str, int]:
        statuses = [r.status for r in self.records]
        return {s: statuses.count(s) for s in ("loaded", "disabled", "failed")}

    def switched_off(self, settings: Settings) -> tuple[set[str], set[str], list[str]]:
        """What `settings` turn off among the loaded plugins: (plugins, tools, problems).

        At start this repeats what loading applied; on a config reload it is how
        `[plugins] disabled/enabled` and `disabled_tools` take effect without a restart.
        """
        plugins: set[str] = set()
        tools: set[str] = set()
        problems: list[str] = []
        for record in self.loaded():
            if disabled_reason(settings, record) is not None:
                plugins.add(record.name)
            section = settings.plugins.sections.get(record.name, {})
            names = section.get(DISABLED_TOOLS_KEY, [])
            if not isinstance(names, list) or not all(isinstance(t, str) for t in names):
                problems.append(
                    f"plugins.{record.name}.{DISABLED_TOOLS_KEY}: must be a list of tool names"
                    f" (got {names!r})"
                )
                continue
            unknown = [t for t in names if t not in record.tools]
            if unknown:
                problems.append(
                    f"plugins.{record.name}.{DISABLED_TOOLS_KEY}: {', '.join(unknown)}: no such"
                    f" tool in {record.name} (its tools: {', '.join(record.tools) or 'none'})"
                )
            tools.update(t for t in names if t in record.tools)
        return plugins, tools, problems

    def enabled_later(self, settings: Settings) -> list[str]:
        """Plugins not loaded at start that `settings` would load: they need a restart."""
        return [
            r.name
            for r in self.records
            if r.status == "disabled" and disabled_reason(settings, r) is None
        ]

    def call_lifecycle(self, hook: Literal["startup", "shutdown"], app: Any, strict: bool) -> None:
        """Run startup/shutdown per plugin; a failure is logged (raised when strict)."""
        for record in self.loaded():
            impls = _impls_of(self.manager, hook, record.name)
            for impl in impls:
                try:
                    impl.function(app=app)
                except Exception as exc:
                    message = f"{record.describe()} failed in {hook}: {_error_text(exc)}"
                    if strict:
                        raise PluginError(message) from exc
                    log.exception(message)


def load_plugins(settings: Settings, extra: Mapping[str, object] | None = None) -> PluginSet:
    """Discover, filter, import and register plugins as the settings say.

    `extra` adds plugins given as objects (modules or classes with hookimpls)
    under a name, for tests; they load like an enabled entry point.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    loader = _Loader(settings, manager)
    for ep in _unique_entry_points(entry_points(group=GROUP)):
        loader.add_entry_point(ep)
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
    )


def disabled_reason(settings: Settings, record: PluginRecord) -> str | None:
    """Why the settings keep this plugin from loading, or None."""
    if record.distribution == IN_PROCESS:
        return None
    names = {_normalize(record.name), _normalize(record.distribution)}
    plugins = settings.plugins
    if names & _normalized(plugins.disabled):
        return "disabled by [plugins] disabled"
    if plugins.enabled is not None and not names & _normalized(plugins.enabled):
        return "not listed in [plugins] enabled"
    return None


def _unique_entry_points(eps: Iterable[EntryPoint]) -> list[EntryPoint]:
    # The same distribution can be visible twice on sys.path (editable + installed).
    seen: set[tuple[str, str]] = set()
    out = []
    for ep in eps:
        key = (ep.name, ep.value)
        if key not in seen:
            seen.add(key)
            out.append(ep)
    return out


class _Loader:
    def __init__(self, settings: Settings, manager: pluggy.PluginManager):
        self.settings = settings
        self.manager = manager
        self.records: list[PluginRecord] = []
        self.tools: dict[str, ToolSpec] = {}
        self.resources: dict[str, ResourceSpec] = {}
        self.prompts: dict[str, PromptSpec] = {}
        self.auth_providers: dict[str, AuthProviderFactory] = {}
        self.config_problems: list[str] = []
        self._owners: dict[tuple[str, str], PluginRecord] = {}

    # --- discovery and selection -------------------------------------------------

    def add_entry_point(self, ep: EntryPoint) -> None:
        dist = ep.dist
        dist_name = dist.name if dist is not None else "(unknown distribution)"
        record = PluginRecord(
            name=ep.name,
            distribution=dist_name,
            version=dist.version if dist is not None else "",
            module=ep.value,
            builtin=_normalize(dist_name) == BUILTIN_DISTRIBUTION,
        )
        self.records.append(record)
        if self._duplicate_name(record):
            return
        reason = disabled_reason(self.settings, record)
        if reason is not None:
            record.status, record.reason = "disabled", reason
            return
        try:
            plugin = ep.load()
        except BaseException as exc:  # SystemExit from a plugin must not stop the server
            self._failed(record, f"import of {ep.value!r} failed: {_error_text(exc)}", exc)
            return
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
        if not self._duplicate_name(record):
            self._register(record, plugin)

    def _duplicate_name(self, record: PluginRecord) -> bool:
        for other in self.records[:-1]:
            if other.name == record.name:
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
            self._failed(record, f"invalid hook implementation: {_error_text(exc)}", exc)
            return
        record.hooks = sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])
        try:
            record.config = self._plugin_config(record)
            staged = _Staging(record)
            for hook in REGISTRATION_HOOKS:
                for impl in _impls_of(self.manager, hook, record.name):
                    impl.function(register=staged.register_for(hook), config=record.config)
            for impl in _impls_of(self.manager, "register_auth_providers", record.name):
                impl.function(register=staged.register_auth_provider)
            self._commit(staged)
        except _ConfigProblem as problem:
            self.manager.unregister(name=record.name)
            record.fail(f"invalid configuration: {problem}")
            self.config_problems.append(str(problem))
        except Exception as exc:
            self.manager.unregister(name=record.name)
            self._failed(record, _error_text(exc), exc)

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
        impls = _impls_of(self.manager, "plugin_config_model", record.name)
        model = impls[0].function() if impls else None
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
            from azsql_mcp.core.config import describe_errors

            lines = [f"plugins.{record.name}.{line}" for line in describe_errors(exc)]
            raise _ConfigProblem("; ".join(lines)) from None
        return config

    def _commit(self, staged: _Staging) -> None:
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
                    f" and {record.describe()}; disable one of them"
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
        message = f"{record.describe()} failed to load: {error}"
        if self.settings.plugins.strict:
            raise PluginError(message) from exc
        log.error(message + "; the server starts without it", exc_info=exc)

    def check_selection(self) -> None:
        """Every name in `[plugins] enabled` / `disabled` is a plugin or distribution
        that is installed: a misspelt name would otherwise switch nothing, silently."""
        known = {_normalize(n): n for r in self.records for n in (r.name, r.distribution)}
        known.pop(_normalize(IN_PROCESS), None)
        plugins = self.settings.plugins
        for key, names in (("enabled", plugins.enabled or []), ("disabled", plugins.disabled)):
            for name in names:
                if _normalize(name) in known:
                    continue
                close = difflib.get_close_matches(_normalize(name), list(known), n=1)
                hint = f"; did you mean {known[close[0]]!r}?" if close else ""
                listed = ", ".join(sorted({r.name for r in self.records})) or "none"
                self.config_problems.append(
                    f"plugins.{key}: no plugin named {name!r} is installed{hint}"
                    f" (installed: {listed})"
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
    pass


class _Staging:
    """Collects one plugin's registrations; committed only if all its hooks succeed."""

    def __init__(self, record: PluginRecord):
        self.record = record
        self.tools: list[ToolSpec] = []
        self.resources: list[ResourceSpec] = []
        self.prompts: list[PromptSpec] = []
        self.auth: list[tuple[str, AuthProviderFactory]] = []

    def register_for(self, hook: str) -> Callable[..., None]:
        registers: dict[str, Callable[..., None]] = {
            "register_tools": self.register_tool,
            "register_resources": self.register_resource,
            "register_prompts": self.register_prompt,
        }
        return registers[hook]

    def register_tool(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: Mapping[str, Any] | None = None,
        tags: set[str] | None = None,
        writes: bool = False,
        output_schema: type[BaseModel] | Mapping[str, Any] | None = None,
    ) -> None:
        _require_async(fn, "tool")
        self.tools.append(
            ToolSpec(
                fn=fn,
                name=name or fn.__name__,
                plugin=self.record.name,
                title=title,
                description=description,
                annotations=annotations,
                tags=tags,
                writes=writes,
                output_schema=output_schema,
            )
        )

    def register_resource(
        self,
        fn: Callable[..., Any],
        uri: str,
        *,
        name: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
    ) -> None:
        _require_async(fn, "resource")
        spec = ResourceSpec(fn, uri, self.record.name, name, description, mime_type)
        self.resources.append(spec)
        variant = _by_source_variant(spec)
        if variant is not None:
            self.resources.append(variant)

    def register_prompt(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        _require_async(fn, "prompt")
        self.prompts.append(
            PromptSpec(
                fn=fn, name=name or fn.__name__, plugin=self.record.name, description=description
            )
        )

    def register_auth_provider(self, name: str, factory: AuthProviderFactory) -> None:
        if not callable(factory):
            raise TypeError(f"auth provider {name!r}: factory must be callable")
        self.auth.append((name, factory))


def _require_async(fn: Callable[..., Any], kind: str) -> None:
    if not inspect.iscoroutinefunction(fn):
        name = getattr(fn, "__qualname__", repr(fn))
        raise TypeError(f"{kind} {name} must be an async function (async def)")


def _impls_of(manager: pluggy.PluginManager, hook: str, plugin_name: str) -> list[Any]:
    caller = getattr(manager.hook, hook)
    return [impl for impl in caller.get_hookimpls() if impl.plugin_name == plugin_name]


def _by_source_variant(spec: ResourceSpec) -> ResourceSpec | None:
    """`scheme://{source}/rest` beside `scheme://rest`, for a resource that reads a
    database: as tools get a `source` argument, resources get a URI that names the
    source. None when the resource needs no database or already names the source."""
    scheme, sep, rest = spec.uri.partition("://")
    if not sep or SOURCE_ARG in template_fields(spec.uri) or not context_params(spec.fn):
        return None
    return dataclasses.replace(
        spec,
        uri=f"{scheme}://{{{SOURCE_ARG}}}/{rest}",
        name=f"{spec.name or spec.fn.__name__}_by_source",
        description=f"{spec.description} of the named source" if spec.description else None,
        source_from_uri=True,
    )


def template_fields(uri: str) -> set[str]:
    """The `{name}` fields of a URI template."""
    return set(re.findall(r"{(\w+)}", uri))


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _normalized(names: Iterable[str]) -> set[str]:
    # Entry-point and distribution names match like pip matches distributions.
    return {_normalize(name) for name in names}


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
