"""Config reload applied to a built server (in memory, no database, no signals)."""

from __future__ import annotations

import logging
import types
from pathlib import Path
from typing import Any

import pytest
from fastmcp.server.auth import AccessToken
from pydantic import BaseModel, ConfigDict, Field

from azsql_mcp import hookimpl
from azsql_mcp.core.app import App
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.clientauth import component_key, required_scopes
from azsql_mcp.serving.reload import Reloader, apply

UNREACHABLE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}


async def peek() -> str:
    """Read something."""
    return "peeked"


async def poke() -> str:
    """Change something."""
    return "poked"


async def plan() -> str:
    """Show a plan."""
    return "planned"


class ToolsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    colour: str = "blue"
    size: int = Field(1, ge=1)


def plugin() -> types.ModuleType:
    module = types.ModuleType("reload_tools")

    @hookimpl
    def plugin_config_model() -> type[BaseModel]:
        return ToolsConfig

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(peek)
        register(poke, writes=True)
        register(plan, name="explain_query", tags={"admin"})

    module.register_tools = register_tools  # type: ignore[attr-defined]
    module.plugin_config_model = plugin_config_model  # type: ignore[attr-defined]
    return module


def config(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sources": {"main": {**UNREACHABLE, "security": {"read_only": False}}},
        "server": {
            "auth": {
                "mode": "static_tokens",
                "static_tokens": [{"token": "t1", "subject": "ann", "scopes": ["sql.read"]}],
            }
        },
        "plugins": {"enabled": ["builtin_auth"]},
        "audit": {"enabled": False},
    }
    for key, value in extra.items():
        base[key] = value if not isinstance(value, dict) else {**base.get(key, {}), **value}
    return base


def build(**extra: Any) -> App:
    return build_app(settings_from_mapping(config(**extra)), extra_plugins={"tools": plugin()})


def allowed(app: App, tool: str, scopes: list[str]) -> bool:
    token = AccessToken(token="x", client_id="c", scopes=scopes)
    tool_key = component_key("tool", tool)
    return app.policy.allows(tool_key, token)


def test_default_scopes_by_kind_and_overrides() -> None:
    app = build()
    table = required_scopes(app.settings.server.auth, app.plugins)
    assert table[component_key("tool", "peek")] == {"sql.read"}
    assert table[component_key("tool", "poke")] == {"sql.write"}
    assert table[component_key("tool", "explain_query")] == {"sql.admin"}
    auth = {**config()["server"]["auth"], "tool_scopes": {"explain_query": ["sql.read"]}}
    auth["plugin_scopes"] = {"tools": ["acme.use"]}
    app = build(server={"auth": auth})
    assert allowed(app, "explain_query", ["sql.read"])
    assert not allowed(app, "peek", ["sql.read"]) and allowed(app, "peek", ["acme.use"])
    # a plugin-wide scope adds to a write tool's sql.write: it never opens writes alone
    assert not allowed(app, "poke", ["acme.use"]) and not allowed(app, "poke", ["sql.write"])
    assert allowed(app, "poke", ["acme.use", "sql.write"])


def test_policy_keeps_unknown_components_and_missing_tokens_out() -> None:
    app = build()
    token = AccessToken(token="x", client_id="c", scopes=["sql.read"])
    assert app.policy.allows(component_key("tool", "nope"), token) is False
    assert app.policy.allows(component_key("tool", "peek"), None) is False
    assert build(server={"auth": {"mode": "none"}}).policy.allows("tool:nope@", None) is True


def test_reload_switches_tools_scopes_and_tokens() -> None:
    app = build()
    hidden = component_key("tool", "peek")
    assert hidden not in app.hidden.keys
    new = settings_from_mapping(
        config(
            plugins={"tools": {"disabled_tools": ["peek"]}},
            server={
                "auth": {
                    "mode": "static_tokens",
                    "static_tokens": [{"token": "t2", "subject": "bob", "scopes": ["sql.write"]}],
                    "tool_scopes": {"poke": ["sql.special"]},
                },
                "limits": {"rate_per_minute": 5},
            },
        )
    )
    assert apply(app, new) == "applied"
    assert hidden in app.hidden.keys
    assert not allowed(app, "poke", ["sql.write"]) and allowed(app, "poke", ["sql.special"])
    assert list(app.mcp.auth.tokens) == ["t2"]  # type: ignore[union-attr]
    assert app.limits.limits.rate_per_minute == 5
    assert apply(app, new) == "unchanged"


def test_invalid_reload_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    app = build()
    before = (set(app.hidden.keys), dict(app.policy.table), app.settings)
    new = settings_from_mapping(config(plugins={"tools": {"disabled_tools": ["nope"]}}))
    with caplog.at_level(logging.ERROR):
        assert apply(app, new) == "invalid"
    assert (set(app.hidden.keys), dict(app.policy.table), app.settings) == before
    assert "plugins.tools.disabled_tools: nope: no such tool" in caplog.text


def test_a_reload_naming_no_configured_source_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """server.default_source is checked against the sources on reload as at start,
    though it takes effect only after a restart."""
    app = build()
    before = app.settings
    server = {**config()["server"], "default_source": "nope"}
    new = settings_from_mapping(config(server=server))
    with caplog.at_level(logging.ERROR):
        assert apply(app, new) == "invalid"
    assert app.settings is before
    assert "server.default_source: 'nope' is not a configured source (sources: main)" in (
        caplog.text
    )


def test_restart_only_changes_keep_running_values(caplog: pytest.LogCaptureFixture) -> None:
    app = build()
    moved = {"main": {**UNREACHABLE, "server": "elsewhere", "security": {"read_only": False}}}
    new = settings_from_mapping(config(sources=moved, logging={"level": "WARNING"}))
    with caplog.at_level(logging.WARNING):
        assert apply(app, new) == "applied"
    assert app.settings.sources["main"].server == "127.0.0.1,1"
    assert app.settings.logging.level == "WARNING"
    assert "sources.main.server changed; it takes effect after a restart" in caplog.text


def test_reload_moves_the_audit_log_or_keeps_it_when_the_new_path_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    app = build(audit={"enabled": True, "path": str(first)})
    running = app.tool_calls.audit
    unwritable = str(tmp_path / "missing" / "audit.jsonl")
    new = settings_from_mapping(config(audit={"enabled": True, "path": unwritable}))
    with caplog.at_level(logging.ERROR):
        assert apply(app, new) == "invalid"
    assert app.tool_calls.audit is running
    assert f"audit.path: {unwritable!r} is in directory" in caplog.text
    new = settings_from_mapping(config(audit={"enabled": True, "path": str(second)}))
    assert apply(app, new) == "applied"
    assert app.tool_calls.audit is not None and app.tool_calls.audit.path == str(second)
    app.tool_calls.audit.write('{"n":1}')
    assert second.read_text() == '{"n":1}\n'


def test_reload_names_only_what_needs_a_restart_as_toml_paths(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build()
    new = settings_from_mapping(config(plugins={"tools": {"disabled_tools": ["peek"]}}))
    with caplog.at_level(logging.WARNING):
        assert apply(app, new) == "applied"
    assert "restart" not in caplog.text  # disabled_tools applies at once
    assert component_key("tool", "peek") in app.hidden.keys
    caplog.clear()
    other = config(plugins={"tools": {"disabled_tools": ["peek"], "colour": "red"}})
    with caplog.at_level(logging.WARNING):
        apply(app, settings_from_mapping(other))
    assert "plugins.tools changed; it takes effect after a restart" in caplog.text
    assert "sections" not in caplog.text


@pytest.mark.parametrize(
    ("plugins", "problem"),
    [
        ({"disabled": ["builtin_toolz"]}, "plugins.disabled: no plugin named 'builtin_toolz'"),
        ({"tools": {"colur": "red"}}, "plugins.tools.colur: unknown setting"),
        ({"tools": {"size": 0}}, "plugins.tools.size: Input should be greater than or equal to 1"),
        ({"nosuch": {"x": 1}}, "plugins.nosuch: no plugin named 'nosuch' is installed"),
    ],
)
def test_a_reload_startup_would_refuse_is_invalid_and_changes_nothing(
    plugins: dict[str, Any], problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = build()
    before = (set(app.hidden.keys), app.settings)
    # a change that applies while serving, so that only the problem can stop it
    new = config(
        plugins={**plugins, "tools": {"disabled_tools": ["peek"], **plugins.get("tools", {})}}
    )
    source = types.SimpleNamespace(load=lambda: settings_from_mapping(new), path=None, stamp=None)
    with caplog.at_level(logging.ERROR):
        assert Reloader(app, source).reload("test") == "invalid"  # type: ignore[arg-type]
    assert f"config reload (test) refused: {problem}" in caplog.text
    assert (set(app.hidden.keys), app.settings) == before


def test_the_reloaded_line_names_keys_as_the_file_writes_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build(plugins={"tools": {"disabled_tools": ["poke"]}})
    new = settings_from_mapping(config(plugins={"tools": {"disabled_tools": ["peek"]}}))
    with caplog.at_level(logging.INFO):
        assert apply(app, new) == "applied"
    assert "config reloaded (reload): plugins.tools.disabled_tools" in caplog.text
    assert "sections" not in caplog.text


def bound_plugin() -> types.ModuleType:
    """A plugin whose tool `report` is bound to source `sales`."""
    module = types.ModuleType("reload_bound")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        async def report() -> str:
            return "reported"

        register(report, source="sales")

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


def test_a_reload_dropping_a_source_a_tool_is_bound_to_keeps_the_running_source(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sources take effect after a restart: until then the tool keeps the running one."""
    with_sales = config(sources={"sales": UNREACHABLE})
    app = build_app(settings_from_mapping(with_sales), extra_plugins={"acme": bound_plugin()})
    assert apply(app, settings_from_mapping(config(logging={"level": "WARNING"}))) == "applied"
    assert component_key("tool", "report") not in app.hidden.keys


def test_a_reload_switching_on_a_tool_whose_source_is_not_running_leaves_it_hidden(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sources take effect after a restart: the running ones are those the tool gets."""
    off = config(plugins={"acme": {"disabled_tools": ["report"]}})
    app = build_app(settings_from_mapping(off), extra_plugins={"acme": bound_plugin()})
    on = settings_from_mapping(config(sources={"sales": UNREACHABLE}))
    with caplog.at_level(logging.WARNING):
        assert apply(app, on) == "applied"
    assert component_key("tool", "report") in app.hidden.keys
    assert "tool 'report'" in caplog.text and "(sources: main)" in caplog.text
    assert "until then it is not offered" in caplog.text


def test_in_strict_mode_a_reload_switching_on_an_unbound_tool_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    strict = {"strict": True}
    off = config(plugins={**strict, "acme": {"disabled_tools": ["report"]}})
    app = build_app(settings_from_mapping(off), extra_plugins={"acme": bound_plugin()})
    on = settings_from_mapping(config(sources={"sales": UNREACHABLE}, plugins=strict))
    with caplog.at_level(logging.ERROR):
        assert apply(app, on) == "invalid"
    assert component_key("tool", "report") in app.hidden.keys
    assert "sources.sales: tool 'report'" in caplog.text


def test_a_reload_keeps_which_settings_a_source_overrides() -> None:
    """A source's [security] overrides only what it sets: after a reload too, the rest
    still comes from the global [security] (a round trip through a plain dump would
    count every default as set, and flip read_only here)."""
    both: dict[str, Any] = {
        "security": {"read_only": False, "allow_unfiltered_writes": True},
        "sources": {"main": {**UNREACHABLE, "security": {"allowed_databases": ["Sales"]}}},
        "plugins": {"enabled": ["builtin_auth", "builtin_declared"]},
    }
    app = build(**both)
    declared = {"wipe": {"description": "Wipe.", "statement": "DELETE FROM dbo.t", "writes": True}}
    new = settings_from_mapping(config(**both, logging={"level": "WARNING"}, tools=declared))
    assert apply(app, new) == "applied"
    security = app.settings.source_security("main")
    assert (security.read_only, security.allow_unfiltered_writes) == (False, True)
    assert "wipe" in app.plugins.tools


def test_a_reload_applies_with_a_source_reading_its_token_from_a_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("x")
    source = {"server": "127.0.0.1,1", "auth": "access_token", "access_token_file": str(token)}
    app = build(sources={"main": source})
    new = settings_from_mapping(config(sources={"main": source}, logging={"level": "WARNING"}))
    assert apply(app, new) == "applied"
    assert app.settings.logging.level == "WARNING"


def test_a_reload_does_not_read_the_environment_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The running settings came from the file and the environment once; a reload takes
    the reloadable parts from the new settings, not from variables read afresh."""
    app = build()
    monkeypatch.setenv("AZSQL_MCP_LOGGING__LEVEL", "DEBUG")
    assert apply(app, settings_from_mapping(config(audit={"enabled": True}))) == "applied"
    assert app.settings.logging.level == "INFO"


def test_a_reload_reopens_the_audit_file_logrotate_moved(tmp_path: Path) -> None:
    """logrotate renames the file, creates a new one and sends SIGHUP: the lines after
    it go to the new file, not on into the moved one."""
    path = tmp_path / "audit.jsonl"
    app = build(audit={"enabled": True, "path": str(path)})
    audit = app.tool_calls.audit
    assert audit is not None
    audit.write('{"n": 1}')
    path.rename(tmp_path / "audit.jsonl.1")
    source = types.SimpleNamespace(load=lambda: app.settings, path=None, stamp=None)
    assert Reloader(app, source).reload("SIGHUP") == "unchanged"  # type: ignore[arg-type]
    audit.write('{"n": 2}')
    assert (tmp_path / "audit.jsonl.1").read_text() == '{"n": 1}\n'
    assert path.read_text() == '{"n": 2}\n'


def test_an_edit_made_while_the_server_started_is_reloaded(tmp_path: Path) -> None:
    from azsql_mcp.serving.reload import ConfigSource, config_stamp

    path = tmp_path / "azsql-mcp.toml"
    path.write_text("[logging]\nlevel = 'INFO'\n")
    source = ConfigSource.before_loading(lambda: settings_from_mapping(config()), path)
    app = build()  # meanwhile, the file is edited
    path.write_text("[logging]\nlevel = 'WARNING'\n# a longer file\n")
    assert config_stamp(path) != Reloader(app, source).stamp


def test_a_config_file_that_vanished_is_a_refused_reload_until_it_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the file the loader would take the defaults and the environment for the
    configuration: the reload is refused instead, saying why, and the state metrics say
    it failed until a reload succeeds again."""
    from azsql_mcp.metrics import REGISTRY
    from azsql_mcp.serving.reload import ConfigSource

    def state() -> tuple[float | None, float | None]:
        return (
            REGISTRY.get_sample_value("azsql_mcp_config_last_reload_successful"),
            REGISTRY.get_sample_value("azsql_mcp_config_last_reload_success_timestamp_seconds"),
        )

    path = tmp_path / "azsql-mcp.toml"
    path.write_text("")
    app = build()
    reloader = Reloader(app, ConfigSource.before_loading(lambda: app.settings, path))
    ok, started = state()
    assert ok == 1 and started is not None
    path.unlink()
    with caplog.at_level(logging.ERROR):
        assert reloader.reload("SIGHUP") == "invalid"
    assert f"refused: the config file {path} is gone" in caplog.text
    assert state() == (0, started)
    path.write_text("")
    assert reloader.reload("SIGHUP") == "unchanged"
    ok, reloaded = state()
    assert ok == 1 and reloaded is not None and reloaded >= started


def test_the_start_values_wait_for_the_metrics_and_a_reload_comes_after_them() -> None:
    """At start the reload state is set once the metrics exist (serve does not load
    prometheus_client before `initialize` is answered); a reload that creates them
    first still has the last word."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from azsql_mcp import metrics\n"
        "metrics.when_created(lambda: metrics.CONFIG_RELOAD_OK.set(1))\n"
        "assert 'prometheus_client' not in sys.modules\n"
        "metrics.CONFIG_RELOAD_OK.set(0)  # a failed reload, the first to touch them\n"
        "print(metrics.REGISTRY.get_sample_value('azsql_mcp_config_last_reload_successful'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0.0"


async def test_the_watcher_ends_when_cancelled_as_sighup_wakes_it(tmp_path: Path) -> None:
    """Cancelled in the step a SIGHUP woke it (a SIGHUP, then SIGTERM), the watcher's
    asyncio.wait_for (Python 3.11) passed the wake-up on and dropped the cancel: the
    watcher polled on, and the server's event loop, closing, waited for it for ever."""
    import asyncio

    from azsql_mcp.serving.reload import ConfigSource

    path = tmp_path / "azsql-mcp.toml"
    path.write_text("")
    app = build()
    reloader = Reloader(app, ConfigSource.before_loading(lambda: app.settings, path))
    task = asyncio.create_task(reloader.watch())
    await asyncio.sleep(0.05)  # waiting for a wake-up or its poll
    reloader.wake.set()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=10)
    assert done and task.cancelled()
