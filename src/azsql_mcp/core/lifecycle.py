"""The `startup` and `shutdown` hooks: each plugin's implementations called through
pluggy inside its own error boundary, awaited when async, with the public
`ServerHandle` of that plugin."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from azsql_mcp.api import Database, PluginError, PluginInfo, ServerHandle
from azsql_mcp.core.plugins import PluginRecord, PluginSet, call_plugin_hook, error_text
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.runtime import Runtime

log = logging.getLogger(__name__)


class HookInterrupted(Exception):
    """KeyboardInterrupt in a plugin's startup or shutdown hook: Ctrl-C in the hook's
    code (over stdio, a second one while a synchronous hook holds the event loop, which
    the first one's cancellation waits for), or the plugin raised it. Not a failed
    plugin: the operator stops the server. In startup, `serve` then ends once the sources
    are closed, with one line and exit code 130 (core/cli.py). An Exception, not a
    KeyboardInterrupt: raised out of the hook's task, that would end the event loop
    before anything is closed."""

    def __init__(self, plugin: str, hook: Literal["startup", "shutdown"]):
        super().__init__(f"interrupted (Ctrl-C) during {plugin}'s {hook} hook")


class App(Protocol):
    """What the hooks need of `core.app.App` (which imports this module)."""

    settings: Settings
    plugins: PluginSet
    runtime: Runtime
    stopping: asyncio.Event
    started: list[PluginRecord]

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
    """Every loaded plugin's `startup`, each within `[plugins] startup_timeout_s`. A
    plugin whose hook fails or does not finish in time is marked failed and its
    components are hidden (non-strict), or the server stops with PluginError (strict).
    Told to stop meanwhile, the hook running is cancelled and the rest are skipped. Each
    plugin whose hook ended well joins `app.started`."""
    limit = app.settings.plugins.startup_timeout_s
    for record in app.plugins.loaded():
        try:
            ended = await _within(_call(app, record, "startup"), limit, app.stopping)
        except HookInterrupted:
            raise  # stops the server, whatever `strict` says
        except Exception as exc:
            _fail_startup(app, record, f"failed in startup: {error_text(exc)}", exc)
            continue
        if ended == "done":
            app.started.append(record)
        elif ended == "stopped":
            log.info(
                "stopping: %s's startup hook cancelled; the startup hooks left are skipped",
                record.describe(),
            )
            return
        else:
            reason = (
                f"did not finish its startup hook within {limit:g} s ([plugins]"
                " startup_timeout_s); it was cancelled"
            )
            _fail_startup(app, record, reason, None)


def _fail_startup(app: App, record: PluginRecord, reason: str, exc: Exception | None) -> None:
    message = f"{record.describe()} {reason}"
    if app.settings.plugins.strict:
        raise PluginError(message) from exc
    log.error(f"{message}; {_withdrawn(app, record.name)}", exc_info=exc)
    record.fail(message)
    app.withdraw_failed()


async def _within(
    hook: Coroutine[Any, Any, None], limit: float, stopping: asyncio.Event
) -> Literal["done", "timeout", "stopped"]:
    """Run `hook` for at most `limit` seconds, or until `stopping` is set; its exception
    raised. A hook cut short is cancelled but not waited for: one that ignores the
    cancellation must not hold the server either."""
    task = asyncio.ensure_future(hook)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stop}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this is cancelled (SIGTERM over stdio cancels the transport)
        stop.cancel()
        if not task.done():
            task.cancel()
            task.add_done_callback(_late)
        elif not task.cancelled() and isinstance(task.exception(), HookInterrupted):
            # Ctrl-C twice over stdio: the first cancelled this, once the blocking hook
            # let it; the second ended the hook. Said as such, not as a bare cancellation.
            task.result()
    if not task.cancelled() and task.done():
        task.result()
        return "done"
    return "stopped" if stopping.is_set() else "timeout"


def _late(task: asyncio.Future[None]) -> None:
    """What a cut-short hook ended with is read by nobody: not reported as never read."""
    if not task.cancelled():
        task.exception()


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
    """The `shutdown` of every plugin whose startup ended well; failures are logged and
    stop nothing. Ctrl-C in one (KeyboardInterrupt) skips the hooks left: the server is
    stopping already and the operator wants it gone; the sources still close after."""
    for record in app.started:
        try:
            await _call(app, record, "shutdown")
        except HookInterrupted as exc:
            log.warning("%s; the shutdown hooks left are skipped", exc)
            return
        except Exception:
            log.exception("%s failed in shutdown", record.describe())


async def _call(app: App, record: PluginRecord, hook: Literal["startup", "shutdown"]) -> None:
    handle: ServerHandle = PluginServerHandle(app, record.config)
    try:
        for result in call_plugin_hook(app.plugins.manager, hook, record.name, app=handle):
            if inspect.isawaitable(result):
                await result
    except (Exception, asyncio.CancelledError, GeneratorExit):
        raise  # a failed hook, for the callers to report; cancelled: a time limit, a stop
    except KeyboardInterrupt:
        raise HookInterrupted(record.describe(), hook) from None
    except SystemExit as exc:
        # argparse exiting on bad input, say: raised out of a task, it would end the
        # event loop and the server; the hook failed instead
        raise RuntimeError(f"the {hook} hook raised SystemExit({exc.code!r})") from exc
    except BaseException as exc:  # any other: a failed hook too
        raise RuntimeError(f"the {hook} hook raised {exc!r}") from exc
