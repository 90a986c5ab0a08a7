"""Plugin API 1.0 (issue 17): what a third-party author meets."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_dists import TOOL_PLUGIN, make_dist
from fastmcp import Client
from fastmcp.exceptions import ToolError
from pydantic import BaseModel, ConfigDict

import azsql_mcp
from azsql_mcp import (
    AuthError,
    ConfigError,
    ConnectAttributes,
    PluginError,
    ServerHandle,
    SourceSettings,
    ToolContext,
    api,
    hookimpl,
    values,
)
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.pluginloader import load_plugins


def record(plugin_set: Any, name: str) -> Any:
    return next(r for r in plugin_set.records if r.name == name)


class Acme:
    """An in-process plugin whose hooks take a subset of their arguments."""

    @hookimpl
    def register_tools(self, register: Any) -> None:
        async def acme_ping() -> str:
            """Say pong."""
            return "pong"

        register(acme_ping)


# --- 1. the in-process plugin replaces the installed one of the same name -------------


def test_in_process_plugin_replaces_the_installed_one(site: Path) -> None:
    make_dist(site, "fake-echo", {"fake_echo": TOOL_PLUGIN}, {"echo": "fake_echo"})
    plugins = load_plugins(settings_from_mapping({}), {"echo": Acme()})
    installed, in_process = [r for r in plugins.records if r.name == "echo"]
    assert installed.status == "disabled" and "replaced by the in-process" in installed.reason
    assert in_process.status == "loaded" and in_process.tools == ["acme_ping"]
    assert "fake_echo" not in sys.modules
    assert in_process.describe() == "plugin 'echo' (in-process)"  # not "((in-process))"


def test_the_kit_is_strict_by_default(make_azsql_server: Any) -> None:
    class Broken:
        @hookimpl
        def register_tools(self, register: Any) -> None:
            raise RuntimeError("broken on purpose")

    with pytest.raises(PluginError, match="broken on purpose"):
        make_azsql_server(plugins={"broken": Broken()})
    server = make_azsql_server(plugins={"broken": Broken()}, config={"plugins": {"strict": False}})
    assert server is not None


def test_a_registration_hook_that_exits_fails_its_plugin_not_the_server() -> None:
    """argparse in a registration hook exits on bad options: the plugin fails, saying
    so, and the others load."""

    class Exits:
        @hookimpl
        def register_tools(self, register: Any) -> None:
            raise SystemExit(2)

    plugins = load_plugins(settings_from_mapping({}), {"exits": Exits(), "acme": Acme()})
    exits, acme = record(plugins, "exits"), record(plugins, "acme")
    assert exits.status == "failed" and exits.reason == "SystemExit: 2"
    assert acme.status == "loaded"


async def test_the_kit_tests_an_in_process_plugin_beside_the_built_in_tools(
    make_azsql_server: Any,
) -> None:
    """The plugins a test's config enables load beside the in-process ones (`plugins`
    as a mapping), and beside the named ones (as a list): nothing else does."""

    async def tools(server: Any) -> set[str]:
        async with Client(server) as client:
            return {t.name for t in await client.list_tools()}

    alone = await tools(make_azsql_server(plugins={"acme": Acme()}))
    assert alone == {"acme_ping"}
    enabled = {"plugins": {"enabled": ["builtin_tools"]}}
    beside = await tools(make_azsql_server(plugins={"acme": Acme()}, config=enabled))
    assert {"acme_ping", "read_data", "list_tables"} <= beside
    assert "read_data" in await tools(make_azsql_server(plugins=[], config=enabled))


# --- 2. subset arguments, through pluggy ----------------------------------------------


def test_hooks_take_a_subset_of_their_arguments_and_run_through_pluggy() -> None:
    seen: list[str] = []

    class Wrapped(Acme):
        @hookimpl(wrapper=True)
        def register_tools(self, register: Any) -> Any:  # type: ignore[override]
            seen.append("before")
            result = yield
            seen.append("after")
            return result

        @hookimpl(tryfirst=True)
        def register_prompts(self, register: Any) -> None:
            async def acme_prompt() -> str:
                """A prompt."""
                return "hi"

            register(acme_prompt)

    plugins = load_plugins(settings_from_mapping({}), {"acme": Acme(), "wrapped": Wrapped()})
    assert record(plugins, "acme").tools == ["acme_ping"]
    assert record(plugins, "wrapped").prompts == ["acme_prompt"]
    assert seen == ["before", "after"]  # a wrapper of the plugin's own hook runs


# --- 3. a misspelled hook is a plugin error ---------------------------------------------


def test_an_unknown_hook_name_fails_the_plugin() -> None:
    class Typo:
        @hookimpl
        def register_prompt(self, register: Any) -> None: ...

    plugins = load_plugins(settings_from_mapping({}), {"typo": Typo()})
    typo = record(plugins, "typo")
    assert typo.status == "failed"
    assert "unknown hook 'register_prompt'; did you mean 'register_prompts'?" in typo.reason
    with pytest.raises(PluginError, match="register_prompt"):
        plugins.report_failures(strict=True)


# --- 4. async startup with a public handle, after the sources can be awaited ------------


class StartupConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = "x"


async def test_async_startup_gets_a_public_handle_and_reads_the_database(
    make_azsql_server: Any,
) -> None:
    seen: dict[str, Any] = {}

    class Starts(Acme):
        @hookimpl
        def plugin_config_model(self) -> type[BaseModel]:
            return StartupConfig

        @hookimpl
        async def startup(self, app: ServerHandle) -> None:
            db = await app.database()
            result = await db.read("SELECT DB_NAME() AS name")
            seen.update(
                handle=app,
                database=result.rows[0][0],
                sources=app.sources,
                plugins={p.name: p.status for p in app.plugins},
                label=app.config.label if isinstance(app.config, StartupConfig) else None,
            )

        @hookimpl
        def shutdown(self) -> None:  # a subset: no argument at all
            seen["shutdown"] = True

    server = make_azsql_server(
        plugins={"starts": Starts()}, config={"plugins": {"starts": {"label": "L"}}}
    )
    async with Client(server):
        assert seen["database"]
    assert isinstance(seen["handle"], ServerHandle)
    assert seen["sources"] == ["main"] and seen["label"] == "L"
    assert seen["plugins"]["starts"] == "loaded"
    assert seen["shutdown"] is True


# --- 7. a failed startup: one behaviour --------------------------------------------------


class FailsAtStartup(Acme):
    @hookimpl
    async def startup(self) -> None:
        raise RuntimeError("no licence key")


async def test_a_startup_failure_withdraws_the_plugin_when_not_strict(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build_app(settings_from_mapping({}), extra_plugins={"fails": FailsAtStartup()})
    async with Client(app.mcp) as client:
        tools = {t.name for t in await client.list_tools()}
        fails = record(app.plugins, "fails")
        assert fails.status == "failed" and "no licence key" in fails.reason
        assert "acme_ping" not in tools
        assert app.plugins.counts()["failed"] == 1  # what /health reports
    # the start banner, printed before the hooks ran, listed the tool: the error names it
    (logged,) = [r for r in caplog.records if "failed in startup" in r.getMessage()]
    assert logged.getMessage().endswith("; withdrawn: tools acme_ping")


async def test_a_startup_failure_stops_a_strict_server() -> None:
    settings = settings_from_mapping({"plugins": {"strict": True}})
    app = build_app(settings, extra_plugins={"fails": FailsAtStartup()})
    with pytest.raises(Exception) as caught:  # FastMCP may wrap it
        async with Client(app.mcp):
            pass
    assert isinstance(app.startup_error, PluginError)
    assert "plugin 'fails' (in-process) failed in startup: RuntimeError: no licence key" in str(
        app.startup_error
    )
    assert caught.value is not None


# --- 6. a plugin's config errors ---------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    greeting: str = "Hello"
    shout: bool = False


class Configured(Acme):
    @hookimpl
    def plugin_config_model(self) -> type[BaseModel]:
        return Strict

    @hookimpl
    def register_auth_providers(self, register: Any) -> None:
        register("acme_token", lambda settings: None)


def test_plugin_config_errors_list_the_model_keys_one_per_line() -> None:
    data = {"plugins": {"acme": {"greting": "x", "shout": "loud"}}}
    with pytest.raises(ConfigError) as caught:
        build_app(settings_from_mapping(data), extra_plugins={"acme": Configured()})
    problems = caught.value.problems
    assert (
        "plugins.acme.greting: unknown setting (did you mean 'greeting'?); allowed keys:"
        " greeting, shout"
    ) in problems
    assert any(p.startswith("plugins.acme.shout: ") for p in problems)
    assert not any("sources, security" in p for p in problems)


def test_a_provider_of_a_failed_plugin_is_named_as_such() -> None:
    data = {
        "sources": {"main": {"server": "x", "auth": "acme_token"}},
        "plugins": {"acme": {"greting": "x"}},
    }
    with pytest.raises(ConfigError) as caught:
        build_app(settings_from_mapping(data), extra_plugins={"acme": Configured()})
    assert (
        "sources.main.auth: auth provider 'acme_token' comes from plugin 'acme' (in-process),"
        " which failed to load" in str(caught.value)
    )


# --- 8. what a resource may return ----------------------------------------------------


class Resources:
    @hookimpl
    def register_resources(self, register: Any) -> None:
        async def top_products(ctx: ToolContext) -> values.StructuredResult:
            """A structured query result."""
            result = await ctx.db.read("SELECT TOP 2 ProductID, ListPrice FROM SalesLT.Product")
            return values.result_to_structured(result)

        async def summary() -> dict[str, Any]:
            """A dict with values JSON cannot hold as they are."""
            from decimal import Decimal

            return {"price": Decimal("1.50")}

        register(top_products, "acme://top-products", mime_type="application/json")
        register(summary, "acme://summary")


async def test_resources_may_return_public_result_types(make_azsql_server: Any) -> None:
    server = make_azsql_server(plugins={"res": Resources()})
    async with Client(server) as client:
        top = json.loads((await client.read_resource("acme://top-products"))[0].text)
        summary = json.loads((await client.read_resource("acme://summary"))[0].text)
    assert [c["name"] for c in top["columns"]] == ["ProductID", "ListPrice"]
    assert top["row_count"] == 2
    assert summary == {"price": "1.50"}


# --- 9. an auth provider without credentials ------------------------------------------


class NoCredentials:
    def __init__(self, settings: SourceSettings):
        self.variable = settings.auth_options.get("variable", "ACME_SECRET")

    async def connect_attributes(self) -> ConnectAttributes:
        raise AuthError(f"set {self.variable} to the password of the acme login")


class NeedsCredentials(Acme):
    @hookimpl
    def register_tools(self, register: Any) -> None:
        async def acme_db(ctx: ToolContext) -> str:
            """Read the database name."""
            return str((await ctx.db.read("SELECT DB_NAME() AS n")).rows[0][0])

        register(acme_db)

    @hookimpl
    def register_auth_providers(self, register: Any) -> None:
        register("acme_auth", NoCredentials)


async def test_the_client_sees_the_auth_providers_message(make_azsql_server: Any) -> None:
    main = {"auth": "acme_auth", "auth_options": {"variable": "ACME_PW"}}
    server = make_azsql_server(
        plugins={"acme": NeedsCredentials()}, config={"sources": {"main": main}}
    )
    async with Client(server) as client:
        with pytest.raises(ToolError, match="set ACME_PW to the password of the acme login"):
            await client.call_tool("acme_db", {})


# --- 10. a context typed by the plugin's config model -----------------------------------


async def test_a_typed_context_is_injected(make_azsql_server: Any) -> None:
    class Typed(Configured):
        @hookimpl
        def register_tools(self, register: Any) -> None:
            async def greet(ctx: ToolContext[Strict]) -> str:
                """Greet."""
                return ctx.config.greeting  # typed: no cast

            register(greet)

    server = make_azsql_server(
        plugins={"typed": Typed()}, config={"plugins": {"typed": {"greeting": "Hej"}}}
    )
    async with Client(server) as client:
        result = await client.call_tool("greet", {})
        tool = next(t for t in await client.list_tools() if t.name == "greet")
    assert result.data == "Hej"
    assert tool.input_schema.get("properties", {}) == {}


# --- 11. small things --------------------------------------------------------------------


def test_tools_json_prints_annotations_in_camel_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from azsql_mcp.core.cli import main

    config = tmp_path / "azsql-mcp.toml"
    config.write_text('[plugins]\nenabled = ["builtin_tools", "builtin_auth"]\n')
    assert main(["tools", "--json", "--config", str(config)]) == 0
    tools = json.loads(capsys.readouterr().out)
    annotations = next(t["annotations"] for t in tools if t["annotations"])
    assert "readOnlyHint" in annotations and "read_only_hint" not in annotations


def test_the_public_api_exports_what_plugin_authors_need() -> None:
    for name in ("ConfigError", "PluginError", "AuthError", "ServerHandle", "PluginInfo"):
        assert name in azsql_mcp.__all__
    # what Database.write takes and raises, as api.py says to import them from azsql_mcp
    for name in ("WriteKind", "WorkRefused", "WriteOutcomeUnknown"):
        assert name in azsql_mcp.__all__
        assert getattr(azsql_mcp, name) is getattr(api, name)


FAILS_AT_STARTUP = """
    from azsql_mcp import hookimpl

    @hookimpl
    async def startup(app):
        raise RuntimeError("no licence key")
"""


@pytest.mark.parametrize(("transport", "log_format"), [("stdio", "text"), ("http", "json")])
def test_a_strict_startup_failure_is_one_line_and_exit_2_on_both_transports(
    site: Path, transport: str, log_format: str
) -> None:
    """One line a person reads, or with JSON logs one record like the others (a log
    shipper parses every line)."""
    import os
    import subprocess

    make_dist(site, "fake-fails", {"fake_fails": FAILS_AT_STARTUP}, {"fails": "fake_fails"})
    config = site / "azsql-mcp.toml"
    config.write_text(
        f'[plugins]\nstrict = true\n[server]\nport = 0\n[logging]\nformat = "{log_format}"\n'
    )
    src = str(Path(azsql_mcp.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(site)])}
    code = "import sys; from azsql_mcp.core.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = ["serve", "--transport", transport, "--config", str(config)]
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    why = "plugin 'fails' (fake-fails 1.0) failed in startup: RuntimeError: no licence key"
    last = done.stderr.strip().splitlines()[-1]
    if log_format == "text":
        assert last == f"azsql-mcp: {why}"
        return
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(records[-1])
    assert (records[-1]["level"], records[-1]["message"]) == ("CRITICAL", why)


# --- 12. the scaffold (its package is installed and tested in tests/e2e) ----------------


def test_plugin_new_writes_a_package_and_refuses_bad_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tomllib

    from azsql_mcp.core.cli import main

    assert main(["plugin", "new", "acme", "--dir", str(tmp_path)]) == 0
    root = tmp_path / "azsql-mcp-acme"
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["azsql_mcp"] == {"acme": "azsql_mcp_acme"}
    for path in ("README.md", "src/azsql_mcp_acme/__init__.py", "tests/test_plugin.py"):
        assert (root / path).is_file(), path
    assert main(["plugin", "new", "acme", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["plugin", "new", "9 lives", "--dir", str(tmp_path)]) == 2
    assert "use lowercase letters, digits and _" in capsys.readouterr().err
    # a built-in's name: the new package could never load beside it
    assert main(["plugin", "new", "builtin-tools", "--dir", str(tmp_path)]) == 2
    assert "taken by the installed plugin of azsql-mcp" in capsys.readouterr().err
    assert not (tmp_path / "azsql-mcp-builtin-tools").exists()


# --- 13. what importing the API and loading the pytest kit cost -------------------------


def run_python(code: str) -> str:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_loading_the_pytest_kit_imports_no_heavy_library() -> None:
    """pytest loads the kit (entry point pytest11) in every run of every project installed
    beside azsql-mcp: pydantic, FastMCP and the API's models wait for a fixture that
    needs them."""
    code = (
        "import sys\n"
        "import azsql_mcp.testing.pytest_plugin\n"
        "heavy = ('pydantic', 'fastmcp', 'mcp', 'azsql_mcp.api', 'azsql_mcp.core',\n"
        "         'sqlglot', 'pyodbc', 'tds_test_server')\n"
        "print(sorted({m for m in sys.modules for h in heavy"
        " if m == h or m.startswith(h + '.')}))\n"
    )
    assert run_python(code) == "[]"


def test_public_names_load_on_first_use_and_type_checkers_see_them() -> None:
    """`azsql_mcp` imports `azsql_mcp.api` when a plugin first names one of its exports
    (PEP 562), so mypy and IDEs read the names from the imports under TYPE_CHECKING:
    those, with the module's own imports, must be exactly `__all__`."""
    import ast

    code = (
        "import sys\n"
        "import azsql_mcp\n"
        "loaded = 'azsql_mcp.api' in sys.modules\n"
        "from azsql_mcp import *\n"
        "from azsql_mcp import api\n"
        "same = all(globals()[n] is getattr(api, n) for n in azsql_mcp.__all__ if n in vars(api))\n"
        "print(loaded, same, sorted(set(azsql_mcp.__all__) - set(globals())))\n"
    )
    assert run_python(code) == "False True []"
    tree = ast.parse(Path(azsql_mcp.__file__).read_text())
    typed = [
        *tree.body,
        *(
            n
            for s in tree.body
            if isinstance(s, ast.If) and ast.unparse(s.test) == "TYPE_CHECKING"
            for n in s.body
        ),
    ]
    seen = {
        alias.asname or alias.name
        for node in typed
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("azsql_mcp")
        for alias in node.names
    }
    assert seen == set(azsql_mcp.__all__)


# --- 8. a stop during start-up: only the plugins started are shut down -------------------


async def test_a_stop_during_startup_shuts_down_only_the_plugins_started() -> None:
    """The server told to stop while a startup hook waits: that hook is cancelled, the
    later ones are skipped, and only the plugins whose startup ended get `shutdown`
    (a plugin never started has nothing to release, and may fail trying)."""
    seen: list[str] = []

    class Lifecycle:
        def __init__(self, name: str, hang: bool = False):
            self.name, self.hang = name, hang

        @hookimpl
        async def startup(self) -> None:
            seen.append(f"startup {self.name}")
            if self.hang:
                await asyncio.sleep(3600)

        @hookimpl
        async def shutdown(self) -> None:
            seen.append(f"shutdown {self.name}")

    plugins = {"early": Lifecycle("early"), "hangs": Lifecycle("hangs", hang=True)}
    plugins["late"] = Lifecycle("late")
    app = build_app(settings_from_mapping({}), extra_plugins=plugins)

    async def stop_soon() -> None:
        while "startup hangs" not in seen:
            await asyncio.sleep(0.01)
        app.stopping.set()

    stopper = asyncio.create_task(stop_soon())
    async with app.running():
        pass
    await stopper
    assert seen == ["startup early", "startup hangs", "shutdown early"]
