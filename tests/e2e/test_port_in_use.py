"""A taken port is one line that says how to choose another, exit 1, no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from servers import CLI, clean_env


@pytest.mark.parametrize(
    "workers",
    [
        [],
        # the holder may be another server with workers, whose sockets share the port
        # (SO_REUSEPORT): it is refused too, not joined
        ["--stateless", "--workers", "2"],
    ],
)
def test_port_in_use_is_one_line(tmp_path: Path, workers: list[str]) -> None:
    with socket.socket() as holder:
        if workers:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        argv = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        argv += workers
        done = subprocess.run(
            argv, env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [lines[0]] and "Traceback" not in done.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0] and "PORT=" in lines[0]
