"""Where sequences are kept and how sys.sequences shows them ("sys.sequences
(Transact-SQL)": sys.objects' columns, then the sequence's own); sequences.py runs the
statements that make and use them."""

from __future__ import annotations

from .sql_types import TYPE_IDS

SEQUENCES_DDL = """
CREATE TABLE IF NOT EXISTS __azsql_sequences (
    object_id INTEGER PRIMARY KEY, type_name TEXT, precision INTEGER, start_value INTEGER,
    increment INTEGER, minimum_value INTEGER, maximum_value INTEGER, is_cycling INTEGER,
    is_cached INTEGER, cache_size INTEGER, current_value INTEGER, last_used_value INTEGER);
"""

# The integer types a sequence may be, with the precision sys.sequences shows ("CREATE
# SEQUENCE", built_in_integer_type); decimal and numeric of scale 0 take their own.
INTEGER_PRECISIONS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 19}
SCALED_TYPES = ("decimal", "numeric")

# The sql_variant columns (start_value ...) are sent as the plain bigint they hold.
_COLUMNS = (
    ", start_value bigint, increment bigint, minimum_value bigint, maximum_value bigint,"
    " is_cycling bit, is_cached bit, cache_size int, system_type_id tinyint,"
    " user_type_id int, precision tinyint, scale tinyint, current_value bigint,"
    " is_exhausted bit, last_used_value bigint"
)
_TYPE_ID = (
    "CASE q.type_name "
    + " ".join(f"WHEN '{t}' THEN {TYPE_IDS[t]}" for t in (*INTEGER_PRECISIONS, *SCALED_TYPES))
    + " END"
)
# is_exhausted: a sequence without CYCLE whose next value would pass its bound.
_EXHAUSTED = (
    "CASE WHEN q.last_used_value IS NOT NULL AND NOT q.is_cycling AND"
    " q.current_value + q.increment NOT BETWEEN q.minimum_value AND q.maximum_value"
    " THEN 1 ELSE 0 END"
)


def sequences_view(object_columns: str, object_select: str, objects: str) -> tuple[str, str]:
    """sys.sequences' columns and SELECT: sys.objects' (`object_columns`, `object_select`
    over `objects`, aliased o) and each sequence's state."""
    return object_columns + _COLUMNS, (
        f"SELECT {object_select}, q.start_value, q.increment, q.minimum_value,"
        " q.maximum_value, q.is_cycling, q.is_cached, q.cache_size,"
        f" {_TYPE_ID}, {_TYPE_ID}, q.precision, 0, q.current_value, {_EXHAUSTED},"
        f" q.last_used_value FROM {objects} JOIN __azsql_sequences q"
        " ON q.object_id = o.object_id WHERE o.type = 'SO'"
    )
