"""The TDS test server is its own package: it imports nothing from azsql_mcp, and no
source file of it grows past 1,000 lines. Read with `ast`, never imported."""

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
