"""docs/tools.md's tables of the built-in tools, resources and prompts are what a client
lists: each tool's arguments (required ones in bold) and default scope, as `azsql-mcp
tools --json` gives them for a writable source, and every resource and prompt with its
arguments."""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from azsql_mcp.core.cli import main
from azsql_mcp.plugins import builtin_prompts

TOOLS_MD = Path(__file__).resolve().parents[2] / "docs" / "tools.md"

WRITABLE = """
[sources.main]
server = "127.0.0.1,1433"
database = "Sales"
username = "u"
password = "p"

[sources.main.security]
read_only = false
"""


def table(first_header: str) -> dict[str, list[str]]:
    """The rows of the table whose first column is `first_header`: name -> cells."""
    text = TOOLS_MD.read_text()
    start = text.index(f"| {first_header} |")
    block = text[start : text.index("\n\n", start)]
    rows = [line.split(" | ") for line in block.splitlines()[2:]]
    return {row[0].strip("| `"): row[1:] for row in rows}


def arguments(cell: str) -> tuple[set[str], set[str]]:
    """(every argument, the required ones) of a cell such as "**`query`**, `params`"."""
    cut = re.sub(r"\([^)]*\)", "", cell)  # the notes in parentheses name no argument
    every = set(re.findall(r"`(\w+)`", cut))
    return every, set(re.findall(r"\*\*`(\w+)`\*\*", cut))


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    config = tmp_path_factory.mktemp("tools") / "azsql-mcp.toml"
    config.write_text(WRITABLE)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["tools", "--json", "--config", str(config)]) == 0
    tools: list[dict[str, Any]] = json.loads(out.getvalue())
    return tools


def test_every_tool_is_in_the_table_with_its_arguments_and_scope(
    listed: list[dict[str, Any]],
) -> None:
    documented = table("tool")
    assert sorted(documented) == sorted(t["name"] for t in listed)
    for tool in listed:
        schema = tool["inputSchema"]
        every, required = arguments(documented[tool["name"]][0])
        assert every == set(schema.get("properties", {})) - {"source"}, tool["name"]
        assert required == set(schema.get("required", [])), tool["name"]
        assert documented[tool["name"]][1].strip("| `\n") == " ".join(tool["scopes"])


def test_every_resource_and_prompt_is_in_its_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plugins", "--json"]) == 0
    plugins = json.loads(capsys.readouterr().out)["plugins"]
    builtin = [p for p in plugins if p["builtin"]]
    assert sorted(table("resource")) == sorted(r for p in builtin for r in p["resources"])
    prompts = table("prompt")
    assert sorted(prompts) == sorted(n for p in builtin for n in p["prompts"])

    registered: dict[str, Any] = {}
    builtin_prompts.register_prompts(lambda fn, name: registered.__setitem__(name, fn), None)
    for name, fn in registered.items():
        params = list(inspect.signature(fn).parameters.values())[1:]  # after ctx
        every, required = arguments(prompts[name][0])
        assert every == {p.name for p in params}, name
        assert required == {p.name for p in params if p.default is inspect.Parameter.empty}
