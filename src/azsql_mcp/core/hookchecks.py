"""What a plugin's hook implementations must be: pluggy takes a function of any name
marked @hookimpl, and calls none that is not marked; what it would make of a misspelt
name, an argument the hook lacks, a missing marker or a hook that returns what it should
register is a plugin that loads and does nothing, so each fails the plugin instead."""

from __future__ import annotations

import inspect
from typing import Any

import pluggy

from azsql_mcp.api import PluginError
from azsql_mcp.core import hookspecs
from azsql_mcp.core.hookspecs import HOOKS


def check_hook_names(manager: pluggy.PluginManager, plugin: object) -> None:
    """A hookimpl whose name is no hook of ours (`register_prompt`) would never be called."""
    for caller in manager.get_hookcallers(plugin) or []:
        if caller.has_spec():
            continue
        impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
        if all(i.optionalhook for i in impls):
            continue
        import difflib  # only for a name that is no hook

        close = difflib.get_close_matches(caller.name, HOOKS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise PluginError(f"unknown hook {caller.name!r}{hint} (hooks: {', '.join(sorted(HOOKS))})")


def check_undecorated(manager: pluggy.PluginManager, plugin: object) -> None:
    """A function named as a hook but not marked @hookimpl is never called: the plugin
    would load, registering nothing, without a word."""
    for hook in HOOKS:
        candidate = getattr(plugin, hook, None)
        if callable(candidate) and manager.parse_hookimpl_opts(plugin, hook) is None:
            raise PluginError(
                f"{hook} is not decorated with @hookimpl (from azsql_mcp), so it would never"
                " be called; put @hookimpl on the line above its def"
            )


def check_registered_only(hook: str, results: list[Any]) -> None:
    """A registration hook registers by calling `register`; one that returns what it
    would register, or is `async def` (its body never runs), registers nothing."""
    for result in results:
        if inspect.iscoroutine(result):
            result.close()  # never awaited: closed, so Python does not warn of it
            raise PluginError(
                f"{hook} is an async def, and the registration hooks are synchronous (only"
                " startup and shutdown may be async): make it a plain def"
            )
        if result is not None:
            raise PluginError(
                f"{hook} returned {result!r} instead of registering: call register(fn) for each one"
            )


def argument_mismatch(manager: pluggy.PluginManager, plugin: object) -> str | None:
    """What pluggy refuses as "Argument(s) {'x'} are declared in the hookimpl but can not
    be found in the hookspec", said with the hook's own arguments."""
    for attribute in dir(plugin):
        options = manager.parse_hookimpl_opts(plugin, attribute)
        if options is None:
            continue
        hook = options.get("specname") or attribute
        spec = getattr(hookspecs, hook, None)
        if spec is None or not hasattr(spec, f"{hookspecs.PROJECT}_spec"):
            continue  # not a hook: _check_hook_names says so
        allowed = list(inspect.signature(spec).parameters)
        declared = [
            p.name
            for p in inspect.signature(getattr(plugin, attribute)).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        unknown = [name for name in declared if name not in allowed]
        if unknown:
            arguments = ", ".join(allowed) or "none"
            return (
                f"hook {hook!r} has no argument {', '.join(map(repr, unknown))}"
                f" (declared by {attribute}); its arguments are: {arguments}. Declare any of"
                " them, by name"
            )
    return None
