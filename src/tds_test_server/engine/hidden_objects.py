"""The objects a session cannot see, as the per-connection view `__azsql_hidden` that
every catalog view filters by (catalog.py)."""

from __future__ import annotations

# What the session's user cannot see ("Metadata visibility configuration"): without a
# permission on every object (AZSQL_SEES_ALL_OBJECTS: VIEW DEFINITION), an object it
# holds no permission on, and the objects whose parent that is. An explicit GRANT on the
# object, its schema or the database counts, whatever the permission ("Scope of
# Permissions": SELECT on a schema shows its tables, functions and procedures alike);
# for a database GRANT that follows the page's general rule, which names no example at
# that scope. db_datareader's SELECT and db_datawriter's INSERT on the database count for
# tables, views, inline functions and synonyms only: the page leaves a fixed role's
# metadata to its implicit permissions and lists none; that its members see no
# procedure or scalar function without EXECUTE or VIEW DEFINITION is what is widely
# observed. A column GRANT counts unless the schema or the database is denied SELECT.
# Each permission is undone by a DENY of it at any level, and a DENY EXECUTE at any
# level hides a procedure or scalar function whatever else is granted ("Precedence of
# DENY").
HIDDEN_OBJECTS_VIEW = """
CREATE TEMP VIEW IF NOT EXISTS __azsql_hidden (object_id) AS
WITH mine (class, major_id, permission_name, state, explicit) AS (
    SELECT class, major_id, permission_name, state, 1 FROM __azsql_permissions
    WHERE AZSQL_IS_GRANTEE(grantee)
    UNION ALL SELECT 0, 0, 'SELECT', 'G', 0 WHERE AZSQL_IS_GRANTEE('db_datareader')
    UNION ALL SELECT 0, 0, 'INSERT', 'G', 0 WHERE AZSQL_IS_GRANTEE('db_datawriter')),
on_object (object_id, type, class, permission_name, state, explicit) AS (
    SELECT o.object_id, o.type, m.class, m.permission_name, m.state, m.explicit
    FROM __azsql_objects o JOIN mine m
      ON m.class = 0 OR (m.class = 3 AND m.major_id = o.schema_id)
         OR (m.class = 1 AND m.major_id = o.object_id)
    WHERE o.type IN ('U', 'V', 'IF', 'TF', 'P', 'PC', 'FN', 'FS', 'X', 'SN')),
holds (object_id) AS (
    SELECT object_id FROM on_object
    WHERE explicit OR type IN ('U', 'V', 'IF', 'TF', 'SN')
    GROUP BY object_id, permission_name
    HAVING max(state = 'G') AND NOT max(state = 'D')
    UNION ALL
    SELECT object_id FROM __azsql_column_permissions
    WHERE state = 'G' AND AZSQL_IS_GRANTEE(grantee)
      AND object_id NOT IN (SELECT object_id FROM on_object
                            WHERE state = 'D' AND permission_name = 'SELECT' AND class <> 1)),
denied (object_id) AS (
    SELECT object_id FROM on_object
    WHERE type IN ('P', 'PC', 'FN', 'FS', 'X') AND permission_name = 'EXECUTE'
      AND state = 'D'),
hidden (object_id) AS (
    SELECT object_id FROM __azsql_objects
    WHERE type IN ('U', 'V', 'IF', 'TF', 'P', 'PC', 'FN', 'FS', 'X', 'SN')
      AND NOT AZSQL_SEES_ALL_OBJECTS()
      AND (object_id NOT IN holds OR object_id IN denied))
SELECT object_id FROM hidden
UNION ALL
SELECT object_id FROM __azsql_objects WHERE parent_object_id IN hidden
"""
