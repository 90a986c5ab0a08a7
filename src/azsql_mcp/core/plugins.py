"""What the plugins are once loaded: the specs of what each registered, a record per
plugin seen (`azsql-mcp plugins`), the set of them the server runs with, and the calls
and messages shared by loading and serving. Loading itself is pluginloader.py."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import mcp.types as mt
import pluggy
from pydantic import BaseModel

from azsql_mcp.api import AuthProviderFactory, Database, PluginError, ResolvedTool, plain_advice
from azsql_mcp.core.entrypoints import normalize, normalized
from azsql_mcp.core.settings import Settings

log = logging.getLogger(__name__)

DISABLED_TOOLS_KEY = "disabled_tools"
IN_PROCESS = "in-process"  # plugins handed to build_app as objects (tests); always loaded


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


def disabled_reason(settings: Settings, record: PluginRecord) -> str | None:
    """Why the settings keep this plugin from loading, or None."""
    if record.distribution == IN_PROCESS:
        return None
    names = {normalize(record.name), normalize(record.distribution)}
    plugins = settings.plugins
    if names & normalized(plugins.disabled):
        return "disabled by [plugins] disabled"
    if plugins.enabled is not None and not names & normalized(plugins.enabled):
        return "not listed in [plugins] enabled"
    return None


def warn(record: PluginRecord, warnings: list[str]) -> None:
    """Log what works today and may not tomorrow, and keep it for `azsql-mcp plugins`."""
    record.warnings.extend(warnings)
    for warning in warnings:
        log.warning("%s: %s", record.describe(), warning)


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


def error_text(exc: BaseException) -> str:
    """A plugin's exception as the operator reads it (`azsql-mcp plugins`, check, the
    console, the log): its advice (azsql_mcp.advice) as with every tool offered."""
    text = plain_advice(str(exc), lambda tool: True).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
