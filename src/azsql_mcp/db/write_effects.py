"""Rows a write changes that `max_affected_rows` cannot count.

SQL Server's row count of an INSERT, UPDATE or DELETE ("@@ROWCOUNT (Transact-SQL)", and
the DONE token the driver reads it from) holds the rows of the statement's own table.
Rows a cascading foreign key changes in other tables (ON DELETE/UPDATE CASCADE, SET NULL,
SET DEFAULT) are never in it; rows a trigger changes arrive as counts of their own only
while the trigger leaves SET NOCOUNT OFF, and FreeTDS passes only the last count on; an
INSTEAD OF trigger replaces the statement altogether. So a one-row DELETE may remove a
whole order history with the cap none the wiser: such writes are refused unless the
operator sets `allow_uncounted_writes`. So are writes to a table of another database
the operator opened (`allowed_databases`): its keys and triggers are in that database's
catalog views, which this source does not ask.

Asked of the catalog views, so a table's keys and triggers are seen only as far as the
login may see the tables they belong to ("Metadata visibility configuration"): a
foreign key of a table the login holds no permission on is not seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from azsql_mcp.api import QueryResult

# Per table (as OBJECT_ID takes it) and action (INSERT, UPDATE or DELETE): the foreign
# keys that act on other tables' rows when this one's change (one row per key column,
# from "sys.foreign_keys" and "sys.foreign_key_columns"), the enabled triggers that
# fire for the action ("sys.triggers", "sys.trigger_events"), and whether it is a view
# or a synonym, whose writes reach a table whose keys and triggers are not these. Every
# row is a reason to refuse, so a result cut by the row cap still refuses.
_UNCOUNTED = """
SELECT N'foreign key' AS kind, fk.name AS name,
       QUOTENAME(OBJECT_SCHEMA_NAME(fk.parent_object_id)) + N'.'
         + QUOTENAME(OBJECT_NAME(fk.parent_object_id)) AS other_table,
       CASE @action WHEN N'DELETE' THEN fk.delete_referential_action_desc
                    ELSE fk.update_referential_action_desc END AS what
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fc ON fc.constraint_object_id = fk.object_id
WHERE fk.referenced_object_id = OBJECT_ID(@table)
  AND CASE @action WHEN N'DELETE' THEN fk.delete_referential_action
                   WHEN N'UPDATE' THEN fk.update_referential_action ELSE 0 END <> 0{keys}
UNION ALL
SELECT N'trigger', tr.name, NULL,
       CASE tr.is_instead_of_trigger WHEN 1 THEN N'INSTEAD OF' ELSE N'AFTER' END
FROM sys.triggers AS tr
JOIN sys.trigger_events AS te ON te.object_id = tr.object_id
WHERE tr.parent_id = OBJECT_ID(@table) AND tr.is_disabled = 0 AND te.type_desc = @action
UNION ALL
SELECT N'indirect', o.name, NULL, o.type_desc
FROM sys.objects AS o
WHERE o.object_id = OBJECT_ID(@table) AND o.type IN ('V', 'SN')
ORDER BY kind, name
"""


def uncounted_statement(
    table: str, action: str, updated_columns: Sequence[str]
) -> tuple[str, dict[str, str]]:
    """_UNCOUNTED and its values. An UPDATE cascades only through keys whose columns it
    sets: SQL Server resolves the SET names to column ids (COLUMNPROPERTY ... 'ColumnId',
    under the database's collation, as the UPDATE itself does)."""
    values = {"table": table, "action": action}
    keys = ""
    if action == "UPDATE":
        names = [f"@c{i}" for i in range(len(updated_columns))]
        values |= {name[1:]: column for name, column in zip(names, updated_columns, strict=True)}
        ids = ", ".join(f"COLUMNPROPERTY(OBJECT_ID(@table), {name}, 'ColumnId')" for name in names)
        keys = f"\n  AND fc.referenced_column_id IN ({ids or 'NULL'})"
    return _UNCOUNTED.format(keys=keys), values


# The user tables of the database a write is refused on for a cascading key (either
# action) or an enabled trigger (any event), for `azsql-mcp check` to list up front.
TABLES_UNCOUNTED = """
SELECT QUOTENAME(s.name) + N'.' + QUOTENAME(o.name) AS table_name
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
  AND (EXISTS (SELECT 1 FROM sys.foreign_keys AS fk
               WHERE fk.referenced_object_id = o.object_id
                 AND (fk.delete_referential_action <> 0 OR fk.update_referential_action <> 0))
       OR EXISTS (SELECT 1 FROM sys.triggers AS tr
                  WHERE tr.parent_id = o.object_id AND tr.is_disabled = 0))
ORDER BY table_name
"""


def uncounted(result: QueryResult, action: str) -> list[str]:
    """What in _UNCOUNTED's result would change rows the count leaves out, in words."""
    names = [column.name for column in result.columns]
    found: dict[str, str] = {}
    for r in (dict(zip(names, row, strict=True)) for row in result.rows):
        if r["kind"] == "trigger":
            found[f"t:{r['name']}"] = f"trigger {r['name']} ({r['what']} {action})"
        elif r["kind"] == "indirect":
            what = str(r["what"]).lower()
            found["indirect"] = (
                f"the {what} itself (its writes reach tables whose foreign keys and"
                " triggers are not checked through it: write to the table)"
            )
        else:
            what = str(r["what"]).replace("_", " ")
            found[f"k:{r['name']}"] = (
                f"foreign key {r['name']} of {r['other_table']} (ON {action} {what})"
            )
    if result.truncated:
        found["more"] = "more, in a list cut by the row cap"
    return list(found.values())


_ALLOW = (
    " An operator can allow such writes with allow_uncounted_writes = true in [security]"
    " (or a source's [sources.NAME.security])."
)


def refusal(action: str, table: str, found: Sequence[str]) -> str:
    return (
        f"This {action} on {table} also changes rows that max_affected_rows cannot count,"
        f" through {'; '.join(found)}: SQL Server leaves rows changed by cascading foreign"
        f" keys and by triggers out of the statement's row count. Nothing was run.{_ALLOW}"
    )


def unchecked(action: str, table: str, database: str) -> str:
    return (
        f"This {action} may change {table}, a table of the database {database}: the"
        f" foreign keys and triggers that act on it are in {database}'s catalog, which"
        " this source does not ask, so whether it also changes rows max_affected_rows"
        " cannot count is unknown. Nothing was run. Write through a source whose database"
        f" is {database}, where the check runs.{_ALLOW}"
    )


ALLOWED = "writes to tables no cascading foreign key or enabled trigger acts on"
