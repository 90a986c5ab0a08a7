"""What the loader says about a plugin's own source: the line of it where an error arose,
and the modules of azsql-mcp it imports that are not the public API."""

from __future__ import annotations

import ast
import importlib.util
import sys
import traceback
from collections.abc import Iterable

from azsql_mcp.core.docpaths import doc

# The public API (docs/plugins.md, "The public API"), as the built-in plugins may import
# it (docs/architecture.md, rule 2); azsql_mcp.testing is the pytest kit.
PUBLIC_MODULES = ("azsql_mcp", "azsql_mcp.api", "azsql_mcp.values")
PUBLIC_PACKAGES = ("azsql_mcp.catalog", "azsql_mcp.testing")
CORE = __name__.rpartition(".")[0]  # the loader's package


def top_package(module: str) -> str:
    """`acme` of an entry point's `acme.tools:plugin`."""
    return module.partition(":")[0].partition(".")[0]


def where_raised(exc: BaseException, package: str) -> str:
    """` (at FILE:LINE, in FUNCTION)`: the innermost frame of the plugin's own modules
    (`package` and below) in the exception's traceback, or "" when none is there (the
    error arose before any of its code ran)."""
    here = ""
    for frame, line in traceback.walk_tb(exc.__traceback__):
        name = frame.f_globals.get("__name__", "")
        if name.startswith(CORE + "."):
            continue  # the loader's own frames (a built-in plugin's package holds them)
        if name == package or name.startswith(package + "."):
            here = f" (at {frame.f_code.co_filename}:{line}, in {frame.f_code.co_name})"
    return here


def missing_module_advice(exc: BaseException, module: str, entry_point: str) -> str:
    """What to do about a ModuleNotFoundError raised importing the entry point's `module`:
    the entry point names a module that is not there, or the plugin imports a library
    that is not installed. "" for any other error."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return ""
    if module == exc.name or module.startswith(exc.name + "."):
        return (
            f"; the entry point {entry_point!r} names a module that is not installed: correct"
            " it under [project.entry-points.azsql_mcp] in the plugin's pyproject.toml and"
            " reinstall the package"
        )
    return (
        f"; the plugin imports {exc.name!r}, which is not installed in the server's"
        f" environment: install it there (pip install {top_package(exc.name)}), and list it"
        " in the plugin's dependencies"
    )


def private_imports(module_names: Iterable[str]) -> list[str]:
    """A warning for each import of a non-public azsql-mcp module in the source of these
    modules (files that do not mention `azsql_mcp` are not parsed)."""
    found: list[str] = []
    for name in sorted(set(module_names)):
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        try:
            with open(path, encoding="utf-8") as file:
                source = file.read()
        except (OSError, UnicodeDecodeError):
            continue
        if "azsql_mcp" not in source:
            continue
        try:
            tree = ast.parse(source, path)
        except SyntaxError:
            continue  # it imported, so this is some other file at that path now
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for imported in _imported(node):
                if not _public(imported):
                    found.append(
                        f"{path}:{node.lineno} imports {imported}, which is not the public"
                        " API and may change in any release: import from azsql_mcp,"
                        f" azsql_mcp.values or azsql_mcp.catalog instead ({doc('plugins.md')},"
                        ' "The public API"; ask for what is missing there)'
                    )
    return found


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0 and node.module:
        if node.module == "azsql_mcp":  # `from azsql_mcp import db` imports a module
            modules = [f"azsql_mcp.{alias.name}" for alias in node.names]
            return [m for m in modules if m in sys.modules or _submodule(m)]
        return [node.module]
    return []


def _submodule(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _public(module: str) -> bool:
    if module != "azsql_mcp" and not module.startswith("azsql_mcp."):
        return True  # not ours
    if module in PUBLIC_MODULES:
        return True
    return any(module == p or module.startswith(p + ".") for p in PUBLIC_PACKAGES)
