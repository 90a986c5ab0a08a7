"""pytest fixtures for azsql-mcp and its plugins (registered through the `pytest11` entry point).

- `tds_server`: the TDS test server with its sample database (one per session), with
  two SQL logins: the privileged `azsql_test` and the least-privileged `azsql_reader`
  (a db_datareader member with no other grant: the user docs/security.md recommends).
  `tds_password` is the password of both. `sample_tds_server(password)` starts another
  such server, for a module that changes data (a module-scoped `tds_server` of its own).
- `azsql_principal`: which of the two logins `azsql_config` uses, "privileged" (the
  default) or "reader"; parametrize it indirectly to run a test as both
  (`@pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True)`).
- `azsql_driver`: the ODBC driver `azsql_config` uses, "msodbc" (Microsoft's Driver 18,
  the default when installed) or "freetds"; parametrize it indirectly likewise
  (`DRIVERS`).
- `azsql_config`: a config dict pointing at it; tweak it in a test or fixture.
  `source_config(server, password, principal, driver)` builds the source part of it.
- `azsql_scratch_schema`: a schema of its own with a few small tables (CHECK, DEFAULT,
  computed column, foreign key) and a view, dropped after the session; tests marked
  `sqlserver` use only it, so they also run against a real server.

With `AZSQL_MCP_TEST_SQLSERVER` set (an ODBC connection string, see
azsql_mcp/testing/sqlserver.py), `azsql_config` and `azsql_scratch_schema` use that
real SQL Server or Azure SQL database and only the tests marked `sqlserver` run.
- `make_azsql_server(plugins=..., config=...)`: a FastMCP server built from that config.
- `azsql_app`: `make_azsql_server()` with every installed plugin.
- `mcp_client`: an in-memory `fastmcp.Client` connected to `azsql_app`.

pytest loads this plugin in every run of every project installed beside azsql-mcp, so
it imports little: `azsql_mcp` defers the public API's models (pydantic, pluggy's
marker) to their first use, and the fixtures import the core, FastMCP, pyodbc and the
test server when a test uses them. Loading it costs a few milliseconds over pytest and
pytest-asyncio (tests/unit/test_plugin_api.py checks what it imports).
"""

from __future__ import annotations

import contextlib
import copy
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest

from azsql_mcp import build_server
from azsql_mcp.testing import sqlserver

try:  # strict-mode pytest-asyncio needs its own marker on async fixtures
    from pytest_asyncio import fixture as async_fixture
except ImportError:  # without pytest-asyncio, async tests need another plugin (e.g. anyio's)
    async_fixture = pytest.fixture  # type: ignore[assignment]

if TYPE_CHECKING:
    from fastmcp import Client, FastMCP

    from tds_test_server import ThreadedTdsServer

TEST_USER = "azsql_test"
READER_USER = "azsql_reader"
PRIVILEGED = "privileged"
READER = "reader"
PRINCIPALS = (PRIVILEGED, READER)
MSODBC, FREETDS = "msodbc", "freetds"
DRIVERS = (MSODBC, FREETDS)
TEST_SOURCE = "main"
# Always loaded, so the test source's SQL login works whatever plugins a test picks.
AUTH_PLUGIN = "builtin_auth"

MakeServer = Callable[..., "FastMCP"]
# The fixtures' own statements (setup, scratch DDL) fail after this long rather than wait
# for ever on a server that does not answer: a driver call waits in C, where no Python
# timeout reaches it.
SETUP_TIMEOUT_S = 60


@pytest.fixture(scope="session")
def tds_password() -> str:
    """The password of the test server's SQL logins (`azsql_test`, `azsql_reader`), new
    each session."""
    return secrets.token_urlsafe(12)


def _installed_driver() -> str:
    """Microsoft's ODBC Driver 18 when it is installed, else FreeTDS."""
    from tds_test_server import find_msodbc_driver

    return MSODBC if find_msodbc_driver() else FREETDS


@contextlib.contextmanager
def sample_tds_server(
    password: str, setup: Sequence[str] = (), edition: str = "sql-server-2022"
) -> Iterator[ThreadedTdsServer]:
    """A TDS test server of its own with the sample database, on a free loopback port,
    with the privileged login and the reader login (both with `password`): what
    `tds_server` yields, for a module that changes data or sets up objects of its own.
    `setup`: statements the privileged login runs first, each a batch of its own (a
    table, a procedure, a GRANT). `edition`: what the server acts as, "sql-server-2022"
    (or 2019, 2017, 2016) or "azure-sql-database" (the test server's --edition)."""
    from tds_test_server import ThreadedTdsServer

    with ThreadedTdsServer(
        sample=True,
        user=TEST_USER,
        password=password,
        logins=[f"{READER_USER}:{password}"],
        edition=edition,
    ) as server:
        if setup:
            import pyodbc

            odbc = server.odbc_connection_string(driver=_installed_driver())
            with contextlib.closing(pyodbc.connect(odbc, autocommit=True, timeout=30)) as cnxn:
                cnxn.timeout = SETUP_TIMEOUT_S
                for statement in setup:
                    cnxn.execute(statement)
        yield server


@pytest.fixture(scope="session")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """The TDS test server with the sample database, shared by the session."""
    with sample_tds_server(tds_password) as server:
        yield server


@pytest.fixture
def azsql_principal(request: pytest.FixtureRequest) -> str:
    """The login `azsql_config` uses: "privileged" unless parametrized (indirectly)."""
    principal = str(getattr(request, "param", PRIVILEGED))
    if principal not in PRINCIPALS:
        raise ValueError(f"azsql_principal: {principal!r} is not one of {PRINCIPALS}")
    return principal


@pytest.fixture
def azsql_driver(request: pytest.FixtureRequest) -> str:
    """The ODBC driver `azsql_config` uses: "msodbc" (Microsoft's, when installed, else
    FreeTDS) unless parametrized (indirectly) with "msodbc" or "freetds"."""
    from tds_test_server import find_msodbc_driver

    driver = str(getattr(request, "param", MSODBC))
    if driver not in DRIVERS:
        raise ValueError(f"azsql_driver: {driver!r} is not one of {DRIVERS}")
    if driver == MSODBC and find_msodbc_driver() is None:
        if hasattr(request, "param"):
            pytest.skip("Microsoft ODBC Driver 18 (package mssql-python-odbc) is not installed")
        driver = FREETDS
    return driver


def source_config(
    server: Any, password: str, principal: str = PRIVILEGED, driver: str = MSODBC
) -> dict[str, Any]:
    """A source on the test server's default database as the privileged or reader login,
    through Microsoft's driver (found as azsql-mcp finds it) or FreeTDS."""
    source = {
        "server": f"{server.host},{server.port}",
        "database": server.default_database,
        "auth": "sql",
        "username": READER_USER if principal == READER else TEST_USER,
        "password": password,
        "encrypt": "no",
    }
    if driver == FREETDS:
        source["driver"] = "FreeTDS"
    return source


@pytest.fixture
def azsql_config(
    request: pytest.FixtureRequest, azsql_principal: str, azsql_driver: str
) -> dict[str, Any]:
    """Config (the shape of azsql-mcp.toml) with one source, `main`, on the test server's
    sample database (AdventureWorksLT), as the `azsql_principal` login through
    `azsql_driver`; or on the real server of AZSQL_MCP_TEST_SQLSERVER[_READER]."""
    if sqlserver.active():
        odbc = sqlserver.connection_string(reader=azsql_principal == READER)
        if odbc is None:
            pytest.skip(f"{sqlserver.ENV_READER} is not set: no least-privileged run")
        source = sqlserver.source_config(odbc)
    else:
        server = request.getfixturevalue("tds_server")
        password = request.getfixturevalue("tds_password")
        source = source_config(server, password, azsql_principal, azsql_driver)
    return {"sources": {TEST_SOURCE: source}, "audit": {"enabled": False}}


# Created as the privileged user; every statement is one batch (CREATE VIEW must be).
_SCRATCH_DDL = [
    "CREATE SCHEMA {s}",
    "CREATE TABLE {s}.Parent (ParentID int IDENTITY(1,1) CONSTRAINT PK_{s}_Parent"
    " PRIMARY KEY, Name nvarchar(50) NOT NULL)",
    "CREATE TABLE {s}.Item (ItemID int IDENTITY(1,1) CONSTRAINT PK_{s}_Item PRIMARY KEY,"
    " ParentID int NOT NULL CONSTRAINT FK_{s}_Item_Parent REFERENCES {s}.Parent (ParentID),"
    " Qty int NOT NULL CONSTRAINT DF_{s}_Item_Qty DEFAULT (1)"
    " CONSTRAINT CK_{s}_Item_Qty CHECK (Qty > 0),"
    " Price decimal(10, 2) NOT NULL, Total AS (Qty * Price))",
    "INSERT INTO {s}.Parent (Name) VALUES (N'first'), (N'second')",
    "INSERT INTO {s}.Item (ParentID, Qty, Price) VALUES (1, 2, 5.50), (1, 1, 3.00), (2, 4, 1.25)",
    "CREATE VIEW {s}.vItem AS SELECT i.ItemID, p.Name, i.Total FROM {s}.Item AS i"
    " JOIN {s}.Parent AS p ON p.ParentID = i.ParentID",
    # sysname: the system's own alias type (of nvarchar(128)), common in procedures
    "CREATE PROCEDURE {s}.uspParentNamed @Name sysname AS"
    " SELECT ParentID, Name FROM {s}.Parent WHERE Name = @Name",
]
_SCRATCH_DROP = [
    "DROP PROCEDURE {s}.uspParentNamed",
    "DROP VIEW {s}.vItem",
    "DROP TABLE {s}.Item",
    "DROP TABLE {s}.Parent",
    "DROP SCHEMA {s}",
]


@pytest.fixture(scope="session")
def azsql_scratch_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """The name of a schema of the test's own (see _SCRATCH_DDL), dropped afterwards."""
    import pyodbc

    if sqlserver.active():
        odbc = sqlserver.connection_string(reader=False)
        assert odbc is not None
    else:
        server = request.getfixturevalue("tds_server")
        odbc = server.odbc_connection_string(driver=_installed_driver())
    schema = f"azsql_scratch_{secrets.token_hex(4)}"
    cnxn = pyodbc.connect(odbc, autocommit=True, timeout=30)
    cnxn.timeout = SETUP_TIMEOUT_S
    try:
        for statement in _SCRATCH_DDL:
            cnxn.cursor().execute(statement.format(s=schema))
        if not sqlserver.active():  # what a deployment grants the reader to call it
            cnxn.cursor().execute(
                f"GRANT EXECUTE ON OBJECT::{schema}.uspParentNamed TO [{READER_USER}]"
            )
        yield schema
    finally:
        for statement in _SCRATCH_DROP:
            with contextlib.suppress(pyodbc.Error):  # half created: drop what there is
                cnxn.cursor().execute(statement.format(s=schema))
        cnxn.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{sqlserver.MARKER}: uses only azsql_scratch_schema, so it also runs against a real"
        f" server ({sqlserver.ENV_PRIVILEGED})",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not sqlserver.active():
        return
    skip = pytest.mark.skip(
        reason=f"{sqlserver.ENV_PRIVILEGED} is set: only tests marked {sqlserver.MARKER} run"
    )
    for item in items:
        if item.get_closest_marker(sqlserver.MARKER) is None:
            item.add_marker(skip)


@pytest.fixture
def make_azsql_server(azsql_config: dict[str, Any]) -> MakeServer:
    """Build a server from `azsql_config`, deep-merged with `config`.

    `plugins` is either a list of installed plugin names (entry-point or
    distribution names) or a mapping name -> plugin object (a module with
    hookimpls), which replaces an installed plugin of the same name. Given, only those
    load, with builtin_auth and the installed plugins `config`'s `plugins.enabled`
    names: `plugins={"acme": acme}, config={"plugins": {"enabled": ["builtin_tools"]}}`
    tests acme beside the built-in tools. None: every installed plugin (or those of
    `plugins.enabled`). Strict unless `config` sets `plugins.strict`: a broken plugin
    fails the test at once with its error. The environment and any azsql-mcp.toml are
    ignored. Each plugin warning (a tool without a description, a private import) is
    an `azsql_mcp.PluginWarning` of the test (build_server issues it): in pytest's
    summary, not only in the log pytest shows when a test fails, and an error under
    the author's `filterwarnings = error::azsql_mcp.PluginWarning`.
    """

    def make(
        plugins: Sequence[str] | Mapping[str, object] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> FastMCP:
        data = _merge(copy.deepcopy(azsql_config), config or {})
        selection = data.setdefault("plugins", {})
        selection.setdefault("strict", True)
        extra: Mapping[str, object] = {}
        if isinstance(plugins, Mapping):
            extra, plugins = plugins, []
        if plugins is not None:
            selection["enabled"] = [AUTH_PLUGIN, *plugins, *(selection.get("enabled") or [])]
        return build_server(data, extra_plugins=extra)

    return make


@pytest.fixture
def azsql_app(make_azsql_server: MakeServer) -> FastMCP:
    """A server with every installed plugin, on the test server's sample database."""
    return make_azsql_server()


@async_fixture
async def mcp_client(azsql_app: FastMCP) -> AsyncIterator[Client[Any]]:
    """An in-memory MCP client connected to `azsql_app`."""
    from fastmcp import Client

    async with Client(azsql_app) as client:
        yield client


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base
