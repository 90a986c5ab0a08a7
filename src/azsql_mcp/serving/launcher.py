"""The command a client config names to start this installation (the stdio banner's
entry to paste): the console script of its environment, or `uvx ...` when uvx made that
environment in uv's cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from azsql_mcp.version import DISTRIBUTION, PLUGIN_GROUP


def launch_command() -> list[str]:
    """This installation's absolute command: uvx's when uvx runs it, else the console
    script beside the interpreter, else the one on PATH, else the interpreter running
    the CLI module."""
    uvx = _uvx_command()
    if uvx:
        return uvx
    beside = Path(sys.executable).parent / "azsql-mcp"
    if beside.exists():
        return [str(beside.absolute())]
    found = shutil.which("azsql-mcp")
    if found:
        return [str(Path(found).absolute())]
    return [
        sys.executable,
        "-c",
        "import sys; from azsql_mcp.core.cli import main; sys.exit(main())",
    ]


def _uvx_command() -> list[str] | None:
    """`uvx --from ... azsql-mcp` when this runs in an environment uvx made in uv's
    cache: its path is gone after `uv cache clean`, and a changed source gets a new one,
    so a client config names uvx, which finds or rebuilds the environment each start."""
    uv = os.environ.get("UV")  # uv (0.6 and later) sets it for every command it runs
    if not uv:
        return None
    try:
        asked = subprocess.run(
            [uv, "cache", "dir"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    cache = asked.stdout.strip()
    if not cache or not Path(sys.prefix).resolve().is_relative_to(Path(cache).resolve()):
        return None  # `uv run` in a project, or `uv tool install`: a lasting environment
    beside = Path(uv).with_name("uvx")
    command = [str(beside) if beside.exists() else "uvx", "--from", _requirement(DISTRIBUTION)]
    plugins = {
        entry.dist.name
        for entry in metadata.entry_points(group=PLUGIN_GROUP)
        if entry.dist is not None and entry.dist.name != DISTRIBUTION
    }
    for plugin in sorted(plugins):
        command += ["--with", _requirement(plugin)]
    return [*command, DISTRIBUTION]


def _requirement(name: str) -> str:
    """A requirement that installs distribution `name` as it is installed here: from
    where it came (PEP 610's direct_url.json: a directory, a file, a VCS commit), with
    the extras whose dependencies are all here."""
    dist = metadata.distribution(name)
    extras = _installed_extras(dist)
    spec = f"{name}[{','.join(extras)}]" if extras else name
    direct = dist.read_text("direct_url.json")
    if not direct:
        return spec
    origin = json.loads(direct)
    url = origin["url"]
    vcs = origin.get("vcs_info")
    if vcs:
        url = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    return f"{spec} @ {url}"


def _installed_extras(dist: metadata.Distribution) -> list[str]:
    """The extras of `dist` whose every dependency is installed: those it was installed
    with, as far as the environment tells (no record keeps the extras asked for)."""
    needs: dict[str, set[str]] = {}
    for requirement in dist.requires or []:
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", requirement)
        if extra:
            name = re.match(r"[A-Za-z0-9._-]+", requirement)
            if name:
                needs.setdefault(extra[1], set()).add(name[0])
    return sorted(extra for extra, names in needs.items() if all(map(_installed, names)))


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True
