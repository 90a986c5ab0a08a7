"""The objects a session cannot see, as the per-connection view `__azsql_hidden` that
every catalog view filters by (catalog.py)."""

from __future__ import annotations

# What the session's user cannot see ("Metadata visibility configuration"): without a
# permission on every object (AZSQL_SEES_ALL_OBJECTS: VIEW DEFINITION), a table, view
# or inline function it holds no SELECT on (a GRANT on it, its schema or the database,
# db_datareader's included, none of the three denied), nor db_datawriter's INSERT, nor
# a column GRANT (which counts unless the schema or the database is denied); a
# procedure or scalar function it holds no EXECUTE on (SELECT and INSERT, the fixed
# roles' on the database included, apply to neither: "GRANT Object Permissions"; of
# the others that do, VIEW DEFINITION is AZSQL_SEES_ALL_OBJECTS and GRANT keeps no
# ALTER, CONTROL, TAKE OWNERSHIP or REFERENCES); a synonym it holds no permission on
# (each undone by a DENY of the same permission at any level); and the objects whose
# parent that is.
HIDDEN_OBJECTS_VIEW = """
CREATE TEMP VIEW IF NOT EXISTS __azsql_hidden (object_id) AS
WITH mine (class, major_id, permission_name, state) AS (
    SELECT class, major_id, permission_name, state FROM __azsql_permissions
    WHERE AZSQL_IS_GRANTEE(grantee)
    UNION ALL SELECT 0, 0, 'SELECT', 'G' WHERE AZSQL_IS_GRANTEE('db_datareader')
    UNION ALL SELECT 0, 0, 'INSERT', 'G' WHERE AZSQL_IS_GRANTEE('db_datawriter')),
on_object (object_id, type, class, permission_name, state) AS (
    SELECT o.object_id, o.type, m.class, m.permission_name, m.state
    FROM __azsql_objects o JOIN mine m
      ON m.class = 0 OR (m.class = 3 AND m.major_id = o.schema_id)
         OR (m.class = 1 AND m.major_id = o.object_id)
    WHERE o.type IN ('U', 'V', 'IF', 'P', 'PC', 'FN', 'FS', 'X', 'SN')),
holds (object_id) AS (
    SELECT object_id FROM on_object
    WHERE CASE WHEN type IN ('U', 'V', 'IF') THEN permission_name IN ('SELECT', 'INSERT')
               WHEN type = 'SN' THEN 1
               ELSE permission_name = 'EXECUTE' END
    GROUP BY object_id, permission_name
    HAVING max(state = 'G') AND NOT max(state = 'D')
    UNION ALL
    SELECT object_id FROM __azsql_column_permissions
    WHERE state = 'G' AND AZSQL_IS_GRANTEE(grantee)
      AND object_id NOT IN (SELECT object_id FROM on_object
                            WHERE state = 'D' AND permission_name = 'SELECT' AND class <> 1)),
hidden (object_id) AS (
    SELECT object_id FROM __azsql_objects
    WHERE type IN ('U', 'V', 'IF', 'P', 'PC', 'FN', 'FS', 'X', 'SN')
      AND NOT AZSQL_SEES_ALL_OBJECTS()
      AND object_id NOT IN holds)
SELECT object_id FROM hidden
UNION ALL
SELECT object_id FROM __azsql_objects WHERE parent_object_id IN hidden
"""
