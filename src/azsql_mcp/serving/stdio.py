"""Serving over stdio: nothing but protocol on stdout, and the sources opened only once
the client has the `initialize` answer."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from types import FrameType
from typing import TYPE_CHECKING, Any

import mcp.types as mt
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext

from azsql_mcp.serving.runtime import Runtime

if TYPE_CHECKING:
    from azsql_mcp.core.app import App

log = logging.getLogger(__name__)


class OpenSourcesWhenInitialized(Middleware):
    """Starts opening the sources when the client says it got the `initialize` answer."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    async def on_notification(
        self,
        context: MiddlewareContext[mt.Notification[Any, Any]],
        call_next: CallNext[mt.Notification[Any, Any], Any],
    ) -> Any:
        if context.method == "notifications/initialized":
            self.runtime.open()
        return await call_next(context)


# How long SIGTERM or SIGINT waits, at most, for the calls it cut to end (longer than a
# cut write waits for its COMMIT's outcome, db/database.py SETTLE_MAX_S, so that its
# answer and audit line say how it ended), then for their answers to be written, then
# for the transport to end before ending the process itself.
CALLS_GRACE_S = 10.0
ANSWERS_S = 0.2
STDIN_GRACE_S = 2.0


async def serve_stdio(app: App) -> None:
    """Open sources only after `initialize` is answered; other transports open at start.
    SIGTERM (`docker stop`, a supervisor, a client that gave up waiting after closing
    stdin) and SIGINT (Ctrl-C in a terminal, whose stdin stays open) stop it as the end
    of stdin does: calls in flight are cancelled, answered and audited, the pools closed,
    exit code 0."""
    app.open_sources_at_start = False
    app.mcp.add_middleware(OpenSourcesWhenInitialized(app.runtime))
    loop = asyncio.get_running_loop()
    serving = asyncio.current_task()
    assert serving is not None
    stopped = False
    ending: list[asyncio.Task[None]] = []

    def stop(sig: signal.Signals) -> None:
        nonlocal stopped
        if stopped:  # asked again: the stop under way is bounded already
            return
        stopped = True
        log.info("%s: stopping", sig.name)
        ending.append(loop.create_task(_stop(app, serving, sig)))

    interrupted = False  # a SIGINT came (the loop may not have run `stop` yet)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        # Python's handler, not the loop's: it runs between bytecodes even while a
        # plugin's hook holds the loop, so a second Ctrl-C before the loop took the
        # first raises KeyboardInterrupt there, as asyncio's own handler would.
        nonlocal interrupted
        if interrupted and not stopped:
            raise KeyboardInterrupt
        interrupted = True
        loop.call_soon_threadsafe(stop, signal.SIGINT)

    loop.add_signal_handler(signal.SIGTERM, stop, signal.SIGTERM)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        try:
            await app.mcp.run_stdio_async(show_banner=False)
        except* BrokenPipeError:
            # The client's end of stdout is closed: it exited or died, its stdin ended
            # too. The calls in flight were cancelled and audited and the sources closed
            # on the way out: the client going away is no failure of the server.
            log.info("the client closed stdout (it exited): stopped")
    except asyncio.CancelledError:
        if not stopped:
            raise
        serving.uncancel()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGINT, previous)


async def _stop(app: App, serving: asyncio.Task[Any], sig: signal.Signals) -> None:
    """Cut the calls in flight as HTTP's shutdown does when its grace period ends: each
    is cancelled and answered while stdout still stands (the transport cancelled at once
    would answer them all "Connection closed", or, with stdin open, not at all), saying
    whether a write of it committed. Then end the transport.

    The MCP SDK reads stdin in a thread, and a cancelled transport waits for that read:
    while the client (or the terminal) keeps stdin open, the transport (and the sources
    it would close on its way out) would outlive the signal until SIGKILL. Close the
    sources here then and end the process."""
    loop = asyncio.get_running_loop()
    if app.tool_calls.cut(f"the server was stopped ({sig.name})"):
        deadline = loop.time() + CALLS_GRACE_S
        while app.limits.calls_in_flight and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(ANSWERS_S)
    serving.cancel()
    done, _ = await asyncio.wait({serving}, timeout=STDIN_GRACE_S)
    if done:
        return
    log.info("%s: the transport has not ended (stdin still open); closing the sources", sig.name)
    try:
        await app.close()
    finally:
        logging.shutdown()
        os._exit(0)
