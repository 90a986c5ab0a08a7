"""The TDS test server is its own package: it imports nothing from azsql_mcp, its
modules import each other without cycles (type-only and function-level imports
included), and no source file of it grows past 1,000 lines. Read with `ast`, never
imported."""

from __future__ import annotations

import ast
from pathlib import Path

import tds_test_server

PACKAGE = Path(tds_test_server.__file__).parent
MAX_LINES = 1000


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name `path` imports, with its line (relative imports stay
    inside the package by construction)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _module_name(path: Path) -> str:
    parts = [PACKAGE.name, *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _internal_imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports anywhere in its body, relative or
    absolute; `from .pkg import name` counts `pkg.name` where that is a module, else
    `pkg`."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):  # some names come from `target` itself
                found.add(target)
    return {m for m in found if m in modules and m != name}


def test_no_import_cycles() -> None:
    paths = {_module_name(p): p for p in _sources()}
    graph = {name: _internal_imports(path, set(paths)) for name, path in paths.items()}
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append([*trail[trail.index(name) :], name])
            return
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_package_has_sources() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in _sources()}
    assert {"protocol/server.py", "engine/engine.py", "sample/__init__.py"} <= names


def test_no_module_imports_azsql_mcp() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in _sources()
        for line, module in _imported_modules(path)
        if module == "azsql_mcp" or module.startswith("azsql_mcp.")
    ]
    assert offenders == [], "tds_test_server must stand alone:\n" + "\n".join(offenders)


def test_no_source_file_is_over_1000_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in _sources()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by concern (limit {MAX_LINES} lines): {long}"
