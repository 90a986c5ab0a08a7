"""What each stop signal does to the HTTP server while it drains (serving/stopagain.py)."""

from __future__ import annotations

import signal

import uvicorn

from azsql_mcp.serving.admission import Drain
from azsql_mcp.serving.stopagain import DrainingServer


def _server() -> DrainingServer:
    return DrainingServer(uvicorn.Config(app=None), Drain())


def test_the_same_signal_again_hurries_and_a_third_forces() -> None:
    server = _server()
    server.handle_exit(signal.SIGINT, None)
    assert server.should_exit and not server.drain.hurried
    server.handle_exit(signal.SIGINT, None)
    assert server.drain.hurried and not server.force_exit
    server.handle_exit(signal.SIGINT, None)
    assert server.force_exit


def test_the_other_stop_signal_is_the_same_request() -> None:
    """Ctrl-C reaches a worker as SIGINT and as its parent's SIGTERM, in either order."""
    for first, second in [(signal.SIGINT, signal.SIGTERM), (signal.SIGTERM, signal.SIGINT)]:
        server = _server()
        server.handle_exit(first, None)
        server.handle_exit(second, None)
        assert server.should_exit and not server.drain.hurried and not server.force_exit
