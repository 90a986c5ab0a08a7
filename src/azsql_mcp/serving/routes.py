"""`/health` (readiness), `/health/live` (liveness) and `/metrics` (Prometheus) beside `/mcp`.

With worker processes, /health and /health/live answer for the worker that took the
request; /metrics sums every worker's metrics (azsql_mcp/metrics.py).

None of them needs a token: probes and scrapers do not authenticate. Keep them
off the public route (docs/deployment.md).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from azsql_mcp.metrics import exposition
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from azsql_mcp.core.app import App


def add_routes(app: App) -> None:
    @app.mcp.custom_route("/health", methods=["GET"])
    async def health(request: Request) -> Response:
        return JSONResponse(*health_report(app))

    @app.mcp.custom_route("/health/live", methods=["GET"])
    async def live(request: Request) -> Response:
        # The process answers HTTP: nothing else is checked, so a database outage
        # takes replicas out of rotation (/health) instead of restarting them.
        return JSONResponse({"status": "alive", "version": __version__})

    @app.mcp.custom_route("/metrics", methods=["GET"])
    async def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        body = exposition(across_workers=app.settings.server.workers > 1)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def health_report(app: App) -> tuple[dict[str, Any], int]:
    """The /health body and status: 503 while any source is not ready, or none is
    configured (a server that can reach no database is not ready to serve)."""
    sources = app.readiness()
    ready = bool(sources) and all(s["ready"] for s in sources.values())
    body = {
        "status": "ok" if ready else ("not_ready" if sources else "no_source"),
        "version": __version__,
        "uptime_s": round(time.monotonic() - app.started_at, 3),
        # the process that answered: one of several with [server] workers
        "pid": os.getpid(),
        "plugins": app.plugins.counts(),
        "sources": sources,
    }
    return body, 200 if ready else 503
