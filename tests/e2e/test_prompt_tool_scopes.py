"""The prompts show a tool's output (analyze_performance the plan of explain_query,
database_troubleshooting the running requests of list_long_running_queries) to the
callers that tool is offered to, as tool_scopes and disabled_tools set it: over real
HTTP with static tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from servers import clean_env, http_server, source_env, wait_ready
from test_http_auth import session

TOKENS = """
[[server.auth.static_tokens]]
token_env = "READER_TOKEN"
subject = "reader"
scopes = ["sql.read"]

[[server.auth.static_tokens]]
token_env = "ADMIN_TOKEN"
subject = "admin"
scopes = ["sql.read", "sql.admin"]

[[server.auth.static_tokens]]
token_env = "PLANNER_TOKEN"
subject = "planner"
scopes = ["sql.read", "sql.admin", "plans.read"]

[audit]
enabled = false
"""
READER, ADMIN, PLANNER = "reader-secret-1", "admin-secret-2", "planner-secret-3"
# explain_query asks more than sql.admin; list_long_running_queries is open to readers
STRICTER = """
[server.auth]
mode = "static_tokens"

[server.auth.tool_scopes]
explain_query = ["sql.admin", "plans.read"]
list_long_running_queries = ["sql.read"]
"""
# explain_query is open to readers; list_long_running_queries is switched off
LOOSER = """
[server.auth]
mode = "static_tokens"

[server.auth.tool_scopes]
explain_query = ["sql.read"]

[plugins.builtin_tools]
disabled_tools = ["list_long_running_queries"]
"""
SWITCHED_OFF = """
[server.auth]
mode = "static_tokens"

[plugins.builtin_tools]
disabled_tools = ["explain_query"]
"""
QUERY = "SELECT * FROM SalesLT.SalesOrderDetail WHERE ProductID = 1"
PLAN = "Operators"  # in the rendered plan summary
NO_PLAN = "plans are not shown to this caller"
REQUESTS_READ = "No request has been running for 5 s or more."
NO_REQUESTS = "Running requests are not shown to this caller"


@pytest.fixture(
    scope="module",
    params=[STRICTER, LOOSER, SWITCHED_OFF],
    ids=["stricter", "looser", "switched_off"],
)
def server(
    request: pytest.FixtureRequest,
    tds_server: Any,
    tds_password: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    cwd = tmp_path_factory.mktemp("prompt-scopes")
    (cwd / "azsql-mcp.toml").write_text(request.param + TOKENS)
    env = clean_env(source_env(tds_server, tds_password))
    env |= {"READER_TOKEN": READER, "ADMIN_TOKEN": ADMIN, "PLANNER_TOKEN": PLANNER}
    with http_server(env, str(cwd), "--stateless") as base:
        wait_ready(base)
        yield request.param, base


async def prompt_text(base: str, token: str, name: str, **args: str) -> tuple[str, set[str]]:
    """The prompt's text, and the tools the token lists."""
    async with session(base, token) as client:
        result = await client.get_prompt(name, args)
        tools = {t.name for t in (await client.list_tools()).tools}
    return "\n".join(m.content.text for m in result.messages), tools


async def test_the_plan_goes_to_the_callers_explain_query_is_offered_to(
    server: tuple[str, str],
) -> None:
    config, base = server
    for token in (READER, ADMIN, PLANNER):
        text, tools = await prompt_text(base, token, "analyze_performance", query=QUERY)
        offered = "explain_query" in tools
        expected = {
            STRICTER: token == PLANNER,  # a plain sql.admin token no longer sees plans
            LOOSER: True,  # a sql.read token does
            SWITCHED_OFF: False,  # nobody does
        }[config]
        assert offered == expected, (token, tools)
        assert (PLAN in text) == offered, (token, text)
        assert (NO_PLAN in text) != offered, (token, text)
        assert ("explain_query checks a rewrite" in text) == offered, (token, text)


async def test_running_requests_go_to_the_callers_the_tool_is_offered_to(
    server: tuple[str, str],
) -> None:
    config, base = server
    for token in (READER, ADMIN):
        text, tools = await prompt_text(base, token, "database_troubleshooting", symptom="slow")
        offered = "list_long_running_queries" in tools
        expected = {
            STRICTER: True,  # opened to sql.read
            LOOSER: False,  # switched off
            SWITCHED_OFF: token == ADMIN,  # the default, sql.admin
        }[config]
        assert offered == expected, (token, tools)
        assert (REQUESTS_READ in text) == offered, (token, text)
        assert (NO_REQUESTS in text) != offered, (token, text)
        assert ("list_long_running_queries" in text.replace(NO_REQUESTS, "")) == offered, text
        assert ("explain_query" in text) == ("explain_query" in tools), (token, text)


async def test_a_refusal_names_list_long_running_queries_only_to_the_callers_it_is_offered_to(
    server: tuple[str, str],
) -> None:
    """A server-state read without sql.admin is refused; the refusal's advice follows the
    tool's scopes and switch, not the default scopes (azsql_mcp.advice)."""
    config, base = server
    async with session(base, READER) as client:
        result = await client.call_tool(
            "read_data", {"query": "SELECT * FROM sys.dm_exec_requests"}
        )
        tools = {t.name for t in (await client.list_tools()).tools}
    said = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "needs the sql.admin scope" in said, said
    offered = "list_long_running_queries" in tools
    assert offered == (config == STRICTER), tools
    assert ("list_long_running_queries shows running queries" in said) == offered, said
