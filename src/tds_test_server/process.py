"""The TDS test server in its own process.

Needed where a client holds the GIL while it waits for the server (pyodbc's
fast_executemany over Driver 18), and for benchmarks, so that the test double's CPU
is not charged to the process being measured.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_LISTENING = re.compile(r"listening on (\S+):(\d+)")


@dataclass(frozen=True)
class ServerProcess:
    host: str
    port: int
    process: subprocess.Popen[str]


@contextmanager
def server_process(*args: str) -> Iterator[ServerProcess]:
    """Run `python -m tds_test_server --port 0 ARGS...` until the block ends.

    ARGS are the CLI's flags (`--sample`, `--user`, `--password=...`, `--login ...`,
    `--fault ...`).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "tds_test_server", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().rstrip("\n")
        match = _LISTENING.fullmatch(line)
        if match is None:
            process.kill()
            _, stderr = process.communicate()
            raise RuntimeError(f"the TDS test server did not start: {line!r}; stderr: {stderr}")
        yield ServerProcess(match.group(1), int(match.group(2)), process)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
