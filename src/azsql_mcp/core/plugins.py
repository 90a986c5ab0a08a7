"""Plugin discovery and loading, each plugin inside its own error boundary.

We iterate `entry_points(group="azsql_mcp")` ourselves instead of pluggy's
`load_setuptools_entrypoints`: that one aborts on the first broken plugin and
cannot skip a plugin before importing it. A disabled plugin is never imported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import (
    Distribution,
    EntryPoint,
    PackageMetadata,
    distributions,
    entry_points,
)
from types import ModuleType
from typing import Any, Literal

import mcp.types as mt
import pluggy
from mcp.shared.tool_name_validation import TOOL_NAME_REGEX
from pydantic import BaseModel, ValidationError

from azsql_mcp.api import (
    AuthProviderFactory,
    Database,
    PluginError,
    ResolvedTool,
    plain_advice,
)
from azsql_mcp.core import hookspecs
from azsql_mcp.core.configerrors import describe_errors
from azsql_mcp.core.hookchecks import (
    argument_mismatch,
    check_hook_names,
    check_registered_only,
    check_undecorated,
)
from azsql_mcp.core.hookspecs import REGISTRATION_HOOKS
from azsql_mcp.core.pluginsource import (
    missing_module_advice,
    private_imports,
    top_package,
    where_raised,
)
from azsql_mcp.core.registered import missing_description, require_async, require_hints
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.injection import SOURCE_ARG, context_params
from azsql_mcp.version import DISTRIBUTION, PLUGIN_GROUP

log = logging.getLogger(__name__)

# The built-in plugins' load order: as declared in pyproject.toml, which installers do
# not keep (setuptools writes entry_points.txt sorted).
BUILTIN_ORDER = (
    "builtin_tools",
    "builtin_resources",
    "builtin_prompts",
    "builtin_auth",
    "builtin_declared",
)
DISABLED_TOOLS_KEY = "disabled_tools"
IN_PROCESS = "in-process"  # plugins handed to build_app as objects (tests); always loaded
# MCP's rule for tool names (specification 2025-11-25, "Tool names"; the SDK's regex)
TOOL_NAME_RULE = (
    "a tool name is 1 to 128 characters, each a letter A-Z or a-z, a digit, '_', '-' or '.'"
    " (the MCP specification's rule for tool names)"
)
# MCP's tool annotations as the specification spells them
ANNOTATION_KEYS = tuple(f.alias or n for n, f in mt.ToolAnnotations.model_fields.items())


@dataclass
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    plugin: str
    title: str | None = None
    description: str | None = None
    annotations: mt.ToolAnnotations | None = None
    tags: set[str] | None = None
    writes: bool = False
    scopes: tuple[str, ...] | None = None  # the default scopes (server.auth.tool_scopes wins)
    declared: bool = False  # from a `[tools.NAME]` table of the config
    source: str | None = None  # the one source it uses; None: the caller's choice
    # the result model (or a JSON schema) of a tool that returns a ToolResult
    output_schema: type[BaseModel] | Mapping[str, Any] | None = None
    # completes the tool from its source's catalog once the source is first reached
    # (core/resolution.py); None once done, or for a tool that needs nothing of it
    resolve: Callable[[Database], Awaitable[ResolvedTool]] | None = None


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
    # auth providers a plugin that failed would have registered, to say so when a
    # source names one of them
    failed_auth_providers: list[str] = field(default_factory=list)
    # what works today and may not tomorrow (an import of a private module)
    warnings: list[str] = field(default_factory=list)

    def fail(self, error: str) -> None:
        self.status = "failed"
        self.reason = error
        self.tools, self.resources, self.prompts, self.auth_providers = [], [], [], []

    def describe(self) -> str:
        return f"plugin {self.name!r} ({self.origin()})"

    def origin(self) -> str:
        """`distribution version`, or `in-process` for a plugin handed over as an object."""
        return f"{self.distribution} {self.version}".strip()

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
            "warnings": self.warnings,
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
    # the plugins handed to load_plugins as objects (tests), to validate a reload with
    in_process: Mapping[str, object] = field(default_factory=dict)
    # each plugin that failed to load: the message and the exception, for report_failures
    failures: list[tuple[str, BaseException | None]] = field(default_factory=list)

    def loaded(self) -> list[PluginRecord]:
        return [r for r in self.records if r.status == "loaded"]

    def listed_tools(self) -> set[str]:
        """The registered tools less those an operator switched off (`disabled_tools`)."""
        off = {name for record in self.loaded() for name in record.disabled_tools}
        return set(self.tools) - off

    def failed(self) -> list[PluginRecord]:
        """The plugins that failed to load, or (once serving) in their startup hook."""
        return [r for r in self.records if r.status == "failed"]

    def report_failures(self, strict: bool) -> None:
        """Raise PluginError for the first plugin that failed to load (strict), or log
        each. Loading only records them: a command that judges the configuration first
        reports its problems, and a failure once."""
        for message, exc in self.failures:
            if strict:
                raise PluginError(message) from exc
            log.error(message + "; the server starts without it", exc_info=exc)

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
    for ep, metadata in load_order(_unique_entry_points(entry_points(group=PLUGIN_GROUP))):
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


def load_order(eps: Sequence[EntryPoint]) -> list[tuple[EntryPoint, PackageMetadata | None]]:
    """The built-in plugins (distribution azsql-mcp) first, in their declared order, then
    the others by (distribution name, entry-point name).

    `entry_points()` follows sys.path and directory listing order, which can put a
    third-party plugin first; as a later plugin that takes a name already registered is
    the one that fails, a collision with a built-in must fail the newcomer, every time.
    """

    def key(entry: tuple[EntryPoint, PackageMetadata | None]) -> tuple[int, int, str, str]:
        ep, metadata = entry
        dist = _normalize(_dist_name(metadata))
        if dist == DISTRIBUTION:
            if ep.name in BUILTIN_ORDER:
                return (0, BUILTIN_ORDER.index(ep.name), "", "")
            return (0, len(BUILTIN_ORDER), "", ep.name)
        return (1, 0, dist, ep.name)

    # METADATA is parsed once per distribution (each read of dist.metadata or dist.name
    # parses it again): the built-in plugins are five entry points of one distribution
    parsed: dict[Distribution | None, PackageMetadata | None] = {}
    for ep in eps:
        if ep.dist not in parsed:
            parsed[ep.dist] = ep.dist.metadata if ep.dist is not None else None
    return sorted(((ep, parsed[ep.dist]) for ep in eps), key=key)


def _dist_name(metadata: PackageMetadata | None) -> str:
    name = metadata["Name"] if metadata is not None else None
    return name or "(unknown distribution)"


_REPLACED = "replaced by the in-process plugin of the same name"


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
        dist_name = _dist_name(metadata)
        record = PluginRecord(
            name=ep.name,
            distribution=dist_name,
            version=metadata["Version"] if metadata is not None else "",
            module=ep.value,
            builtin=_normalize(dist_name) == DISTRIBUTION,
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
                f"plugin_config_model returned {_named(model)}; it returns a pydantic model class"
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
        known = {_normalize(n): n for r in self.records for n in (r.name, r.distribution)}
        known.pop(_normalize(IN_PROCESS), None)
        plugins = self.settings.plugins
        for key, names in (("enabled", plugins.enabled or []), ("disabled", plugins.disabled)):
            for name in names:
                if _normalize(name) in known:
                    continue
                import difflib  # only for a name that is no plugin

                close = difflib.get_close_matches(_normalize(name), list(known), n=1)
                hint = f"; did you mean {known[close[0]]!r}?" if close else ""
                listed = ", ".join(sorted({r.name for r in self.records})) or "none"
                self.config_problems.append(
                    f"plugins.{key}: no plugin named {name!r} is installed{hint}"
                    f" (installed: {listed}). {_other_group(name)}"
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


class Staging:
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
        annotations: Mapping[str, Any] | mt.ToolAnnotations | None = None,
        tags: set[str] | None = None,
        writes: bool = False,
        scopes: Sequence[str] | None = None,
        source: str | None = None,
        output_schema: type[BaseModel] | Mapping[str, Any] | None = None,
        resolve: Callable[[Database], Awaitable[ResolvedTool]] | None = None,
    ) -> None:
        require_async(fn, "tool")
        if resolve is not None:
            require_async(resolve, "resolve of tool")
        tool = name or fn.__name__
        _check_tool_name(tool)
        require_hints(fn, f"tool {tool!r}")
        warn(self.record, missing_description(fn, description, f"tool {tool!r}"))
        if isinstance(scopes, str):  # a str is a Sequence[str]: one scope per character
            raise PluginError(
                f"tool {tool!r}: scopes must be a list of scope names,"
                f" e.g. scopes=[{scopes!r}] (got the string {scopes!r})"
            )
        if scopes is not None and not scopes:  # needs no scope: every token passes
            raise PluginError(
                f"tool {tool!r}: scopes=[] needs no scope, so every token could call it, one"
                " with no scope at all included; name the scopes, or leave scopes out for the"
                " default (sql.read; sql.write with writes=True)"
            )
        self.tools.append(
            ToolSpec(
                fn=fn,
                name=tool,
                plugin=self.record.name,
                title=title,
                description=description,
                annotations=_tool_annotations(tool, annotations, self.record),
                tags=tags,
                writes=writes,
                scopes=tuple(scopes) if scopes is not None else None,
                source=source,
                output_schema=output_schema,
                resolve=resolve,
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
        require_async(fn, "resource")
        if "://" not in uri:  # FastMCP's refusal, at assembly, is a URL parser's
            scheme = self.record.name.replace("_", "-")  # a URI scheme takes no "_"
            raise PluginError(
                f"resource {uri!r}: a resource URI is SCHEME://PATH, such as"
                f" '{scheme}://{uri.lstrip('/')}' (a template's {{fields}} go in the path)"
            )
        require_hints(fn, f"resource {uri!r}")
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
        require_async(fn, "prompt")
        prompt = name or fn.__name__
        require_hints(fn, f"prompt {prompt!r}")
        self.prompts.append(
            PromptSpec(fn=fn, name=prompt, plugin=self.record.name, description=description)
        )

    def register_auth_provider(self, name: str, factory: AuthProviderFactory) -> None:
        if not isinstance(name, str):
            given = getattr(name, "__name__", repr(name))
            hint = f" register({factory!r}, {given})?" if isinstance(factory, str) else ""
            raise PluginError(
                "auth provider: register(name, factory) takes the name first, a str (got"
                f" {_named(name)});{hint}"
            )
        if not callable(factory):
            raise TypeError(f"auth provider {name!r}: factory must be callable")
        self.auth.append((name, factory))


def warn(record: PluginRecord, warnings: list[str]) -> None:
    """Log what works today and may not tomorrow, and keep it for `azsql-mcp plugins`."""
    record.warnings.extend(warnings)
    for warning in warnings:
        log.warning("%s: %s", record.describe(), warning)


def _check_tool_name(name: str) -> None:
    """FastMCP only logs a warning for a name that breaks MCP's rule, and clients may
    refuse the whole tool list over it: the plugin fails instead."""
    if TOOL_NAME_REGEX.fullmatch(name):
        return
    if len(name) > 128:
        raise PluginError(
            f"tool {name[:40]!r}...: the name is {len(name)} characters long; {TOOL_NAME_RULE}."
            " Register it with a shorter name=..."
        )
    bad = dict.fromkeys(c for c in name if not TOOL_NAME_REGEX.fullmatch(c))
    fixed = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "tool"
    raise PluginError(
        f"tool {name!r}: {', '.join(map(repr, bad))} cannot be in a tool name; {TOOL_NAME_RULE}."
        f" Register it with a name that keeps to it, e.g. name={fixed!r}"
    )


def _tool_annotations(
    tool: str, given: Mapping[str, Any] | mt.ToolAnnotations | None, record: PluginRecord
) -> mt.ToolAnnotations | None:
    """`annotations` as MCP's ToolAnnotations, which would drop a misspelt key without a
    word: a key close to a known one (a typo) or a value of the wrong type fails the
    plugin instead; another key (a newer revision's hint, a vendor's) is left out with a
    warning, as FastMCP would leave it out."""
    if isinstance(given, mt.ToolAnnotations):
        return given
    if not given:
        return None
    if not isinstance(given, Mapping):
        raise PluginError(
            f"tool {tool!r}: annotations must be a dict of MCP's tool annotations or an"
            f" mcp.types.ToolAnnotations (got {type(given).__name__})"
        )
    # matched without case or '_', so that read_only_hnt finds readOnlyHint
    known = {k.lower(): k for k in ANNOTATION_KEYS}
    kept = {}
    for key, value in given.items():
        if key in ANNOTATION_KEYS or key in mt.ToolAnnotations.model_fields:
            kept[key] = value  # readOnlyHint, or read_only_hint as the model also takes it
            continue
        import difflib  # only for a key that is no annotation

        close = difflib.get_close_matches(str(key).lower().replace("_", ""), list(known), n=1)
        if close:
            raise PluginError(
                f"tool {tool!r}: unknown annotation {key!r} (did you mean {known[close[0]]!r}?);"
                f" MCP's tool annotations are {', '.join(ANNOTATION_KEYS)}"
            )
        known_keys = ", ".join(ANNOTATION_KEYS)
        warning = f"tool {tool!r}: {key!r} is not one of MCP's tool annotations ({known_keys});"
        warn(record, [f"{warning} it is left out"])
    try:
        return mt.ToolAnnotations.model_validate(kept)
    except ValidationError as exc:
        lines = describe_errors(exc, root=mt.ToolAnnotations)
        raise PluginError(f"tool {tool!r}: annotations.{'; annotations.'.join(lines)}") from None


def call_plugin_hook(
    manager: pluggy.PluginManager, hook: str, plugin_name: str, **kwargs: Any
) -> list[Any]:
    """Call one plugin's implementations of `hook` through pluggy, so that each is called
    with only the arguments it declares, and hookwrappers, tryfirst/trylast and hook-call
    monitoring apply; the other plugins are left out, which keeps one error boundary
    per plugin."""
    plugin = manager.get_plugin(plugin_name)
    others = [p for p in manager.get_plugins() if p is not plugin]
    results: list[Any] = manager.subset_hook_caller(hook, others)(**kwargs)
    return results


def _other_group(name: str) -> str:
    """Where the name is when it is not a plugin: azsql-mcp loads only entry points of the
    group `azsql_mcp`, and one declared in another group is ignored without a word."""
    for ep, dist_name in _elsewhere():
        if _normalize(name) in (_normalize(ep.name), _normalize(dist_name)):
            return f"{name!r} is an entry point of group {ep.group!r} ({dist_name}), but {_MOVE}"
    return f"{_SCANNED}: a plugin declares its entry point under {_DECLARATION}"


_SCANNED = f"azsql-mcp loads the entry points of group {PLUGIN_GROUP!r}"
_DECLARATION = f"[project.entry-points.{PLUGIN_GROUP}] in pyproject.toml"
_MOVE = f"{_SCANNED}: declare it under {_DECLARATION} and reinstall it"


def ignored_entry_points() -> list[str]:
    """What `azsql-mcp plugins` says of installed entry points in a group named like ours
    (`azsql-mcp`, `azsql_mcp.plugins`): never loaded, and silent otherwise."""
    return [
        f"entry point {ep.name!r} of group {ep.group!r} ({dist_name}) is not loaded: {_MOVE}"
        for ep, dist_name in _elsewhere()
    ]


def _elsewhere() -> Iterator[tuple[EntryPoint, str]]:
    """Entry points of installed distributions in groups other than ours that name azsql."""
    for dist in distributions():
        for ep in dist.entry_points:
            if ep.group != PLUGIN_GROUP and "azsql" in ep.group.lower():
                yield ep, _dist_name(dist.metadata)


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


def _named(value: object) -> str:
    """`the class Vault`, `a dict`: what a plugin handed over, named for an error."""
    if isinstance(value, type):
        return f"the class {value.__name__}"
    return f"a {type(value).__name__}"


def error_text(exc: BaseException) -> str:
    """A plugin's exception as the operator reads it (`azsql-mcp plugins`, check, the
    console, the log): its advice (azsql_mcp.advice) as with every tool offered."""
    text = plain_advice(str(exc), lambda tool: True).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
