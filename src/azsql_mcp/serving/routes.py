"""`/health` (readiness), `/health/live` (liveness) and `/metrics` (Prometheus) beside `/mcp`.

With worker processes, /health and /health/live answer for the worker that took the
request; /metrics sums every worker's metrics (azsql_mcp/metrics.py).

None of them needs a token: probes and scrapers do not authenticate. Keep them
off the public route (docs/operations.md). Why a source is not ready is the database's
own error text, which names its server and login: /health shows it only to a caller
who may open the console, and says "unavailable" to everyone else.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from azsql_mcp.metrics import exposition
from azsql_mcp.serving.admission import count_auth_failure, sends_bearer
from azsql_mcp.serving.console.access import admin_refusal
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from azsql_mcp.core.app import App


def add_routes(app: App) -> None:
    @app.mcp.custom_route("/health", methods=["GET"])
    async def health(request: Request) -> Response:
        refused = admin_refusal(app, request)
        # a probe sends no token; one that sent a token the server refused is counted
        if refused is not None and refused.status_code == 401 and sends_bearer(request.scope):
            count_auth_failure(request.scope)
        return JSONResponse(*health_report(app, details=refused is None))

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


# What a caller without the console's access reads for a source that is not ready
# and not starting.
UNAVAILABLE = (
    "unavailable; the reason is in the server's log and console, and here for a token"
    " with sql.admin"
)


def health_report(app: App, *, details: bool) -> tuple[dict[str, Any], int]:
    """The /health body and status: 503 while a required source is not ready, while no
    source is ready, or when none is configured (a server that can reach no database is
    not ready to serve). A source with `required = false` that is down makes the status
    "degraded", still 200, so that one database down does not take the replica, and the
    databases that work, out of rotation. Without `details`, a not-ready source's reason
    is only "starting" or UNAVAILABLE."""
    sources = app.readiness()
    if not details:
        for state in sources.values():
            reason = state["reason"]
            if reason is not None and not reason.startswith("starting"):
                state["reason"] = UNAVAILABLE
    states = sources.values()
    ready = any(s["ready"] for s in states) and all(s["ready"] for s in states if s["required"])
    if not sources:
        status = "no_source"
    elif not ready:
        status = "not_ready"
    else:
        status = "ok" if all(s["ready"] for s in states) else "degraded"
    body = {
        "status": status,
        "version": __version__,
        "uptime_s": round(time.monotonic() - app.started_at, 3),
        # the process that answered: one of several with [server] workers
        "pid": os.getpid(),
        "plugins": app.plugins.counts(),
        "sources": sources,
    }
    return body, 200 if ready else 503
