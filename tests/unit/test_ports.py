"""azsql_mcp.testing.ports: the port a test starts a server on is nobody else's meanwhile."""

from __future__ import annotations

import errno
import socket
import sys

import pytest

from azsql_mcp.serving.hosts import PortInUse, bind_socket
from azsql_mcp.testing.ports import reserved_port

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


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("192.0.2.1", "not one of this machine's: set --host (or [server] host) to 127.0.0.1"),
        ("nosuch.invalid", "The host name does not resolve: set --host (or [server] host)"),
    ],
)
def test_a_host_that_cannot_be_bound_is_not_blamed_on_another_process(host: str, says: str) -> None:
    """`serve --host` with an address of another machine (TEST-NET-1, RFC 5737) or a name
    that does not resolve: the message says so, not that the port is taken."""
    with pytest.raises(PortInUse) as info:
        bind_socket(host, 8000)
    assert str(info.value).startswith(f"cannot listen on {host}:8000: ")
    assert says in str(info.value)
    assert "Another process" not in str(info.value)


def test_a_taken_port_says_another_process_holds_it() -> None:
    with reserved_port() as port, bind_socket("127.0.0.1", port) as first:
        first.listen()
        with pytest.raises(PortInUse, match="Another process holds the port: choose another"):
            bind_socket("127.0.0.1", port)
