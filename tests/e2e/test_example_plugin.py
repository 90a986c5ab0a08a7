"""The example plugin and a plugin written by `azsql-mcp plugin new`, pip-installed into
a fresh virtual environment, work like any plugin and pass their own tests there.

The new environment sees this project's environment through a `.pth` file (so
nothing is downloaded) and gets only the two plugins installed into it, by
pip, from wheels. The wheel is assembled here from the example's pyproject
(name, version, entry points) and sources: this environment has setuptools 65
without the `wheel` package, so its build backend cannot build wheels offline.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from servers import clean_env, source_env

EXAMPLE = Path(__file__).parents[2] / "examples" / "azsql-mcp-hello"
SCAFFOLD_NAME = "acme_sales"

PROBE = """
import asyncio, json, sys
from fastmcp import Client
from azsql_mcp.core.config import load_settings
from azsql_mcp.core.assembly import build_app

async def main():
    app = build_app(load_settings())
    hello = next(r for r in app.plugins.records if r.name == "hello")
    out = {"status": hello.status, "reason": hello.reason,
           "distribution": hello.distribution, "version": hello.version,
           "imported": "azsql_mcp_hello" in sys.modules}
    if hello.status == "loaded":
        async with Client(app.mcp) as client:
            result = await client.call_tool("hello", {"name": "Ada"})
            out["result"] = result.structured_content
    print(json.dumps(out))

asyncio.run(main())
"""


def build_wheel(project: Path, out: Path) -> Path:
    """A minimal, valid wheel of a pure-Python src-layout project."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    name, version = meta["name"], meta["version"]
    stem = f"{name.replace('-', '_')}-{version}"
    info = f"{stem}.dist-info"
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items())
        for group, eps in meta.get("entry-points", {}).items()
    )
    files = {
        str(path.relative_to(project / "src")): path.read_text()
        for path in (project / "src").rglob("*.py")
    }
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    files[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = entry_points
    files[f"{info}/RECORD"] = "".join(f"{f},,\n" for f in [*files, f"{info}/RECORD"])
    wheel = out / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package `azsql-mcp plugin new acme_sales` writes."""
    from azsql_mcp.core.cli import main

    parent = tmp_path_factory.mktemp("scaffold")
    assert main(["plugin", "new", SCAFFOLD_NAME, "--dir", str(parent)]) == 0
    return parent / "azsql-mcp-acme-sales"


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory, scaffolded: Path) -> str:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    # addsitedir (not a bare path) so the editable azsql-mcp install's .pth is honoured too.
    (Path(site) / "_azsql_parent_env.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    wheels = [str(build_wheel(project, root)) for project in (EXAMPLE, scaffolded)]
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", *wheels],
        check=True,
        cwd=root,
    )
    return str(python)


@pytest.mark.slow
@pytest.mark.parametrize("project", ["example", "scaffolded"])
def test_installed_plugins_pass_their_own_tests(
    venv_python: str, scaffolded: Path, project: str
) -> None:
    """With the plugin installed, its tests hand the same module to the kit in-process:
    that one replaces the installed one, as docs/plugins.md's recipe expects."""
    cwd = EXAMPLE if project == "example" else scaffolded
    done = subprocess.run(
        [venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_the_scaffolded_plugin_is_listed_with_everything_it_registers(
    venv_python: str, tmp_path: Path
) -> None:
    cli = "import sys; from azsql_mcp.core.cli import main; sys.exit(main())"
    listing = subprocess.run(
        [venv_python, "-c", cli, "plugins", "--json"],
        env=clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    acme = next(p for p in json.loads(listing.stdout)["plugins"] if p["name"] == SCAFFOLD_NAME)
    assert (acme["status"], acme["distribution"]) == ("loaded", "azsql-mcp-acme-sales")
    assert acme["tools"] == ["acme_sales_count_tables"]
    assert acme["resources"] == ["acme-sales://settings"]
    assert acme["prompts"] == ["acme_sales_explore"]


def probe(python: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-c", PROBE], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_installed_plugin_loads_and_its_tool_answers(
    venv_python: str, tds_server: Any, tds_password: str, tmp_path: Path
) -> None:
    env = clean_env(source_env(tds_server, tds_password))
    out = probe(venv_python, env | {"AZSQL_MCP_PLUGINS__HELLO__GREETING": "Hej"}, tmp_path)
    assert (out["status"], out["distribution"], out["version"]) == (
        "loaded",
        "azsql-mcp-hello",
        "0.1.0",
    )
    assert out["result"]["greeting"] == "Hej, Ada!"
    assert out["result"]["database"]


@pytest.mark.parametrize(
    "switch",
    [
        {"AZSQL_MCP_PLUGINS__DISABLED": '["hello"]'},
        {"AZSQL_MCP_PLUGINS__DISABLED": '["azsql-mcp-hello"]'},
        {"AZSQL_MCP_PLUGINS__ENABLED": '["builtin_auth"]'},
    ],
)
def test_disabled_plugin_is_not_imported(
    venv_python: str, switch: dict[str, str], tmp_path: Path
) -> None:
    out = probe(venv_python, clean_env(switch), tmp_path)
    assert out["status"] == "disabled" and out["reason"]
    assert out["imported"] is False


def test_plugins_and_tools_commands_show_it(venv_python: str, tmp_path: Path) -> None:
    cli = "import sys; from azsql_mcp.core.cli import main; sys.exit(main())"
    listing = subprocess.run(
        [venv_python, "-c", cli, "plugins", "--json"],
        env=clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    hello = next(p for p in json.loads(listing.stdout)["plugins"] if p["name"] == "hello")
    assert hello["tools"] == ["hello"] and hello["resources"] == ["hello://greeting"]
    assert hello["prompts"] == ["introduce_database"] and hello["auth_providers"] == ["env_token"]
    assert "plugin_config_model" in hello["hooks"]
    tools = subprocess.run(
        [venv_python, "-c", cli, "tools", "--json"],
        env=clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert {"name": "hello", "plugin": "hello"}.items() <= next(
        t for t in json.loads(tools.stdout) if t["name"] == "hello"
    ).items()
