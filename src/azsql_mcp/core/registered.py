"""What a function registered as a tool, resource or prompt must be for clients to use it:
FastMCP takes nearly any callable, and what it makes of a loose one (an argument typed
anything, a call that holds the event loop, a tool with no description) only shows once
a client uses it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from azsql_mcp.api import PluginError


def require_async(fn: Callable[..., Any], kind: str) -> None:
    """A synchronous function would run on the event loop, holding every other call."""
    if not inspect.iscoroutinefunction(fn):
        name = getattr(fn, "__qualname__", repr(fn))
        raise TypeError(
            f"{kind} {name} must be an async function (async def); blocking work inside it"
            " (a synchronous library, time.sleep) goes in `await asyncio.to_thread(...)`"
        )


def require_hints(fn: Callable[..., Any], what: str) -> None:
    """Every parameter typed: the input schema comes from the hints, and one without a
    hint takes any value; a context parameter without `ToolContext` is even asked of
    the client."""
    for parameter in inspect.signature(fn).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue  # FastMCP refuses these itself, with its reason
        if parameter.annotation is not parameter.empty:
            continue
        name = parameter.name
        if name in ("ctx", "context"):
            fix = f"`{name}: ToolContext` (from azsql_mcp), so that the core fills it in"
        else:
            fix = f"e.g. `{name}: str` or `{name}: int | None = None`"
        raise PluginError(
            f"{what}: parameter {name!r} of {fn.__qualname__} has no type hint, so clients"
            f" would see it as taking any value; annotate it, {fix}"
        )


def missing_description(fn: Callable[..., Any], description: str | None, what: str) -> list[str]:
    """A warning for a tool without a description: it works, but gives a model nothing to
    choose it by."""
    if description or inspect.getdoc(fn):
        return []
    return [
        f"{what} has no description, and clients and models choose tools by it: give"
        f" {fn.__qualname__} a docstring (one line is enough), or register it with"
        " description=..."
    ]
