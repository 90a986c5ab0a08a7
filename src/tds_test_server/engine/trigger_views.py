"""Where DML triggers are kept, and sys.triggers and sys.trigger_events over it, written
from their pages in Microsoft's docs.

A trigger is an __azsql_objects row of type TR whose parent_object_id is its table (so it
is seen by whoever sees the table: "Metadata visibility configuration" counts triggers
among an object's subcomponents) and an __azsql_triggers row: disabled or not, AFTER or
INSTEAD OF, and which of INSERT, UPDATE and DELETE fire it. sys.trigger_events has a row
per event, typed as sys.trigger_event_types numbers them (1 INSERT, 2 UPDATE, 3 DELETE).
"""

from __future__ import annotations

TRIGGERS_DDL = """
CREATE TABLE IF NOT EXISTS __azsql_triggers (
    object_id INTEGER PRIMARY KEY, is_disabled INTEGER, is_instead_of INTEGER,
    on_insert INTEGER, on_update INTEGER, on_delete INTEGER);
"""

EVENTS = ("INSERT", "UPDATE", "DELETE")  # in sys.trigger_event_types' order (type 1, 2, 3)


def triggers_view(objects: str) -> tuple[str, str]:
    """sys.triggers' columns and SELECT over `objects`, the __azsql_objects rows the
    session may see. Only DML triggers on tables (parent_class 1, OBJECT_OR_COLUMN)."""
    return (
        "name sysname, object_id int, parent_class tinyint, parent_class_desc nvarchar(60),"
        " parent_id int, type char(2), type_desc nvarchar(60), create_date datetime,"
        " modify_date datetime, is_ms_shipped bit, is_disabled bit,"
        " is_not_for_replication bit, is_instead_of_trigger bit",
        "SELECT o.name, o.object_id, 1, 'OBJECT_OR_COLUMN', o.parent_object_id, 'TR',"
        " 'SQL_TRIGGER', o.create_date, o.modify_date, 0, t.is_disabled, 0, t.is_instead_of"
        f" FROM {objects} o JOIN __azsql_triggers t ON t.object_id = o.object_id"
        " WHERE o.type = 'TR'",
    )


def trigger_events_view(objects: str) -> tuple[str, str]:
    """sys.trigger_events' columns and SELECT: a row per trigger and event that fires it."""
    selects = " UNION ALL ".join(
        f"SELECT o.object_id, {number}, '{event}', 0, 0, NULL, NULL, 1"
        f" FROM {objects} o JOIN __azsql_triggers t ON t.object_id = o.object_id"
        f" WHERE o.type = 'TR' AND t.on_{event.lower()} = 1"
        for number, event in enumerate(EVENTS, start=1)
    )
    return (
        "object_id int, type int, type_desc nvarchar(60), is_first bit, is_last bit,"
        " event_group_type int, event_group_type_desc nvarchar(60), is_trigger_event bit",
        selects,
    )
