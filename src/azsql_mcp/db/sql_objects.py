"""System views and functions no statement may reach, and what counts as server state.

The one list of them: the guard refuses each name below, whatever the tool and its
scopes. Names come from Microsoft's documentation of the system catalog views,
dynamic management views and system functions; each carries the reason given in the
refusal. Views and table-valued functions match when written `sys.NAME`; written
without a schema they match only when their name starts `sys`, `fn_` or `dm_`
(SQL Server finds compatibility views and system functions without the schema,
catalog views such as sys.credentials only with it); compatibility views (`sys...`)
match as `dbo.NAME` too. So a user table `credentials` or `dbo.credentials` is not
matched. Scalar functions (PWDCOMPARE...) match by name.
"""

from __future__ import annotations

# Objects that read files, UNC paths, the transaction log, traces, audits, extended
# event files, the registry, credentials or logins: refused everywhere.
DENIED_OBJECTS: dict[str, str] = {
    # files and paths (a UNC path makes the service account authenticate to that share)
    "fn_get_audit_file": "reads audit files from a path or UNC share on the server",
    "fn_get_audit_file_v2": "reads audit files from a path or UNC share on the server",
    "fn_xe_file_target_read_file": "reads extended-event files from a path or UNC share",
    "fn_xe_telemetry_blob_target_read_file": "reads the extended-event files Azure SQL "
    "Database keeps of every database on the server",
    "fn_msxe_read_event_stream": "reads extended-event files from a path, UNC share or"
    " storage URL, or the live events of a running session",
    "server_event_session_fields": "shows extended-event session settings, the paths of"
    " their event files among them",
    "database_event_session_fields": "shows extended-event session settings, the paths of"
    " their event files among them",
    "dm_xe_session_object_columns": "shows the settings of running extended-event"
    " sessions, the paths of their event files among them",
    "dm_xe_database_session_object_columns": "shows the settings of running"
    " extended-event sessions, the paths of their event files among them",
    "fn_trace_gettable": "reads SQL Trace files from a path or UNC share",
    "fn_trace_getinfo": "shows SQL Trace definitions and their file paths",
    "fn_trace_geteventinfo": "shows what SQL Traces capture",
    "fn_trace_getfilterinfo": "shows SQL Trace filters",
    "traces": "shows SQL Trace definitions and their file paths",
    "dm_os_file_exists": "probes any path or UNC share from the server",
    "dm_os_enumerate_filesystem": "lists directories and files on the server",
    "dm_os_enumerate_fixed_drives": "lists the server's drives",
    "dm_os_volume_stats": "shows the server's volumes and file paths",
    "dm_os_server_diagnostics_log_configurations": "shows paths of the server's logs",
    "dm_server_memory_dumps": "shows paths of the server's memory dumps",
    "dm_server_services": "shows the service accounts and executable paths",
    "fn_servershareddrives": "lists the drives of a failover cluster",
    "fn_virtualfilestats": "shows I/O on the files of every database on the server",
    "master_files": "shows the physical files of every database on the server",
    "sysaltfiles": "shows the physical files of every database on the server",
    "backup_devices": "shows the paths of the server's backup devices",
    "sysdevices": "shows the paths of the server's backup devices",
    "server_file_audits": "shows audit definitions and their file paths",
    "dm_server_audit_status": "shows audits and their file paths",
    # asks Azure Blob Storage's REST API; takes any database's name as text
    "fn_db_backup_file_snapshots": "lists the Azure Blob Storage snapshots of the files of"
    " any database named in its argument, asking the storage service",
    # the registry
    "dm_server_registry": "reads the server's registry",
    # the transaction log
    "fn_dblog": "reads the transaction log (undone changes included)",
    "fn_dump_dblog": "reads log backups from a path or UNC share",
    "fn_full_dblog": "reads the transaction log",
    "fn_dblog_xtp": "reads the transaction log of memory-optimized tables",
    "fn_dump_dblog_xtp": "reads log backups from a path or UNC share",
    "dm_db_log_info": "reads the layout of the transaction log",
    # other sessions' statements
    "fn_get_sql": "shows the text of other sessions' statements",
    "syscacheobjects": "shows the text of cached statements of every session",
    # logins, credentials and keys
    "sql_logins": "shows the password hashes of SQL logins",
    "syslogins": "lists the server's logins",
    "server_principals": "lists the server's logins, outside the database",
    "credentials": "shows the server's credentials (identities for external access)",
    "database_scoped_credentials": "shows the database's credentials for external access",
    "master_key_passwords": "shows passwords of database master keys",
    "linked_logins": "shows logins mapped to linked servers",
    "remote_logins": "shows logins mapped to remote servers",
    "servers": "shows linked and remote server definitions",
    # the compatibility views of the three above show the same
    "sysservers": "shows linked and remote server definitions",
    "sysoledbusers": "shows logins mapped to linked servers",
    "sysremotelogins": "shows logins mapped to remote servers",
    "pwdcompare": "tests passwords against login password hashes",
    "pwdencrypt": "computes password hashes",
    "loginproperty": "returns login password hashes and lockout state",
    "certprivatekey": "exports the private key of a certificate",
}

# Views that show server state (other sessions, their statements, locks, memory)
# without the dm_ prefix: compatibility views from before the DMVs; Query Store's
# views (every user's statement text and plans; Microsoft gates them with the DMVs'
# state permissions); and the views of an Azure SQL logical server's master database
# (and Managed Instance's sys.server_resource_stats) that show every database's
# resource use, connections and deadlock graphs (other sessions' statements).
SERVER_STATE_VIEWS: frozenset[str] = frozenset(
    {
        "sysprocesses",
        "syslockinfo",
        "sysperfinfo",
        "query_context_settings",
        "resource_stats",
        "server_resource_stats",
        "elastic_pool_resource_stats",
        "event_log",
        "database_connection_stats",
    }
)
SERVER_STATE_PREFIXES = ("dm_", "query_store_")


# Prefixes of system objects SQL Server resolves without the `sys.` schema.
UNQUALIFIED_PREFIXES = ("sys", "fn_", "dm_")


def resolves_unqualified(name: str) -> bool:
    """Whether a one-part name may reach a system object of that name."""
    return name.lower().startswith(UNQUALIFIED_PREFIXES)


def denied_reason(name: str) -> str | None:
    """Why the system object `name` (without its schema) is refused, or None."""
    return DENIED_OBJECTS.get(name.lower())


def is_server_state(name: str) -> bool:
    """A dynamic management view or function (sys.dm_...), or a view of its kind."""
    lower = name.lower()
    return lower.startswith(SERVER_STATE_PREFIXES) or lower in SERVER_STATE_VIEWS
