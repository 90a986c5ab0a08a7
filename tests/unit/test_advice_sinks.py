"""Texts that leave by no tool, resource or prompt call (the server log, the console,
`azsql-mcp check`) say their advice (azsql_mcp.advice) as the operator reads it: every
tool offered, never a marker nor both alternatives."""

from __future__ import annotations

import io
import json
import logging
import types
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from azsql_mcp import advice, hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.diagnostics.check_report import CheckFailed, Report
from azsql_mcp.serving.http import http_app
from azsql_mcp.serving.logsetup import setup_logging

MARKERS = ("\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3")
TOLD = "no orders table here; list_orders lists the tables"
FAILURE = "no orders table here" + advice("list_orders", "; list_orders lists the tables")
SOURCE = {"server": "127.0.0.1", "database": "one", "auth": "managed_identity"}


def failing_plugin() -> types.ModuleType:
    module = types.ModuleType("failing_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        raise RuntimeError(FAILURE)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


def unmarked(text: str) -> bool:
    return not any(marker in text for marker in MARKERS)


@pytest.fixture
def logs_as() -> Iterator[Any]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def setup(fmt: str) -> None:
        setup_logging(LoggingSettings(format=fmt))

    yield setup
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.captureWarnings(False)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_plugins_failure_in_the_log(
    logs_as: Any, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    logs_as(fmt)
    build_app(
        settings_from_mapping({"sources": {"main": SOURCE}}),
        extra_plugins={"failing": failing_plugin()},
    )
    err = capsys.readouterr().err
    assert TOLD in err and unmarked(err), err
    if fmt == "json":  # the traceback too, before JSON writes the markers as \ufdd0
        (entry,) = [json.loads(line) for line in err.splitlines() if "failing" in line]
        assert f"RuntimeError: {TOLD}" in entry["exception"]
        assert "\\ufdd" not in err


def test_a_plugins_failure_on_the_console() -> None:
    settings = settings_from_mapping({"server": {"transport": "http"}, "sources": {"main": SOURCE}})
    app = build_app(settings, extra_plugins={"failing": failing_plugin()})
    web = TestClient(http_app(app), base_url="http://127.0.0.1:8000")
    overview = web.get("/").text
    assert TOLD in overview and unmarked(overview)
    # the record itself, which `azsql-mcp plugins` and check print too
    (failed,) = [r for r in app.plugins.records if r.name == "failing"]
    assert failed.reason == f"RuntimeError: {TOLD}"


def test_a_checks_step_says_its_advice() -> None:
    out = io.StringIO()
    report = Report(out)
    report.warn("catalog", FAILURE)
    report.fail("catalog", CheckFailed(FAILURE, FAILURE))
    assert out.getvalue() == (
        f"warn  catalog: {TOLD}\nFAIL  catalog: {TOLD}\n      what to do: {TOLD}\n"
    )
