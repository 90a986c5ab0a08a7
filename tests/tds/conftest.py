"""Fixtures shared by the TDS tests: servers on the real SQLite engine, and the ODBC drivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing

import pyodbc
import pytest

from tds_test_server import (
    ServerProcess,
    ThreadedTdsServer,
    find_msodbc_driver,
    server_process,
)


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


@pytest.fixture
def cursor(wire_server: ThreadedTdsServer, odbc_driver: str) -> closing[pyodbc.Cursor]:
    """A cursor on the empty server, through each ODBC driver in turn."""
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    return closing(cnxn.cursor())


@pytest.fixture(scope="session")
def wire_sample_server() -> Iterator[ThreadedTdsServer]:
    """The TDS test server with the AdventureWorksLT-shaped sample database."""
    with ThreadedTdsServer(sample=True) as server:
        yield server


@pytest.fixture
def start_cli() -> Iterator[Callable[..., ServerProcess]]:
    """Start `python -m tds_test_server ARGS...` in its own process (a server
    in another process is needed where a driver holds the GIL while it waits, as pyodbc's
    fast_executemany does); every process started is terminated afterwards."""
    with ExitStack() as stack:
        yield lambda *args: stack.enter_context(server_process(*args))
