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


def _key(text: str) -> str:
    return text.rstrip(" ").lower()


def compare_nocase(a: str, b: str) -> int:
    left, right = _key(a), _key(b)
    return (left > right) - (left < right)


def register_collation(conn: sqlite3.Connection) -> None:
    conn.create_collation("NOCASE", compare_nocase)
