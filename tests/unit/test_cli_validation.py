"""One validation path: every command accepts and refuses the same configs, exits 2 and
lists every problem at once; env-var JSON errors name the variable; `--demo` on check,
tools and config; `tools` prints whole first paragraphs, `tools --json` MCP's names."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fake_dists import make_dist

from azsql_mcp.core.cli import main

COMMANDS = ["check", "config", "plugins", "tools", "serve"]
# Seven mistakes: two the schema refuses, five found once the rest is parsed.
BAD = """
[server]
transport = "http"
host = "0.0.0.0"
port = "eighty"
colour = "red"
default_source = "nope"
[plugins]
enabled = ["builtin_auth", "builtin_toolz"]
[plugins.nosuch]
x = 1
[sources.a]
server = "x"
auth = "sqll"
"""
SEVEN = [
    "server.port: Input should be a valid integer",
    "server.colour: unknown setting; allowed keys: name,",
    "plugins.enabled: no plugin named 'builtin_toolz' is installed; did you mean 'builtin_tools'?",
    "plugins.nosuch: no plugin named 'nosuch'",
    "sources.a.auth: unknown auth provider 'sqll'",
    "server.host: '0.0.0.0' is not a loopback address",
    "server.default_source: 'nope' is not a configured source (sources: a)",
]
CLI = "import sys; from azsql_mcp.core.cli import main; sys.exit(main())"


pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_the_same_config_listing_every_problem(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(BAD)
    assert main([command, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    if command == "serve":  # stderr is no terminal: one JSON record, as its logs are
        err = json.loads(err)["message"]
    assert [line for line in SEVEN if line not in err] == []
    assert err.count("\n  - ") == len(SEVEN)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_serve_stops_with_one_record_when_its_logs_are_json(
    log_format: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused config, or a port another process holds: with JSON logs the reason is
    one JSON record like the others (a log shipper parses every line), the exit code as
    with text, whose bare lines stay as they were."""
    config = tmp_path / "azsql-mcp.toml"
    logs = f'[logging]\nformat = "{log_format}"\n'
    config.write_text(logs + '[server]\ncolour = "red"\n')
    assert main(["serve", "--config", str(config)]) == 2
    refused = capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config.write_text(logs + f'[server]\ntransport = "http"\nport = {port}\n')
        assert main(["serve", "--config", str(config)]) == 1
    in_use = capsys.readouterr().err.splitlines()[-1]
    if log_format == "text":
        assert refused.startswith("azsql-mcp: invalid configuration:\n  - server.colour: ")
        assert in_use.startswith(f"azsql-mcp: cannot listen on 127.0.0.1:{port}: ")
        return
    [record] = [json.loads(line) for line in refused.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(record)
    assert record["level"] == "CRITICAL"
    assert record["message"].startswith("invalid configuration:\n  - server.colour: ")
    assert [p.split(":")[0] for p in record["problems"]] == ["server.colour"]
    stopped = json.loads(in_use)
    assert stopped["level"] == "CRITICAL"
    assert stopped["message"].startswith(f"cannot listen on 127.0.0.1:{port}: ")


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_an_unexpected_error_in_serve_is_a_record_when_its_logs_are_json(
    log_format: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug that stops `serve` left a bare traceback among the JSON lines."""
    from azsql_mcp.core import cli

    def broken(app: object, source: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_run", broken)
    config = tmp_path / "azsql-mcp.toml"
    config.write_text(f'[logging]\nformat = "{log_format}"\n')
    if log_format == "text":
        with pytest.raises(RuntimeError, match="boom"):
            main(["serve", "--config", str(config)])
        return
    assert main(["serve", "--config", str(config)]) == 1
    *_, last = capsys.readouterr().err.splitlines()
    record = json.loads(last)
    assert record["level"] == "CRITICAL"
    assert record["message"] == "stopped by an unexpected error: RuntimeError('boom')"
    assert 'raise RuntimeError("boom")' in record["exception"]


def test_environment_mistakes_are_listed_with_the_schemas(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__DISABLED", '["builtin_promts"]')
    monkeypatch.setenv("AZSQL_MCP_LOAD_PLUGINS", "builtin_tools")
    monkeypatch.setenv("AZSQL_MCP_SERVER__PORT", "eighty")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "server.port (from AZSQL_MCP_SERVER__PORT): Input should be a valid integer" in err
    assert "AZSQL_MCP_LOAD_PLUGINS is no longer read" in err
    assert "no plugin named 'builtin_promts' is installed; did you mean 'builtin_prompts'?" in err


def test_a_refused_auth_table_is_not_judged_as_mode_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The binding rule reads [server.auth]: refused, it is left out rather than taken as
    its default (mode "none"), which would add a problem the file does not have."""
    config = tmp_path / "jwt.toml"
    config.write_text(
        '[server]\ntransport = "http"\nhost = "0.0.0.0"\n[server.auth]\nmode = "jwt"\n'
    )
    assert main(["config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "server.auth: mode 'jwt' needs exactly one of jwks_uri, public_key" in err
    assert "server.host" not in err


@pytest.mark.parametrize("command", ["config", "plugins", "tools"])
def test_a_valid_config_is_accepted_by_every_command(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command]) == 0


def test_list_variable_that_is_not_json_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__DISABLED", "builtin_prompts")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "AZSQL_MCP_PLUGINS__DISABLED is not JSON (Expecting value at line 1, column 1); this"
        """ setting takes a JSON list, e.g. AZSQL_MCP_PLUGINS__DISABLED='["builtin_prompts"]'"""
    ) in err


def test_tools_prints_whole_first_paragraphs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("health_check"))
    # not VIEW SERVER STATE, which SQL Server 2022 splits (health_check names the one it asks)
    assert line.endswith("such as SHOWPLAN or the state permission that shows other sessions.")


def test_tools_json_uses_mcp_field_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--json"]) == 0
    read_data = next(t for t in json.loads(capsys.readouterr().out) if t["name"] == "read_data")
    assert {"inputSchema", "annotations", "plugin", "scopes"} <= set(read_data)
    assert "input_schema" not in read_data
    assert read_data["annotations"]["readOnlyHint"] is True


def test_demo_on_check_tools_and_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--demo"]) == 0
    assert "demo" in json.loads(capsys.readouterr().out)["sources"]
    assert main(["tools", "--demo"]) == 0
    assert "read_data" in capsys.readouterr().out
    assert main(["check", "--demo"]) == 0
    assert "all checks passed" in capsys.readouterr().out


def test_check_says_first_which_config_file_it_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ./azsql-mcp.toml, or a $AZSQL_MCP_CONFIG set long ago, is read without being
    named: a list of passing steps would not say it was another file than meant."""
    config = tmp_path / "elsewhere.toml"
    config.write_text("[plugins]\nstrict = false\n")
    monkeypatch.setenv("AZSQL_MCP_CONFIG", str(config))
    assert main(["check", "--demo"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"(config file {str(config)!r}, as $AZSQL_MCP_CONFIG names it; --demo reads its"
        " plugin and server settings and ignores its sources)"
    )


def test_an_open_binding_names_the_page_of_the_auth_modes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make demo HOST=0.0.0.0` on a fresh checkout: the refusal says where each mode's
    keys are, not only the modes' names."""
    from azsql_mcp.core.docpaths import doc

    monkeypatch.setenv("AZSQL_MCP_SERVER__HOST", "0.0.0.0")
    monkeypatch.setenv("AZSQL_MCP_SERVER__TRANSPORT", "http")
    assert main(["config"]) == 2
    said = f"(each mode's keys: {doc('server-configuration.md')}, [server.auth])"
    assert said in capsys.readouterr().err


DEMO_IGNORES = """
[server]
port = "x"
[sources.main]
server = "db.example.net"
username = "u"
password_env = "AZSQL_TEST_UNSET_PASSWORD"
encrypt = "bogus"
"""


@pytest.mark.parametrize("command", ["config", "tools", "serve"])
def test_demo_judges_the_file_but_not_the_sources_it_drops(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    """--demo serves its own source: a problem of ./azsql-mcp.toml's sources (an unset
    password_env, a bad value) is no reason to refuse, nor listed with the file's others."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AZSQL_MCP_CONFIG", raising=False)
    monkeypatch.delenv("AZSQL_TEST_UNSET_PASSWORD", raising=False)
    (tmp_path / "azsql-mcp.toml").write_text(DEMO_IGNORES)
    assert main([command, "--demo"]) == 2
    err = capsys.readouterr().err
    assert "server.port: Input should be a valid integer" in err
    assert "sources." not in err and "AZSQL_TEST_UNSET_PASSWORD" not in err
    (tmp_path / "azsql-mcp.toml").write_text(DEMO_IGNORES.replace('port = "x"', "port = 8001"))
    if command == "config":  # (serve would run, tools lists tools)
        assert main([command, "--demo"]) == 0
        effective = json.loads(capsys.readouterr().out)
        assert list(effective["sources"]) == ["demo"] and effective["server"]["port"] == 8001


def test_config_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """As `azsql-mcp config | head` once head has gone: no BrokenPipeError traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    try:
        done = subprocess.run(
            [sys.executable, "-c", CLI, "config"],
            env=env,
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 0


def test_rules_over_a_table_are_judged_once_its_own_errors_are_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """[server.auth]'s rule (jwt needs issuer) cannot run while the table has an unknown
    key; it is listed all the same. A rule over a table a value was cut from is not: it
    would judge the cut (no static token left), not the file."""
    config = tmp_path / "auth.toml"
    config.write_text('[server.auth]\nmode = "jwt"\ncolour = "red"\n')
    assert main(["config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "server.auth.colour: unknown setting" in err
    assert "server.auth: mode 'jwt' needs exactly one of jwks_uri, public_key\n" in err
    config.write_text(
        '[server.auth]\nmode = "static_tokens"\n[[server.auth.static_tokens]]\ntoken = "t"\n'
    )
    assert main(["config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "server.auth.static_tokens.0.subject: required, but not set" in err
    assert "needs at least one" not in err


@pytest.mark.parametrize(
    ("transport", "expected"),
    [
        ("http", "need stateless_http = true"),
        ("stdio", "serve HTTP only; over stdio"),
    ],
)
def test_workers_need_stateless_http(
    transport: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several worker processes: only for stateless HTTP, refused before anything starts,
    by `serve` (the flag) and `config` (the [server] key) alike."""
    assert main(["serve", "--workers", "2", "--transport", transport]) == 2
    assert f"server.workers: 2 worker processes {expected}" in capsys.readouterr().err
    Path("azsql-mcp.toml").write_text(f'[server]\nworkers = 2\ntransport = "{transport}"\n')
    assert main(["config"]) == 2
    assert expected in capsys.readouterr().err


def test_workers_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0", "--transport", "http", "--stateless"]) == 2
    assert "server.workers: Input should be greater than or equal to 1" in capsys.readouterr().err


SECRET_PLUGIN = """
    from pydantic import BaseModel, SecretStr
    from azsql_mcp import hookimpl

    class Upstream(BaseModel):
        url: str
        token: SecretStr

    class Config(BaseModel):
        api_key: SecretStr
        region: str = "eu"
        upstreams: list[Upstream] = []

    @hookimpl
    def plugin_config_model():
        return Config
"""


def test_config_hides_plugin_secrets_and_auth_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    make_dist(
        site, "fake-secretive", {"fake_secretive": SECRET_PLUGIN}, {"secretive": "fake_secretive"}
    )
    make_dist(site, "fake-off", {"fake_off": "\n"}, {"off": "fake_off"})
    monkeypatch.syspath_prepend(str(site))
    config = tmp_path / "sec.toml"
    config.write_text(
        """
[plugins]
disabled = ["off"]
[plugins.secretive]
api_key = "SuperSecret123"
region = "us"
upstreams = [{url = "https://a", token = "Tok3n"}]
[plugins.off]
password_like = "Hidden1"
disabled_tools = []
[sources.main]
server = "h"
username = "u"
password = "Passw0rd"
auth_options = {api_key = "ak-123", anything = "x"}
"""
    )
    try:
        assert main(["config", "--config", str(config)]) == 0
    finally:
        sys.modules.pop("fake_secretive", None)
    out = capsys.readouterr().out
    for secret in ("SuperSecret123", "Tok3n", "Hidden1", "ak-123", "Passw0rd"):
        assert secret not in out
    shown = json.loads(out)
    assert shown["plugins"]["secretive"] == {
        "api_key": "***",
        "region": "us",
        "upstreams": [{"url": "https://a", "token": "***"}],
    }
    assert shown["plugins"]["off"] == {"password_like": "***", "disabled_tools": []}
    assert shown["sources"]["main"]["auth_options"] == {"api_key": "***", "anything": "***"}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_built_in_auth_providers_settings_are_checked_by_every_command(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the provider's constructor refuses (no username, no tenant) stops every
    command, not the first call once `serve` is up."""
    config = tmp_path / "auth.toml"
    config.write_text(
        '[sources.main]\nserver = "h"\npassword_env = "PW"\n'
        '[sources.sp]\nserver = "h"\nauth = "service_principal"\n'
    )
    assert main([command, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "sources.main.auth: auth 'sql' needs `username`" in err
    assert "sources.sp.auth: auth 'service_principal' needs `tenant_id` and `client_id`" in err


BAD_PORT = [
    "azsql-mcp: invalid configuration:",
    "  - server.port: Input should be a valid integer, unable to parse string as an"
    " integer (got 'abc')",
]


def _found_here(folder: Path) -> str:
    return f"(config file '{folder / 'azsql-mcp.toml'}', found in the working directory)"


def _config_with_a_bad_port(tmp_path: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`azsql-mcp config` in a fresh process, with the plugins installed in `site` and a
    config whose port is no number: what it prints before logging is set up."""
    (tmp_path / "azsql-mcp.toml").write_text('[server]\nport = "abc"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_SQL_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *sys.path])
    return subprocess.run(
        [sys.executable, "-c", CLI, "config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_invalid_config_with_a_broken_plugin_is_one_list_without_tracebacks(
    tmp_path: Path,
) -> None:
    """The plugins load to judge the rest of an invalid config before logging is set up:
    a plugin that fails is one line of the list, not a chained traceback before it."""
    site = tmp_path / "site"
    make_dist(
        site, "fake-boom", {"fake_boom": "raise RuntimeError('boom')\n"}, {"boom": "fake_boom"}
    )
    done = _config_with_a_bad_port(tmp_path, site)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        *BAD_PORT,
        "  - plugin 'boom' (fake-boom 1.0) failed to load: import of 'fake_boom' failed:"
        f" RuntimeError: boom (at {site / 'fake_boom.py'}:1, in <module>)",
        _found_here(tmp_path),
    ]


VENDOR_HINT_PLUGIN = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_tools(register, config):
        register(hinted, annotations={"x-vendor": 1})

    async def hinted() -> str:
        \"\"\"Hinted.\"\"\"
        return "hinted"
"""


def test_an_invalid_config_lists_its_problems_without_the_loaders_warnings(
    tmp_path: Path,
) -> None:
    """Judged before logging is set up, the loader's warnings (an annotation left out)
    would be printed bare by Python's last-resort handler: they are held back."""
    site = tmp_path / "site"
    make_dist(site, "fake-hinted", {"fake_hinted": VENDOR_HINT_PLUGIN}, {"hinted": "fake_hinted"})
    done = _config_with_a_bad_port(tmp_path, site)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [*BAD_PORT, _found_here(tmp_path)]


REFUSED_PLUGIN = """
    from azsql_mcp import hookimpl

    @hookimpl
    def register_tools(register, config):
        register(varargs)

    async def varargs(*args):
        \"\"\"Takes anything.\"\"\"
        return None
"""


def test_plugins_names_an_entry_point_in_a_group_it_does_not_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plugin declared under `azsql-mcp` (a hyphen) is never loaded: `plugins` says so,
    whichever names `enabled` holds."""
    info = tmp_path / "fake_hyphen-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-hyphen\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[azsql-mcp]\nhyphen = fake_hyphen\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["plugins"]) == 0
    out, err = capsys.readouterr()
    assert "hyphen" not in out
    assert (
        "azsql-mcp: entry point 'hyphen' of group 'azsql-mcp' (fake-hyphen) is not loaded:"
        " azsql-mcp loads the entry points of group 'azsql_mcp': declare it under"
        " [project.entry-points.azsql_mcp] in pyproject.toml and reinstall it"
    ) in err


def test_plugins_and_tools_report_a_plugin_whose_component_fastmcp_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `serve` would fail it: `plugins` lists it as failed with FastMCP's reason,
    `tools` says why its tools are missing."""
    site = tmp_path / "site"
    make_dist(site, "fake-refused", {"fake_refused": REFUSED_PLUGIN}, {"refused": "fake_refused"})
    monkeypatch.syspath_prepend(str(site))
    assert main(["plugins", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    record = next(p for p in listed["plugins"] if p["name"] == "refused")
    assert record["status"] == "failed"
    assert record["reason"] == (
        "registered a component FastMCP refused: Functions with *args are not supported as tools"
    )
    assert main(["tools"]) == 0
    out, err = capsys.readouterr()
    assert "varargs" not in out
    assert (
        "azsql-mcp: plugin 'refused' (fake-refused 1.0) failed: registered a component"
        " FastMCP refused: Functions with *args are not supported as tools"
    ) in err


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("managed-identity", "managed_identity"),
        ("DefaultAzureCredential", "default_credential"),
        ("service_principle", "service_principal"),
    ],
)
def test_a_misspelt_auth_provider_names_the_one_meant(
    written: str, meant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seed server's spellings, read from AZURE_SQL_AUTH_TYPE, and near misses."""
    config = tmp_path / "c.toml"
    config.write_text(f'[sources.main]\nserver = "h"\nauth = "{written}"\n')
    assert main(["config", "--config", str(config)]) == 2
    assert (
        f"sources.main.auth: unknown auth provider {written!r} (did you mean {meant!r}?)"
        in capsys.readouterr().err
    )


def test_an_unknown_auth_provider_from_a_seed_variable_names_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZURE_SQL_SERVER", "h")
    monkeypatch.setenv("AZURE_SQL_AUTH_TYPE", "foo")
    assert main(["config"]) == 2
    assert (
        "sources.default.auth (from AZURE_SQL_AUTH_TYPE): unknown auth provider 'foo'"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize("command", ["plugins", "tools"])
def test_listing_neither_opens_nor_creates_the_audit_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    log = tmp_path / "audit" / "calls.jsonl"
    log.parent.mkdir()  # a missing directory is refused by every command
    monkeypatch.setenv("AZSQL_MCP_AUDIT__PATH", str(log))
    assert main([command]) == 0
    assert not log.exists()


def test_no_command_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """`azsql-mcp` alone: what each command does, not a bare "COMMAND is required"."""
    assert main([]) == 2
    err = capsys.readouterr().err
    for command in ("serve", "tools", "plugins", "config", "check", "plugin"):
        assert f"\n    {command} " in err


def test_a_refused_config_names_the_file_and_how_it_was_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """./azsql-mcp.toml and $AZSQL_MCP_CONFIG are read without being named on the command
    line (`make demo` too): the refusal says which file it read, and how it found it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AZSQL_MCP_CONFIG", raising=False)
    (tmp_path / "azsql-mcp.toml").write_text('[server]\nport = "x"\n')
    found = f"'{tmp_path / 'azsql-mcp.toml'}'"
    assert main(["config", "--demo"]) == 2
    assert capsys.readouterr().err.endswith(
        f"\n(config file {found}, found in the working directory; --demo reads its plugin"
        " and server settings and ignores its sources)\n"
    )
    assert main(["tools", "--config", "azsql-mcp.toml"]) == 2
    assert capsys.readouterr().err.endswith(f"\n(config file {found})\n")
    monkeypatch.setenv("AZSQL_MCP_CONFIG", "azsql-mcp.toml")
    assert main(["plugins"]) == 2
    assert capsys.readouterr().err.endswith(", as $AZSQL_MCP_CONFIG names it)\n")
    (tmp_path / "azsql-mcp.toml").write_text("[server\n")  # its problem names the file
    assert main(["plugins"]) == 2
    assert capsys.readouterr().err.endswith("(at line 1, column 8)\n")
    (tmp_path / "azsql-mcp.toml").unlink()
    monkeypatch.delenv("AZSQL_MCP_CONFIG")
    monkeypatch.setenv("AZSQL_MCP_SERVER__PORT", "x")
    assert main(["config"]) == 2
    assert capsys.readouterr().err.endswith(
        "\n(no config file: the values come from defaults, environment and flags)\n"
    )


@pytest.mark.parametrize(("operator", "expected"), [(None, "true"), ("false", "false")])
def test_serve_switches_off_py_key_value_s_type_checks_unless_the_operator_set_them(
    operator: str | None, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastMCP's session state store (py-key-value) checks its calls' types at run time
    unless PY_KEY_VALUE_DISABLE_BEARTYPE says not to: `serve` sets it before the store is
    imported (and its worker processes inherit it), an operator's own value stands."""
    from azsql_mcp.core.cli import KEY_VALUE_CHECKS

    monkeypatch.setenv(KEY_VALUE_CHECKS, operator or "")  # undone after the test, as set
    if operator is None:
        monkeypatch.delenv(KEY_VALUE_CHECKS)
    config = tmp_path / "azsql-mcp.toml"
    config.write_text('[server]\ncolour = "red"\n')  # refused: serve stops after setting it
    assert main(["serve", "--config", str(config)]) == 2
    assert os.environ[KEY_VALUE_CHECKS] == expected
