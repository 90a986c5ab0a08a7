"""A machine without unixODBC: pyodbc cannot load libodbc as it is imported. `check` and
a tool call say what to install instead of a traceback (macOS without `brew install
unixodbc`, a slim container image)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from servers import CLI, INITIALIZE, clean_env, read_answers, send, stdio_serve, tool_call

ADVICE = "Install unixODBC: `apt-get install unixodbc`"
SOURCE = {
    "AZSQL_MCP_SOURCES__MAIN__SERVER": "127.0.0.1,1",
    "AZSQL_MCP_SOURCES__MAIN__DATABASE": "x",
    "AZSQL_MCP_SOURCES__MAIN__AUTH": "sql",
    "AZSQL_MCP_SOURCES__MAIN__USERNAME": "u",
    "AZSQL_MCP_SOURCES__MAIN__PASSWORD": "p",
}


def without_libodbc(tmp_path: Path) -> dict[str, str]:
    """The environment of a process whose `import pyodbc` fails as it does without
    unixODBC (the loader's error, raised by a stand-in module found first)."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "pyodbc.py").write_text(
        "raise ImportError('libodbc.so.2: cannot open shared object file:"
        " No such file or directory')\n"
    )
    return clean_env(SOURCE) | {"PYTHONPATH": f"{shadow}:{':'.join(sys.path)}"}


def test_check_fails_at_the_driver_step_saying_what_to_install(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CLI, "check"],
        env=without_libodbc(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    failed = "FAIL  driver: pyodbc could not load the ODBC driver manager (libodbc.so.2"
    assert failed in done.stdout
    assert ADVICE in done.stdout


def test_a_tool_call_says_what_to_install(tmp_path: Path) -> None:
    proc = stdio_serve(without_libodbc(tmp_path), tmp_path)
    try:
        assert proc.stdout is not None
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        send(proc, INITIALIZE, initialized, tool_call(2, "list_tables"))
        answers = read_answers(proc, 2)
        result = answers[1]["result"]
        assert result["isError"] is True
        assert ADVICE in result["content"][0]["text"]
    finally:
        proc.kill()
        proc.communicate(timeout=30)
