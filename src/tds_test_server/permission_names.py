"""The securable classes and permission names HAS_PERMS_BY_NAME accepts: anything else
is NULL ("HAS_PERMS_BY_NAME (Transact-SQL)", Remarks). From "sys.fn_builtin_permissions
(Transact-SQL)" (its class list, and its permission table for the four classes the test
server answers for), with the permissions SQL Server 2022 added; ANY is the wildcard.
"""

from __future__ import annotations

CLASSES = frozenset(
    [
        "APPLICATION ROLE",
        "ASSEMBLY",
        "ASYMMETRIC KEY",
        "AVAILABILITY GROUP",
        "CERTIFICATE",
        "CONTRACT",
        "DATABASE",
        "DATABASE SCOPED CREDENTIAL",
        "ENDPOINT",
        "FULLTEXT CATALOG",
        "FULLTEXT STOPLIST",
        "LOGIN",
        "MESSAGE TYPE",
        "OBJECT",
        "REMOTE SERVICE BINDING",
        "ROLE",
        "ROUTE",
        "SCHEMA",
        "SEARCH PROPERTY LIST",
        "SERVER",
        "SERVER ROLE",
        "SERVICE",
        "SYMMETRIC KEY",
        "TYPE",
        "USER",
        "XML SCHEMA COLLECTION",
    ]
)

_OBJECT = [
    "ALTER",
    "CONTROL",
    "DELETE",
    "EXECUTE",
    "INSERT",
    "RECEIVE",
    "REFERENCES",
    "SELECT",
    "TAKE OWNERSHIP",
    "UPDATE",
    "VIEW CHANGE TRACKING",
    "VIEW DEFINITION",
    "UNMASK",  # SQL Server 2022: granular UNMASK
]
_SCHEMA = [p for p in _OBJECT if p != "RECEIVE"] + ["CREATE SEQUENCE"]
_DATABASE = [
    "ADMINISTER DATABASE BULK OPERATIONS",
    "ALTER",
    *(
        f"ALTER ANY {what}"
        for what in (
            "APPLICATION ROLE",
            "ASSEMBLY",
            "ASYMMETRIC KEY",
            "CERTIFICATE",
            "COLUMN ENCRYPTION KEY",
            "COLUMN MASTER KEY",
            "CONTRACT",
            "DATABASE AUDIT",
            "DATABASE DDL TRIGGER",
            "DATABASE EVENT NOTIFICATION",
            "DATABASE EVENT SESSION",
            "DATABASE SCOPED CONFIGURATION",
            "DATASPACE",
            "EXTERNAL DATA SOURCE",
            "EXTERNAL FILE FORMAT",
            "EXTERNAL LANGUAGE",
            "EXTERNAL LIBRARY",
            "FULLTEXT CATALOG",
            "MASK",
            "MESSAGE TYPE",
            "REMOTE SERVICE BINDING",
            "ROLE",
            "ROUTE",
            "SCHEMA",
            "SECURITY POLICY",
            "SENSITIVITY CLASSIFICATION",
            "SERVICE",
            "SYMMETRIC KEY",
            "USER",
        )
    ),
    "ALTER LEDGER",
    "ALTER LEDGER CONFIGURATION",
    "AUTHENTICATE",
    "BACKUP DATABASE",
    "BACKUP LOG",
    "CHECKPOINT",
    "CONNECT",
    "CONNECT REPLICATION",
    "CONTROL",
    *(
        f"CREATE {what}"
        for what in (
            "AGGREGATE",
            "ASSEMBLY",
            "ASYMMETRIC KEY",
            "CERTIFICATE",
            "CONTRACT",
            "DATABASE",
            "DATABASE DDL EVENT NOTIFICATION",
            "DEFAULT",
            "EXTERNAL LIBRARY",
            "FULLTEXT CATALOG",
            "FUNCTION",
            "MESSAGE TYPE",
            "PROCEDURE",
            "QUEUE",
            "REMOTE SERVICE BINDING",
            "ROLE",
            "ROUTE",
            "RULE",
            "SCHEMA",
            "SERVICE",
            "SYMMETRIC KEY",
            "SYNONYM",
            "TABLE",
            "TYPE",
            "USER",
            "VIEW",
            "XML SCHEMA COLLECTION",
        )
    ),
    "DELETE",
    "ENABLE LEDGER",
    "EXECUTE",
    "EXECUTE ANY EXTERNAL SCRIPT",
    "INSERT",
    "KILL DATABASE CONNECTION",
    "REFERENCES",
    "SELECT",
    "SHOWPLAN",
    "SUBSCRIBE QUERY NOTIFICATIONS",
    "TAKE OWNERSHIP",
    "UNMASK",
    "UPDATE",
    "VIEW ANY COLUMN ENCRYPTION KEY DEFINITION",
    "VIEW ANY COLUMN MASTER KEY DEFINITION",
    "VIEW ANY SENSITIVITY CLASSIFICATION",
    "VIEW CRYPTOGRAPHICALLY SECURED DEFINITION",
    "VIEW DATABASE PERFORMANCE STATE",
    "VIEW DATABASE SECURITY STATE",
    "VIEW DATABASE STATE",
    "VIEW DEFINITION",
    "VIEW LEDGER CONTENT",
    "VIEW PERFORMANCE DEFINITION",
    "VIEW SECURITY DEFINITION",
]
_SERVER = [
    "ADMINISTER BULK OPERATIONS",
    *(
        f"ALTER ANY {what}"
        for what in (
            "AVAILABILITY GROUP",
            "CONNECTION",
            "CREDENTIAL",
            "DATABASE",
            "ENDPOINT",
            "EVENT NOTIFICATION",
            "EVENT SESSION",
            "LINKED SERVER",
            "LOGIN",
            "SERVER AUDIT",
            "SERVER ROLE",
        )
    ),
    "ALTER RESOURCES",
    "ALTER SERVER STATE",
    "ALTER SETTINGS",
    "ALTER TRACE",
    "AUTHENTICATE SERVER",
    "CONNECT ANY DATABASE",
    "CONNECT SQL",
    "CONTROL SERVER",
    "CREATE ANY DATABASE",
    "CREATE AVAILABILITY GROUP",
    "CREATE DDL EVENT NOTIFICATION",
    "CREATE ENDPOINT",
    "CREATE LOGIN",
    "CREATE SERVER ROLE",
    "CREATE TRACE EVENT NOTIFICATION",
    "EXTERNAL ACCESS ASSEMBLY",
    "IMPERSONATE ANY LOGIN",
    "SELECT ALL USER SECURABLES",
    "SHUTDOWN",
    "UNSAFE ASSEMBLY",
    "VIEW ANY CRYPTOGRAPHICALLY SECURED DEFINITION",
    "VIEW ANY DATABASE",
    "VIEW ANY DEFINITION",
    "VIEW ANY ERROR LOG",
    "VIEW ANY PERFORMANCE DEFINITION",
    "VIEW ANY SECURITY DEFINITION",
    "VIEW SERVER PERFORMANCE STATE",
    "VIEW SERVER SECURITY AUDIT",
    "VIEW SERVER SECURITY STATE",
    "VIEW SERVER STATE",
]
PERMISSIONS = {
    "SERVER": frozenset([*_SERVER, "ANY"]),
    "DATABASE": frozenset([*_DATABASE, "ANY"]),
    "SCHEMA": frozenset([*_SCHEMA, "ANY"]),
    "OBJECT": frozenset([*_OBJECT, "ANY"]),
}


def is_valid(securable_class: str, permission: str) -> bool:
    """Whether SQL Server knows the class, and the permission on it (classes the test
    server does not model take any permission name)."""
    if securable_class not in CLASSES:
        return False
    known = PERMISSIONS.get(securable_class)
    return known is None or permission in known
