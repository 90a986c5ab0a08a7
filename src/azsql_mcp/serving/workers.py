"""Several worker processes on one HTTP port (`[server] workers`, `serve --workers N`).

The parent binds the port, prints the banner and starts the workers; each worker is a
fresh interpreter (multiprocessing's spawn) that reads the same configuration (file and
environment), assembles its own App, pools and driver processes, and runs uvicorn on
uvloop on a listening socket the parent hands it, as one process would. Only stateless
HTTP qualifies: a session lives in the process that created it, and the next request
may reach another worker.

On Linux the parent binds one socket per worker, all with SO_REUSEPORT, and the kernel
spreads new connections evenly over them; elsewhere the workers share one socket. With
one shared socket the connections were measured to go mostly to one worker: an event
loop woken by a burst of connections accepts all of them at once.

The parent supervises: a worker that dies is replaced; one that cannot start (exit 2:
configuration or a strict plugin's startup) stops the server, as it would stop one
process. SIGTERM and SIGINT stop every worker (each drains its calls in flight);
SIGHUP is passed to every worker, which reloads as one process does. A worker whose
parent is gone stops by itself.

uvicorn's own supervisor (`uvicorn.supervisors.Multiprocess`) runs nothing but
`uvicorn.Server.run` on a `Config` in its workers, so the draining shutdown, reload
and startup-failure reporting of serve_http could not run there, and it cannot tell
prometheus-client which worker died; hence this small one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING

from azsql_mcp.core.config import ConfigError
from azsql_mcp.metrics import MULTIPROC_DIR_ENV
from azsql_mcp.serving.hosts import bind_socket, check_port_free
from azsql_mcp.serving.http import check_binding

if TYPE_CHECKING:
    from azsql_mcp.core.app import App
    from azsql_mcp.serving.reload import ConfigSource

log = logging.getLogger(__name__)

EXIT_CONFIG = 2  # as core/cli.py: the worker could not start
# ... nor could it when it exits 3: uvicorn's code for a failed startup
NOT_STARTED = (EXIT_CONFIG, 3)
BACKLOG = 2048  # uvicorn's default
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# after shutdown_grace_s, how long a worker may take to close its pools before SIGKILL
CLOSE_MARGIN_S = 15
# a worker that dies sooner than this after its start is replaced after a pause that
# doubles each time (up to the last figure), so a crash at start does not spin the host
STEADY_S = 10.0
RESTART_PAUSE_S = (1.0, 30.0)


def serve_workers(app: App, config: ConfigSource) -> int:
    """Bind the port, start `workers` worker processes on it and supervise them until
    SIGTERM or SIGINT. Returns the exit code: 0, or 2 when a worker could not start."""
    from azsql_mcp.serving.run import announce

    server = app.settings.server
    check_binding(app.settings)
    metrics_dir = _metrics_dir()
    try:
        sockets = listeners(server.host, server.port, server.workers)
        try:
            asyncio.run(announce(app, "http", config))
            # set before any worker starts: they import prometheus_client with it set
            os.environ[MULTIPROC_DIR_ENV] = metrics_dir
            return Supervisor(config, sockets, server.shutdown_grace_s).run()
        finally:
            for sock in set(sockets):
                sock.close()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> str:
    """A fresh folder for the workers' metrics (prometheus-client's multiprocess mode)."""
    try:
        return tempfile.mkdtemp(prefix="azsql-mcp-metrics-")
    except OSError as exc:
        raise ConfigError(
            [
                f"server.workers: cannot create a folder for the workers' metrics in"
                f" {tempfile.gettempdir()!r}: {exc.strerror or exc}. Point TMPDIR at a"
                " writable folder (a read-only container needs one mounted, e.g. /tmp)"
            ]
        ) from None


def listeners(host: str, port: int, count: int) -> list[socket.socket]:
    """A listening socket for each worker: its own on Linux (SO_REUSEPORT), else one
    shared. They listen from now on: connections made while the workers start wait."""
    if sys.platform != "linux":
        sock = bind_socket(host, port)
        sock.listen(BACKLOG)
        return [sock] * count
    # without SO_REUSEPORT, so that a server already on the port is refused, not joined
    check_port_free(host, port)
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = bind_socket(host, port, reuse_port=True)
            sockets.append(sock)
            sock.listen(BACKLOG)
            port = sock.getsockname()[1]  # port 0: the others take the one given
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Supervisor:
    """Starts the workers, replaces those that die, passes SIGHUP on, stops them all."""

    def __init__(self, config: ConfigSource, sockets: list[socket.socket], grace_s: int):
        self.config = config
        self.sockets = sockets  # the i-th worker's, handed to its replacements too
        self.grace_s = grace_s
        self.workers: list[BaseProcess] = []
        self.signals: list[int] = []
        self.started: list[float] = []  # when each worker started
        self.pause: list[float] = []  # each worker's last pause before a restart
        self.due: dict[int, float] = {}  # dead workers' slots -> when to restart them

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._queue) for sig in (*STOP_SIGNALS, signal.SIGHUP)}
        try:
            self.workers = [self._start(sock) for sock in self.sockets]
            self.started = [time.monotonic()] * len(self.workers)
            self.pause = [0.0] * len(self.workers)
            log.info("serving with %d worker processes", len(self.workers))
            while True:
                live = [i for i in range(len(self.workers)) if i not in self.due]
                wait([self.workers[i].sentinel for i in live], timeout=0.5)
                while self.signals:
                    sig = self.signals.pop(0)
                    if sig in STOP_SIGNALS:
                        log.info("%s: stopping the workers", signal.Signals(sig).name)
                        return self._stop(0)
                    log.info("SIGHUP: passed on to the workers")
                    self._tell(signal.SIGHUP)
                code = self._replace_dead()
                if code is not None:
                    return self._stop(code)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _queue(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signum)

    def _start(self, sock: socket.socket) -> BaseProcess:
        spawn = multiprocessing.get_context("spawn")
        worker = spawn.Process(
            target=worker_main, args=(self.config, sock, os.getpid()), name="azsql-worker"
        )
        worker.start()
        log.info("worker process %s started", worker.pid)
        return worker

    def _replace_dead(self) -> int | None:
        """Replace workers that exited (after a pause when they died young); the exit
        code to stop with when one could not start."""
        now = time.monotonic()
        for i, worker in enumerate(self.workers):
            if worker.exitcode is None or i in self.due:
                continue
            _forget(worker)
            if worker.exitcode in NOT_STARTED:
                log.error("worker process %s could not start (see above): stopping", worker.pid)
                return EXIT_CONFIG
            young = now - self.started[i] < STEADY_S
            first, most = RESTART_PAUSE_S
            self.pause[i] = min(max(self.pause[i] * 2, first), most) if young else 0.0
            log.error(
                "worker process %s exited (%s): starting another%s",
                worker.pid,
                worker.exitcode,
                f" in {self.pause[i]:.0f} s" if self.pause[i] else "",
            )
            self.due[i] = now + self.pause[i]
        for i, when in list(self.due.items()):
            if when <= now:
                del self.due[i]
                self.workers[i] = self._start(self.sockets[i])
                self.started[i] = time.monotonic()
        return None

    def _tell(self, sig: int) -> None:
        for worker in self.workers:
            if worker.exitcode is None and worker.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, sig)

    def _stop(self, code: int) -> int:
        """SIGTERM to every worker; each finishes its calls in flight (up to
        shutdown_grace_s) and closes its pools. One that outlasts that is killed."""
        self._tell(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s + CLOSE_MARGIN_S
        for i, worker in enumerate(self.workers):
            if i in self.due:
                continue  # dead, and already forgotten
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.exitcode is None:
                log.error("worker process %s did not stop in time: killed", worker.pid)
                worker.kill()
                worker.join()
            _forget(worker)
        return code


def _forget(worker: BaseProcess) -> None:
    """Drop a dead worker's live gauges from /metrics; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_main(config: ConfigSource, sock: socket.socket, parent: int) -> None:
    """A worker process: read the configuration, assemble the App, serve on `sock`."""
    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.plugins import PluginError
    from azsql_mcp.serving.logsetup import setup_logging
    from azsql_mcp.serving.run import run_loop

    # until watch_config handles it: the worker reads the configuration as it starts anyway
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        settings = config.load()
        setup_logging(settings.logging)
        run_loop(_serve(build_app(settings), config, sock, parent))
    except (ConfigError, PluginError) as exc:
        print(f"azsql-mcp: worker process {os.getpid()}: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group
        pass


async def _serve(app: App, config: ConfigSource, sock: socket.socket, parent: int) -> None:
    from azsql_mcp.serving.http import serve_http
    from azsql_mcp.serving.reload import watch_config
    from azsql_mcp.serving.run import prepare

    prepare(app)
    async with watch_config(app, config), _stop_without(parent):
        await serve_http(app, sockets=[sock])


@contextlib.asynccontextmanager
async def _stop_without(parent: int) -> AsyncIterator[None]:
    """Stop (as on SIGTERM) once the parent is gone: a worker left behind would hold
    the port, and nobody would replace it or stop it."""

    async def watch() -> None:
        while os.getppid() == parent:
            await asyncio.sleep(1)
        log.error("the parent process %s is gone: stopping", parent)
        signal.raise_signal(signal.SIGTERM)

    task = asyncio.create_task(watch(), name="azsql-parent-watch")
    try:
        yield
    finally:
        task.cancel()
