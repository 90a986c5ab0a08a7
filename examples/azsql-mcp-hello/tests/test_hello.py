"""The example plugin tested with azsql-mcp's pytest fixtures, against the TDS test server."""

from __future__ import annotations

import azsql_mcp_hello
import pytest
from fastmcp import Client

PLUGINS = {"hello": azsql_mcp_hello}


async def test_tool_greets_and_queries_the_database(make_azsql_server) -> None:
    server = make_azsql_server(plugins=PLUGINS, config={"plugins": {"hello": {"shout": True}}})
    async with Client(server) as client:
        result = await client.call_tool("hello", {"name": "Ada"})
    assert result.structured_content["greeting"] == "HELLO, ADA!"
    assert result.structured_content["database"]


async def test_resource_and_prompt(make_azsql_server) -> None:
    server = make_azsql_server(plugins=PLUGINS, config={"plugins": {"hello": {"greeting": "Hi"}}})
    async with Client(server) as client:
        contents = await client.read_resource("hello://greeting")
        prompt = await client.get_prompt("introduce_database", {"audience": "analysts"})
    assert contents[0].text == "Hi, world!"
    assert "analysts" in prompt.messages[0].content.text


def test_bad_config_names_the_key(make_azsql_server) -> None:
    from azsql_mcp import ConfigError

    with pytest.raises(ConfigError, match=r"plugins\.hello\.greting"):
        make_azsql_server(plugins=PLUGINS, config={"plugins": {"hello": {"greting": "x"}}})


async def test_env_token_provider_reads_the_variable(monkeypatch) -> None:
    from azsql_mcp import SourceSettings

    monkeypatch.setenv("MY_TOKEN", "eyJ.test")
    settings = SourceSettings.model_validate(
        {"server": "x", "auth": "env_token", "auth_options": {"variable": "MY_TOKEN"}}
    )
    attributes = await azsql_mcp_hello.EnvTokenAuth(settings).connect_attributes()
    assert attributes.access_token is not None
    assert attributes.access_token.token == "eyJ.test"


async def test_env_token_is_selectable_and_its_token_reaches_the_database(
    make_azsql_server, tds_server, monkeypatch
) -> None:
    """A provider from a third-party plugin is chosen in config like the built-ins."""
    token = "eyJ.hello-plugin-token"
    monkeypatch.setenv("MY_TOKEN", token)
    main = {"auth": "env_token", "auth_options": {"variable": "MY_TOKEN"}}
    main |= {"username": None, "password": None}
    server = make_azsql_server(plugins=PLUGINS, config={"sources": {"main": main}})
    async with Client(server) as client:
        result = await client.call_tool("hello", {"name": "Ada"})
    assert result.structured_content["database"]
    assert any(login.access_token == token for login in tds_server.record.logins)


async def test_a_missing_token_reaches_the_client_as_the_providers_message(
    make_azsql_server, monkeypatch
) -> None:
    from fastmcp.exceptions import ToolError

    monkeypatch.delenv("MY_TOKEN", raising=False)
    main = {"auth": "env_token", "auth_options": {"variable": "MY_TOKEN"}}
    main |= {"username": None, "password": None}
    server = make_azsql_server(plugins=PLUGINS, config={"sources": {"main": main}})
    async with Client(server) as client:
        with pytest.raises(ToolError, match="set MY_TOKEN to an access token"):
            await client.call_tool("hello", {"name": "Ada"})
