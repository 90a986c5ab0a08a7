"""What a server process leaves behind when it is killed: its driver processes end by
themselves (the socket's end), even while a statement's server never answers the
cancel, instead of holding their SQL connections (and the client's stderr) for
minutes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from servers import clean_env, send, source_env, stdio_server_that_read, tool_call

from tds_test_server import ThreadedTdsServer


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    """Not ended and not a zombie waiting for its parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_server_leaves_no_driver_process_behind(
    tds_server: ThreadedTdsServer, tds_password: str, tmp_path: Path
) -> None:
    """SIGKILL while a read stalls (its server silent, ATTENTION unanswered): the
    driver process cancels, gives the statement 2 s, and exits."""
    env = clean_env(source_env(tds_server, tds_password))
    proc = stdio_server_that_read(env, tmp_path)
    drivers = children(proc.pid)
    assert drivers, "no driver process"
    try:
        with tds_server.faulted("stall@query:1~KILLED_SERVER"):
            send(proc, tool_call(3, "read_data", query="SELECT 1 AS KILLED_SERVER"))
            time.sleep(1)
            proc.kill()
            proc.wait(timeout=10)
            killed = time.monotonic()
            while any(running(pid) for pid in drivers):
                # the statement's query timeout (30 s) was what ended it, and later still
                assert time.monotonic() - killed < 8, "the driver process outlived its server"
                time.sleep(0.1)
    finally:
        for pid in filter(running, drivers):
            os.kill(pid, 9)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
