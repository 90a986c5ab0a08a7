"""Serving the server, in the driver process (driverhost.py): the works it may ask for
by name, the connections by id, and the threads that read requests from the socket.

The socket carries frames: a 4-byte big-endian length, then a pickle. Requests are
`(request_id, op, connection_id, args)`; an answer `(request_id, ok, value, broken)`
comes back for each request with an id. The socket is a private socketpair between the
two processes, so unpickling what arrives is safe. Only builtin, standard-library and
pyodbc values cross it, and classes of azsql_mcp.db modules, which both sides import
under the same names.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import os
import pickle
import socket
import struct
import threading
import uuid
from collections.abc import Callable
from typing import Any, BinaryIO

from azsql_mcp.db.driverconn import (
    CommitUnknown,
    Connection,
    Refused,
    Unbindable,
    connect,
    names_ignore_case,
    select_one,
    set_session_context,
)
from azsql_mcp.db.driverdescribe import showplan
from azsql_mcp.db.driverrows import fetch_page
from azsql_mcp.db.driverwrites import run_procedure, run_writes

HEADER = struct.Struct("!I")
ENDING_S = 2.0  # how long statements get to end once the server has closed its end


class _Pickler(pickle.Pickler):
    # A UUID as its integer: pickle's default for UUID (its __getstate__ dict) costs
    # three times as much, and uniqueidentifier columns are common.
    dispatch_table = copyreg.dispatch_table | {
        uuid.UUID: lambda value: (uuid.UUID, (None, None, None, None, value.int))
    }


def frame(message: object) -> bytes:
    buffer = io.BytesIO()
    buffer.write(bytes(HEADER.size))
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    HEADER.pack_into(buffer.getbuffer(), 0, buffer.tell() - HEADER.size)
    return buffer.getvalue()


# What the server may ask for by name.
WORK: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (
        select_one,
        names_ignore_case,
        run_writes,
        showplan,
        fetch_page,
        set_session_context,
        run_procedure,
    )
}


# --- serving the server ------------------------------------------------------------------


def error_value(exc: BaseException) -> tuple[str, str, tuple[Any, ...]]:
    """An exception as (kind, class name, args), rebuilt on the server's side: pyodbc
    errors as themselves, Refused as WorkRefused, CommitUnknown as WriteOutcomeUnknown,
    builtin exceptions as themselves, anything else as RuntimeError."""
    import pyodbc

    if isinstance(exc, pyodbc.Error):
        return ("pyodbc", type(exc).__name__, tuple(str(arg) for arg in exc.args))
    if isinstance(exc, Refused):
        return ("refused", "Refused", (str(exc),))
    if isinstance(exc, Unbindable):
        return ("unbindable", "Unbindable", (str(exc),))
    if isinstance(exc, CommitUnknown):
        return ("commit_unknown", "CommitUnknown", (str(exc),))
    return ("other", type(exc).__name__, (str(exc),))


class Connections:
    """The open connections by id, and the operations on them: the one dispatcher of
    both executors (this process's Host, and the server's in-process thread executor)."""

    def __init__(self) -> None:
        self._open: dict[int, Connection] = {}

    def perform(self, op: str, connection_id: int, args: Any) -> Any:
        """Run `op` ("connect", "close", "cancel" or "run") on the connection; its value."""
        conn = self._open.get(connection_id)
        if op == "connect":
            self._open[connection_id] = Connection(connect(*args))
            return None
        if op == "close":
            if conn is not None:
                del self._open[connection_id]
                conn.cnxn.close()
            return None
        if op == "cancel":  # from another thread than the one running the statement
            if conn is not None:
                conn.cancel_statement()
            return None
        if conn is None:
            import pyodbc

            raise pyodbc.OperationalError("08003", f"no connection {connection_id}")
        name, work_args = args
        try:
            return WORK[name](conn, *work_args)
        finally:
            conn.work_done()

    def expect_work(self, connection_id: int) -> None:
        """A request to run work on the connection was taken: a cancel from now on is for
        it (called before the work is handed to the thread that runs it)."""
        conn = self._open.get(connection_id)
        if conn is not None:
            conn.expect_work()

    def broken(self, connection_id: int) -> bool:
        conn = self._open.get(connection_id)
        return conn is not None and conn.broken

    def cancel_all(self) -> None:
        for conn in list(self._open.values()):
            conn.cancel_statement()

    def close_all(self) -> None:
        for conn in list(self._open.values()):
            with contextlib.suppress(Exception):
                conn.cnxn.close()
        self._open.clear()


class Host:
    """Threads that take turns reading the socket: the one that reads a request runs it,
    so a request wakes one thread, not a reader and then a worker. Each source that uses
    the process brings two more of them than its pool has connections (the first at
    start, the others with a "threads" request), so one is always free to read a cancel
    while the connections are busy."""

    def __init__(self, sock: socket.socket, incoming: BinaryIO):
        self._sock = sock
        self._incoming = incoming
        self._read_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._connections = Connections()
        self._workers: list[threading.Thread] = []
        self._workers_lock = threading.Lock()

    def serve(self, threads: int) -> None:
        """Answer requests until the server closes its end, then close every connection."""
        self._start_workers(threads)
        while True:
            with self._workers_lock:
                if not self._workers:
                    break
                worker = self._workers.pop()
            worker.join()
        self._connections.close_all()

    def _start_workers(self, count: int) -> None:
        """More threads: each source sharing this process brings its own."""
        with self._workers_lock:
            for _ in range(count):
                worker = threading.Thread(target=self._take_turns)
                worker.start()
                self._workers.append(worker)

    def _take_turns(self) -> None:
        while True:
            with self._read_lock:
                request = self._next_request()
                if request is not None and request[1] == "run":
                    # before the next request is read: a cancel read after it is for it
                    self._connections.expect_work(request[2])
            if request is None:  # the server closed its end: stop what still runs, and
                # exit even when a statement's server never answers the cancel (SIGKILL)
                threading.Timer(ENDING_S, os._exit, (0,)).start()
                self._connections.cancel_all()
                return
            request_id, op, connection_id, args = request
            if op == "cancel":  # the connection's own thread is busy running it: no answer
                self._connections.perform(op, connection_id, args)
            elif op == "threads":  # another source joined this process
                self._start_workers(int(args))
            else:
                self._handle(request_id, op, connection_id, args)

    def _next_request(self) -> tuple[int | None, str, int, Any] | None:
        header = self._incoming.read(HEADER.size)
        if len(header) < HEADER.size:
            return None
        (length,) = HEADER.unpack(header)
        body = self._incoming.read(length)
        if len(body) < length:
            return None
        request: tuple[int | None, str, int, Any] = pickle.loads(body)
        return request

    def _handle(self, request_id: int | None, op: str, connection_id: int, args: Any) -> None:
        try:
            ok, value = True, self._connections.perform(op, connection_id, args)
        except Exception as exc:
            ok, value = False, error_value(exc)
        broken = self._connections.broken(connection_id)
        if request_id is not None:
            try:
                data = frame((request_id, ok, value, broken))
            except Exception as exc:  # a value pickle cannot carry
                data = frame((request_id, False, error_value(exc), broken))
            with self._send_lock, contextlib.suppress(OSError):  # OSError: server gone
                self._sock.sendall(data)


def serve(fd: int, threads: int) -> None:
    """Answer the requests on the socket `fd` with `threads` threads until the server
    closes its end."""
    with socket.socket(fileno=fd) as sock, sock.makefile("rb") as incoming:
        Host(sock, incoming).serve(threads)
