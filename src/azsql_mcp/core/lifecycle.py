"""The `startup` and `shutdown` hooks: each plugin's implementations called through
pluggy inside its own error boundary, awaited when async, with the public
`ServerHandle` of that plugin."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel

from azsql_mcp.api import Database, PluginError, PluginInfo, ServerHandle
from azsql_mcp.core.config import Settings
from azsql_mcp.core.plugins import PluginRecord, PluginSet, call_plugin_hook, error_text
from azsql_mcp.serving.runtime import Runtime

log = logging.getLogger(__name__)


class App(Protocol):
    """What the hooks need of `core.app.App` (which imports this module)."""

    settings: Settings
    plugins: PluginSet
    runtime: Runtime

    def withdraw_failed(self) -> None:
        """Hide the components of plugins that failed since start."""


@dataclass
class PluginServerHandle:
    """The `azsql_mcp.ServerHandle` one plugin's startup and shutdown hooks receive."""

    app: App
    plugin_config: BaseModel | None

    @property
    def config(self) -> BaseModel | None:
        return self.plugin_config

    @property
    def name(self) -> str:
        return self.app.settings.server.name

    @property
    def sources(self) -> list[str]:
        return list(self.app.runtime.sources)

    @property
    def default_source(self) -> str | None:
        return self.app.runtime.default_source

    @property
    def plugins(self) -> list[PluginInfo]:
        return [
            PluginInfo(r.name, r.distribution, r.version, r.status, r.reason)
            for r in self.app.plugins.records
        ]

    async def database(self, source: str | None = None) -> Database:
        if source is not None and source not in self.app.runtime.sources:
            known = ", ".join(self.app.runtime.sources) or "none configured"
            raise ValueError(f"unknown source {source!r}; configured sources: {known}")
        return await self.app.runtime.database(source or self.app.runtime.default_source)


async def run_startup(app: App) -> None:
    """Every loaded plugin's `startup`. A plugin that fails is marked failed and its
    components are hidden (non-strict), or the server stops with PluginError (strict)."""
    for record in app.plugins.loaded():
        try:
            await _call(app, record, "startup")
        except Exception as exc:
            message = f"{record.describe()} failed in startup: {error_text(exc)}"
            if app.settings.plugins.strict:
                raise PluginError(message) from exc
            log.error(f"{message}; {_withdrawn(app, record.name)}", exc_info=exc)
            record.fail(message)
            app.withdraw_failed()


def _withdrawn(app: App, plugin: str) -> str:
    """What a failed plugin's components were, by name: the start banner listed them."""
    kinds = {
        "tools": [n for n, t in app.plugins.tools.items() if t.plugin == plugin],
        "resources": [u for u, r in app.plugins.resources.items() if r.plugin == plugin],
        "prompts": [n for n, p in app.plugins.prompts.items() if p.plugin == plugin],
    }
    named = [f"{kind} {', '.join(sorted(names))}" for kind, names in kinds.items() if names]
    return f"withdrawn: {'; '.join(named)}" if named else "it had no components to withdraw"


async def run_shutdown(app: App) -> None:
    """Every loaded plugin's `shutdown`; failures are logged and stop nothing."""
    for record in app.plugins.loaded():
        try:
            await _call(app, record, "shutdown")
        except Exception:
            log.exception("%s failed in shutdown", record.describe())


async def _call(app: App, record: PluginRecord, hook: Literal["startup", "shutdown"]) -> None:
    handle: ServerHandle = PluginServerHandle(app, record.config)
    for result in call_plugin_hook(app.plugins.manager, hook, record.name, app=handle):
        if inspect.isawaitable(result):
            await result
