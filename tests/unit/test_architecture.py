"""The layout's rules (docs/architecture.md), read from the source with `ast`: no import
cycle among azsql_mcp modules (type-only and function-level imports included), built-in
plugins and the pytest kit import only the public API, no source file over 1,000 lines,
the database path imports nothing above it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src"
PACKAGE = SRC / "azsql_mcp"
MAX_LINES = 1000

# What plugins and the pytest kit may import from azsql_mcp (the public API).
PUBLIC = ("azsql_mcp", "azsql_mcp.api", "azsql_mcp.values", "azsql_mcp.catalog")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# The TDS test server is a package of its own (tds_test_server), with its own rules in
# tests/tds/test_package_independence.py; azsql_mcp.testing.tds_server only re-exports it.
MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, source: str | None = None) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import in the file (or in `source`, read as that
    file), wherever it is written: at the top, under `if TYPE_CHECKING:`, in a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    text = path.read_text() if source is None else source
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from package import module` imports the module, not the package
                submodule = f"{base}.{alias.name}"
                yield (submodule if submodule in MODULES else base), node.lineno


def graph() -> dict[str, set[str]]:
    """Module -> the azsql_mcp modules it imports. A package's __init__ that Python runs
    on the way to a submodule is not an edge: only what the code names."""
    return {
        name: {target for target, _ in imports_of(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def public(target: str, own: str) -> bool:
    return (
        target in PUBLIC
        or target.startswith("azsql_mcp.catalog.")
        or target == own
        or target.startswith(own + ".")
    )


PLUGIN_FILES = sorted((PACKAGE / "plugins").rglob("*.py"))


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_builtin_plugins_import_only_the_public_api(path: Path) -> None:
    parts = path.relative_to(PACKAGE / "plugins").parts
    own = "azsql_mcp.plugins" + (f".{parts[0]}" if len(parts) > 1 else "")
    wrong = [
        f"line {line}: {target}"
        for target, line in imports_of(path)
        if target.startswith("azsql_mcp") and not public(target, own)
    ]
    assert not wrong, f"{path.name} imports beyond the public API: {wrong}"


def test_pytest_kit_imports_only_the_public_api() -> None:
    path = PACKAGE / "testing" / "pytest_plugin.py"
    wrong = [
        f"line {line}: {target}"
        for target, line in imports_of(path)
        if target.startswith("azsql_mcp") and not public(target, "azsql_mcp.testing")
    ]
    assert not wrong, f"the pytest kit imports beyond the public API: {wrong}"


def test_the_import_reader_sees_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from azsql_mcp.core.app import App\n"
        "def f():\n    from azsql_mcp.db import pool\n"
        "from . import tools\n"
    )
    path = PACKAGE / "plugins" / "builtin_tools" / "probe.py"
    found = {target for target, _ in imports_of(path, source)}
    assert found >= {"azsql_mcp.core.app", "azsql_mcp.db.pool", "azsql_mcp.plugins.builtin_tools"}


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_source_file_over_1000_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines: split it by concern"


def asyncio_wait_for_calls(source: str) -> list[int]:
    """Lines that call asyncio.wait_for (or import it)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "asyncio":
            found += [node.lineno for alias in node.names if alias.name == "wait_for"]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "wait_for"
            and isinstance(node.value, ast.Name)
            and node.value.id == "asyncio"
        ):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_timeouts_are_asyncio_timeout_not_wait_for(path: Path) -> None:
    """Python 3.11's wait_for drops a cancel that comes in the step its awaitable ends: a
    loop around it (a poll, a probe) then runs on, and a closing event loop waits for
    ever. `async with asyncio.timeout(...)` keeps the cancel."""
    lines = asyncio_wait_for_calls(path.read_text())
    assert not lines, f"{path.relative_to(SRC)}: asyncio.wait_for on lines {lines}"


def test_the_wait_for_finder_finds_it() -> None:
    source = (
        "import asyncio\nfrom asyncio import wait_for\n"
        "async def f(c):\n    await asyncio.wait_for(c, 1)\n    await c.wait_for(bool)\n"
    )
    assert asyncio_wait_for_calls(source) == [2, 4]


# The public API's own modules, and the internals they may name: the JSON rules (shared
# with the driver process), the fence's marker (shared with the wording of the database's
# errors), the version, the core behind build_server, and the log filter (LogRedaction).
PUBLIC_FILES = [
    "__init__.py",
    "api.py",
    "values.py",
    "version.py",
    "embedding.py",
    "logredaction.py",
]
PUBLIC_MAY_USE = {
    "azsql_mcp.db.jsonvalues",
    "azsql_mcp.db.fence_marker",
    "azsql_mcp.version",
    "azsql_mcp.embedding",
    "azsql_mcp.logredaction",
    "azsql_mcp.core.assembly",
    "azsql_mcp.core.config",
}


@pytest.mark.parametrize("name", PUBLIC_FILES)
def test_the_public_api_stands_on_its_own(name: str) -> None:
    wrong = [
        f"line {line}: {target}"
        for target, line in imports_of(PACKAGE / name)
        if target.startswith("azsql_mcp")
        and not public(target, "azsql_mcp.catalog")
        and target not in PUBLIC_MAY_USE
    ]
    assert not wrong, f"{name} imports internals: {wrong}"


# The database path is the bottom layer: it names the API it implements, the process's
# metrics and its own modules, never the core, serving or diagnostics above it.
DB_MAY_USE = ("azsql_mcp.api", "azsql_mcp.metrics")
DB_FILES = sorted((PACKAGE / "db").rglob("*.py"))


@pytest.mark.parametrize("path", DB_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_database_path_imports_nothing_above_it(path: Path) -> None:
    wrong = [
        f"line {line}: {target}"
        for target, line in imports_of(path)
        if target.startswith("azsql_mcp")
        and target not in DB_MAY_USE
        and not target.startswith("azsql_mcp.db")
    ]
    assert not wrong, f"db/{path.name} imports from a layer above it: {wrong}"
