"""One validation path for every command: `serve`, `check`, `config`, `plugins` and
`tools` accept and refuse the same configurations, listing every problem at once."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from azsql_mcp.api import ConfigError, SourceSettings
from azsql_mcp.core.assembly import assembly_problems
from azsql_mcp.core.config import PartlyInvalid, load_settings
from azsql_mcp.core.pluginloader import load_plugins
from azsql_mcp.core.plugins import PluginSet
from azsql_mcp.core.plugins import log as plugins_log
from azsql_mcp.core.scopekeys import scope_key_problems, token_scope_problems
from azsql_mcp.core.settings import Settings
from azsql_mcp.core.standing import standing_problems
from azsql_mcp.serving.http import binding_problems

# What the HTTP binding rule reads: when the schema refused a value of one of them, the
# rule would judge a default in its place.
BINDING_KEYS = ("server.transport", "server.host", "server.auth")


def load(
    config_file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    own_sources: bool = False,
) -> Settings:
    """`load_settings`; when the schema refuses some values, the problems of the values it
    accepted are listed with them (unknown plugin names, auth providers, ...).
    `own_sources`: the caller serves sources of its own (`--demo`), so the configured
    ones are dropped, neither kept nor judged: the rest of the file still counts."""
    try:
        settings = load_settings(config_file, overrides)
    except PartlyInvalid as exc:
        invalid = exc
    else:
        return without_sources(settings) if own_sources else settings
    accepted, problems = invalid.settings, invalid.problems
    if own_sources:
        accepted = without_sources(accepted)
        problems = [p for p in problems if not p.startswith("sources.")]
    # Out of the `except` block (a plugin's exception is not chained to this one), with
    # the loader's log lines held back: logging is not set up yet, and Python's
    # last-resort handler would print its warnings bare before the list.
    with plugin_logs_held_back():
        more, plugins = config_problems(accepted, cut=invalid.cut)
    failed = [f"{r.describe()} failed to load: {r.reason}" for r in plugins.failed()]
    problems = [*problems, *more, *failed]
    if not problems:  # all that was wrong was in the sources dropped
        return accepted
    raise ConfigError(problems)


def without_sources(settings: Settings) -> Settings:
    """The settings with no source, nor a default naming one."""
    server = settings.server.model_copy(update={"default_source": None})
    return settings.model_copy(update={"sources": {}, "server": server})


@contextmanager
def plugin_logs_held_back() -> Iterator[None]:
    """The plugin loader's log lines dropped meanwhile: for loading plugins only to judge
    a configuration, whose failures are reported some other way."""

    def drop(record: logging.LogRecord) -> bool:
        return False

    plugins_log.addFilter(drop)
    try:
        yield
    finally:
        plugins_log.removeFilter(drop)


@dataclass(frozen=True)
class SettingsLoader:
    """How `serve` reads its settings, again on each reload and in each worker process
    (it is pickled to them): the config file, the environment and the command-line
    overrides, through `load`. `sources`, when given, replace the file's (the demo's
    test server)."""

    config_file: str | None = None
    overrides: Mapping[str, Any] | None = None
    sources: dict[str, SourceSettings] | None = None

    def __call__(self) -> Settings:
        settings = load(self.config_file, self.overrides, own_sources=self.sources is not None)
        if self.sources is None:
            return settings
        return settings.model_copy(update={"sources": self.sources})


def config_problems(
    settings: Settings,
    cut: Sequence[str] = (),
    extra_plugins: Mapping[str, object] | None = None,
) -> tuple[list[str], PluginSet]:
    """What `serve` would refuse in these (already parsed) settings: what `build_app`
    refuses (plugin selection and sections, auth providers, declared tools), scope keys
    that name no tool or plugin and static tokens' misspelt scopes, what serving or
    connecting would meet (core/standing.py) and the binding rule for HTTP and worker
    processes; and the plugins, loaded once, for `assemble`. Plugin failures are not
    among the problems: `[plugins] strict` decides (`PluginSet.report_failures`). `cut`:
    keys whose values the schema refused (and left out): rules that read them are skipped.
    `extra_plugins`: in-process plugins, as `build_app` takes them."""
    plugins = load_plugins(settings, extra_plugins)
    problems = assembly_problems(settings, plugins)  # what build_app refuses
    problems += scope_key_problems(settings, plugins)  # after declare_tools: all tools known
    problems += token_scope_problems(settings, plugins)
    problems += standing_problems(settings)  # what serving or connecting would meet
    judged = not any(k == b or k.startswith(b + ".") for k in cut for b in BINDING_KEYS)
    if settings.server.transport == "http" and judged:
        problems += binding_problems(settings)
    problems += worker_problems(settings)
    return problems, plugins


def validate(settings: Settings) -> PluginSet:
    """The plugins of a valid configuration, ready for `assemble`; ConfigError listing
    every problem otherwise."""
    problems, plugins = config_problems(settings)
    if problems:
        raise ConfigError(problems)
    return plugins


def worker_problems(settings: Settings) -> list[str]:
    """What makes `workers` above 1 impossible in these settings (serving/workers.py)."""
    server = settings.server
    if server.workers == 1:
        return []
    if server.transport != "http":
        return [
            f"server.workers: {server.workers} worker processes serve HTTP only; over stdio"
            " one client talks to one process. Set workers = 1 (drop --workers), or"
            " transport = 'http' (flag --transport http)"
        ]
    if not server.stateless_http:
        return [
            f"server.workers: {server.workers} worker processes need stateless_http = true:"
            " an MCP session lives in the one process that created it, and the next request"
            " may reach another worker. Set [server] stateless_http = true (flag"
            " --stateless), or workers = 1"
        ]
    return []
