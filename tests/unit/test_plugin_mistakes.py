"""The mistakes a plugin author makes in the first hour each get an error (or, for what
works but should not, a warning) naming the plugin, where, and what to do; none reaches
an MCP client as more than "Error calling tool"."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fake_dists import TOOL_PLUGIN, installed_plugin, make_dist
from fastmcp import Client

from azsql_mcp import hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.cli import main
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.docpaths import doc
from azsql_mcp.core.pluginloader import load_plugins


def plugin(site: Path, name: str, source: str, module: str | None = None) -> Any:
    """Install plugin `name` (module fake_NAME, unless the entry point names `module`),
    load the plugins and return its record."""
    make_dist(site, f"fake-{name}", {f"fake_{name}": source}, {name: module or f"fake_{name}"})
    plugins = load_plugins(settings_from_mapping({}))
    return next(r for r in plugins.records if r.name == name)


UNTYPED = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_tools(register):
        register(echo)

    async def echo(text: str, {param}) -> str:
        \"\"\"Echo text.\"\"\"
        return text
"""


@pytest.mark.parametrize(
    ("param", "advice"),
    [
        ("times", "annotate it, e.g. `times: str` or `times: int | None = None`"),
        ("ctx", "annotate it, `ctx: ToolContext` (from azsql_mcp), so that the core fills it in"),
    ],
)
def test_a_parameter_without_a_type_hint_fails_the_plugin(
    site: Path, param: str, advice: str
) -> None:
    record = plugin(site, "loose", UNTYPED.replace("{param}", param))
    assert record.status == "failed"
    assert record.reason.startswith(
        f"PluginError: tool 'echo': parameter {param!r} of echo has no type hint, so clients"
        f" would see it as taking any value; {advice} (at {site / 'fake_loose.py'}:6, in"
        " register_tools)"
    )


def test_a_prompt_parameter_without_a_type_hint_fails_the_plugin(site: Path) -> None:
    source = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_prompts(register):
        register(ask)

    async def ask(topic) -> str:
        return topic
"""
    record = plugin(site, "asker", source)
    assert record.status == "failed"
    assert "prompt 'ask': parameter 'topic' of ask has no type hint" in record.reason


def test_a_tool_without_a_description_loads_with_a_warning(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = TOOL_PLUGIN.replace('"""Echo text back with the chosen source."""', "")
    record = plugin(site, "mute", source)
    warning = (
        "tool 'echo' has no description, and clients and models choose tools by it: give echo"
        " a docstring (one line is enough), or register it with description=..."
    )
    assert record.status == "loaded" and record.warnings == [warning]
    assert f"plugin 'mute' (fake-mute 1.0): {warning}" in caplog.text


def test_an_error_in_a_hook_names_the_line_of_the_plugin(site: Path) -> None:
    source = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_tools(register):
        settings = {}
        register(settings["tool"])
"""
    record = plugin(site, "keyed", source)
    where = f"{site / 'fake_keyed.py'}:7, in register_tools"
    assert record.reason == f"KeyError: 'tool' (at {where})"


def test_a_built_in_plugins_error_names_its_line_not_the_loaders() -> None:
    """A built-in plugin's package (azsql_mcp) holds the loader too: the line named is the
    plugin's own, not the loader's that raised for it."""
    from azsql_mcp.core.pluginsource import where_raised

    loader: dict[str, Any] = {"__name__": "azsql_mcp.core.pluginstaging"}
    exec("def register(fn):\n    raise TypeError('not async')\n", loader)
    plugin_module: dict[str, Any] = {
        "__name__": "azsql_mcp.plugins.builtin_x",
        "register": loader["register"],
    }
    exec("def register_tools():\n    register(None)\n", plugin_module)
    with pytest.raises(TypeError) as caught:
        plugin_module["register_tools"]()
    assert where_raised(caught.value, "azsql_mcp") == " (at <string>:2, in register_tools)"


def test_an_error_at_import_names_the_line_of_the_plugin(site: Path) -> None:
    record = plugin(site, "early", "import os\nos.environ['ACME_HOME']\n")
    assert record.reason == (
        f"import of 'fake_early' failed: KeyError: 'ACME_HOME' (at {site / 'fake_early.py'}:2,"
        " in <module>)"
    )


def test_an_entry_point_naming_a_missing_module_says_to_correct_it(site: Path) -> None:
    record = plugin(site, "typo", TOOL_PLUGIN, module="fake_tpyo")
    assert record.reason == (
        "import of 'fake_tpyo' failed: ModuleNotFoundError: No module named 'fake_tpyo'; the"
        " entry point 'typo = fake_tpyo' names a module that is not installed: correct it"
        " under [project.entry-points.azsql_mcp] in the plugin's pyproject.toml and reinstall"
        " the package"
    )


def test_a_missing_library_says_to_install_it(site: Path) -> None:
    record = plugin(site, "needy", "import acme_vault_client.tokens\n")
    assert record.reason.endswith(
        "; the plugin imports 'acme_vault_client', which is not installed in the server's"
        " environment: install it there (pip install acme_vault_client), and list it in the"
        " plugin's dependencies"
    )


PRIVATE = """
    from azsql_mcp import hookimpl
    from azsql_mcp.db.database import Database
    import azsql_mcp.serving.injection
    from azsql_mcp import core, values
"""


def test_importing_a_private_module_loads_with_a_warning_naming_the_line(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record = plugin(site, "nosy", PRIVATE)
    assert record.status == "loaded"
    path = site / "fake_nosy.py"
    imports = [w.partition(", which")[0] for w in record.warnings]
    assert imports == [
        f"{path}:3 imports azsql_mcp.db.database",
        f"{path}:4 imports azsql_mcp.serving.injection",
        f"{path}:5 imports azsql_mcp.core",
    ]
    assert record.warnings[0].endswith(
        "which is not the public API and may change in any release: import from azsql_mcp,"
        f' azsql_mcp.values or azsql_mcp.catalog instead ({doc("plugins.md")}, "The public API";'
        " ask for what is missing there)"
    )
    assert f"plugin 'nosy' (fake-nosy 1.0): {path}:3 imports azsql_mcp.db.database" in caplog.text


def test_azsql_mcp_plugins_shows_the_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with installed_plugin(tmp_path, monkeypatch, "nosy", PRIVATE, "") as config:
        assert main(["plugins", "--config", str(config)]) == 0
        listing = capsys.readouterr().out
        assert main(["plugins", "--json", "--config", str(config)]) == 0
        listed = json.loads(capsys.readouterr().out)
    path = tmp_path / "site" / "fake_nosy.py"
    assert f"nosy  loaded  (fake-nosy 1.0)\n    warning: {path}:3 imports azsql_mcp.db" in listing
    (nosy,) = [p for p in listed["plugins"] if p["name"] == "nosy"]
    assert len(nosy["warnings"]) == 3


def test_azsql_mcp_check_shows_the_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` is what an operator runs before `serve`: what `plugins` warns of, it
    shows too, and passes (serve starts with such a plugin)."""
    mute = TOOL_PLUGIN.replace('"""Echo text back with the chosen source."""', "")
    with installed_plugin(tmp_path, monkeypatch, "mute", mute, ""):
        assert main(["check", "--demo"]) == 0
    out = capsys.readouterr().out
    assert (
        "warn  plugins: plugin 'mute' (fake-mute 1.0): tool 'echo' has no description, and"
        " clients and models choose tools by it" in out
    )
    assert out.rstrip().endswith("all checks passed")


def test_the_public_api_and_the_built_in_plugins_give_no_warning(site: Path) -> None:
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    plugins = load_plugins(settings_from_mapping({}))
    assert [(r.name, r.warnings) for r in plugins.records if r.warnings] == []


class _Unserialisable:
    @staticmethod
    @hookimpl
    def register_tools(register: Any) -> None:
        async def lock(x: int) -> dict[str, Any]:
            """Return something JSON cannot hold."""
            return {"lock": object()}

        register(lock)


async def test_a_result_that_cannot_be_sent_as_json_is_the_plugins_error_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build_app(settings_from_mapping({}), extra_plugins={"acme": _Unserialisable()})
    with caplog.at_level(logging.ERROR):
        async with Client(app.mcp) as client:
            result = await client.call_tool("lock", {"x": 1}, raise_on_error=False)
    assert result.is_error
    assert [c.text for c in result.content] == ["Error calling tool 'lock'"]  # type: ignore[union-attr]
    assert (
        "TypeError: plugin 'acme': tool 'lock' returned a value that cannot be sent as JSON"
        " (Unable to serialize unknown type: <class 'object'>); return str, int, float, bool,"
        " None, lists and dicts of them, or a pydantic model, as its return annotation says"
    ) in caplog.text


def test_a_hook_without_hookimpl_fails_the_plugin(site: Path) -> None:
    source = TOOL_PLUGIN.replace("    @hookimpl\n", "")
    record = plugin(site, "bare", source)
    assert (record.status, record.reason) == (
        "failed",
        "PluginError: register_tools is not decorated with @hookimpl (from azsql_mcp), so it"
        " would never be called; put @hookimpl on the line above its def",
    )


@pytest.mark.parametrize(
    ("hook", "expected"),
    [
        (
            "def register_tools(register):\n        return [echo]",
            "PluginError: register_tools returned [<function echo at 0x...>] instead of"
            " registering: call register(fn) for each one",
        ),
        (
            "async def register_tools(register):\n        register(echo)",
            "PluginError: register_tools is an async def, and the registration hooks are"
            " synchronous (only startup and shutdown may be async): make it a plain def",
        ),
    ],
)
def test_a_registration_hook_that_registers_nothing_fails_the_plugin(
    site: Path, hook: str, expected: str
) -> None:
    source = TOOL_PLUGIN.replace("def register_tools(register, config):", hook, 1)
    source = source.replace('        register(echo, annotations={"readOnlyHint": True})\n', "")
    record = plugin(site, "idle", source)
    assert record.status == "failed"
    assert re.sub(r"0x[0-9a-f]+", "0x...", record.reason) == expected


def test_a_config_model_that_is_no_pydantic_model_fails_the_plugin(site: Path) -> None:
    source = """
    from azsql_mcp import hookimpl

    @hookimpl
    def plugin_config_model():
        return {"currency": str}
"""
    record = plugin(site, "shapeless", source)
    assert record.reason == (
        "PluginError: plugin_config_model returned a dict; it returns a pydantic model class"
        " (class AcmeConfig(BaseModel): ...), or None for a plugin without settings"
    )


def test_an_auth_provider_registered_the_wrong_way_round_says_so(site: Path) -> None:
    source = """
    from azsql_mcp import hookimpl

    class Vault:
        def __init__(self, settings):
            self.settings = settings

    @hookimpl
    def register_auth_providers(register):
        register(Vault, "vault")
"""
    record = plugin(site, "swapped", source)
    assert record.reason.startswith(
        "PluginError: auth provider: register(name, factory) takes the name first, a str"
        " (got the class Vault); register('vault', Vault)?"
    )


def test_a_resource_uri_without_a_scheme_fails_the_plugin(site: Path) -> None:
    source = """
    from azsql_mcp import hookimpl

    async def settings() -> str:
        \"\"\"The settings.\"\"\"
        return "{}"

    @hookimpl
    def register_resources(register):
        register(settings, "settings")
"""
    record = plugin(site, "acme_x", source)
    assert record.reason.startswith(
        "PluginError: resource 'settings': a resource URI is SCHEME://PATH, such as"
        " 'acme-x://settings' (a template's {fields} go in the path)"
    )
