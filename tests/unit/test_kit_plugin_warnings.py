"""The pytest kit shows a plugin's warnings (a tool without a description, an import of
a private module) in the plugin's own test run, as pytest warnings: they are logged too,
but pytest shows a passing test's log to no one. An author who wants them to fail the
run says so with pytest's own `filterwarnings`."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

AUTHOR_TEST = """
import types

from azsql_mcp import hookimpl


async def echo(text: str) -> str:
    return text


@hookimpl
def register_tools(register):
    register(echo)


def test_echo(make_azsql_server):
    plugin = types.ModuleType("mute_tools")
    plugin.register_tools = register_tools
    make_azsql_server(plugins={"mute": plugin})
"""

# no database: building a server opens none
CONFTEST = """
import pytest


@pytest.fixture
def azsql_config():
    return {"audit": {"enabled": False}}
"""


def test_a_plugin_warning_is_a_pytest_warning_of_the_plugins_own_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_mute=AUTHOR_TEST)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*PluginWarning: plugin 'mute' (in-process): tool 'echo' has no description,"
            " and clients and models choose tools by it*"
        ]
    )


def test_filterwarnings_error_makes_a_plugin_warning_fail_the_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_mute=AUTHOR_TEST)
    pytester.makeini("[pytest]\nfilterwarnings = error::azsql_mcp.PluginWarning\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*PluginWarning: plugin 'mute' (in-process): tool 'echo'*"])
