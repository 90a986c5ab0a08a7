"""`check` and `plugins` judge a plugin that fails to load as `serve` and `tools` do: with
`[plugins] strict = true` they exit 2; without it, `check` warns and passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_dists import make_dist

from azsql_mcp.core.cli import main

pytestmark = pytest.mark.usefixtures("clean_env")

FAILED = "plugin 'broken' (fake-broken 0.3) failed to load: import of 'fake_broken' failed"


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed plugin whose import fails."""
    site = tmp_path / "site"
    make_dist(
        site,
        "fake-broken",
        {"fake_broken": "raise ImportError('needs a missing library')\n"},
        {"broken": "fake_broken"},
        "0.3",
    )
    monkeypatch.syspath_prepend(str(site))


@pytest.mark.usefixtures("broken")
def test_check_warns_of_a_failed_plugin_and_passes_when_not_strict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--demo"]) == 0
    out = capsys.readouterr().out
    assert f"warn  plugins: {FAILED}: ImportError: needs a missing library (at " in out
    assert "fake_broken.py:1, in <module>);" in out
    assert "serve starts without it" in out and "all checks passed" in out


@pytest.mark.usefixtures("broken")
def test_check_fails_with_a_failed_plugin_in_strict_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__STRICT", "true")
    assert main(["check", "--demo"]) == 2
    out = capsys.readouterr().out
    assert f"FAIL  plugins: {FAILED}" in out
    assert "ok    login:" in out  # the sources are checked all the same
    assert "all checks passed" not in out
    assert out.rstrip().endswith("strict = true serve would not start")


def test_check_says_how_many_plugins_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--demo"]) == 0
    assert "ok    plugins: 5 loaded" in capsys.readouterr().out


@pytest.mark.usefixtures("broken")
@pytest.mark.parametrize("flags", [[], ["--json"]])
def test_plugins_exits_as_tools_does_in_strict_mode(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugins", *flags]) == 0
    capsys.readouterr()
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__STRICT", "true")
    assert main(["tools"]) == 2
    assert FAILED in capsys.readouterr().err
    assert main(["plugins", *flags]) == 2
    out, err = capsys.readouterr()
    assert "broken" in out  # the listing still shows every plugin
    if flags:
        assert json.loads(out)["plugins"]
    assert "azsql-mcp: plugin 'broken' (fake-broken 0.3) failed: import of" in err
    assert "with [plugins] strict = true, serve does not start while it fails" in err
