"""Fake plugin distributions for tests: a `*.dist-info` with entry points, and the module."""

from __future__ import annotations

import textwrap
from pathlib import Path


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


TOOL_PLUGIN = """
    from azsql_mcp import ToolContext, hookimpl

    @hookimpl
    def register_tools(register, config):
        register(echo, annotations={"readOnlyHint": True})

    async def echo(text: str, ctx: ToolContext) -> dict:
        \"\"\"Echo text back with the chosen source.\"\"\"
        return {"text": text, "source": ctx.source, "client": ctx.client.subject}
"""
