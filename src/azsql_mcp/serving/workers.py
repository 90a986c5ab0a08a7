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
loop woken by a burst of connections accepts all of them at once. Each socket is held by
its worker alone (the parent closes its copy once the worker started): a worker that
dies or drains takes its socket out of the port's group, so the kernel routes no new
connection to it. A replacement gets a fresh socket, which listens once it serves.

The parent supervises: a worker that dies is replaced; one that cannot start (exit 2:
configuration or a strict plugin's startup) stops the server while none has served yet,
as it would stop one process, and is retried later (an invalid edit of the file that
the running workers refused). A serving worker sends a heartbeat every HEARTBEAT_S; one
silent for HUNG_S is killed and replaced. SIGTERM and SIGINT stop every worker (each
drains its calls in flight); SIGHUP is passed to every worker, which reloads as one
process does. A worker whose parent is gone stops by itself. Zombie children that are
no worker (orphans inherited as a container's PID 1) are reaped.

uvicorn's own supervisor (`uvicorn.supervisors.Multiprocess`) runs nothing but
`uvicorn.Server.run` on a `Config` in its workers, so the draining shutdown, reload
and startup-failure reporting of serve_http could not run there, and it cannot tell
prometheus-client which worker died; hence this small one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from azsql_mcp.api import ConfigError, PluginError
from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.metrics import MULTIPROC_DIR_ENV, worker_exits
from azsql_mcp.serving.hosts import PortInUse, bind_socket, check_port_free
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
# a serving worker's event loop writes to the parent every HEARTBEAT_S; one silent for
# HUNG_S (stopped, or its loop blocked) is killed and replaced
HEARTBEAT_S = 2.0
HUNG_S = 30.0
REAP_EVERY_S = 5.0  # how often zombie children that are no worker are reaped


def serve_workers(app: App, config: ConfigSource) -> int:
    """Bind the port, start `workers` worker processes on it and supervise them until
    SIGTERM or SIGINT. Returns the exit code: 0, or 2 when a worker could not start."""
    from azsql_mcp.serving.run import announce

    server = app.settings.server
    check_binding(app.settings)
    metrics_dir = _metrics_dir()
    try:
        sockets = listeners(server.host, server.port, server.workers)
        shared = len(set(sockets)) == 1 and len(sockets) > 1
        port = sockets[0].getsockname()[1]  # the one given, or the one port 0 chose
        rebind = None if shared else functools.partial(rebound, server.host, port)
        try:
            announce(app, "http", config)
            # set before any worker starts: they import prometheus_client with it set
            os.environ[MULTIPROC_DIR_ENV] = metrics_dir
            logs = app.settings.logging
            return Supervisor(config, sockets, server.shutdown_grace_s, logs, rebind).run()
        finally:
            for sock in set(sockets):
                sock.close()  # a socket handed to a worker is closed already
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> str:
    """A fresh folder for the workers' metrics (prometheus-client's multiprocess mode)."""
    try:
        return tempfile.mkdtemp(prefix="azsql-mcp-metrics-")
    except OSError as exc:
        # not tempfile.gettempdir() here: with no usable folder it raises again
        raise ConfigError(
            [
                "server.workers: cannot create a folder for the workers' metrics:"
                f" {exc.strerror or exc}. Point TMPDIR at a writable folder (a read-only"
                " container needs one mounted, e.g. /tmp)"
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


def rebound(host: str, port: int) -> socket.socket:
    """A fresh socket on the port for a replacement worker (SO_REUSEPORT). It does not
    listen yet: the worker's uvicorn listens once it serves, so the kernel sends it no
    connection before, and none at all when it cannot start."""
    return bind_socket(host, port, reuse_port=True)


class Supervisor:
    """Starts the workers, replaces those that die or hang, passes SIGHUP on, stops
    them all."""

    def __init__(
        self,
        config: ConfigSource,
        sockets: list[socket.socket],
        grace_s: int,
        logs: LoggingSettings,
        rebind: Callable[[], socket.socket] | None = None,
    ):
        self.config = config
        self.logs = logs  # how a worker logs until it has read the configuration
        # with `rebind` (Linux), the i-th worker's own socket, closed here once it is
        # handed over, so that the worker alone holds it: a worker that dies or drains
        # takes it out of the port's SO_REUSEPORT group, and the kernel sends new
        # connections to the others. A replacement gets a fresh one from `rebind`.
        # Without, one socket all workers share, kept open here.
        self.sockets: list[socket.socket | None] = list(sockets)
        self.rebind = rebind
        self.grace_s = grace_s
        count = len(sockets)
        self.workers: list[BaseProcess] = []
        self.signals: list[int] = []
        self.started = [0.0] * count  # when each worker started
        self.pause = [0.0] * count  # each worker's last pause before a restart
        self.due: dict[int, float] = {}  # dead workers' slots -> when to restart them
        self.beats: list[Connection | None] = [None] * count  # each worker's heartbeat pipe
        self.last_beat: list[float | None] = [None] * count  # None: not serving yet
        self.served = False  # a worker served: from then on exit 2 does not stop the server
        self.exits = worker_exits()
        self.reap_at = 0.0

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._queue) for sig in (*STOP_SIGNALS, signal.SIGHUP)}
        try:
            for i in range(len(self.sockets)):
                self.workers.append(self._start(i))
                self.started[i] = time.monotonic()
            log.info("serving with %d worker processes", len(self.workers))
            while True:
                live = [i for i in range(len(self.workers)) if i not in self.due]
                pipes: dict[Connection, int] = {}
                for i in live:
                    pipe = self.beats[i]
                    if pipe is not None:
                        pipes[pipe] = i
                sentinels = [self.workers[i].sentinel for i in live]
                for ready in wait([*sentinels, *pipes], timeout=0.5):
                    if ready in pipes:
                        self._heard(pipes[ready])
                while self.signals:
                    sig = self.signals.pop(0)
                    if sig in STOP_SIGNALS:
                        log.info("%s: stopping the workers", signal.Signals(sig).name)
                        return self._stop(0)
                    log.info("SIGHUP: passed on to the workers")
                    self._tell(signal.SIGHUP)
                self._kill_hung()
                code = self._replace_dead()
                if time.monotonic() >= self.reap_at:
                    self.reap_at = time.monotonic() + REAP_EVERY_S
                    self._reap_orphans()
                if code is not None:
                    return self._stop(code)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for pipe in self.beats:
                if pipe is not None:
                    pipe.close()

    def _queue(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signum)

    def _start(self, i: int) -> BaseProcess:
        """Start the i-th worker (the first, or a replacement) on its socket."""
        sock = self.sockets[i]
        if sock is None:
            assert self.rebind is not None
            sock = self.rebind()  # PortInUse when another process took the port
        reader, writer = multiprocessing.Pipe(duplex=False)
        spawn = multiprocessing.get_context("spawn")
        worker = spawn.Process(
            target=worker_main,
            args=(self.config, self.logs, sock, writer, os.getpid()),
            name="azsql-worker",
        )
        # SIGHUP stays pending in the new process until worker_main ignores it: a
        # Python handler is not inherited across exec, and SIGHUP's default is to end
        # the process. It is unblocked here once the worker has started.
        hold = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
        try:
            worker.start()
        except BaseException:
            reader.close()
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, hold)
            writer.close()
            if self.rebind is not None:
                sock.close()  # the worker holds it now, alone
                self.sockets[i] = None
        log.info("worker process %s started", worker.pid)
        if self.beats[i] is not None:
            self.beats[i].close()  # type: ignore[union-attr]
        self.beats[i] = reader
        self.last_beat[i] = None
        return worker

    def _heard(self, i: int) -> None:
        """Read the i-th worker's heartbeats; at the end of the pipe (it exited), stop
        listening to it."""
        pipe = self.beats[i]
        assert pipe is not None
        try:
            got = os.read(pipe.fileno(), 4096)
        except OSError:
            got = b""
        if not got:
            pipe.close()
            self.beats[i] = None
            return
        self.last_beat[i] = time.monotonic()
        self.served = True

    def _kill_hung(self) -> None:
        """Kill a serving worker whose event loop sent no heartbeat for HUNG_S (stopped,
        or blocked): it answers nobody, and its socket still takes connections. It is
        then replaced as one that died."""
        now = time.monotonic()
        for i, worker in enumerate(self.workers):
            last = self.last_beat[i]
            if i in self.due or last is None or worker.exitcode is not None:
                continue
            if now - last > HUNG_S and worker.pid is not None:
                log.error(
                    "worker process %s sent no heartbeat for %.0f s (hung): killing it",
                    worker.pid,
                    now - last,
                )
                self.last_beat[i] = None
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)

    def _replace_dead(self) -> int | None:
        """Replace workers that exited (after a pause when they died young); the exit
        code to stop with when one could not start before any served."""
        now = time.monotonic()
        first, most = RESTART_PAUSE_S
        for i, worker in enumerate(self.workers):
            if worker.exitcode is None or i in self.due:
                continue
            _forget(worker)
            self.exits.inc()
            if worker.exitcode in NOT_STARTED and not self.served:
                log.error("worker process %s could not start (see above): stopping", worker.pid)
                return EXIT_CONFIG
            young = now - self.started[i] < STEADY_S or worker.exitcode in NOT_STARTED
            self.pause[i] = min(max(self.pause[i] * 2, first), most) if young else 0.0
            if worker.exitcode in NOT_STARTED:
                # the running workers refused the same change when they reloaded
                log.error(
                    "worker process %s could not start (exit %s: see the line above, e.g. an"
                    " invalid edit of the configuration file): the other workers keep"
                    " serving; trying again in %.0f s",
                    worker.pid,
                    worker.exitcode,
                    self.pause[i],
                )
            else:
                log.error(
                    "worker process %s exited (%s): starting another%s",
                    worker.pid,
                    worker.exitcode,
                    f" in {self.pause[i]:.0f} s" if self.pause[i] else "",
                )
            self.due[i] = now + self.pause[i]
        for i, when in list(self.due.items()):
            if when <= now:
                try:
                    self.workers[i] = self._start(i)
                except PortInUse as exc:  # every worker gone, and another process took the port
                    self.pause[i] = min(max(self.pause[i] * 2, first), most)
                    log.error("%s: trying again in %.0f s", exc, self.pause[i])
                    self.due[i] = now + self.pause[i]
                    continue
                del self.due[i]
                self.started[i] = time.monotonic()
        return None

    def _reap_orphans(self) -> None:
        """Reap the children that ended and that nobody waits for: as PID 1 in a
        container without an init, this process inherits the processes orphaned below
        it (the driver processes of a worker that was killed), and each would stay a
        zombie. Workers are left to multiprocessing, which waits for them."""
        if sys.platform != "linux":
            return
        ours = {worker.pid for worker in self.workers}
        from multiprocessing import resource_tracker

        ours.add(getattr(resource_tracker._resource_tracker, "_pid", None))
        for pid in _children():
            if pid in ours:
                continue
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state == "Z":
                    os.waitpid(pid, os.WNOHANG)
            except (OSError, IndexError):
                continue

    def _tell(self, sig: int) -> None:
        for worker in self.workers:
            if worker.exitcode is None and worker.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, sig)

    def _stop(self, code: int) -> int:
        """SIGTERM to every worker; each finishes its calls in flight (up to
        shutdown_grace_s) and closes its pools. One that outlasts that is killed. A
        stop signal that comes meanwhile is passed on as another SIGTERM, which makes
        the workers cut their calls at once (serving/stopagain.py)."""
        self._tell(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s + CLOSE_MARGIN_S
        for i, worker in enumerate(self.workers):
            if i in self.due:
                continue  # dead, and already forgotten
            while worker.exitcode is None and time.monotonic() < deadline:
                worker.join(min(0.2, max(0.0, deadline - time.monotonic())))
                if any(sig in STOP_SIGNALS for sig in self.signals):
                    log.info("stopping the workers again: they cut their calls in flight")
                    self._tell(signal.SIGTERM)
                self.signals.clear()
            if worker.exitcode is None:
                log.error("worker process %s did not stop in time: killed", worker.pid)
                worker.kill()
                worker.join()
            _forget(worker)
        return code


def _children() -> set[int]:
    """This process's children (Linux: every thread's /proc children list)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            found.update(int(pid) for pid in task.read_text().split())
    return found


def _forget(worker: BaseProcess) -> None:
    """Drop a dead worker's live gauges from /metrics; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_main(
    config: ConfigSource, logs: LoggingSettings, sock: socket.socket, beat: Connection, parent: int
) -> None:
    """A worker process: read the configuration, assemble the App, serve on `sock`. It
    logs as the parent does (`logs`) until it has read the configuration: what the
    loader says, and why it could not start, are records in the parent's format."""
    from dataclasses import replace

    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.serving.logsetup import setup_logging
    from azsql_mcp.serving.reload import config_stamp
    from azsql_mcp.serving.run import run_loop

    # until watch_config handles it: the worker reads the configuration as it starts
    # anyway. The parent started this process with SIGHUP blocked (Supervisor._start):
    # one sent meanwhile is dropped here.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
    sock.set_inheritable(False)  # for this worker alone, not its driver processes
    os.set_inheritable(beat.fileno(), False)
    # the file as this worker reads it: the parent's stamp is as old as the parent, and a
    # replacement started after an edit would take the edit for one to reload
    config = replace(config, stamp=config_stamp(config.path))
    setup_logging(logs, with_pid=True)  # a worker is one of several processes
    try:
        settings = config.load()
        setup_logging(settings.logging, with_pid=True)
        run_loop(_serve(build_app(settings), config, sock, beat, parent))
    except (ConfigError, PluginError) as exc:
        log.error("worker process %s: %s", os.getpid(), exc)
        sys.exit(EXIT_CONFIG)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group
        pass
    except Exception:  # as a record, not multiprocessing's bare traceback; exit 1 as it would
        log.exception("worker process %s failed", os.getpid())
        sys.exit(1)


async def _serve(
    app: App, config: ConfigSource, sock: socket.socket, beat: Connection, parent: int
) -> None:
    from azsql_mcp.serving.http import serve_http
    from azsql_mcp.serving.reload import watch_config
    from azsql_mcp.serving.run import prepare

    prepare(app)
    async with watch_config(app, config), _stop_without(parent), _heartbeat(beat) as serving:
        await serve_http(app, sockets=[sock], started=serving)


@contextlib.asynccontextmanager
async def _heartbeat(beat: Connection) -> AsyncIterator[Callable[[], None]]:
    """Yields what to call once the worker serves: from then on, its event loop writes
    a byte to the parent every HEARTBEAT_S (Supervisor._kill_hung)."""
    fd = beat.fileno()
    os.set_blocking(fd, False)  # a full pipe (a stopped parent) must not block the loop
    tasks: list[asyncio.Task[None]] = []

    async def beats() -> None:
        while True:
            with contextlib.suppress(OSError):  # full, or the parent is gone
                os.write(fd, b".")
            await asyncio.sleep(HEARTBEAT_S)

    def serving() -> None:
        tasks.append(asyncio.create_task(beats(), name="azsql-heartbeat"))

    try:
        yield serving
    finally:
        for task in tasks:
            task.cancel()


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
