"""The temporary table and trigger that record the rows a statement with an OUTPUT
clause changes (output_clause.py tells why): created before the statement, dropped after.
"""

from __future__ import annotations

from .output_clause import OUTPUT_TABLE
from .session_state import _q

_TRIGGER = "__azsql_output_capture"


def capture_setup(kind: str, target: str, columns: list[str]) -> list[str]:
    """SQLite statements that create the capture table (the target's columns) and the
    trigger that fills it for each row the statement changes."""
    t = _q(target)
    if kind == "insert":
        event, values, into = "INSERT", "NEW.rowid", "rowid"
    else:
        event = kind.upper()
        values = ", ".join(["OLD.rowid", *(f"OLD.{_q(c)}" for c in columns)])
        into = ", ".join(["rowid", *(_q(c) for c in columns)])
    return [
        *capture_teardown(),
        f"CREATE TEMP TABLE {_q(OUTPUT_TABLE)} AS SELECT * FROM {t} WHERE 0",
        f"CREATE TEMP TRIGGER {_q(_TRIGGER)} AFTER {event} ON {t} BEGIN"
        f" INSERT OR IGNORE INTO {_q(OUTPUT_TABLE)} ({into}) VALUES ({values}); END",
    ]


def capture_teardown() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS temp.{_q(_TRIGGER)}",
        f"DROP TABLE IF EXISTS temp.{_q(OUTPUT_TABLE)}",
    ]
