"""SQL Server 2022's VIEW SERVER PERFORMANCE STATE, held without VIEW SERVER STATE, and
no state permission at all, on SQL Server 2022 and Azure SQL Database (where the server
permissions cannot be granted: VIEW DATABASE STATE is the one): every tool and the
troubleshooting prompt name the permission this engine asks and count it as held."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from long_running import while_another_session_waits

from azsql_mcp import build_server
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.plugins.builtin_auth import SqlLogin
from azsql_mcp.testing.pytest_plugin import READER_USER, TEST_USER, source_config
from tds_test_server import ThreadedTdsServer

PERFORMER = "azsql_performer"  # db_datareader and VIEW SERVER PERFORMANCE STATE
SQL_TEXT = (
    "SELECT t.text FROM sys.dm_exec_requests AS r"
    " CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t"
)
CASES = [
    ("sql-server-2022", PERFORMER),
    ("sql-server-2022", READER_USER),
    ("azure-sql-database", READER_USER),
]


@pytest.fixture(scope="module")
def servers(tds_password: str) -> Iterator[dict[str, ThreadedTdsServer]]:
    """A server of each edition, by --edition name."""
    reader = f"{READER_USER}:{tds_password}"
    performer = f"{PERFORMER}:{tds_password}:VIEW_SERVER_PERFORMANCE_STATE"
    with (
        ThreadedTdsServer(
            sample=True, user=TEST_USER, password=tds_password, logins=[reader, performer]
        ) as sql_server,
        ThreadedTdsServer(
            sample=True,
            user=TEST_USER,
            password=tds_password,
            logins=[reader],
            edition="azure-sql-database",
        ) as azure,
    ):
        yield {"sql-server-2022": sql_server, "azure-sql-database": azure}


@pytest.fixture(params=CASES, ids=["-".join(case) for case in CASES])
def case(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def server(servers: dict[str, ThreadedTdsServer], case: tuple[str, str]) -> ThreadedTdsServer:
    return servers[case[0]]


@pytest.fixture
def login(case: tuple[str, str]) -> str:
    return case[1]


def source(server: ThreadedTdsServer, password: str, login: str) -> dict[str, Any]:
    return source_config(server, password, driver="freetds") | {"username": login}


@pytest.fixture
async def client(
    server: ThreadedTdsServer, tds_password: str, login: str
) -> Any:  # an MCP client as `login`
    config = {"sources": {"main": source(server, tds_password, login)}}
    async with Client(build_server(config | {"audit": {"enabled": False}})) as client:
        yield client


def expected(server: ThreadedTdsServer, login: str) -> tuple[str, bool, str]:
    """The permission this engine asks, whether `login` holds it, and its GRANT."""
    if server.edition.is_azure_sql_database:
        return "VIEW DATABASE STATE", False, f"GRANT VIEW DATABASE STATE TO [{login}];"
    grant = f"GRANT VIEW SERVER PERFORMANCE STATE TO [{login}];  -- in master"
    return "VIEW SERVER PERFORMANCE STATE", login == PERFORMER, grant


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content)


async def test_health_check(client: Client[Any], server: ThreadedTdsServer, login: str) -> None:
    permission, held, grant = expected(server, login)
    result = await client.call_tool("health_check", {})
    state = result.structured_content["state_access"]
    assert (state["permission"], state["sees_all_sessions"]) == (permission, held)
    text = text_of(result)
    assert "VIEW SERVER STATE" not in text
    assert (f"no {permission}: list_long_running_queries" in text) is not held
    assert (grant in text) is not held


async def test_health_check_says_one_thing_of_other_sessions(
    client: Client[Any], server: ThreadedTdsServer, login: str
) -> None:
    """Whether the login sees other sessions is state_access alone, as the text says it:
    no flag of one permission (VIEW SERVER STATE, false for a login that sees them all
    through VIEW SERVER PERFORMANCE STATE) says otherwise."""
    _, held, _ = expected(server, login)
    result = await client.call_tool("health_check", {})
    structured = result.structured_content
    assert structured["state_access"]["sees_all_sessions"] is held
    state_flags = [name for name in structured["permissions"] if "state" in name]
    assert state_flags == [], state_flags


async def test_list_long_running_queries(
    client: Client[Any], server: ThreadedTdsServer, tds_password: str, login: str
) -> None:
    permission, held, grant = expected(server, login)
    result = await while_another_session_waits(client, server, tds_password)
    text = text_of(result)
    if held:
        assert not result.is_error and "WAITFOR DELAY" in text, text
    else:
        assert result.is_error and f"{permission}, which the login lacks" in text, text
        assert grant in text


async def test_read_data_of_a_server_dmv(
    client: Client[Any], server: ThreadedTdsServer, login: str
) -> None:
    _, held, grant = expected(server, login)
    result = await client.call_tool("read_data", {"query": SQL_TEXT}, raise_on_error=False)
    assert result.is_error is not held, text_of(result)
    if not held:
        assert grant in text_of(result)


async def test_check_permission_lines(
    server: ThreadedTdsServer, tds_password: str, login: str
) -> None:
    permission, held, grant = expected(server, login)
    settings = settings_from_mapping({"sources": {"main": source(server, tds_password, login)}})
    out = io.StringIO()
    assert await run_check(settings, None, out, auth_providers={"sql": SqlLogin}) == 0
    text = out.getvalue()
    if held:
        assert f"ok    permissions: {permission}: yes" in text, text
    else:
        assert f"warn  permissions: {permission}: no (" in text and grant in text, text
    assert "VIEW SERVER STATE" not in text


async def test_troubleshooting_prompt(
    client: Client[Any], server: ThreadedTdsServer, login: str
) -> None:
    """The prompt names this engine's state permission, held or not, once: never VIEW
    SERVER STATE, which SQL Server 2022 asks of no tool here."""
    permission, held, grant = expected(server, login)
    prompt = await client.get_prompt("database_troubleshooting", {"symptom": "slow"})
    text = "\n".join(m.content.text for m in prompt.messages)  # type: ignore[union-attr]
    assert "VIEW SERVER STATE" not in text
    assert sum(permission in line for line in text.splitlines()) == 1, text
    assert (grant in text) is not held
    assert ("list_long_running_queries" in text) is held
