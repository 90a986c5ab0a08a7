"""Config hot reload: on SIGHUP, and when the config file changes (polled every 2 s).
A config file that vanished is a reload refused, said in the log, until it is back.

The new configuration is validated in full first; an invalid one leaves the
running configuration in place and every problem is logged. What can change
while serving takes effect for the next request, without dropping connections
or calls in flight: plugin and tool switches (through one FastMCP visibility
transform), `[server.limits]`, scopes and static tokens, `[logging]`, `[audit]`,
and the tools declared in `[tools.NAME]`. When what clients can list changes, connected
clients are told (`notifications/tools/list_changed` and the like; serving/sessions.py).
Every reload that is not refused also resolves again the tools withdrawn for what their
source's catalog lacked (core/resolution.py): after a GRANT, a reload brings them back.
Anything else (sources, security, query limits, the listener, the auth mode) is
logged as needing a restart and keeps its running value.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azsql_mcp import metrics
from azsql_mcp.api import ConfigError
from azsql_mcp.core.assembly import unbound_tools
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.declared import redeclare, withdrawn_declared
from azsql_mcp.core.resolution import resolve_pending
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.auditlog import open_audit_log
from azsql_mcp.serving.clientauth import static_token_table
from azsql_mcp.serving.logsetup import setup_logging
from azsql_mcp.serving.sessions import ListKind

if TYPE_CHECKING:
    from azsql_mcp.core.app import App
    from azsql_mcp.core.plugins import PluginSet

log = logging.getLogger(__name__)

POLL_S = 2.0
# Dotted paths into the settings that apply while serving; `*` is any plugin name.
RELOADABLE = (
    "plugins.disabled",
    "plugins.enabled",
    "plugins.sections.*.disabled_tools",
    "server.limits",
    "server.auth.tool_scopes",
    "server.auth.plugin_scopes",
    "server.auth.static_tokens",
    "logging",
    "audit",
    "tools",
)


@dataclass(frozen=True)
class ConfigSource:
    """How to read the configuration again: the loader, the file to watch, and that
    file's stamp from before the running configuration was read (an edit made while the
    server started is then a change to reload)."""

    load: Callable[[], Settings]
    path: Path | None
    stamp: tuple[int, int, int] | None = None
    demo: bool = False  # `serve --demo`: the loader keeps the test server as the source

    @classmethod
    def before_loading(cls, load: Callable[[], Settings], path: Path | None) -> ConfigSource:
        return cls(load, path, config_stamp(path))


@asynccontextmanager
async def watch_config(app: App, source: ConfigSource | None) -> AsyncIterator[None]:
    """Reload on SIGHUP and on file changes while the block runs."""
    if source is None:
        yield
        return
    reloader = Reloader(app, source)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, reloader.wake.set)
    task = asyncio.create_task(reloader.watch())
    try:
        yield
    finally:
        task.cancel()
        loop.remove_signal_handler(signal.SIGHUP)


class Reloader:
    def __init__(self, app: App, source: ConfigSource):
        self.app = app
        self.source = source
        self.wake = asyncio.Event()
        self.stamp = source.stamp
        # the running configuration was read at start: that counts as a success
        metrics.when_created(functools.partial(_started, time.time()))

    async def watch(self) -> None:
        while True:
            try:
                async with asyncio.timeout(POLL_S):
                    await self.wake.wait()
                reason = "SIGHUP"
            except TimeoutError:
                stamp = config_stamp(self.source.path)
                if stamp == self.stamp:
                    continue
                # a file that vanished is an attempt that fails (once, until it is back)
                reason = f"{self.source.path} {'changed' if stamp else 'is gone'}"
            self.wake.clear()
            self.stamp = config_stamp(self.source.path)
            self.reload(reason)

    def reload(self, reason: str) -> str:
        """Read, validate and apply the configuration; the outcome label it counted. The
        audit file is opened again too (logrotate moves it and sends SIGHUP), unless the
        reload has just replaced it."""
        audit = self.app.tool_calls.audit
        path = self.source.path
        try:
            if path is not None and not path.is_file():
                # else the defaults would replace the file's settings without a word
                raise ConfigError(
                    [
                        f"the config file {path} is gone (deleted, moved or not mounted):"
                        " put it back; until then the running configuration stays"
                    ]
                )
            outcome = apply(self.app, self.source.load(), reason)
        except ConfigError as exc:
            outcome = _refused(reason, exc.problems)
        except Exception:  # a reload must never take the server down
            log.exception("config reload (%s) failed; the running configuration stays", reason)
            outcome = "error"
        if audit is not None and self.app.tool_calls.audit is audit:
            audit.reopen()
        metrics.CONFIG_RELOADS.labels(outcome).inc()
        succeeded = outcome in ("applied", "unchanged")
        metrics.CONFIG_RELOAD_OK.set(1 if succeeded else 0)
        if succeeded:
            metrics.CONFIG_RELOADED_AT.set(time.time())
        return outcome


def _started(at: float) -> None:
    metrics.CONFIG_RELOAD_OK.set(1)
    metrics.CONFIG_RELOADED_AT.set(at)


def apply(app: App, new: Settings, reason: str = "reload") -> str:
    """Apply what can change while serving; 'applied', 'unchanged' or 'invalid'."""
    current = app.settings
    try:
        effective = _merged(current, new)
    except ConfigError as exc:  # the running parts and the new ones break a rule together
        return _refused(reason, exc.problems)
    # what a restart would refuse, then what the running plugins make of the switches;
    # a tool switched on is offered only if it finds its source among the running ones
    problems, judged = _startup_problems(app, new)
    problems += app.plugins.switched_off(effective)[2]
    unbound = unbound_tools(effective, app.plugins)
    if effective.plugins.strict:
        problems += unbound
    # both may report an unknown disabled tool, or (strict) a bound tool's missing source
    problems = list(dict.fromkeys(problems))
    # With the new settings judged, the tokens and the audit file are taken in; the
    # running auth mode may differ from the new file's (it needs a restart), so the
    # tokens are judged again under it.
    tokens = None
    auth = effective.server.auth
    changed_tokens = auth.static_tokens != current.server.auth.static_tokens
    if not problems and auth.mode == "static_tokens" and changed_tokens:
        try:
            tokens = static_token_table(auth)
        except ConfigError as exc:
            problems += exc.problems
    audit_changed = effective.audit != current.audit
    audit = None
    if audit_changed and not problems:
        try:
            audit = open_audit_log(effective.audit)
        except ConfigError as exc:
            problems += exc.problems
    # a withdrawn declared tool is declared again, so that its source's catalog is read
    # anew (a GRANT since): the one way back short of a restart
    if not problems and (effective.tools != current.tools or withdrawn_declared(app)):
        problems += redeclare(app, effective, judged, new)
    if problems:
        if audit is not None:
            audit.close()
        return _refused(reason, problems)
    _warn_restart_needed(app, current, new)
    _resolve_again(app, reason)
    changed = _changed_paths(_dump(current), _dump(effective))
    if not changed:
        log.info("config reload (%s): nothing that applies while serving changed", reason)
        return "unchanged"
    app.settings = effective
    hidden, scopes = app.hidden_keys(effective), app.policy.table
    listed = _kinds((app.hidden.keys or set()) ^ hidden)
    app.hidden.keys = hidden
    app.policy.update(auth, app.plugins)
    listed |= _kinds(
        k for k in scopes.keys() | app.policy.table if scopes.get(k) != app.policy.table.get(k)
    )
    if effective.tools != current.tools:
        listed.add("tools")
    app.limits.update(effective.server.limits)
    if tokens is not None:
        from fastmcp.server.auth.providers.jwt import StaticTokenVerifier

        if isinstance(app.mcp.auth, StaticTokenVerifier):
            app.mcp.auth.tokens = tokens  # read per request: rotated tokens apply at once
            listed |= {"tools", "resources"}  # a token's scopes decide what it lists
    app.sessions.lists_changed(listed)
    if effective.logging != current.logging:
        setup_logging(effective.logging, with_pid=effective.server.workers > 1)
    if audit_changed:
        old_audit, app.tool_calls.audit = app.tool_calls.audit, audit
        if old_audit is not None:
            old_audit.close()
    for why in unbound:
        log.warning("%s; until then it is not offered", why)
    log.info("config reloaded (%s): %s", reason, ", ".join(sorted(map(toml_path, changed))))
    return "applied"


def _resolve_again(app: App, reason: str) -> None:
    """The tools still pending on the open sources resolved again, in the background;
    whether a withdrawn one comes back is logged once its source answers (the reload's
    outcome counts the configuration only)."""
    withdrawn = [name for name in resolve_pending(app) if name in app.withdrawn]
    if withdrawn:
        log.info(
            "config reload (%s): checking the withdrawn tools %s against their sources'"
            " catalogs again; each is listed again once it matches",
            reason,
            ", ".join(withdrawn),
        )


def _startup_problems(app: App, new: Settings) -> tuple[list[str], PluginSet]:
    """The validation every command runs at start (core/validation.py) on the new
    settings: plugin selection and sections against the installed plugins, auth
    providers, references, declared tools, the binding rules; and the plugins loaded to
    judge them, once per reload. That they fail to import or register was logged at
    start already, as were the loader's warnings (an annotation left out): its log lines
    are dropped meanwhile, so a reload does not repeat them."""
    from azsql_mcp.core.validation import config_problems, plugin_logs_held_back

    with plugin_logs_held_back():
        return config_problems(new, extra_plugins=app.plugins.in_process)


_LIST_OF_KIND: dict[str, ListKind] = {
    "tool": "tools",
    "prompt": "prompts",
    "resource": "resources",
    "template": "resources",
}


def _kinds(keys: Iterable[str]) -> set[ListKind]:
    """The lists that hold these components (FastMCP keys: `tool:name@`, ...)."""
    return {_LIST_OF_KIND[key.partition(":")[0]] for key in keys}


def _refused(reason: str, problems: list[str]) -> str:
    for problem in problems:
        log.error("config reload (%s) refused: %s", reason, problem)
    log.error("config reload (%s): the running configuration stays in place", reason)
    return "invalid"


def _warn_restart_needed(app: App, current: Settings, new: Settings) -> None:
    fixed_now = _without_reloadable(_dump(current))
    fixed_new = _without_reloadable(_dump(new))
    for path in sorted(_changed_paths(fixed_now, fixed_new)):
        log.warning(
            "config reload: %s changed; it takes effect after a restart"
            " (database sources, security, query limits, listener and auth mode keep"
            " their running values)",
            toml_path(path),
        )
    for name in app.plugins.enabled_later(new):
        log.warning(
            "config reload: plugin %r is enabled now but was not loaded at start;"
            " it loads after a restart",
            name,
        )


# --- the settings as nested dicts -----------------------------------------------------


def _dump(settings: Settings) -> dict[str, Any]:
    # Python mode keeps SecretStr objects, so a merged dump validates back unchanged.
    return settings.model_dump()


def _merged(current: Settings, new: Settings) -> Settings:
    """The running settings with the reloadable parts taken from `new`. Only what each
    one set is carried over: what a model was given, not its defaults, decides a
    source's overrides (Settings.source_security) and which of two exclusive keys is
    in use (`access_token_env` or `access_token_file`)."""
    out = current.model_dump(exclude_unset=True)
    incoming = new.model_dump(exclude_unset=True)
    for path in _reloadable_paths(out, incoming):
        value = _get(incoming, path)
        if value is _MISSING:
            _delete(out, path)
        else:
            _set(out, path, copy.deepcopy(value))
    # from the merged values alone: Settings.model_validate would read the environment
    return settings_from_mapping(out)


def _reloadable_paths(*dumps: Mapping[str, Any]) -> list[tuple[str, ...]]:
    paths = []
    for pattern in RELOADABLE:
        parts = tuple(pattern.split("."))
        if "*" not in parts:
            paths.append(parts)
            continue
        star = parts.index("*")
        names = {n for d in dumps for n in _mapping_at(d, parts[:star])}
        paths += [(*parts[:star], n, *parts[star + 1 :]) for n in sorted(names)]
    return paths


def _without_reloadable(dump: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dump)
    for path in _reloadable_paths(out):
        _delete(out, path)
    # a [plugins.NAME] table that held only reloadable keys is no change at all
    sections = out["plugins"]["sections"]
    for name in [n for n, table in sections.items() if table == {}]:
        del sections[name]
    return out


def toml_path(path: str) -> str:
    """A settings path as the config file writes it: `[plugins.NAME]` tables are
    collected under `sections` in the settings, not in the file."""
    return path.replace("plugins.sections.", "plugins.", 1)


def _changed_paths(old: Any, new: Any, prefix: str = "") -> set[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        changed: set[str] = set()
        for key in old.keys() | new.keys():
            path = f"{prefix}.{key}" if prefix else str(key)
            changed |= _changed_paths(old.get(key, _MISSING), new.get(key, _MISSING), path)
        return changed
    return set() if old == new else {prefix}


_MISSING: Any = object()


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _mapping_at(data: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    """The table at `path`, empty when a dump has none there (nothing set)."""
    found = _get(data, path)
    return found if isinstance(found, Mapping) else {}


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def _delete(data: dict[str, Any], path: tuple[str, ...]) -> None:
    parent = _get(data, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def config_stamp(path: Path | None) -> tuple[int, int, int] | None:
    """What changes when the file is rewritten or a ConfigMap swaps its symlink."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
