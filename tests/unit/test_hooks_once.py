"""A plugin's hooks run once per start of every command, and once per config reload:
validation and assembly (or a reload's validation and what it applies) share one load."""

from __future__ import annotations

import logging
import sys
import textwrap
import types
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_dists import installed_plugin

from azsql_mcp.core import cli
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.reload import apply

COUNTED = """
    import logging
    from collections import Counter

    from pydantic import BaseModel

    from azsql_mcp import hookimpl

    CALLS = Counter()

    class Config(BaseModel):
        colour: str = "blue"

    @hookimpl
    def plugin_config_model():
        CALLS["plugin_config_model"] += 1
        return Config

    @hookimpl
    def register_tools(register, config):
        CALLS["register_tools"] += 1
        logging.getLogger("fake_counted").warning("counted: registering its tool")
        register(counted_tool, annotations={"x-counted": 1})

    @hookimpl
    def register_resources(register, config):
        CALLS["register_resources"] += 1

    @hookimpl
    def register_prompts(register, config):
        CALLS["register_prompts"] += 1

    @hookimpl
    def register_auth_providers(register):
        CALLS["register_auth_providers"] += 1

    @hookimpl
    def register_config_tools(register, tables, taken, check):
        CALLS["register_config_tools"] += 1
        return []

    async def counted_tool() -> str:
        \"\"\"A counted tool.\"\"\"
        return "counted"
"""
HOOKS = (
    "plugin_config_model",
    "register_tools",
    "register_resources",
    "register_prompts",
    "register_auth_providers",
    "register_config_tools",
)
ONCE = dict.fromkeys(HOOKS, 1)
SOURCE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}
CONFIG = """
[sources.main]
server = "127.0.0.1,1"
auth = "sql"
username = "u"
password = "p"
[plugins.counted]
colour = "red"
[tools.one]
description = "One."
statement = "SELECT 1 AS x"
"""


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The counting plugin installed as `counted` (distribution fake-counted); the
    config file that uses it."""
    with installed_plugin(tmp_path, monkeypatch, "counted", COUNTED, CONFIG) as config:
        yield config


def calls() -> Counter[str]:
    counter: Counter[str] = sys.modules["fake_counted"].CALLS
    return counter


def in_process() -> types.ModuleType:
    module = types.ModuleType("counted_in_process")
    exec(textwrap.dedent(COUNTED), module.__dict__)
    return module


@pytest.mark.parametrize("command", ["plugins", "tools", "config", "check"])
def test_each_command_runs_each_hook_once(
    command: str, installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([command, "--config", str(installed)]) in (0, 1)  # check: no database
    assert dict(calls()) == ONCE
    assert "counted" in capsys.readouterr().out or command == "check"


def test_serve_runs_each_hook_once_before_it_serves(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Any] = []
    monkeypatch.setattr(cli, "_run", lambda app, config: served.append(app) or 0)
    assert cli.main(["serve", "--config", str(installed)]) == 0
    assert dict(calls()) == ONCE
    assert {"counted_tool", "one"} <= set(served[0].plugins.tools)


def test_build_app_runs_each_hook_once() -> None:
    plugin = in_process()
    settings = settings_from_mapping({"sources": {"main": SOURCE}})
    build_app(settings, extra_plugins={"counted": plugin})
    assert dict(plugin.CALLS) == ONCE


def test_a_reload_runs_each_hook_once_and_applies_what_it_judged() -> None:
    """The reload's validation declares the new [tools.*] tables; that run is applied."""
    plugin = in_process()
    before = {"sources": {"main": SOURCE}, "audit": {"enabled": False}}
    app = build_app(settings_from_mapping(before), extra_plugins={"counted": plugin})
    plugin.CALLS.clear()
    table = {"description": "Two.", "statement": "SELECT 2 AS x"}
    new = {**before, "tools": {"two": table}, "plugins": {"counted": {"colour": "red"}}}
    assert apply(app, settings_from_mapping(new)) == "applied"
    assert dict(plugin.CALLS) == ONCE
    assert app.plugins.tools["two"].declared
    assert "two" in next(r for r in app.plugins.records if r.name == "builtin_declared").tools
    assert apply(app, settings_from_mapping(new)) == "unchanged"


def test_a_reload_that_switches_plugins_judges_its_tools_by_the_running_ones() -> None:
    """A tool name freed in the new config is still held by the running plugin that
    the reload only hides: the declared tool is refused, as before."""
    enabled = ["builtin_auth", "builtin_tools", "builtin_declared"]
    before = {"sources": {"main": SOURCE}, "plugins": {"enabled": enabled}}
    app = build_app(settings_from_mapping(before))
    table = {"description": "Mine.", "statement": "SELECT 1 AS x"}
    new = {**before, "plugins": {"enabled": enabled[::2]}, "tools": {"read_data": table}}
    assert apply(app, settings_from_mapping(new)) == "invalid"
    assert not app.plugins.tools["read_data"].declared


def test_serve_shows_what_plugins_log_as_they_load_once(
    installed: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The one load happens after logging is set up: a plugin's own warnings and the
    loader's (an annotation left out) are shown, each once."""
    monkeypatch.setattr(cli, "_run", lambda app, config: 0)
    assert cli.main(["serve", "--config", str(installed)]) == 0
    err = capfd.readouterr().err
    assert err.count("counted: registering its tool") == 1
    assert err.count("'x-counted' is not one of MCP's tool annotations") == 1


def test_a_reload_does_not_repeat_the_loaders_warnings(caplog: pytest.LogCaptureFixture) -> None:
    config = {"sources": {"main": SOURCE}}
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.core.plugins"):
        app = build_app(settings_from_mapping(config), extra_plugins={"counted": in_process()})
        for level in ("INFO", "WARNING"):
            apply(app, settings_from_mapping(config | {"logging": {"level": level}}))
    assert caplog.text.count("'x-counted' is not one of MCP's tool annotations") == 1
