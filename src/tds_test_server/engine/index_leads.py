"""The text columns SQLite can sort by walking an index (sort_keys.py).

A column that leads an index (its first key) comes out of the index in the index's
collation; SQLite walks it for `ORDER BY column` where the collations agree ("The SQLite
Query Optimizer Overview": sorting by using an index), and for a TOP it reads just the
first rows. A partial index serves only the rows its WHERE holds, so it is left out.
"""

from __future__ import annotations

import sqlite3

_LEADS = """
SELECT m.name, x.name FROM sqlite_schema AS m
JOIN pragma_index_list(m.name) AS l
JOIN pragma_index_xinfo(l.name) AS x
WHERE m.type = 'table' AND l.partial = 0 AND x.seqno = 0 AND x.coll = 'NOCASE'
"""


def nocase_index_leads(conn: sqlite3.Connection) -> frozenset[tuple[str, str]]:
    """(table, column), both casefolded, of each column leading a NOCASE index."""
    rows = conn.execute(_LEADS).fetchall()
    return frozenset((table.casefold(), column.casefold()) for table, column in rows if column)
