"""Fixtures shared by the TDS tests: servers on the real SQLite engine, and the ODBC drivers."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from azsql_mcp.testing.tds_server import ThreadedTdsServer, find_msodbc_driver


@pytest.fixture(params=["msodbc", "freetds"])
def odbc_driver(request: pytest.FixtureRequest) -> str:
    """Each ODBC driver in turn: Microsoft Driver 18 (from the wheel) and FreeTDS."""
    if request.param == "msodbc" and find_msodbc_driver() is None:
        pytest.skip("Microsoft ODBC Driver 18 (package mssql-python-odbc) is not installed")
    return str(request.param)


@pytest.fixture(scope="session")
def wire_server() -> Iterator[ThreadedTdsServer]:
    """The TDS test server on an empty in-memory database."""
    with ThreadedTdsServer(sample=False) as server:
        yield server


@pytest.fixture(scope="session")
def wire_sample_server() -> Iterator[ThreadedTdsServer]:
    """The TDS test server with the AdventureWorksLT-shaped sample database."""
    with ThreadedTdsServer(sample=True) as server:
        yield server


@dataclass
class CliServer:
    process: subprocess.Popen[str]
    host: str
    port: int


@pytest.fixture
def start_cli() -> Iterator[Callable[..., CliServer]]:
    """Start `python -m azsql_mcp.testing.tds_server ARGS...` in its own process (a server
    in another process is needed where a driver holds the GIL while it waits, as pyodbc's
    fast_executemany does); every process started is terminated afterwards."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> CliServer:
        process = subprocess.Popen(
            [sys.executable, "-m", "azsql_mcp.testing.tds_server", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline().rstrip("\n")
        match = re.fullmatch(r"listening on (\S+):(\d+)", line)
        if match is None:
            process.kill()
            _, stderr = process.communicate()
            raise AssertionError(f"unexpected first line {line!r}; stderr: {stderr}")
        return CliServer(process, match.group(1), int(match.group(2)))

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
