"""tests/ports.py: the port a test starts a server on is nobody else's meanwhile."""

from __future__ import annotations

import errno
import socket
import sys

import pytest

from azsql_mcp.serving.hosts import bind_socket
from ports import reserved_port

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux's SO_REUSEADDR")


def test_a_reserved_port_is_refused_to_others_and_open_to_the_server() -> None:
    """Another test's socket cannot bind it (a picked port closed again could be taken
    before the server bound it); the server binds it as `serve` does, and listens."""
    with reserved_port() as port:
        with socket.socket() as other, pytest.raises(OSError) as taken:
            other.bind(("127.0.0.1", port))
        assert taken.value.errno == errno.EADDRINUSE
        with socket.socket() as client:  # nothing listens yet: a source that is down
            assert client.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
        with bind_socket("127.0.0.1", port) as server:
            server.listen()
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                server.accept()[0].close()
