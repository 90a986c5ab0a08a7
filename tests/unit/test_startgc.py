"""The collector paused while the command starts (core/startgc.py), watched as CI runs it:
the package compiled from its sources (a fresh copy, no .pyc read or written), in a
subprocess that notes each import as it begins and each collection, with whether the
collector was on. What is asserted is the collector's state at each import, not whether a
collection happened to fall somewhere: that depends on what ran before, and compiling a
module (no .pyc) comes before its first line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import azsql_mcp

# `import azsql_mcp` first, apart: every module of the package needs it and it is not
# paused (embedders import it). Then the command's module as the console script imports
# it, then `serve`, watched from its validation to the serving, which is left out.
PROBE = """
import gc, json, sys
at_start = gc.get_freeze_count()
events = []
def imports(event, args):
    if event == "import":
        events.append(("import", args[0], gc.isenabled()))
sys.addaudithook(imports)
def collections(phase, info):
    if phase == "start":
        events.append(("collect", info["generation"], gc.isenabled()))
gc.callbacks.append(collections)
import azsql_mcp
package = [name for kind, name, on in events if kind == "import"]
begun = len(events)
from azsql_mcp.core.cli import main  # as the console script does
command = events[begun:]
imported = gc.get_freeze_count()
after_import = {"frozen": imported > at_start, "collecting": gc.isenabled()}

cli = sys.modules["azsql_mcp.core.cli"]
import azsql_mcp.serving.run as run
serving = {}
serve_diverted, run_app = cli._serve_diverted, cli._run
def watched_diverted(args, stdout):
    serving.update(paused=not gc.isenabled(), begun=len(events))
    return serve_diverted(args, stdout)
def watched_run(app, config):
    ran = events[serving.pop("begun"):]
    serving["collections"] = sum(kind == "collect" for kind, _, _ in ran)
    return run_app(app, config)
async def serve(app, transport, config=None, hangups=None):
    serving.update(frozen=gc.get_freeze_count() > imported, collecting=gc.isenabled())
    serving["transport"] = app.settings.server.transport
cli._serve_diverted, cli._run, run.serve = watched_diverted, watched_run, serve
code = main(["serve"])
print(json.dumps({
    "file": azsql_mcp.__file__, "package": package, "command": command,
    "after_import": after_import, "serving": serving, "code": code,
}))
"""


def _probe(tmp_path: Path) -> dict[str, Any]:
    package = Path(azsql_mcp.__file__).parent
    shutil.copytree(package, tmp_path / "azsql_mcp", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZSQL_MCP_", "AZURE_"))}
    env |= {"AZURE_SQL_SERVER": "127.0.0.1,1", "AZURE_SQL_USERNAME": "u", "AZURE_SQL_PASSWORD": "p"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    assert result["file"] == str(tmp_path / "azsql_mcp" / "__init__.py")
    return result


def test_the_command_loads_its_imports_paused_and_freezes_what_it_built(tmp_path: Path) -> None:
    """Only the modules before the pause load with the collector on: core/cli.py (its
    parent packages first) and core/startgc.py, whose first line pauses. Every other module
    the command loads (pydantic, the MCP SDK, FastMCP, the core) loads paused, and no
    collection falls from then until the imports are done; what they built is frozen and
    collecting resumes. `serve` validates and assembles paused as well, and serves with
    what it built frozen. Before the pause `import azsql_mcp` loads nothing but the
    standard library and the package's own modules."""
    result = _probe(tmp_path)
    outside = [
        name
        for name in result["package"]
        if name.partition(".")[0] not in {*sys.stdlib_module_names, "azsql_mcp"}
    ]
    assert outside == []
    command = result["command"]
    imports = [(name, on) for kind, name, on in command if kind == "import"]
    on = [name for name, collecting in imports if collecting]
    assert on == ["azsql_mcp.core.cli", "azsql_mcp.core", "azsql_mcp.core.startgc"]
    assert "pydantic" in {name for name, _ in imports}
    # compiling core/cli.py and core/startgc.py (no .pyc) may collect; from the first
    # import after the pause on, nothing may
    paused_at = command.index(["import", imports[len(on)][0], False])
    assert [event for event in command[paused_at:] if event[0] == "collect"] == []
    assert result["after_import"] == {"frozen": True, "collecting": True}
    assert result["serving"] == {
        "paused": True,
        "collections": 0,
        "frozen": True,
        "collecting": True,
        "transport": "stdio",
    }
    assert result["code"] == 0


def test_a_refused_serve_collects_again() -> None:
    """`serve` refused at validation (here an unknown setting) leaves the collector on, as
    an in-process caller had it."""
    import gc

    from azsql_mcp.core.cli import main

    assert gc.isenabled()
    assert main(["serve", "--config", "/nonexistent/azsql-mcp.toml"]) == 2
    assert gc.isenabled()
