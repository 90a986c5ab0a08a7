"""pytest fixtures for azsql-mcp and its plugins (registered through the `pytest11` entry point).

- `tds_server`: the TDS test server with its sample database (one per session), with
  two SQL logins: the privileged `azsql_test` and the least-privileged `azsql_reader`
  (a db_datareader member with no other grant: the user docs/security.md recommends).
  `tds_password` is the password of both.
- `azsql_principal`: which of the two logins `azsql_config` uses, "privileged" (the
  default) or "reader"; parametrize it indirectly to run a test as both
  (`@pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True)`).
- `azsql_config`: a config dict pointing at it; tweak it in a test or fixture.
  `source_config(server, password, principal)` builds the source part of it.
- `make_azsql_server(plugins=..., config=...)`: a FastMCP server built from that config.
- `azsql_app`: `make_azsql_server()` with every installed plugin.
- `mcp_client`: an in-memory `fastmcp.Client` connected to `azsql_app`.

The server-building fixtures import the core lazily, so loading this plugin
costs nothing in test runs that do not use them.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest

try:  # strict-mode pytest-asyncio needs its own marker on async fixtures
    from pytest_asyncio import fixture as async_fixture
except ImportError:  # without pytest-asyncio, async tests need another plugin (e.g. anyio's)
    async_fixture = pytest.fixture  # type: ignore[assignment]

if TYPE_CHECKING:
    from fastmcp import Client, FastMCP

    from azsql_mcp.testing.tds_server import ThreadedTdsServer

TEST_USER = "azsql_test"
READER_USER = "azsql_reader"
PRIVILEGED = "privileged"
READER = "reader"
PRINCIPALS = (PRIVILEGED, READER)
TEST_SOURCE = "main"
# Always loaded, so the test source's SQL login works whatever plugins a test picks.
AUTH_PLUGIN = "builtin_auth"

MakeServer = Callable[..., "FastMCP"]


@pytest.fixture(scope="session")
def tds_password() -> str:
    """The password of the test server's SQL logins (`azsql_test`, `azsql_reader`), new
    each session."""
    return secrets.token_urlsafe(12)


@pytest.fixture(scope="session")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """The TDS test server with the sample database, on a free loopback port, with the
    privileged login and the reader login."""
    from azsql_mcp.testing.tds_server import ThreadedTdsServer

    with ThreadedTdsServer(
        sample=True,
        user=TEST_USER,
        password=tds_password,
        logins=[f"{READER_USER}:{tds_password}"],
    ) as server:
        yield server


@pytest.fixture
def azsql_principal(request: pytest.FixtureRequest) -> str:
    """The login `azsql_config` uses: "privileged" unless parametrized (indirectly)."""
    principal = str(getattr(request, "param", PRIVILEGED))
    if principal not in PRINCIPALS:
        raise ValueError(f"azsql_principal: {principal!r} is not one of {PRINCIPALS}")
    return principal


def source_config(server: Any, password: str, principal: str = PRIVILEGED) -> dict[str, Any]:
    """A source on the test server's default database as the privileged or reader login."""
    return {
        "server": f"{server.host},{server.port}",
        "database": server.default_database,
        "auth": "sql",
        "username": READER_USER if principal == READER else TEST_USER,
        "password": password,
        "encrypt": "no",
    }


@pytest.fixture
def azsql_config(
    tds_server: ThreadedTdsServer, tds_password: str, azsql_principal: str
) -> dict[str, Any]:
    """Config (the shape of azsql-mcp.toml) with one source, `main`, on the test server's
    sample database (AdventureWorksLT), as the `azsql_principal` login."""
    return {
        "sources": {TEST_SOURCE: source_config(tds_server, tds_password, azsql_principal)},
        "audit": {"enabled": False},
    }


@pytest.fixture
def make_azsql_server(azsql_config: dict[str, Any]) -> MakeServer:
    """Build a server from `azsql_config`, deep-merged with `config`.

    `plugins` is either a list of installed plugin names (entry-point or
    distribution names) or a mapping name -> plugin object (a module with
    hookimpls) for plugins that are not installed; builtin_auth always loads.
    The environment and any azsql-mcp.toml are ignored.
    """

    def make(
        plugins: Sequence[str] | Mapping[str, object] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> FastMCP:
        from azsql_mcp.core.config import settings_from_mapping
        from azsql_mcp.core.server import build_app

        data = _merge(copy.deepcopy(azsql_config), config or {})
        extra: Mapping[str, object] = {}
        if isinstance(plugins, Mapping):
            extra = plugins
            data.setdefault("plugins", {})["enabled"] = [AUTH_PLUGIN]
        elif plugins is not None:
            data.setdefault("plugins", {})["enabled"] = [AUTH_PLUGIN, *plugins]
        return build_app(settings_from_mapping(data), extra_plugins=extra).mcp

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
