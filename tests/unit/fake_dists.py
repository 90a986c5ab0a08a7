"""Fake plugin distributions for tests: a `*.dist-info` with entry points, and the module."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def make_dist(
    root: Path,
    dist: str,
    modules: dict[str, str],
    entry_points: dict[str, str],
    version: str = "1.0",
) -> None:
    """Write `dist` (version `version`) into `root`, a directory that goes on sys.path.

    `modules` maps a module name to its source; `entry_points` maps an
    entry-point name of group `azsql_mcp` to a module name.
    """
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {module}\n" for name, module in entry_points.items())
    (info / "entry_points.txt").write_text(f"[azsql_mcp]\n{lines}")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))


@contextmanager
def installed_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str, config: str
) -> Iterator[Path]:
    """Plugin `name` (module fake_NAME of distribution fake-NAME, from `source`)
    installed, with no azsql-mcp variables set and `tmp_path` as the working directory;
    yields the config file `config` written there."""
    for variable in list(os.environ):
        if variable.startswith(("AZSQL_MCP_", "AZURE_SQL_")):
            monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    module = f"fake_{name}"
    make_dist(site, f"fake-{name}", {module: source}, {name: module})
    monkeypatch.syspath_prepend(str(site))
    path = tmp_path / "azsql-mcp.toml"
    path.write_text(config)
    try:
        yield path
    finally:
        sys.modules.pop(module, None)


TOOL_PLUGIN = """
    from azsql_mcp import ToolContext, hookimpl

    @hookimpl
    def register_tools(register, config):
        register(echo, annotations={"readOnlyHint": True})

    async def echo(text: str, ctx: ToolContext) -> dict:
        \"\"\"Echo text back with the chosen source.\"\"\"
        return {"text": text, "source": ctx.source, "client": ctx.client.subject}
"""
