"""What the initialize (and `server/discover`) answer tells a client: the instructions
for its token (instructions.py), and the capabilities, less the promises this server
cannot keep.

The MCP SDK derives them from the handlers registered, not from what the transport can
deliver:

- Before 2026-07-28, FastMCP advertises `listChanged` for tools, prompts and resources
  on every connection. A stateless HTTP server keeps no channel to send those
  notifications on (sessions.py), so it must not claim them there.
- From 2026-07-28, serving `subscriptions/listen` advertises `resources.subscribe`
  along with `listChanged`. Resources are read live from the database and
  `notifications/resources/updated` is never sent, so `subscribe` is false.

FastMCP has no setting for either, and gives every client the same instructions; its
`on_initialize` and `on_discover` middleware hooks return the answer, which this amends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as mt
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext


class AdvertisedCapabilities(Middleware):
    """Amends the instructions and capabilities of `initialize` (before 2026-07-28) and
    `server/discover` (2026-07-28). It overrides `__call__` rather than the two hooks:
    every request passes it, and the hook dispatch would cost more than the method
    check."""

    def __init__(self, *, stateless_http: bool, instructions: Callable[[], Awaitable[str | None]]):
        # a stateless HTTP server answers each POST on a connection of its own
        self.list_changed = not stateless_http
        self.instructions = instructions  # the calling client's

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        result = await call_next(context)
        method = context.method
        if method == "initialize" and isinstance(result, mt.InitializeResult):
            update: dict[str, Any] = {"instructions": await self.instructions()}
            if not self.list_changed:
                update["capabilities"] = _unlisted(result.capabilities)
            return result.model_copy(update=update)
        if method == "server/discover" and isinstance(result, mt.DiscoverResult):
            capabilities = _unsubscribed(result.capabilities)
            update = {"instructions": await self.instructions(), "capabilities": capabilities}
            return result.model_copy(update=update)
        return result


def _unlisted(capabilities: mt.ServerCapabilities) -> mt.ServerCapabilities:
    update: dict[str, Any] = {}
    for kind in ("tools", "prompts", "resources"):
        advertised = getattr(capabilities, kind)
        if advertised is not None:
            update[kind] = advertised.model_copy(update={"list_changed": False})
    return capabilities.model_copy(update=update)


def _unsubscribed(capabilities: mt.ServerCapabilities) -> mt.ServerCapabilities:
    resources = capabilities.resources
    if resources is None or not resources.subscribe:
        return capabilities
    return capabilities.model_copy(
        update={"resources": resources.model_copy(update={"subscribe": False})}
    )
