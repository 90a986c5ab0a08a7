"""A list/table variable that is not JSON is named with the parser's position, never
echoed: it may hold a token or a client secret. A list of names keeps an example built
from the operator's own names."""

from __future__ import annotations

import pytest

from azsql_mcp.core.cli import main

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        (
            "AZSQL_MCP_SERVER__AUTH__STATIC_TOKENS",
            '[{"token":"LeakMe-5", subject:"a"}]',
            "AZSQL_MCP_SERVER__AUTH__STATIC_TOKENS is not JSON (Expecting property name"
            " enclosed in double quotes at line 1, column 23); this setting takes a JSON list"
            """ of objects, e.g. '[{"key": "value"}]'""",
        ),
        (
            "AZSQL_MCP_SOURCES__MAIN__AUTH_OPTIONS",
            '{"client_secret": "LeakMe-5",\n x}',
            "AZSQL_MCP_SOURCES__MAIN__AUTH_OPTIONS is not JSON (Expecting property name"
            " enclosed in double quotes at line 2, column 2); this setting takes a JSON"
            """ object, e.g. '{"key": "value"}'""",
        ),
        (
            "AZSQL_MCP_SERVER__AUTH__STATIC_TOKENS",
            "LeakMe-5, LeakMe-6",
            "AZSQL_MCP_SERVER__AUTH__STATIC_TOKENS is not JSON (Expecting value at line 1,"
            """ column 1); this setting takes a JSON list of objects, e.g. '[{"key": "value"}]'""",
        ),
    ],
)
def test_a_secret_variable_that_is_not_json_is_not_echoed(
    name: str,
    value: str,
    problem: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["config", "--demo"]) == 2
    out, err = capsys.readouterr()
    assert "LeakMe" not in out + err
    assert f"  - {problem}\n" in err


def test_a_list_of_names_written_as_json_that_breaks_gets_a_neutral_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Splitting broken JSON on commas made `'["[\\"a\\"", "b]"]'`: not an example."""
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__DISABLED", '["builtin_prompts", hello]')
    assert main(["config"]) == 2
    assert (
        "AZSQL_MCP_PLUGINS__DISABLED is not JSON (Expecting value at line 1, column 21); this"
        """ setting takes a JSON list of strings, e.g. '["first", "second"]'\n"""
    ) in capsys.readouterr().err


def test_a_list_of_names_gets_its_names_as_the_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZSQL_MCP_SERVER__ALLOWED_HOSTS", "a.example, b.example")
    assert main(["config"]) == 2
    assert (
        """e.g. AZSQL_MCP_SERVER__ALLOWED_HOSTS='["a.example", "b.example"]'\n"""
    ) in capsys.readouterr().err
