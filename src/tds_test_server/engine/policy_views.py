"""sys.security_policies and sys.security_predicates over the row-level security that
row_security.py keeps, written from the two views' pages (SQL Server 2016+). Only FILTER
predicates are emulated, so predicate_type is 0 and operation NULL on every row.
"""

from __future__ import annotations

_POLICY_COLUMNS = (
    ", is_enabled bit, is_not_for_replication bit, uses_database_collation bit, is_schema_bound bit"
)


def security_policies(object_columns: str, object_select: str, objects: str) -> tuple[str, str]:
    """sys.security_policies' columns and SELECT: sys.objects' (`object_columns`,
    `object_select` over `objects`, aliased o) and the policy's own."""
    enabled = (
        "coalesce((SELECT max(p.is_enabled) FROM __azsql_security_predicates p"
        " WHERE p.object_id = o.object_id), 1)"
    )
    return (
        object_columns + _POLICY_COLUMNS,
        f"SELECT {object_select}, {enabled}, 0, 1, 1 FROM {objects} WHERE o.type = 'SP'",
    )


# The predicates of the policies the user sees (a policy hidden from it hides them too).
SECURITY_PREDICATES = (
    "object_id int, security_predicate_id int, target_object_id int,"
    " predicate_definition nvarchar(max), predicate_type int,"
    " predicate_type_desc nvarchar(60), operation int, operation_desc nvarchar(60)",
    "SELECT object_id, security_predicate_id, target_object_id, predicate_definition, 0,"
    " 'FILTER', NULL, NULL FROM __azsql_security_predicates"
    " WHERE object_id NOT IN (SELECT object_id FROM temp.__azsql_hidden)",
)
