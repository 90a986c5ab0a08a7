"""A plugin tool bound to a source the config lacks: not offered, and every listing
command, and `check`, says why (serve warns of it as it starts: tests/unit/test_core_plugins.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_dists import installed_plugin

from azsql_mcp.core import cli

BOUND = '''
from azsql_mcp import hookimpl

@hookimpl
def register_tools(register, config):
    register(report, source="reports")

async def report() -> str:
    """A report."""
    return "reported"
'''
CONFIG = """
[sources.main]
server = "127.0.0.1,1"
auth = "sql"
username = "u"
password = "p"
"""
NOTE = (
    "azsql-mcp: sources.reports: tool 'report' of plugin 'bound' (fake-bound 1.0) is bound"
    " to source 'reports', which is not configured (sources: main)"
)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with installed_plugin(tmp_path, monkeypatch, "bound", BOUND, CONFIG) as config:
        yield config


@pytest.mark.parametrize("command", ["plugins", "tools"])
def test_the_listing_commands_say_why_a_bound_tool_is_not_offered(
    installed: Path, command: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([command, "--config", str(installed)]) == 0
    out, err = capfd.readouterr()
    assert NOTE in err and "until then it is not offered" in err
    if command == "tools":
        assert "report" not in out


def test_check_says_why_a_bound_tool_is_not_offered(
    installed: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """`check` tests the configured sources (main is unreachable here: exit 1) and, as
    the listing commands do, says which plugin tool waits for a source to be added."""
    assert cli.main(["check", "--config", str(installed)]) == 1
    out, err = capfd.readouterr()
    assert NOTE in err and "until then it is not offered" in err
    assert "check failed for source main" in out
