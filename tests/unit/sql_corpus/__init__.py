"""SQL corpora for the safety guard, loadable by any test.

Each ``*.sql`` file here holds statements separated by lines that read exactly
``-- next``; everything before the first separator is a header and is skipped.
Inside an entry ``<U+XXXX>`` stands for that character, so invisible and
control characters stay readable in the file.

From tests outside this folder, load the module by path::

    spec = importlib.util.spec_from_file_location(
        "sql_corpus", Path(__file__).parents[1] / "unit/sql_corpus/__init__.py")
"""

from __future__ import annotations

import re
from pathlib import Path

CORPUS_DIR = Path(__file__).parent
SEPARATOR = "-- next"


def load_corpus(name: str) -> list[str]:
    """The statements of ``NAME.sql`` (``"hostile"`` or ``"legit"``), in file order."""
    text = (CORPUS_DIR / f"{name}.sql").read_text(encoding="utf-8")
    chunks = re.split(rf"^{re.escape(SEPARATOR)}[ \t]*\n", text, flags=re.M)[1:]
    return [_expand(chunk.strip("\n")) for chunk in chunks]


def _expand(entry: str) -> str:
    return re.sub(r"<U\+([0-9A-Fa-f]{4,6})>", lambda m: chr(int(m.group(1), 16)), entry)


def server_state_only(statement: str) -> bool:
    """Whether the guard refuses `statement` only because it reads server state (sys.dm_...),
    which a caller with sql.admin, or without client authentication, may read."""
    from azsql_mcp import QueryRefused
    from azsql_mcp.db.sqlguard import check_select
    from azsql_mcp.db.sqlpolicy import ReadPolicy

    try:
        check_select(statement)
    except QueryRefused:
        try:
            check_select(statement, policy=ReadPolicy(allow_server_state=True))
        except QueryRefused:
            return False
        return True
    return False
