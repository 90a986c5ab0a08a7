"""What a tool call is told while its source is down: what is wrong, and the one next
step that fits it (issue: `serve` said what, only `azsql-mcp check` said what to do)."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import PRIVILEGED


@pytest.fixture
def privileged_only(azsql_principal: str) -> None:
    if azsql_principal != PRIVILEGED:
        pytest.skip("about outage reasons, not about permissions")


async def read_error(make_azsql_server: Any, source: dict[str, Any]) -> str:
    async with Client(make_azsql_server(config={"sources": {"main": source}})) as client:
        result = await client.call_tool(
            "read_data", {"query": "SELECT 1 AS x"}, raise_on_error=False
        )
    assert result.is_error, result.content
    return str(result.content[0].text)


CHECK_STEP = "run `azsql-mcp check` for a step-by-step diagnosis"
DOWN = {"username": "u", "password": "p", "connection_timeout_s": 2}


@pytest.mark.usefixtures("privileged_only")
@pytest.mark.parametrize(
    ("server", "said", "step"),
    [
        (
            "127.0.0.1,1",
            "cannot reach 127.0.0.1:1: connection refused",
            "check the port in `server` (host,port; default 1433) and that SQL Server runs"
            " with TCP/IP enabled",
        ),
        (
            "no-such-host.invalid",
            "cannot resolve no-such-host.invalid",
            "check the host name in `server`",
        ),
    ],
)
async def test_an_unreachable_source_says_what_to_do(
    make_azsql_server: Any, server: str, said: str, step: str
) -> None:
    text = await read_error(make_azsql_server, {**DOWN, "server": server})
    assert f"database unavailable: {said}" in text
    assert f"What to do: {step}" in text and CHECK_STEP in text
    assert len(text) < 400  # it reaches the model's context


@pytest.mark.usefixtures("privileged_only")
async def test_a_refused_login_names_the_settings_that_give_the_credentials(
    make_azsql_server: Any, azsql_config: dict[str, Any]
) -> None:
    source = azsql_config["sources"]["main"]
    if "password" not in source:
        pytest.skip("the test source signs in without a password")
    wrong = {**source, "password": "wrong"}
    text = await read_error(make_azsql_server, wrong)
    assert "login failed: " in text and "Login failed for user" in text
    assert f"What to do: check `username` ({source['username']}) and the password" in text
    assert "(from the config)" in text and CHECK_STEP in text
