"""Which objects changed since the catalog last loaded (Catalog.load reads only those).

Every DDL reloads the in-memory catalog; reading every object's and column's row at each
made creating N tables cost O(N^2) (bench/README.md, "Creating tables"). Triggers on the
metadata tables Catalog.load reads give the object a new random stamp whenever one of its
rows is written. The stamps are in the same database, so they commit and roll back with
the DDL that wrote them: a rolled-back change brings back the old stamp, which differs
from the one the catalog loaded, and the object is read again. A file from before the
stamps has none for its objects: its first load reads everything, as every first load.
"""

from __future__ import annotations

import json
import sqlite3

# The tables (each with an object_id column) whose rows Catalog.load turns into objects,
# tables, columns and index leads.
_WATCHED = (
    "__azsql_objects",
    "__azsql_columns",
    "__azsql_column_features",
    "__azsql_indexes",
    "__azsql_index_columns",
)

STAMPS_DDL = (
    "CREATE TABLE IF NOT EXISTS __azsql_object_stamps ("
    " object_id INTEGER PRIMARY KEY, stamp INTEGER);\n"
    + "".join(
        f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_stamp AFTER {event} ON {table}"
        f" BEGIN INSERT OR REPLACE INTO __azsql_object_stamps VALUES ({row}.object_id, random());"
        + (
            " INSERT OR REPLACE INTO __azsql_object_stamps SELECT OLD.object_id, random()"
            " WHERE OLD.object_id IS NOT NEW.object_id;"
            if event == "UPDATE"
            else ""
        )
        + " END;\n"
        for table in _WATCHED
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    )
)


Stamps = frozenset[tuple[int, int]]


def read_stamps(conn: sqlite3.Connection) -> Stamps:
    """(object_id, stamp) of every object written since the stamps began."""
    return frozenset(conn.execute("SELECT object_id, stamp FROM __azsql_object_stamps"))


def changed_since(before: Stamps, now: Stamps) -> list[int]:
    """The objects whose stamp is new, different or gone."""
    return sorted({object_id for object_id, _ in before ^ now})


def among(column: str, ids: list[int] | None) -> tuple[str, tuple[str, ...]]:
    """A condition keeping the rows whose `column` is one of `ids` (None: every row), and
    its parameters."""
    if ids is None:
        return "1", ()
    return f"{column} IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
