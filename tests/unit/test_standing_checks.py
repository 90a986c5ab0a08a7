"""What the configuration alone shows, found by every command before serving or
connecting (core/scopekeys.py, core/standing.py): scope keys that name nothing, a
source's server string and the variables its secrets name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from azsql_mcp.core.cli import main
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.validation import config_problems

COMMANDS = ["check", "config", "plugins", "tools", "serve"]
SOURCE = '[sources.main]\nserver = "127.0.0.1,1"\nusername = "u"\npassword = "p"\n'


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("AZSQL_MCP_", "AZURE_SQL_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("NOPE_TOKEN_VAR", raising=False)
    monkeypatch.delenv("MISSING_PW_VAR", raising=False)
    monkeypatch.chdir(tmp_path)


def refused(command: str, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What `command` says of a config file holding `text`; it must exit 2."""
    path = Path("azsql-mcp.toml")
    path.write_text(text)
    assert main([command, "--config", str(path)]) == 2
    return capsys.readouterr().err


def problems(data: dict[str, object]) -> list[str]:
    return config_problems(settings_from_mapping(data))[0]


# --- scope keys ----------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_scope_keys_that_name_nothing(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        command,
        SOURCE + '[server.auth.tool_scopes]\nread_dta = ["sql.admin"]\n'
        '[server.auth.plugin_scopes]\nbuiltin_tool = ["x.y"]\n',
        capsys,
    )
    assert (
        "server.auth.tool_scopes.read_dta: no tool is named 'read_dta'; did you mean 'read_data'?"
    ) in err
    assert (
        "server.auth.plugin_scopes.builtin_tool: no plugin named 'builtin_tool' is installed;"
        " did you mean 'builtin_tools'?"
    ) in err
    assert err.count("\n  - ") == 2


def test_scopes_of_tools_switched_off_or_declared_in_config_are_kept() -> None:
    """A tool in `disabled_tools` is no typo: its scope applies once it is on again. A
    plugin that is not loaded registered no tools: a key matching none may be one of
    them (unless it is a near miss of a known tool), and its plugin key stands."""
    sources = {"main": {"server": "h", "username": "u", "password": "p"}}
    assert not problems(
        {
            "sources": sources,
            "plugins": {"builtin_tools": {"disabled_tools": ["read_data"]}},
            "tools": {"mine": {"description": "x", "statement": "SELECT 1"}},
            "server": {"auth": {"tool_scopes": {"read_data": ["a"], "mine": ["b"]}}},
        }
    )
    off = {"sources": sources, "plugins": {"disabled": ["builtin_tools"]}}
    auth = {"tool_scopes": {"read_data": ["a"]}, "plugin_scopes": {"builtin_tools": ["a"]}}
    assert not problems({**off, "server": {"auth": auth}})
    near = {**off, "server": {"auth": {"tool_scopes": {"my_reprot": ["a"]}}}}
    near["tools"] = {"my_report": {"description": "x", "statement": "SELECT 1"}}
    assert [p.split("?")[0] for p in problems(near)] == [
        "server.auth.tool_scopes.my_reprot: no tool is named 'my_reprot'; did you mean 'my_report'"
    ]


# --- what connecting would meet ----------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_server_string_or_password_variable_the_connection_would(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        command,
        '[sources.a]\nserver = "127.0.0.1,14330;Encrypt=no"\nusername = "u"\npassword = "p"\n'
        '[sources.b]\nserver = "127.0.0.1:14330"\nusername = "u"\npassword = "p"\n'
        '[sources.c]\nserver = "::1"\nusername = "u"\npassword_env = "MISSING_PW_VAR"\n',
        capsys,
    )
    assert (
        "sources.a.server: server '127.0.0.1,14330;Encrypt=no': '14330;Encrypt=no' is not a"
        " port number"
    ) in err
    assert (
        "sources.b.server: server '127.0.0.1:14330': write host,port with a comma: 127.0.0.1,14330"
    ) in err
    assert (
        "sources.c.auth: password_env names MISSING_PW_VAR, which is not set in the environment"
    ) in err
    assert err.count("\n  - ") == 3


def test_a_service_principals_secret_variable_must_be_set() -> None:
    source = {"server": "h", "auth": "service_principal", "tenant_id": "t", "client_id": "c"}
    found = problems({"sources": {"sp": source | {"client_secret_env": "MISSING_PW_VAR"}}})
    assert found == [
        "sources.sp.auth: client_secret_env names MISSING_PW_VAR, which is not set in the"
        " environment; set it for the azsql-mcp process (a running process does not see"
        " variables set later), or use client_secret_file"
    ]
