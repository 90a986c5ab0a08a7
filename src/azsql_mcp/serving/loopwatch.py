"""The event-loop watchdog: a warning, and `azsql_mcp_event_loop_stalls`, when the event
loop runs nothing for over a second.

Every request of every client is served by one event loop. A plugin's `async def` tool
that calls `time.sleep`, `requests` or a synchronous client library holds that loop:
every other call, `tools/list` and /health wait with it, and `call_timeout_s` cannot
cut it short (the loop never gets to run the timeout). The server cannot stop such a
call; it can say which one it is, so that the author fixes it.

How: the loop stamps the time on a timer every BEAT_S; a thread of ours looks every
CHECK_S at how late the next stamp is. Later than STALL_S, the loop has run nothing
that long: the thread reads the loop thread's Python stack (`sys._current_frames`) to
find the plugin tool, resource or prompt on it, and once the loop runs again logs one
warning with it and how long. Nothing is done per call, and an idle server wakes
four times a second. A stall while a module is imported is a first use, once per
process (FastMCP's auth imports hundreds of modules at the first authenticated request,
which took 0.8 s on a loaded 2-core machine): an INFO line, not a warning.

Not asyncio's debug mode (`loop.slow_callback_duration`): it times every callback, with
the rest of debug mode's checks on every call, names the task (the MCP SDK's request
handler, not the tool), and only once the callback returns (a call that never returns
is never named). aiodebug does the same by replacing `asyncio.Handle._run`, which
uvloop's handles do not use; pyleak's `no_event_loop_blocking` starts a thread for each
block it watches.

STALL_S is fixed, not a setting: no request's own work on the loop comes near a second
(the database work runs in the driver process or its threads), so a stall that long is
a bug to fix, not a tuning choice; and a lower one would name what only a loaded
machine made slow (a first import, a garbage collection, a CPU shared with the driver
process).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

from azsql_mcp import metrics
from azsql_mcp.core.docpaths import doc

if TYPE_CHECKING:
    from azsql_mcp.core.plugins import PluginSet
    from azsql_mcp.serving.admission import LimitState

log = logging.getLogger(__name__)

STALL_S = 1.0  # the loop ran nothing for longer than this: a stall
BEAT_S = 0.25  # how often the loop stamps the time
CHECK_S = 0.25  # how often the watchdog looks at the stamp
# A stall still going on after this long is reported then (a liveness probe may end
# the process before it ends), not when it ends.
STILL_BLOCKED_S = 10.0


@dataclass(frozen=True)
class Culprit:
    """What the loop thread ran during a stall: the plugin component on its stack, if
    any, and where it was."""

    plugin: str = ""
    component: str = ""  # e.g. "tool 'order_total'"
    where: str = ""  # the component's line, else the innermost Python frame's
    importing: str = ""  # the line that imported a module, when an import was under way

    def describe(self) -> str:
        if not self.component:
            where = f" (at {self.where})" if self.where else ""
            return f"no plugin tool, resource or prompt on the stack{where}"
        return f"{self.component} of plugin {self.plugin!r} (at {self.where})"


class LoopWatch:
    """Watches the running event loop from a thread of its own; start and stop it on
    the loop (`watching`)."""

    def __init__(self, plugins: PluginSet, limits: LimitState | None = None):
        self.plugins = plugins
        self.limits = limits
        self._stopped = threading.Event()
        self._beat_at = time.monotonic()
        self._timer: asyncio.TimerHandle | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread = 0

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._beat(loop)
        self._thread = threading.Thread(target=self._watch, name="azsql-mcp-loopwatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        if self._thread is not None:
            self._thread.join(CHECK_S * 4)

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        self._beat_at = time.monotonic()
        self._timer = loop.call_later(BEAT_S, self._beat, loop)

    def _watch(self) -> None:
        expected = time.monotonic() + CHECK_S
        while not self._stopped.wait(CHECK_S):
            now = time.monotonic()
            # Woken late itself, the whole process was held (paused, or the machine
            # starved it): no stall of the loop's own. Looked at again next time.
            held = now - expected > CHECK_S
            expected = now + CHECK_S
            beat_at = self._beat_at
            if held or now - (beat_at + BEAT_S) <= STALL_S:
                continue
            self._follow(beat_at)
            expected = time.monotonic() + CHECK_S

    def _follow(self, beat_at: float) -> None:
        """A stall under way since the stamp after `beat_at` was due: what runs, and
        one warning, once it ends or once it has lasted STILL_BLOCKED_S."""
        due = beat_at + BEAT_S
        frame = sys._current_frames().get(self._loop_thread)
        culprit = _culprit(frame, self.plugins) if frame is not None else Culprit()
        del frame  # the loop thread's frames, kept alive no longer than needed
        waiting = self.limits.calls_in_flight if self.limits is not None else 0
        reported = False
        while self._beat_at == beat_at and not self._stopped.wait(CHECK_S):
            late = time.monotonic() - due
            if not reported and not culprit.importing and late > STILL_BLOCKED_S:
                _report(culprit, late, waiting, ended=False)
                reported = True
        if self._beat_at == beat_at:  # stopped while the loop was still held
            return
        seconds = self._beat_at - due
        if reported:
            log.info("the event loop runs again, after %.1f s", seconds)
        elif culprit.importing:
            # A first use: once per process, and where plugins are told to import their
            # heavy libraries (FastMCP's auth imports hundreds of modules at the first
            # authenticated request). No stall to fix; said for a slow first call.
            log.info(
                "the event loop ran nothing for at least %.1f s while a module was"
                " imported (by %s): a first use, not counted as a stall",
                seconds,
                culprit.importing,
            )
        else:
            _report(culprit, seconds, waiting, ended=True)


def _report(culprit: Culprit, seconds: float, in_flight: int, *, ended: bool) -> None:
    """One warning for one stall, and its count."""
    metrics.EVENT_LOOP_STALLS.labels(culprit.plugin).inc()
    held = "ran nothing for" if ended else "has run nothing for"
    log.warning(
        "the event loop %s at least %.1f s, holding every request of every client (%d"
        " call(s) in flight): %s. A blocking call in async code does this (time.sleep,"
        " requests, a synchronous client library): run it in `await"
        " asyncio.to_thread(...)` (%s)",
        held,
        seconds,
        in_flight,
        culprit.describe(),
        doc("plugins.md"),
    )


def _culprit(frame: FrameType, plugins: PluginSet) -> Culprit:
    """The innermost plugin tool, resource or prompt on the stack ending in `frame`
    (found by its function's code), else the innermost frame's place; and the line
    that started an import under way, if one is."""
    components = _components(plugins)
    innermost = _place(frame)
    importing = ""
    found: tuple[str, str, str] | None = None  # plugin, component, where
    current: FrameType | None = frame
    while current is not None:
        if current.f_code.co_filename.startswith(_IMPORT_SYSTEM):
            importing = "?"  # its caller, the next frame not of the import system
        elif importing == "?":
            importing = _place(current)
        component = components.get(current.f_code)
        if found is None and component is not None:
            where = _place(current)
            found = (*component, where if where == innermost else f"{where}, in {innermost}")
        current = current.f_back
    if found is None:
        return Culprit(where=innermost, importing=importing)
    return Culprit(*found, importing=importing)


def _components(plugins: PluginSet) -> dict[CodeType, tuple[str, str]]:
    """Code object -> (plugin, "tool 'name'") of every plugin function registered (and
    of the function a decorator wrapped); read when a stall is found, so tools completed
    or declared since are in it. Code that several components share (a decorator's
    wrapper, a factory's closure) names its plugin, not one of them."""
    named: dict[CodeType, set[tuple[str, str]]] = {}
    entries = [
        *(("tool", s.name, s.plugin, s.fn) for s in list(plugins.tools.values())),
        *(("resource", s.uri, s.plugin, s.fn) for s in list(plugins.resources.values())),
        *(("prompt", s.name, s.plugin, s.fn) for s in list(plugins.prompts.values())),
    ]
    for kind, name, plugin, fn in entries:
        for code in _codes(fn):
            named.setdefault(code, set()).add((plugin, f"{kind} {name!r}"))
    found = {}
    for code, components in named.items():
        plugins_of = {plugin for plugin, _ in components}
        if len(components) == 1:
            found[code] = next(iter(components))
        elif len(plugins_of) == 1:
            shared = f"{code.co_name}, shared by {len(components)} of its components"
            found[code] = (plugins_of.pop(), shared)
    return found


def _codes(fn: Any) -> list[CodeType]:
    """The code of `fn` and of each function it wraps (`functools.wraps`, a partial)."""
    codes = []
    for _ in range(8):  # a chain of decorators, never a cycle
        code = getattr(fn, "__code__", None)
        if isinstance(code, CodeType):
            codes.append(code)
        inner = getattr(fn, "__wrapped__", None) or getattr(fn, "func", None)
        if inner is None:
            break
        fn = inner
    return codes


# The file names of the frames of importlib's own import code.
_IMPORT_SYSTEM = "<frozen importlib._bootstrap"


def _place(frame: FrameType) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


@contextmanager
def watching(plugins: PluginSet, limits: LimitState | None = None) -> Iterator[LoopWatch]:
    """The running loop watched while the block runs."""
    watch = LoopWatch(plugins, limits)
    watch.start()
    try:
        yield watch
    finally:
        watch.stop()
