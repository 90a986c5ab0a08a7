"""The default collation's comparison (SQL_Latin1_General_CP1_CI_AS) as SQLite's NOCASE.

SQL Server pads the shorter of two strings with blanks before it compares them (the ANSI
rule, "How SQL Server compares strings with trailing spaces"): `'ab' = 'ab   '` is true,
and GROUP BY, DISTINCT, UNIQUE and ORDER BY treat the two as one value. SQLite's own
NOCASE counts trailing blanks and folds only ASCII letters ('É' and 'é' differed). Every
text column, VALUES column and compared expression is NOCASE (sql_types.affinity,
sqlite_dialect), so replacing NOCASE on each connection gives them all the rule. LIKE
keeps its own matching (the pattern's trailing blanks count there).
"""

from __future__ import annotations

import sqlite3
from typing import Any

SORT_KEY = "AZSQL_SORT_KEY"  # the SQLite function sort_key


def compare_nocase(a: str, b: str) -> int:
    # written out: SQLite calls it twice for each comparison of a sort or an index search
    a, b = a.rstrip(" ").lower(), b.rstrip(" ").lower()
    return 0 if a == b else 1 if a > b else -1


def sort_key(value: Any) -> Any:
    """A text value as compare_nocase compares it; any other value as it is. Sorting by
    it (BINARY compares UTF-8 bytes, which order as code points do) gives NOCASE's order
    with one call a row where NOCASE takes two a comparison (sqlite_dialect.ordered_sql)."""
    return value.rstrip(" ").lower() if isinstance(value, str) else value


def register_collation(conn: sqlite3.Connection) -> None:
    conn.create_collation("NOCASE", compare_nocase)
    conn.create_function(SORT_KEY, 1, sort_key, deterministic=True)
