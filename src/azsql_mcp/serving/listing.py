"""Schema dereferencing only where it has work: the list answers.

FastMCP's default `DereferenceRefsMiddleware` (`FastMCP(dereference_schemas=True)`)
inlines `$ref`s in tool and template schemas for clients that cannot follow them. It
acts on `tools/list` and `resources/templates/list` only, yet as a middleware with the
base dispatch it wraps every request, a tool call included, in three more hook layers
(`on_message`, `on_request`, `on_call_tool`): about 2% of a `read_data` call's CPU under
load (bench/throughput.md). The assembly turns the default off and adds this subclass, which
steps aside for everything but those two lists.
"""

from __future__ import annotations

from typing import Any

from fastmcp.server.middleware import CallNext, MiddlewareContext
from fastmcp.server.middleware.dereference import DereferenceRefsMiddleware

LISTS_WITH_SCHEMAS = frozenset({"tools/list", "resources/templates/list"})


class ListDereferenceMiddleware(DereferenceRefsMiddleware):
    """`DereferenceRefsMiddleware` for the list answers; other requests go straight on."""

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        if context.method in LISTS_WITH_SCHEMAS:
            return await super().__call__(context, call_next)
        return await call_next(context)
