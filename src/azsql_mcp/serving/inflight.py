"""The calls in flight of a stateless HTTP server, for a client's `notifications/cancelled`.

Over stdio and in an HTTP session, the MCP SDK matches a cancel to its request within the
session. A stateless server has none: each POST is an exchange of its own, so a
2025-11-25 client's cancel (a POST of its own) found nothing and the statement ran on to
its end, holding a connection and a slot. Here a call is found by the client that sent it
(its token's subject, else its address: `admission.client_key`) and its JSON-RPC id.
Two calls in flight under one key and id (two processes sharing a token) are told apart
by nothing, so a cancel for them cancels neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from azsql_mcp.serving.admission import client_key

Key = tuple[str, str]  # (client, JSON-RPC request id)


class InFlight:
    def __init__(self) -> None:
        self._calls: dict[Key, list[asyncio.Task[Any]]] = {}

    @contextmanager
    def running(self, request_id: str) -> Iterator[None]:
        """The current task is the call with `request_id` until the block ends."""
        task = asyncio.current_task()
        key = _key(request_id)
        if task is None or key is None:
            yield
            return
        tasks = self._calls.setdefault(key, [])
        tasks.append(task)
        try:
            yield
        finally:
            tasks.remove(task)
            if not tasks:
                del self._calls[key]

    def cancel(self, params: Mapping[str, Any]) -> None:
        """Cancel the one call a `notifications/cancelled` names, if there is one."""
        key = _key(str(params.get("requestId")))
        tasks = self._calls.get(key) if key is not None else None
        if tasks is not None and len(tasks) == 1:
            tasks[0].cancel()

    def __len__(self) -> int:
        return len(self._calls)


def _key(request_id: str) -> Key | None:
    from fastmcp.server.dependencies import get_http_request

    try:
        scope = get_http_request().scope
    except RuntimeError:  # not over HTTP
        return None
    return client_key(scope), request_id
