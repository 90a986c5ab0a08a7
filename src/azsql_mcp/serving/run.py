"""Serving an assembled App until stopped: `serve` picks stdio or HTTP, watches the
config for reloads, and chooses FastMCP's telemetry mode."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Literal

from azsql_mcp.serving.banner import banner, banner_facts, banner_title, no_source
from azsql_mcp.serving.hosts import check_port_free
from azsql_mcp.serving.http import check_binding, serve_http
from azsql_mcp.serving.logsetup import log_format
from azsql_mcp.serving.reload import watch_config
from azsql_mcp.serving.stdio import serve_stdio

if TYPE_CHECKING:
    from azsql_mcp.core.app import App
    from azsql_mcp.serving.reload import ConfigSource

Transport = Literal["stdio", "http"]
log = logging.getLogger(__name__)


async def serve(
    app: App,
    transport: Transport,
    config: ConfigSource | None = None,
    hangups: list[int] | None = None,
) -> None:
    """Serve until stopped: stdio (nothing but protocol on stdout) or streamable HTTP.

    With `config` (how to re-read the configuration), SIGHUP and edits of the config
    file reload it (serving/reload.py). `hangups` are the SIGHUPs noted while the
    server started (core/cli.py): one reload follows them once the reloader watches.
    """
    prepare(app)
    if transport == "http":
        check_binding(app.settings)
        check_port_free(app.settings.server.host, app.settings.server.port)
    announce(app, transport, config)
    async with watch_config(app, config):
        if hangups and config is not None:
            log.info("SIGHUP received while starting: reloading now")
            signal.raise_signal(signal.SIGHUP)  # to the reloader's handler
        if transport == "stdio":
            await serve_stdio(app)
            return
        await serve_http(app)


def prepare(app: App) -> None:
    """What every serving process sets before it serves."""
    choose_telemetry_mode()
    app.freeze_heap_when_open = True


def announce(app: App, transport: Transport, config: ConfigSource | None) -> None:
    """The start banner on stderr, and a warning when no source is configured. With the
    JSON log format, the banner is one INFO record, its facts as fields: log shippers
    read one JSON object per line."""
    path, demo = (config.path, config.demo) if config else (None, False)
    if log_format(app.settings.logging) == "json":
        facts = banner_facts(app, transport, path, demo=demo)
        log.info("%s", banner_title(facts), extra=facts)
    else:
        print(banner(app, transport, path, demo=demo), file=sys.stderr)
    if not app.settings.sources:
        log.warning(no_source())


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """`asyncio.run(main)`, on uvloop's event loop when uvloop is installed (a
    dependency on the platforms it supports): it cuts the CPU the loop and its socket
    transports spend per HTTP call (bench/throughput.md)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def choose_telemetry_mode(environ: Mapping[str, str] = os.environ) -> None:
    """FastMCP builds span attributes on every request, which costs CPU even when no
    OpenTelemetry SDK records the spans. Without an SDK (no tracer provider set, as when
    the server is not started under `opentelemetry-instrument`) it is set to create no
    spans and only pass on the caller's trace context ("off" would still build the
    attributes). FASTMCP_TELEMETRY_MODE, when the operator sets it, decides instead."""
    import fastmcp
    from opentelemetry import trace

    if "FASTMCP_TELEMETRY_MODE" in environ:
        return
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        fastmcp.settings.telemetry_mode = "propagation_only"
