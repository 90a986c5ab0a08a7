"""The distributions users install: the sdist holds what a packager builds and tests from,
the wheel built from that sdist holds what the server needs at run time, and the wheel,
installed into a fresh environment outside the checkout, serves the demo over stdio.

Offline: the build runs pyproject's backend in this environment (no isolated build
environment to download), and the fresh environment takes the dependencies from this
one's site-packages through a .pth line (the wheel itself is installed with --no-deps).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from servers import INITIALIZE, clean_env, killed_at_exit, read_answers, send, stop

from azsql_mcp.version import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# what a checkout holds that no distribution should: VCS data, environments, caches, builds
NOT_SOURCE = (".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".*_cache")


def _backend_missing() -> str | None:
    """Why pyproject's build backend cannot run here, or None."""
    (requirement,) = PYPROJECT["build-system"]["requires"]
    floor = int(re.fullmatch(r"setuptools>=(\d+)", requirement.split("#")[0].strip())[1])  # type: ignore[index]
    try:
        installed = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        installed = "none"
    if installed == "none" or int(installed.split(".")[0]) < floor:
        return (
            f"building needs {requirement} (pyproject's build-system) in this environment,"
            f" which has setuptools {installed}: `make install` installs it with .[dev]"
        )
    return None


def _build(kind: str, source: Path, out: Path) -> Path:
    """build_sdist or build_wheel of pyproject's backend, run in `source`."""
    code = f"import sys, setuptools.build_meta as b; print(b.build_{kind}(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.split()[-1]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel): the sdist built from a copy of the checkout (the build writes
    egg-info and build/ where it runs), the wheel from the unpacked sdist, as
    `python -m build` does."""
    reason = _backend_missing()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("dists")
    checkout = tmp / "checkout"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    # what `pip install examples/azsql-mcp-hello` leaves behind
    example = checkout / "examples" / "azsql-mcp-hello"
    for leftover in ("build/lib/azsql_mcp_hello", "src/azsql_mcp_hello.egg-info"):
        (example / leftover).mkdir(parents=True, exist_ok=True)
        (example / leftover / "PKG-INFO").write_text("")
    sdist = _build("sdist", checkout, tmp)
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    return sdist, _build("wheel", unpacked, tmp)


def test_the_sdist_holds_the_docs_and_tests_and_no_caches(dists: tuple[Path, Path]) -> None:
    sdist, _ = dists
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for expected in (
        "LICENSE",
        "README.md",
        "Makefile",
        "Dockerfile",
        "docs/configuration.md",
        "docs/images/console.png",
        "tests/conftest.py",
        "tests/unit/sql_corpus/hostile.sql",
        "tests/clients/sdk_walk.mjs",
        "examples/azsql-mcp-hello/pyproject.toml",
        "deploy/kubernetes/kustomization.yaml",
        "src/azsql_mcp/py.typed",
    ):
        assert expected in names, f"the sdist lacks {expected}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith((".git", ".venv", "build/", "dist/", ".ci/"))]
    assert not [
        n for n in names if n.startswith("examples/") and ("/build/" in n or "egg-info" in n)
    ]


def test_the_wheel_holds_what_the_server_needs(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"azsql_mcp-{__version__}.dist-info"
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        wheel_meta = archive.read(f"{info}/METADATA").decode()
    assert "azsql_mcp/py.typed" in names
    # the pages messages name, installed into <environment>/share/doc/azsql-mcp
    assert f"azsql_mcp-{__version__}.data/data/share/doc/azsql-mcp/configuration.md" in names
    assert f"{info}/licenses/LICENSE" in names
    # `serve --demo` and `check --demo` start the TDS test server in the process
    assert "tds_test_server/sample/rows.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "docs/"))]
    for name, module in PYPROJECT["project"]["entry-points"]["azsql_mcp"].items():
        assert f"{name} = {module}" in entry_points
    assert "azsql-mcp = azsql_mcp.core.cli:main" in entry_points
    assert "Provides-Extra: msodbc" in wheel_meta
    assert "License-Expression: MIT" in wheel_meta


def test_the_installed_wheel_serves_the_demo_over_stdio(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = dists
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    paths = json.loads(
        subprocess.check_output(
            [python, "-c", "import json, site; print(json.dumps(site.getsitepackages()))"]
        )
    )
    env = clean_env({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    env.pop("PYTHONPATH", None)
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run([*install, "--no-deps", "--no-index", wheel], env=env, check=True, timeout=120)
    # then the dependencies from this environment, after the venv's own site-packages (not
    # before the install: pip would take this environment's azsql-mcp for the wheel's)
    Path(paths[0], "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    where = subprocess.run(
        [
            python,
            "-c",
            "import azsql_mcp, tds_test_server as t; print(azsql_mcp.__file__, t.__file__)",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(line.startswith(paths[0]) for line in where.stdout.split()), where.stdout
    page = subprocess.run(
        [python, "-c", "from azsql_mcp.core.docpaths import doc; print(doc('plugins.md'))"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert page == str(venv.resolve() / "share" / "doc" / "azsql-mcp" / "plugins.md")
    assert Path(page).is_file()
    command = venv / "bin" / "azsql-mcp"
    version = subprocess.run([command, "--version"], env=env, capture_output=True, text=True)
    assert version.stdout.strip() == f"azsql-mcp {__version__}", version.stderr

    proc = subprocess.Popen(
        [command, "serve", "--demo"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with killed_at_exit(proc):
        assert proc.stdout is not None
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        send(proc, INITIALIZE, initialized, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        answers = read_answers(proc, 2)
        stop(proc, timeout=20)
        assert [a.get("id") for a in answers] == [1, 2], proc.stderr
        tools = {tool["name"] for tool in answers[1]["result"]["tools"]}
        assert {"list_tables", "describe_table", "read_data"} <= tools
