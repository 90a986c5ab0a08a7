"""`azsql-mcp plugin new NAME`: a ready plugin package (pyproject with the entry point,
a tool, a resource, a prompt, a config model, tests using the pytest kit, a README)
that installs and passes its tests as generated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from string import Template

from azsql_mcp.version import PLUGIN_GROUP, __version__

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _refuse_installed(plugin: str) -> None:
    """Two plugins of one name cannot load together: the one loaded later fails (a
    built-in always loads first), so a new package must not take an installed name."""
    for ep in entry_points(group=PLUGIN_GROUP):
        if ep.name.strip().lower().replace("-", "_") == plugin:
            owner = ep.dist.name if ep.dist is not None else "another package"
            raise ValueError(
                f"plugin name {plugin!r} is taken by the installed plugin of {owner}, and"
                " two plugins of one name cannot load together: pick another name"
            )


@dataclass(frozen=True)
class Names:
    plugin: str  # the entry-point name operators use: [plugins.NAME]
    distribution: str  # what pip installs
    module: str  # the import package

    @classmethod
    def of(cls, name: str) -> Names:
        plugin = name.strip().lower().replace("-", "_")
        if not _NAME.match(plugin):
            raise ValueError(
                f"plugin name {name!r}: use lowercase letters, digits and _ (or -),"
                " starting with a letter, e.g. 'acme' or 'acme_sales'"
            )
        return cls(plugin, f"azsql-mcp-{plugin.replace('_', '-')}", f"azsql_mcp_{plugin}")


def new_plugin(name: str, parent: Path) -> Path:
    """Write the package of plugin `name` into `parent`/azsql-mcp-NAME; return that path.
    Refuses to write into an existing directory, and a name an installed plugin has."""
    names = Names.of(name)
    _refuse_installed(names.plugin)
    root = parent / names.distribution
    if root.exists():
        raise FileExistsError(f"{root} already exists; pick another name or directory")
    values = {
        "plugin": names.plugin,
        "distribution": names.distribution,
        "module": names.module,
        "scheme": names.plugin.replace("_", "-"),  # a URI scheme takes no "_"
        "title": names.plugin.replace("_", " ").title().replace(" ", ""),
        "version": __version__,
    }
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"src/{names.module}/__init__.py": MODULE,
        "tests/test_plugin.py": TESTS,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values))
    return root


PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "$distribution"
version = "0.1.0"
description = "An azsql-mcp plugin"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["azsql-mcp>=$version"]

[project.optional-dependencies]
test = ["pytest>=8", "pytest-asyncio>=0.24"]

# The one line that makes this package an azsql-mcp plugin: `$plugin` is its name
# in the config ([plugins.$plugin]) and in `azsql-mcp plugins`.
[project.entry-points.azsql_mcp]
$plugin = "$module"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""

README = """\
# $distribution

An azsql-mcp plugin (a package the azsql-mcp server loads by its entry point). It adds:

- a tool `${plugin}_count_tables(schema)`: a parameterized query,
- a resource `${scheme}://settings`: the plugin's settings,
- a prompt `${plugin}_explore(topic)`,
- a config section `[plugins.$plugin]` (`max_tables`).

```bash
pip install -e '.[test]'   # into the environment azsql-mcp runs in
azsql-mcp plugins           # $plugin  loaded  ($distribution 0.1.0)
azsql-mcp tools             # ${plugin}_count_tables  [$plugin]  ...
python -m pytest -q         # against azsql-mcp's TDS test server, no database needed
```

```toml
# azsql-mcp.toml
[plugins.$plugin]
max_tables = 50
```

See azsql-mcp's docs/plugins.md for every hook, the `ToolContext` and the test fixtures.
"""

MODULE = '''\
"""$distribution: an azsql-mcp plugin."""

from __future__ import annotations

from typing import Any

from azsql_mcp import (
    RegisterPrompt,
    RegisterResource,
    RegisterTool,
    ToolContext,
    advice,
    hookimpl,
)
from pydantic import BaseModel, ConfigDict, Field


class ${title}Config(BaseModel):
    """`[plugins.$plugin]` in azsql-mcp.toml."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not ignored

    max_tables: int = Field(100, ge=1, description="most table names a count lists")


@hookimpl
def plugin_config_model() -> type[BaseModel]:
    return ${title}Config


@hookimpl
def register_tools(register: RegisterTool) -> None:
    register(${plugin}_count_tables, annotations={"readOnlyHint": True, "openWorldHint": False})


@hookimpl
def register_resources(register: RegisterResource) -> None:
    register(settings, "${scheme}://settings", mime_type="application/json")


@hookimpl
def register_prompts(register: RegisterPrompt) -> None:
    register(${plugin}_explore)


async def ${plugin}_count_tables(schema: str, ctx: ToolContext[${title}Config]) -> dict[str, Any]:
    """Count the tables of one schema and name the first of them."""
    # @schema is bound as a parameter: values never become part of the SQL text.
    # The rows stop at max_rows (never more than the source's [limits] max_rows allows):
    # count in SQL, not by the rows that came back, and say when the names are cut.
    result = await ctx.db.read(
        "SELECT TABLE_NAME, COUNT(*) OVER () AS total FROM INFORMATION_SCHEMA.TABLES"
        " WHERE TABLE_SCHEMA = @schema AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        params={"schema": schema},
        max_rows=ctx.config.max_tables,
    )
    names = [str(row[0]) for row in result.rows]
    total = int(result.rows[0][1]) if result.rows else 0
    return {"schema": schema, "tables": total, "names": names, "more": result.truncated}


async def settings(ctx: ToolContext[${title}Config]) -> dict[str, Any]:
    """The plugin's settings."""
    return ctx.config.model_dump()


async def ${plugin}_explore(topic: str, ctx: ToolContext) -> str:
    """Ask for an exploration of the database about a topic."""
    return (
        f"Explore the database behind source {ctx.source!r} for what it holds about {topic}."
        " Start with ${plugin}_count_tables"
        # named only to a caller that may call it (the operator may switch it off)
        + advice("list_tables", " and list_tables")
        + "."
    )
'''

TESTS = '''\
"""Tests of $distribution with azsql-mcp's pytest kit, against its TDS test server."""

from __future__ import annotations

import json

import pytest
from azsql_mcp import ConfigError
from fastmcp import Client

import $module

PLUGINS = {"$plugin": $module}


async def test_count_tables(make_azsql_server) -> None:
    server = make_azsql_server(plugins=PLUGINS, config={"plugins": {"$plugin": {"max_tables": 2}}})
    async with Client(server) as client:
        result = await client.call_tool("${plugin}_count_tables", {"schema": "SalesLT"})
    found = result.structured_content
    assert found["tables"] > 2 and len(found["names"]) == 2 and found["more"] is True


async def test_resource_and_prompt(make_azsql_server) -> None:
    server = make_azsql_server(plugins=PLUGINS)
    async with Client(server) as client:
        contents = await client.read_resource("${scheme}://settings")
        prompt = await client.get_prompt("${plugin}_explore", {"topic": "customers"})
    assert json.loads(contents[0].text) == {"max_tables": 100}
    assert "customers" in prompt.messages[0].content.text


def test_a_misspelt_setting_is_an_error(make_azsql_server) -> None:
    with pytest.raises(ConfigError, match=r"plugins\\.$plugin\\.max_table: unknown setting"):
        make_azsql_server(plugins=PLUGINS, config={"plugins": {"$plugin": {"max_table": 1}}})
'''
