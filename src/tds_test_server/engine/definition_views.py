"""INFORMATION_SCHEMA.CHECK_CONSTRAINTS and sys.all_sql_modules, written from their
pages in Microsoft's docs.

- INFORMATION_SCHEMA.CHECK_CONSTRAINTS: a row per CHECK constraint the user can see
  (CONSTRAINT_CATALOG, CONSTRAINT_SCHEMA, CONSTRAINT_NAME, CHECK_CLAUSE nvarchar(4000)).
  SQL Server builds it over sys.check_constraints, so CHECK_CLAUSE is NULL without VIEW
  DEFINITION, like sys.check_constraints.definition ("Metadata visibility configuration").
- sys.all_sql_modules: the union of sys.sql_modules and sys.system_sql_modules. This server
  ships no system modules, so its rows are sys.sql_modules' (definitions hidden alike).
"""

from __future__ import annotations

SQL_MODULES_COLUMNS = (
    "object_id int, definition nvarchar(max), uses_ansi_nulls bit,"
    " uses_quoted_identifier bit, is_schema_bound bit,"
    " uses_database_collation bit, is_recompiled bit, null_on_null_input bit,"
    " execute_as_principal_id int, uses_native_compilation bit"
)


def all_sql_modules() -> tuple[str, str]:
    """sys.all_sql_modules' columns and SELECT: sys.sql_modules' rows (a TEMP view)."""
    return SQL_MODULES_COLUMNS, 'SELECT * FROM temp."sys.sql_modules"'


def check_constraints(database: str, objects: str, definition: str) -> tuple[str, str]:
    """INFORMATION_SCHEMA.CHECK_CONSTRAINTS' columns and SELECT: `database` the SQL of the
    current database's name, `objects` the visible objects (aliased t, joined to their
    schema s), `definition` a format string hiding {0} without VIEW DEFINITION."""
    return (
        "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128),"
        " CONSTRAINT_NAME sysname, CHECK_CLAUSE nvarchar(4000)",
        f"SELECT {database}, s.name, t.name,"
        f" {definition.format('substr(t.definition, 1, 4000)')}"
        f" FROM {objects} WHERE t.type = 'C'",
    )
