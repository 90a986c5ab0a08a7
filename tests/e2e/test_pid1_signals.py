"""SIGTERM to a server that is PID 1 (as in its container image) while it starts: the
kernel drops a signal PID 1 has no handler for, so before the server's own handler takes
over it must have one that does what the default action does elsewhere."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from servers import CLI, clean_env, wait_for_file

from azsql_mcp.testing.ports import reserved_port

# A plugin whose import takes long: the server is still starting while it sleeps.
SLOW_IMPORT = {
    "azsql_sleepy.py": (
        "import pathlib, time\n"
        "pathlib.Path(__file__).with_name('importing').touch()\n"
        "time.sleep(20)\n"
    ),
    "azsql_sleepy-1.0.dist-info/METADATA": "Name: azsql-sleepy\nVersion: 1.0\n",
    "azsql_sleepy-1.0.dist-info/entry_points.txt": "[azsql_mcp]\nsleepy = azsql_sleepy\n",
}


def _in_pid_namespace() -> list[str]:
    """The command that runs what follows it as PID 1 of a new PID namespace (a user
    namespace too, so no privilege is needed), or skip."""
    argv = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child"]
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1)")
    if subprocess.run([*argv, "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare cannot make a PID namespace here")
    return argv


def test_sigterm_while_starting_as_pid_1_stops_the_server(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for name, text in SLOW_IMPORT.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    pythonpath = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    env = clean_env({"PYTHONPATH": pythonpath})
    with reserved_port() as port:
        serve = [sys.executable, "-c", CLI, "serve", "--transport", "http", "--port", str(port)]
        proc = subprocess.Popen([*_in_pid_namespace(), *serve], env=env, cwd=tmp_path)
        try:
            # the server is loading its plugins
            wait_for_file(site / "importing", lambda: proc.poll() is None)
            server = int(Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()[0])
            assert "\t1\n" in Path(f"/proc/{server}/status").read_text().split("NSpid:")[1][:40]
            os.kill(server, signal.SIGTERM)
            proc.wait(timeout=5)  # not the plugin's 20 s, nor the orchestrator's grace period
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
