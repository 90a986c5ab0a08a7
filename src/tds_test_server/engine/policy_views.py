"""sys.security_policies and sys.security_predicates over the row-level security that
row_security.py keeps, written from the two views' pages (SQL Server 2016+). Only FILTER
predicates are emulated, so predicate_type is 0 and operation NULL on every row.

Who sees them ("sys.security_policies", Permissions): a principal with ALTER ANY SECURITY
POLICY, or VIEW DEFINITION on the policy; here the principals that see definitions (VIEW
DEFINITION on the database, the admins). A db_datareader sees neither view's rows.
"""

from __future__ import annotations

_POLICY_COLUMNS = (
    ", is_enabled bit, is_not_for_replication bit, uses_database_collation bit,"
    " is_schemabinding_enabled bit"
)


def security_policies(
    object_columns: str, object_select: str, objects: str, sees_definitions: str
) -> tuple[str, str]:
    """sys.security_policies' columns and SELECT: sys.objects' (`object_columns`,
    `object_select` over `objects`, aliased o) and the policy's own, when
    `sees_definitions` (an SQL expression) is 1."""
    enabled = (
        "coalesce((SELECT max(p.is_enabled) FROM __azsql_security_predicates p"
        " WHERE p.object_id = o.object_id), 1)"
    )
    return (
        object_columns + _POLICY_COLUMNS,
        f"SELECT {object_select}, {enabled}, 0, 1, 0 FROM {objects}"
        f" WHERE o.type = 'SP' AND {sees_definitions} = 1",
    )


def security_predicates(sees_definitions: str) -> tuple[str, str]:
    """sys.security_predicates' columns and SELECT, rows when `sees_definitions` is 1."""
    return (
        "object_id int, security_predicate_id int, target_object_id int,"
        " predicate_definition nvarchar(max), predicate_type int,"
        " predicate_type_desc nvarchar(60), operation int, operation_desc nvarchar(60)",
        "SELECT object_id, security_predicate_id, target_object_id, predicate_definition, 0,"
        f" 'FILTER', NULL, NULL FROM __azsql_security_predicates WHERE {sees_definitions} = 1",
    )
