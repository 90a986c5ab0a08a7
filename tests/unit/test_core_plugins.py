"""Plugin loading: selection before import, error boundaries, strict mode, config sections."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import mcp.types as mt
import pytest
from fake_dists import TOOL_PLUGIN, make_dist
from fastmcp import Client

from azsql_mcp import ToolContext, hookimpl
from azsql_mcp.api import ConfigError, PluginError
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import load_settings, settings_from_mapping
from azsql_mcp.core.pluginloader import load_plugins

BUILTINS = {"builtin_tools", "builtin_resources", "builtin_prompts", "builtin_auth"}


def settings(**data: Any) -> Any:
    return settings_from_mapping(data)


def record(plugin_set: Any, name: str) -> Any:
    return next(r for r in plugin_set.records if r.name == name)


def test_builtins_and_a_third_party_plugin_load(site: Path) -> None:
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    plugins = load_plugins(settings())
    echo = record(plugins, "echo")
    assert (echo.status, echo.distribution, echo.version) == ("loaded", "fake-echo", "1.0")
    assert echo.hooks == ["register_tools"] and echo.tools == ["echo"]
    assert plugins.tools["echo"].plugin == "echo"
    assert {r.name for r in plugins.loaded()} >= BUILTINS


@pytest.mark.parametrize(
    "config",
    [
        {"plugins": {"disabled": ["echo"]}},
        {"plugins": {"disabled": ["fake-echo"]}},  # by distribution name
        {"plugins": {"enabled": ["builtin_auth"]}},
        {"plugins": {"enabled": sorted(BUILTINS)}},  # built-ins only
    ],
)
def test_disabled_plugin_is_never_imported(site: Path, config: dict[str, Any]) -> None:
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    plugins = load_plugins(settings(**config))
    echo = record(plugins, "echo")
    assert echo.status == "disabled" and echo.reason
    assert "fake_echo" not in sys.modules
    assert "echo" not in plugins.tools


@pytest.mark.parametrize("key", ["enabled", "disabled"])
def test_an_unknown_plugin_name_is_an_error_naming_the_installed_ones(site: Path, key: str) -> None:
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    plugins = load_plugins(settings(plugins={key: ["builtin_auth", "ecoh"]}))
    (problem,) = plugins.config_problems
    assert f"plugins.{key}: no plugin named 'ecoh'" in problem
    assert "did you mean 'echo'?" in problem and "builtin_auth" in problem


def test_the_old_allow_list_variable_says_what_replaces_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZSQL_MCP_LOAD_PLUGINS", "echo")
    with pytest.raises(ConfigError, match="AZSQL_MCP_PLUGINS__ENABLED"):
        load_settings()


BROKEN = "raise RuntimeError('boom at import')\n"


def test_broken_plugin_is_reported_and_skipped(site: Path) -> None:
    make_dist(site, "fake-broken", {"fake_broken": BROKEN}, {"broken": "fake_broken"}, "2.5")
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    plugins = load_plugins(settings())
    broken = record(plugins, "broken")
    assert broken.status == "failed"
    assert (broken.distribution, broken.version) == ("fake-broken", "2.5")
    assert "RuntimeError: boom at import" in broken.reason
    assert record(plugins, "echo").status == "loaded"
    assert plugins.counts()["failed"] == 1


def test_broken_plugin_fails_startup_in_strict_mode(site: Path) -> None:
    make_dist(site, "fake-broken", {"fake_broken": BROKEN}, {"broken": "fake_broken"}, "2.5")
    with pytest.raises(PluginError, match=r"'broken' \(fake-broken 2.5\).*boom at import"):
        build_app(settings(plugins={"strict": True}))


def test_failing_hook_discards_what_the_plugin_registered(site: Path) -> None:
    source = (
        TOOL_PLUGIN
        + """
    @hookimpl
    def register_prompts(register, config):
        raise ValueError("prompt hook broke")
"""
    )
    make_dist(site, "fake-half", {"fake_half": source}, {"half": "fake_half"})
    plugins = load_plugins(settings())
    assert record(plugins, "half").status == "failed"
    assert "prompt hook broke" in record(plugins, "half").reason
    assert "echo" not in plugins.tools


def test_sync_tool_is_refused_with_a_clear_error(site: Path) -> None:
    source = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_tools(register, config):
        register(sync_tool)

    def sync_tool() -> int:
        return 1
"""
    make_dist(site, "fake-sync", {"fake_sync": source}, {"sync": "fake_sync"})
    reason = record(load_plugins(settings()), "sync").reason
    assert "must be an async function" in reason


def test_duplicate_tool_names_name_both_plugins(site: Path) -> None:
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    make_dist(site, "fake-echo-two", {"fake_echo_two": TOOL_PLUGIN}, {"echo_two": "fake_echo_two"})
    plugins = load_plugins(settings())
    failed = [r for r in plugins.records if r.status == "failed"]
    assert len(failed) == 1
    assert "tool 'echo' is registered by both plugin" in failed[0].reason
    assert "fake-echo 1.0" in failed[0].reason and "fake-echo-two 1.0" in failed[0].reason


CONFIGURED = """
    from pydantic import BaseModel, ConfigDict
    from azsql_mcp import ToolContext, hookimpl

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        greeting: str = "hi"
        times: int = 1

    @hookimpl
    def plugin_config_model():
        return Config

    @hookimpl
    def register_tools(register, config):
        register(greet)
        register(shout)

    async def greet(ctx: ToolContext) -> str:
        return ctx.config.greeting * ctx.config.times

    async def shout() -> str:
        return "HI"
"""


async def test_plugin_section_is_validated_and_injected(site: Path) -> None:
    make_dist(site, "fake-conf", {"fake_conf": CONFIGURED}, {"conf": "fake_conf"})
    app = build_app(settings(plugins={"conf": {"greeting": "yo", "times": 2}}))
    async with Client(app.mcp) as client:
        result = await client.call_tool("greet", {})
    assert result.structured_content == {"result": "yoyo"}


def test_bad_plugin_section_names_the_key(site: Path) -> None:
    make_dist(site, "fake-conf", {"fake_conf": CONFIGURED}, {"conf": "fake_conf"})
    bad = settings(plugins={"conf": {"times": "many", "colour": "red"}})
    with pytest.raises(ConfigError) as info:
        build_app(bad)
    text = str(info.value)
    assert "plugins.conf.times: Input should be a valid integer" in text
    assert "plugins.conf.colour: unknown setting" in text
    # a plugin's section may hold its secrets (`azsql-mcp config` hides them too)
    assert "many" not in text
    assert record(load_plugins(bad), "conf").status == "failed"


def test_section_for_unknown_plugin_or_tool_is_a_problem(site: Path) -> None:
    make_dist(site, "fake-conf", {"fake_conf": CONFIGURED}, {"conf": "fake_conf"})
    plugins = load_plugins(
        settings(plugins={"nosuch": {"a": 1}, "conf": {"disabled_tools": ["greet", "nope"]}})
    )
    text = "\n".join(plugins.config_problems)
    assert "plugins.nosuch: no plugin named 'nosuch' is installed" in text
    assert "plugins.conf.disabled_tools: nope: no such tool in conf" in text


async def test_disabled_tools_are_hidden(site: Path) -> None:
    make_dist(site, "fake-conf", {"fake_conf": CONFIGURED}, {"conf": "fake_conf"})
    app = build_app(settings(plugins={"conf": {"disabled_tools": ["shout"]}}))
    async with Client(app.mcp) as client:
        names = {t.name for t in await client.list_tools()}
        result = await client.call_tool("shout", {}, raise_on_error=False)
    assert "greet" in names and "shout" not in names
    assert result.is_error


def test_unknown_auth_provider_lists_the_registered_ones() -> None:
    with pytest.raises(ConfigError) as info:
        build_app(settings(sources={"a": {"server": "x", "auth": "kerberos"}}))
    text = str(info.value)
    assert "sources.a.auth: unknown auth provider 'kerberos'" in text
    assert "managed_identity" in text and "sql" in text


def test_in_process_plugin_objects_load_like_entry_points() -> None:
    import types

    module = types.ModuleType("inline_plugin")
    exec(TOOL_PLUGIN.replace("\n    ", "\n"), module.__dict__)
    plugins = load_plugins(settings(), {"inline": module})
    assert record(plugins, "inline").status == "loaded"
    assert plugins.tools["echo"].plugin == "inline"


class _Resources:
    """A plugin with one resource that reads a database and one that does not."""

    @staticmethod
    @hookimpl
    def register_resources(register: Any, config: Any) -> None:
        async def rows(table: str, ctx: ToolContext) -> str:
            return table

        async def version() -> str:
            return "1"

        register(rows, "acme://rows/{table}", name="rows", description="Rows of a table")
        register(version, "acme://version")


def test_resources_that_read_a_database_get_a_variant_naming_the_source() -> None:
    plugins = load_plugins(settings(), {"acme": _Resources()})
    assert plugins.config_problems == []
    variant = plugins.resources["acme://{source}/rows/{table}"]
    assert variant.source_from_uri and variant.name == "rows_by_source"
    assert variant.description == "Rows of a table of the named source"
    assert "acme://{source}/version" not in plugins.resources
    # the plugin's own registrations; the variant is the core's
    assert record(plugins, "acme").resources == ["acme://rows/{table}", "acme://version"]


SHADOW = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_{kind}(register, **_):
        {call}

    async def shadow(sql: str = "") -> str:
        return "shadow"
"""

TAKEN = {
    "tool": ("tools", "register(shadow, name='read_data')", "builtin_tools"),
    "resource": ("resources", "register(shadow, 'database://schema')", "builtin_resources"),
    "prompt": ("prompts", "register(shadow, name='sql_query_builder')", "builtin_prompts"),
    "auth provider": ("auth_providers", "register('sql', lambda source: None)", "builtin_auth"),
}


@pytest.mark.parametrize("kind", list(TAKEN))
def test_a_plugin_taking_a_builtin_name_fails_and_the_builtin_stays(site: Path, kind: str) -> None:
    # The site is first on sys.path, so entry_points() lists the fake distribution first.
    hook, call, builtin = TAKEN[kind]
    source = SHADOW.replace("{kind}", hook).replace("{call}", call)
    make_dist(site, "aaa-shadow", {"fake_shadow": source}, {"shadow": "fake_shadow"})
    plugins = load_plugins(settings())
    shadow = record(plugins, "shadow")
    assert shadow.status == "failed"
    assert f"{kind} " in shadow.reason and "is registered by both" in shadow.reason
    assert f"plugin {builtin!r} (azsql-mcp " in shadow.reason
    assert "aaa-shadow 1.0" in shadow.reason
    assert record(plugins, builtin).status == "loaded"
    if kind == "tool":
        assert plugins.tools["read_data"].plugin == "builtin_tools"


def test_builtins_load_first_then_others_by_distribution_and_name(site: Path) -> None:
    make_dist(site, "fake-zeta", {"fake_zeta": "\n"}, {"b_plugin": "fake_zeta"})
    make_dist(
        site,
        "Fake-Alpha",
        {"fake_alpha": "\n", "fake_alpha2": "\n"},
        {"z_plugin": "fake_alpha", "a": "fake_alpha2"},
    )
    make_dist(site, "fake-mid", {"fake_mid": "\n"}, {"m_plugin": "fake_mid"})
    names = [r.name for r in load_plugins(settings()).records]
    assert names == [
        "builtin_tools",
        "builtin_resources",
        "builtin_prompts",
        "builtin_auth",
        "builtin_declared",
        "a",
        "z_plugin",
        "m_plugin",
        "b_plugin",
    ]


def test_the_builtin_load_order_is_the_one_pyproject_declares() -> None:
    import tomllib

    from azsql_mcp.core.entrypoints import BUILTIN_ORDER

    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["entry-points"]["azsql_mcp"]
    assert tuple(declared) == BUILTIN_ORDER


def test_load_order_parses_a_distributions_metadata_once() -> None:
    """The built-in plugins are five entry points of one distribution: its METADATA
    (the README among it) is parsed once, not once per entry point."""
    from importlib.metadata import EntryPoint

    from azsql_mcp.core.entrypoints import load_order

    class Dist:
        reads = 0

        @property
        def metadata(self) -> dict[str, str]:
            Dist.reads += 1
            return {"Name": "azsql-mcp", "Version": "0"}

    dist = Dist()
    eps = [
        EntryPoint(name, f"m:{name}", "azsql_mcp")._for(dist)  # type: ignore[arg-type]
        for name in ("builtin_tools", "builtin_resources", "builtin_prompts")
    ]
    assert [ep.name for ep, _ in load_order(eps)] == [
        "builtin_tools",
        "builtin_resources",
        "builtin_prompts",
    ]
    assert Dist.reads == 1


class _StringScopes:
    @staticmethod
    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        async def sc() -> str:
            return "x"

        register(sc, scopes="sql.read")


def test_scopes_given_as_one_string_fail_the_plugin_with_a_clear_error() -> None:
    plugins = load_plugins(settings(), {"sc": _StringScopes()})
    sc = record(plugins, "sc")
    assert sc.status == "failed" and "sc" not in plugins.tools
    assert "PluginError: tool 'sc': scopes must be a list of scope names" in sc.reason
    assert "scopes=['sql.read']" in sc.reason


class _NoScopes:
    @staticmethod
    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        async def ns() -> str:
            """No scope."""
            return "x"

        register(ns, scopes=[])


def test_an_empty_scope_list_fails_the_plugin_rather_than_open_the_tool_to_every_token() -> None:
    plugins = load_plugins(settings(), {"ns": _NoScopes()})
    ns = record(plugins, "ns")
    assert ns.status == "failed" and "ns" not in plugins.tools
    assert "tool 'ns': scopes=[] needs no scope, so every token could call it" in ns.reason


def _one_tool(**kwargs: Any) -> object:
    """An in-process plugin registering one tool with `kwargs`."""

    class Plugin:
        @staticmethod
        @hookimpl
        def register_tools(register: Any, config: Any) -> None:
            async def tool() -> str:
                return "x"

            register(tool, **kwargs)

    return Plugin()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("list tables!", "' ', '!' cannot be in a tool name"),
        ("sales/report", "'/' cannot be in a tool name"),
        ("t" * 129, "the name is 129 characters long"),
    ],
)
def test_a_tool_name_mcp_clients_cannot_use_fails_the_plugin(name: str, expected: str) -> None:
    plugins = load_plugins(settings(), {"acme": _one_tool(name=name)})
    acme = record(plugins, "acme")
    assert acme.status == "failed" and name not in plugins.tools
    assert f"PluginError: tool {name[:40]!r}" in acme.reason and expected in acme.reason
    assert "1 to 128 characters" in acme.reason and "'_', '-' or '.'" in acme.reason


def test_a_bad_tool_name_suggests_one_that_keeps_to_the_rule() -> None:
    plugins = load_plugins(settings(), {"acme": _one_tool(name="list tables!")})
    assert "name='list_tables'" in record(plugins, "acme").reason


@pytest.mark.parametrize("name", ["acme_report", "sales.report-v2", "T" * 128])
def test_tool_names_that_keep_to_the_rule_load(name: str) -> None:
    plugins = load_plugins(settings(), {"acme": _one_tool(name=name)})
    assert record(plugins, "acme").status == "loaded" and name in plugins.tools


def test_a_bad_tool_name_stops_startup_in_strict_mode() -> None:
    with pytest.raises(PluginError, match=r"plugin 'acme' \(in-process\) failed to load.*'!'"):
        build_app(settings(plugins={"strict": True}), extra_plugins={"acme": _one_tool(name="a!")})


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({"readOnlyHnt": True}, "unknown annotation 'readOnlyHnt' (did you mean 'readOnlyHint'?)"),
        ({"read_only_hnt": True}, "(did you mean 'readOnlyHint'?)"),
        ({"destructive": True}, "(did you mean 'destructiveHint'?)"),
        ({"readOnlyHint": "maybe"}, "annotations.readOnlyHint: Input should be a valid boolean"),
    ],
)
def test_a_misspelt_or_mistyped_annotation_fails_the_plugin(
    annotations: dict[str, Any], expected: str
) -> None:
    plugins = load_plugins(settings(), {"acme": _one_tool(annotations=annotations)})
    acme = record(plugins, "acme")
    assert acme.status == "failed" and "tool" not in plugins.tools
    assert "PluginError: tool 'tool': " in acme.reason and expected in acme.reason


def test_an_annotation_mcp_does_not_define_is_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    given = {"readOnlyHint": True, "x-acme-cost": "low"}
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.core.plugins"):
        plugins = load_plugins(settings(), {"acme": _one_tool(annotations=given)})
    assert record(plugins, "acme").status == "loaded"
    hints = plugins.tools["tool"].annotations
    assert hints is not None and hints.model_dump(by_alias=True, exclude_none=True) == {
        "readOnlyHint": True
    }
    assert "'x-acme-cost' is not one of MCP's tool annotations" in caplog.text
    # kept for `azsql-mcp plugins` and `check`, and the pytest kit's PluginWarning
    assert record(plugins, "acme").warnings[1:] == [
        "tool 'tool': 'x-acme-cost' is not one of MCP's tool annotations (title, readOnlyHint,"
        " destructiveHint, idempotentHint, openWorldHint); it is left out"
    ]


@pytest.mark.parametrize("spelling", ["spec", "model", "object"])
async def test_mcp_annotations_reach_the_listed_tool(spelling: str) -> None:
    hints = {"title": "T", "readOnlyHint": True, "openWorldHint": False}
    given: Any = hints
    if spelling == "model":
        given = {"title": "T", "read_only_hint": True, "open_world_hint": False}
    elif spelling == "object":
        given = mt.ToolAnnotations(title="T", read_only_hint=True, open_world_hint=False)
    app = build_app(settings(), extra_plugins={"acme": _one_tool(annotations=given)})
    async with Client(app.mcp) as client:
        tool = next(t for t in await client.list_tools() if t.name == "tool")
    assert tool.annotations is not None
    assert tool.annotations.model_dump(by_alias=True, exclude_none=True) == hints


SOURCE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}


def _bound_tool(source: str) -> object:
    """An in-process plugin with one tool, `report`, bound to `source`."""

    class Plugin:
        @staticmethod
        @hookimpl
        def register_tools(register: Any, config: Any) -> None:
            async def report(ctx: ToolContext) -> str:
                return ctx.source

            register(report, source=source)

    return Plugin()


UNBOUND = (
    "sources.sales: tool 'report' of plugin 'acme' (in-process) is bound to source"
    " 'sales', which is not configured (sources: main); add a [sources.sales] table (a"
    " running server opens it after a restart), or switch the tool off with"
    ' [plugins.acme] disabled_tools = ["report"]'
)


async def test_a_tool_bound_to_a_source_the_config_lacks_is_not_offered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As a plugin that fails to load is skipped: the server starts, with a warning, and
    no client is offered a tool that cannot work."""
    from azsql_mcp.core.validation import config_problems

    plain = settings(sources={"main": SOURCE})
    problems, _ = config_problems(plain, extra_plugins={"acme": _bound_tool("sales")})
    assert problems == []
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.core.assembly"):
        app = build_app(plain, extra_plugins={"acme": _bound_tool("sales")})
    assert f"{UNBOUND}; until then it is not offered" in caplog.text
    async with Client(app.mcp) as client:
        assert "report" not in {t.name for t in await client.list_tools()}


def test_in_strict_mode_a_tool_bound_to_a_missing_source_stops_the_server() -> None:
    from azsql_mcp.core.validation import config_problems

    strict = settings(sources={"main": SOURCE}, plugins={"strict": True})
    problems, _ = config_problems(strict, extra_plugins={"acme": _bound_tool("sales")})
    assert problems == [UNBOUND]
    with pytest.raises(ConfigError, match=r"sources\.sales: tool 'report' of plugin 'acme'"):
        build_app(strict, extra_plugins={"acme": _bound_tool("sales")})


def test_a_bound_source_is_matched_without_case_and_bound_as_configured() -> None:
    # as AZSQL_MCP_SOURCES__SALES__... would name it, or the file
    app = build_app(
        settings(sources={"main": SOURCE, "Sales": SOURCE}),
        extra_plugins={"acme": _bound_tool("SALES")},
    )
    assert app.plugins.tools["report"].source == "Sales"


def test_a_tool_switched_off_may_be_bound_to_a_missing_source() -> None:
    off = settings(sources={"main": SOURCE}, plugins={"acme": {"disabled_tools": ["report"]}})
    build_app(off, extra_plugins={"acme": _bound_tool("sales")})


def test_a_name_in_enabled_that_is_no_plugin_says_which_group_is_scanned(site: Path) -> None:
    plugins = load_plugins(settings(plugins={"enabled": ["builtin_auth", "nothing_like_it"]}))
    (problem,) = plugins.config_problems
    assert "no plugin named 'nothing_like_it' is installed" in problem
    assert "azsql-mcp loads the entry points of group 'azsql_mcp'" in problem
    assert "[project.entry-points.azsql_mcp] in pyproject.toml" in problem


def test_a_plugin_in_another_entry_point_group_is_named_with_its_group(site: Path) -> None:
    info = site / "fake_grouped-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-grouped\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[azsql_mcp.plugins]\ngrouped = fake_grouped\n")
    (site / "fake_grouped.py").write_text(TOOL_PLUGIN)
    plugins = load_plugins(settings(plugins={"enabled": ["builtin_auth", "grouped"]}))
    assert "grouped" not in {r.name for r in plugins.records}
    (problem,) = plugins.config_problems
    assert (
        "'grouped' is an entry point of group 'azsql_mcp.plugins' (fake-grouped), but"
        " azsql-mcp loads the entry points of group 'azsql_mcp': declare it under"
        " [project.entry-points.azsql_mcp] in pyproject.toml and reinstall it"
    ) in problem


def test_a_hook_argument_the_hook_lacks_is_named_with_the_hooks_arguments() -> None:
    class Wrong:
        @hookimpl
        def register_tools(self, register: Any, settings: Any) -> None:
            pass

    plugins = load_plugins(settings(), {"wrong": Wrong()})
    reason = next(r.reason for r in plugins.records if r.name == "wrong")
    assert reason == (
        "invalid hook implementation: hook 'register_tools' has no argument 'settings'"
        " (declared by register_tools); its arguments are: register, config. Declare any"
        " of them, by name"
    )
