"""A readable start: the banner, log format by terminal, no access log by default, and a
server without a source that says so (banner, /health, health_check)."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
from fastmcp import Client

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.configsources import unread_seed_variables
from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.logredaction import LogRedaction
from azsql_mcp.serving.banner import banner
from azsql_mcp.serving.logsetup import JsonFormatter, log_format, setup_logging
from azsql_mcp.serving.routes import health_report

SOURCE = {"server": "db.example.net", "database": "sales", "username": "u", "password": "p"}


def build(**config: Any) -> Any:
    return build_app(settings_from_mapping(config))


def test_http_banner_lists_urls_sources_tools_and_auth() -> None:
    sources = {"sales": SOURCE, "hr": SOURCE | {"required": False}}
    app = build(sources=sources, server={"transport": "http", "port": 8123})
    text = banner(app, "http", None)
    for line in (
        "MCP endpoint  http://127.0.0.1:8123/mcp",
        "console       http://127.0.0.1:8123/\n",
        "health        http://127.0.0.1:8123/health",
        "metrics       http://127.0.0.1:8123/metrics",
        "client auth   none",
        "source        sales: sales on db.example.net, sql auth read-only, opening",
        "source        hr: sales on db.example.net, sql auth read-only, optional for /health",
    ):
        assert line in text
    assert "read_data" in text and "list_tables" in text
    assert "Claude Desktop" not in text


def test_the_banners_values_start_in_one_column_with_ten_tools_or_more() -> None:
    writable = SOURCE | {"security": {"read_only": False}}  # the write tools: 11 in all
    text = banner(build(sources={"sales": writable}, server={"transport": "http"}), "http", None)
    assert "  tools (11)" in text
    labelled = [line for line in text.splitlines() if re.match(r"  \S", line)]
    assert {len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in labelled} == {16}


async def test_with_client_auth_the_banner_lists_the_tools_configured() -> None:
    """Not an anonymous client's list (none): every tool offered, as `tools` lists them
    and without client auth, with a word on scopes."""
    tokens = [{"token": "t", "subject": "s", "scopes": ["sql.read"]}]
    auth = {"mode": "static_tokens", "static_tokens": tokens}
    config = {
        "sources": {"sales": SOURCE},
        "plugins": {"builtin_tools": {"disabled_tools": ["read_data"]}},
    }
    open_app = build(**config, server={"transport": "http", "port": 8123})
    listed = sorted(t.name for t in await open_app.mcp.list_tools())
    assert listed and "read_data" not in listed
    text = banner(
        build(**config, server={"transport": "http", "port": 8123, "auth": auth}), "http", None
    )
    assert f"  {f'tools ({len(listed)})':<14}{', '.join(listed)}\n" in text
    assert (
        "  console       http://127.0.0.1:8123/ (send a token with sql.admin: Authorization:"
        " Bearer <token>)\n"
    ) in text
    assert "\n                each client sees those its token's scopes allow" in text
    assert "scopes allow" not in banner(open_app, "http", None)


def test_stdio_banner_has_paste_ready_snippets_with_absolute_paths(tmp_path: Path) -> None:
    config = tmp_path / "azsql-mcp.toml"
    text = banner(build(sources={"sales": SOURCE}), "stdio", config)
    start = text.index("{", text.index("Claude Desktop"))
    claude = json.JSONDecoder().raw_decode(text[start:])[0]
    entry = claude["mcpServers"]["azsql"]
    assert Path(entry["command"]).is_absolute()
    assert entry["args"][-3:] == ["serve", "--config", str(config)]
    vscode_at = text.index("{", text.index("VS Code"))
    assert json.JSONDecoder().raw_decode(text[vscode_at:])[0]["servers"]["azsql"]["type"] == "stdio"


def test_the_demos_snippet_serves_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZSQL_MCP_LIMITS__MAX_ROWS", "50")
    app = build(sources={"demo": SOURCE})
    text = banner(app, "stdio", None, demo=True)
    start = text.index("{", text.index("Claude Desktop"))
    entry = json.JSONDecoder().raw_decode(text[start:])[0]["mcpServers"]["azsql"]
    assert entry["args"][-2:] == ["serve", "--demo"]
    assert "own environment" not in text


def test_the_snippet_names_the_variables_a_client_must_set_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pasted config starts the server without this shell's variables."""
    monkeypatch.setenv("AZURE_SQL_SERVER", "db.example.net")
    monkeypatch.setenv("AZSQL_MCP_LIMITS__MAX_ROWS", "50")
    text = banner(build(sources={"sales": SOURCE}), "stdio", None)
    assert (
        "The client starts the server with its own environment, not this shell's: set"
        ' AZSQL_MCP_LIMITS__MAX_ROWS, AZURE_SQL_SERVER in the entry\'s "env" too, or move'
        " those settings into the config file"
    ) in text
    assert "db.example.net, " not in text.split("own environment")[1]  # names, not values


def test_the_snippet_names_the_variables_the_sources_read_secrets_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A `password_env` variable set in this shell only: the client would start a server
    that stops at once, saying the variable is not set."""
    monkeypatch.setenv("SALES_DB_PASSWORD", "hunter2")
    source = {k: v for k, v in SOURCE.items() if k != "password"}
    text = banner(
        build(sources={"sales": source | {"password_env": "SALES_DB_PASSWORD"}}), "stdio", None
    )
    # a password does not belong in the config file: the entry's "env", or a file
    assert (
        "its own environment, not this shell's: set SALES_DB_PASSWORD in the entry's"
        ' "env" (or give the secret by file: password_file, client_secret_file,'
        " access_token_file)"
    ) in text
    assert "config file" not in text.split("own environment")[1]
    assert "hunter2" not in text


def test_no_source_names_the_azure_sql_variables_that_made_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_SQL_DATABASE", "sales")
    monkeypatch.setenv("AZURE_SQL_SERVERNAME", "sql1.example.net")
    text = banner(build(), "http", None)
    assert "AZURE_SQL_DATABASE is set, but without AZURE_SQL_SERVER they make no source" in text
    assert "AZURE_SQL_SERVERNAME is not a variable azsql-mcp reads; did you mean" in text
    assert "AZURE_SQL_SERVER?" in text


def test_a_misspelt_azure_sql_variable_gets_the_names_it_may_mean() -> None:
    notes = unread_seed_variables(
        {"AZURE_SQL_CLIENT": "x", "AZURE_SQL_PASSWD": "x", "AZURE_SQL_DB": "x", "OTHER": "x"}
    )
    assert notes == [
        "AZURE_SQL_CLIENT is not a variable azsql-mcp reads; did you mean"
        " AZURE_SQL_CLIENT_ID or AZURE_SQL_CLIENT_SECRET?",
        "AZURE_SQL_DB is not a variable azsql-mcp reads",  # too short to tell
        "AZURE_SQL_PASSWD is not a variable azsql-mcp reads; did you mean AZURE_SQL_PASSWORD?",
    ]
    assert unread_seed_variables({"AZURE_SQL_SERVER": "s", "AZURE_SQL_DB": "x"}) == []


async def test_no_source_is_said_everywhere() -> None:
    app = build()
    assert "source        NONE: no database source is configured" in banner(app, "http", None)
    body, status = health_report(app, details=True)
    assert (status, body["status"]) == (503, "no_source")
    async with Client(app.mcp) as client:
        result = await client.call_tool("health_check", {}, raise_on_error=False)
    assert result.is_error
    assert "no database source is configured" in result.content[0].text


@pytest.mark.parametrize(("tty", "expected"), [(True, "text"), (False, "json")])
def test_log_format_auto_follows_the_terminal(
    monkeypatch: pytest.MonkeyPatch, tty: bool, expected: str
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert log_format(LoggingSettings()) == expected
    assert log_format(LoggingSettings(format="json")) == "json"


def test_access_log_is_off_unless_asked() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(LoggingSettings(format="json"))
        (handler,) = root.handlers
        assert isinstance(handler.formatter, JsonFormatter)
        assert any(isinstance(f, LogRedaction) for f in handler.filters)
        assert not logging.getLogger("uvicorn.access").isEnabledFor(logging.INFO)
        setup_logging(LoggingSettings(access_log=True))
        assert logging.getLogger("uvicorn.access").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("uvicorn.access").setLevel(logging.NOTSET)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_with_workers_each_log_record_names_its_process(
    fmt: Literal["json", "text"], capsys: pytest.CaptureFixture[str]
) -> None:
    """Several processes share one stderr with `[server] workers`: each record says
    which wrote it; one process's records stay as they were."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    log = logging.getLogger("azsql_mcp.test")
    try:
        for with_pid in (True, False):
            setup_logging(LoggingSettings(format=fmt), with_pid=with_pid)
            log.info("hello")
            line = capsys.readouterr().err.strip()
            if fmt == "json":
                record = json.loads(line)
                assert record.get("pid") == (os.getpid() if with_pid else None)
                assert record["message"] == "hello"
            else:
                marker = f"INFO    [{os.getpid()}] hello"
                assert line.endswith(marker if with_pid else "INFO    hello")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_routine_database_errors_of_resources_and_prompts_are_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fastmcp.exceptions import PromptError

    from azsql_mcp.api import DatabaseUnavailable

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(LoggingSettings(format="text"))
        try:
            try:
                raise DatabaseUnavailable("database unavailable: cannot reach db:1433")
            except DatabaseUnavailable as cause:
                raise PromptError("database unavailable: cannot reach db:1433") from cause
        except PromptError:
            logging.getLogger("fastmcp.server.server").warning(
                "Error rendering prompt %r", "guide", exc_info=True
            )
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert "Error rendering prompt 'guide': database unavailable" in err
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


async def test_debug_logs_no_argument_values(capsys: pytest.CaptureFixture[str]) -> None:
    """FastMCP's request handlers log each call's arguments at DEBUG: a tool call's SQL
    and its values, a prompt's arguments, a resource URI with its template's values."""
    app = build(sources={"sales": SOURCE})
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handlers = logging.getLogger("fastmcp.server.mixins.mcp_operations")
    try:
        setup_logging(LoggingSettings(level="DEBUG", format="text"))
        async with Client(app.mcp) as client:
            await client.list_tools()
            await client.call_tool(
                "read_data",
                {"query": "SELECT 1 WHERE 'LeakMe-1' = @v", "params": {"v": "LeakMe-2"}},
                raise_on_error=False,
            )
            with pytest.raises(Exception, match="Missing required arguments"):
                await client.get_prompt("sql_query_builder", {"operation": "LeakMe-3"})
        err = capsys.readouterr().err
        assert "DEBUG" in err  # the level is on: other loggers still say what they do
        assert "LeakMe" not in err
        setup_logging(LoggingSettings(level="WARNING"))
        assert not handlers.isEnabledFor(logging.INFO)  # never below the level asked
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        handlers.setLevel(logging.NOTSET)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_server_on_every_interface_shows_an_endpoint_a_client_can_use(host: str) -> None:
    """0.0.0.0 (or ::) is where the server listens, not an address to connect to; nor is
    the host name, which gets 421 unless allowed_hosts lists it: this machine's address,
    or the first name allowed_hosts gives."""
    server = {"transport": "http", "host": host, "port": 8002}
    text = banner(build(sources={"sales": SOURCE}, server=server), "http", None)
    endpoint = re.search(r"MCP endpoint  http://([^:/]+):8002/mcp\n", text)
    assert endpoint is not None, text
    ipaddress.IPv4Address(endpoint.group(1))  # an address, not a name
    shown = "[::]" if host == "::" else host
    assert f"listening     on every interface ({shown}:8002): clients use this" in text
    assert f"health        http://{endpoint.group(1)}:8002/health" in text
    assert "0.0.0.0:8002/" not in text and "[::]:8002/" not in text
    named = server | {"allowed_hosts": ["*.example.com", "mcp.example.com"]}
    text = banner(build(sources={"sales": SOURCE}, server=named), "http", None)
    assert "MCP endpoint  http://mcp.example.com:8002/mcp\n" in text
    assert "clients use a name of [server] allowed_hosts" in text
