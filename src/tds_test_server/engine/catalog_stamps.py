"""Which objects changed since the catalog last loaded (Catalog.load reads only those).

Every DDL reloads the in-memory catalog; reading every object's and column's row at each
made creating N tables cost O(N^2) (bench/README.md, "Creating tables"). Triggers on the
metadata tables Catalog.load reads give the object a new random stamp whenever one of its
rows is written. The stamps are in the same database, so they commit and roll back with
the DDL that wrote them: a rolled-back change brings back the old stamp, which differs
from the one the catalog loaded, and the object is read again. A file from before the
stamps has none for its objects: its first load reads everything, as every first load.
A load reads the stamps a bucket of about 64 objects at a time, as one text, and looks
inside only the buckets whose text changed: one Python row for each object was the
largest part of creating 2,000 tables.
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

# Object ids go up by 16003 (Catalog.next_object_id): a bucket holds about 64 objects,
# and a load reads a row of each bucket, not of each object.
_BUCKET = 16003 * 64


def _stamp(row: str) -> str:
    """The stamp row of the object of trigger row `row` (NEW or OLD): its bucket, its id,
    and "object_id:random" (the bucket's rows are read as one text)."""
    return f"{row}.object_id / {_BUCKET}, {row}.object_id, {row}.object_id || ':' || random()"


STAMPS_DDL = (
    "CREATE TABLE IF NOT EXISTS __azsql_object_stamps (bucket INTEGER, object_id INTEGER,"
    " stamp TEXT, PRIMARY KEY (bucket, object_id)) WITHOUT ROWID;\n"
    + "".join(
        f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_stamp AFTER {event} ON {table}"
        f" BEGIN INSERT OR REPLACE INTO __azsql_object_stamps VALUES ({_stamp(row)});"
        + (
            f" INSERT OR REPLACE INTO __azsql_object_stamps SELECT {_stamp('OLD')}"
            " WHERE OLD.object_id IS NOT NEW.object_id;"
            if event == "UPDATE"
            else ""
        )
        + " END;\n"
        for table in _WATCHED
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    )
)


Stamps = dict[int, str]  # bucket: "object_id:stamp,..." of its objects


def read_stamps(conn: sqlite3.Connection) -> Stamps:
    """The stamps of every object written since the stamps began, by bucket."""
    return dict(
        conn.execute(
            "SELECT bucket, group_concat(stamp) FROM __azsql_object_stamps GROUP BY bucket"
        )
    )


def changed_since(before: Stamps, now: Stamps) -> list[int]:
    """The objects whose stamp is new, different or gone (looked for in the buckets
    whose text changed)."""
    changed: set[int] = set()
    for bucket in before.keys() | now.keys():
        if before.get(bucket) != now.get(bucket):
            pairs = _pairs(before.get(bucket)) ^ _pairs(now.get(bucket))
            changed |= {int(pair.partition(":")[0]) for pair in pairs}
    return sorted(changed)


def _pairs(stamps: str | None) -> set[str]:
    return set(stamps.split(",")) if stamps else set()


def among(column: str, ids: list[int] | None) -> tuple[str, tuple[str, ...]]:
    """A condition keeping the rows whose `column` is one of `ids` (None: every row), and
    its parameters."""
    if ids is None:
        return "1", ()
    return f"{column} IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
