"""The tools a plugin registers that clients do not see (write tools while every source
is read-only): the console's overview and `azsql-mcp plugins` say so, as tools/list
leaves them out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.cli import main
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.http import http_app

SOURCE = {"server": "127.0.0.1", "database": "one", "auth": "managed_identity"}
WRITE_TOOLS = ("insert_data", "update_data", "execute_batch")


def _overview(source: dict[str, object]) -> str:
    settings = settings_from_mapping({"server": {"transport": "http"}, "sources": {"s": source}})
    web = TestClient(http_app(build_app(settings)), base_url="http://127.0.0.1:8000")
    return web.get("/").text


def test_the_overview_says_the_write_tools_are_off_on_a_read_only_server() -> None:
    page = _overview(SOURCE)
    for tool in WRITE_TOOLS:
        assert f"{tool} (off: no writable source)" in page
    assert "read_data," in page and "read_data (off" not in page


def test_the_overview_lists_write_tools_plainly_where_a_source_writes() -> None:
    page = _overview({**SOURCE, "security": {"read_only": False}})
    assert "(off:" not in page
    assert "insert_data, update_data, execute_batch" in page


def test_plugins_says_the_write_tools_are_off_on_a_read_only_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "azsql-mcp.toml"
    config.write_text(
        '[sources.s]\nserver = "127.0.0.1"\ndatabase = "one"\nauth = "managed_identity"\n'
    )
    assert main(["plugins", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "insert_data (off: no writable source), update_data (off: no writable source)" in out
    assert main(["plugins", "--json", "--config", str(config)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["tools_off"] == dict.fromkeys(WRITE_TOOLS, "no writable source")
