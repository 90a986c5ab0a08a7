"""The command the stdio banner's client config names: uvx's when uvx runs the server in
an environment of its cache, the environment's console script otherwise."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from azsql_mcp.serving import launcher
from azsql_mcp.serving.launcher import launch_command

ROOT = Path(__file__).resolve().parents[2]


def fake_uv(tmp_path: Path, cache: Path) -> Path:
    """A `uv` whose `uv cache dir` prints `cache`, with a `uvx` beside it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text(f'#!/bin/sh\n[ "$1 $2" = "cache dir" ] && echo {cache}\n')
    uv.chmod(0o755)
    (bin_dir / "uvx").write_text("")
    return uv


def installed(
    site: Path, name: str, direct_url: dict[str, object] | None, requires: tuple[str, ...] = ()
) -> Path:
    """A distribution `name` 1.0 in `site`, installed from `direct_url` (PEP 610)."""
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.4", f"Name: {name}", "Version: 1.0"]
    (info / "METADATA").write_text("\n".join(lines + [f"Requires-Dist: {r}" for r in requires]))
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return info


def test_under_uvx_the_command_is_uvx_from_where_the_package_came(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    uv = fake_uv(tmp_path, cache)
    monkeypatch.setenv("UV", str(uv))
    monkeypatch.setattr(sys, "prefix", str(cache / "archive-v0" / "abc"))
    plugin = installed(
        tmp_path / "site", "acme-plugin", {"url": "file:///src/acme", "dir_info": {}}
    )
    (plugin / "entry_points.txt").write_text("[azsql_mcp]\nacme = acme_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    command = launch_command()
    with_plugin = command.index("acme-plugin @ file:///src/acme")
    assert command[with_plugin - 1] == "--with"
    assert command[:3] == [str(uv.with_name("uvx")), "--from", launcher._requirement("azsql-mcp")]
    assert command[-1] == "azsql-mcp"
    assert command[2].startswith("azsql-mcp")


@pytest.mark.parametrize("prefix_in_cache", [False, True])
def test_outside_uvx_the_command_is_the_console_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix_in_cache: bool
) -> None:
    # `uv run` and `uv tool install` set UV too, with a lasting environment
    cache = tmp_path / "cache"
    if prefix_in_cache:
        monkeypatch.delenv("UV", raising=False)
        monkeypatch.setattr(sys, "prefix", str(cache / "archive-v0" / "abc"))
    else:
        monkeypatch.setenv("UV", str(fake_uv(tmp_path, cache)))
    command = launch_command()
    assert "uvx" not in Path(command[0]).name
    beside = Path(sys.executable).parent / "azsql-mcp"
    if beside.exists():
        assert command == [str(beside.absolute())]


def test_a_requirement_says_where_the_distribution_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    installed(site, "from-index", None)
    installed(site, "from-dir", {"url": "file:///src/plugin", "dir_info": {}})
    vcs = {"vcs": "git", "commit_id": "abc123", "requested_revision": "main"}
    installed(site, "from-git", {"url": "https://example.com/p.git", "vcs_info": vcs})
    installed(site, "odbc-driver", None)
    installed(
        site,
        "with-extras",
        {"url": "file:///src/w", "dir_info": {}},
        (
            "odbc-driver>=1; platform_machine == 'x86_64' and extra == \"odbc\"",
            'not-installed; extra == "dev"',
            "plain>=1",
        ),
    )
    monkeypatch.syspath_prepend(str(site))
    assert launcher._requirement("from-index") == "from-index"
    assert launcher._requirement("from-dir") == "from-dir @ file:///src/plugin"
    assert launcher._requirement("from-git") == "from-git @ git+https://example.com/p.git@abc123"
    assert launcher._requirement("with-extras") == "with-extras[odbc] @ file:///src/w"


def test_uv_rebuilds_a_checkout_whose_source_changed() -> None:
    """uv's cache key for a directory is its pyproject.toml alone unless the project
    names more: `uvx --from /path/to/checkout` then ran the code it first built."""
    keys = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["cache-keys"]
    files = {key.get("file") for key in keys}
    assert {"pyproject.toml", "src/**/*.py"} <= files
