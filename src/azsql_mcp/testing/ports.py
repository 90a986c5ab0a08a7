"""Loopback ports for the servers (and dead sources) that tests and benchmarks start, and
waiting for such a server to be ready."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reserved_port() -> Iterator[int]:
    """A free loopback port, kept for the block by a socket bound to it with
    SO_REUSEADDR that never listens.

    Binding port 0 and closing the socket left the port free until the server bound it:
    another test process, or an outgoing connection, could be given it in between
    ("Address already in use"). Linux gives a bound port to no automatic choice (a bind
    to port 0, an outgoing connection's local port), while a server that binds it with
    SO_REUSEADDR, as `serve` and uvicorn do, may bind it and listen. Until a server
    listens, a connection to it is refused: a source that is down."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        port = int(holder.getsockname()[1])
        if sys.platform != "linux":
            holder.close()  # BSD's SO_REUSEADDR would refuse the server the same address
        yield port


def wait_ready(base: str, server: subprocess.Popen[bytes], within_s: float = 60.0) -> None:
    """Wait until `server` (an `azsql-mcp serve` process listening at `base`) answers
    /health with 200; SystemExit if it exits first or is not ready within `within_s`."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"azsql-mcp exited with status {server.returncode} before it was ready"
            )
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"azsql-mcp was not ready within {within_s:g} s")
