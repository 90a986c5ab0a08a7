"""Where this installation's documentation is, for the messages to operators that name a
page: a checkout has docs/ beside src/, and the wheel installs its pages as data into
share/doc/azsql-mcp of the environment (pyproject's data-files), where a pip, pipx or
uv user finds them."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path, PurePosixPath

from azsql_mcp.version import DISTRIBUTION

INSTALLED_DIR = PurePosixPath("share", "doc", DISTRIBUTION)


def doc(page: str) -> str:
    """The path of `page` ("configuration.md") on this machine, or its docs/ path in the
    source when neither a checkout nor the installed data holds it."""
    found = _docs_dir()
    if found is not None and (found / page).is_file():
        return str(found / page)
    return f"docs/{page}"


@cache
def _docs_dir() -> Path | None:
    checkout = Path(__file__).resolve().parents[3] / "docs"  # src/azsql_mcp/core/ -> root
    if (checkout / "configuration.md").is_file():
        return checkout
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:  # RECORD names the data relative to site-packages: ../../../share/...
        if PurePosixPath(file.as_posix()).parent.parts[-3:] == INSTALLED_DIR.parts:
            return Path(str(file.locate())).resolve().parent
    return None
