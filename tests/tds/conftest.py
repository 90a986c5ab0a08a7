"""Fixtures shared by the TDS tests: servers on the real SQLite engine, and the ODBC drivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from typing import Any

import pyodbc
import pytest

from tds_test_server import (
    ServerProcess,
    ThreadedTdsServer,
    find_msodbc_driver,
    server_process,
)

# A statement the test server leaves unanswered fails its test with HYT00 after this long
# instead of stalling the run: a driver call waits in C, where pytest-timeout's signal
# cannot stop it. Longer than any WAITFOR a test here runs to its end; a test that wants
# a query timeout sets its own.
QUERY_TIMEOUT_S = 60


@pytest.fixture(scope="module", autouse=True)
def bounded_queries() -> Iterator[None]:
    """Every connection a TDS module opens with pyodbc.connect (its module fixtures' too)
    gets QUERY_TIMEOUT_S; undone after the module, as the next may test the product."""
    connect = pyodbc.connect

    def bounded(*args: Any, **kwargs: Any) -> pyodbc.Connection:
        cnxn = connect(*args, **kwargs)
        cnxn.timeout = QUERY_TIMEOUT_S
        return cnxn

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pyodbc, "connect", bounded)
        yield


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
