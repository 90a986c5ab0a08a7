"""The views of the server and the session rather than of the database's objects
(sys.databases, sys.database_files, sys.partitions, sys.dm_db_partition_stats, the
sys.dm_exec_* DMVs), and the per-connection temp tables they read, which the session
(session_state.py) fills. Columns from each view's page in Microsoft's documentation.
"""

from __future__ import annotations

SESSION_TEMP_DDL = """
CREATE TEMP TABLE IF NOT EXISTS __azsql_session (key TEXT PRIMARY KEY, value);
CREATE TEMP TABLE IF NOT EXISTS __azsql_rowcounts (object_id INTEGER PRIMARY KEY, rows, pages);
CREATE TEMP TABLE IF NOT EXISTS __azsql_users (name TEXT COLLATE NOCASE, principal_id INTEGER);
CREATE TEMP TABLE IF NOT EXISTS __azsql_dmv_sessions (
    session_id, login_time, host_name, program_name, login_name, status,
    last_request_start_time, last_request_end_time, lock_timeout, row_count,
    open_transaction_count, date_format, language, date_first);
CREATE TEMP TABLE IF NOT EXISTS __azsql_dmv_requests (
    session_id, start_time, status, command, sql_handle, plan_handle, connection_id,
    wait_type, wait_time, open_transaction_count, total_elapsed_time, lock_timeout);
CREATE TEMP TABLE IF NOT EXISTS __azsql_dmv_sql_text (handle BLOB, text);
"""


_USER_DB = "(SELECT value FROM temp.__azsql_session WHERE key = 'userdb')"
# the compatibility level of master, of the user database (editions.Edition)
_COMPAT = "(SELECT value FROM temp.__azsql_session WHERE key = '{}')"
_DB_CREATED = "(SELECT value FROM __azsql_meta WHERE key = 'create_date')"


PARTITIONS = (
    "partition_id bigint, object_id int, index_id int, partition_number int,"
    " hobt_id bigint, rows bigint, filestream_filegroup_id smallint,"
    " data_compression tinyint, data_compression_desc nvarchar(60)",
    "SELECT i.object_id * 1000 + i.index_id, i.object_id, i.index_id, 1,"
    " i.object_id * 1000 + i.index_id, coalesce(r.rows, 0), 0, 0, 'NONE'"
    " FROM __azsql_indexes i LEFT JOIN temp.__azsql_rowcounts r"
    " ON r.object_id = i.object_id",
)


def partition_stats_view(hidden: str) -> tuple[str, str]:
    """sys.dm_db_partition_stats without the rows of objects the session cannot see."""
    return (
        "partition_id bigint, object_id int, index_id int, partition_number int,"
        " in_row_data_page_count bigint, in_row_used_page_count bigint,"
        " in_row_reserved_page_count bigint, lob_used_page_count bigint,"
        " lob_reserved_page_count bigint, row_overflow_used_page_count bigint,"
        " row_overflow_reserved_page_count bigint, used_page_count bigint,"
        " reserved_page_count bigint, row_count bigint",
        "SELECT i.object_id * 1000 + i.index_id, i.object_id, i.index_id, 1,"
        " coalesce(r.pages, 0), coalesce(r.pages, 0), coalesce(r.pages, 0), 0, 0, 0, 0,"
        " coalesce(r.pages, 0), coalesce(r.pages, 0), coalesce(r.rows, 0)"
        " FROM __azsql_indexes i LEFT JOIN temp.__azsql_rowcounts r"
        f" ON r.object_id = i.object_id WHERE i.object_id NOT IN {hidden}",
    )


def databases_view(collation: str) -> tuple[str, str]:
    """master and the user database, both in the server's collation."""
    return (
        "name sysname, database_id int, source_database_id int, owner_sid varbinary(85),"
        " create_date datetime, compatibility_level tinyint, collation_name sysname,"
        " user_access tinyint, user_access_desc nvarchar(60), is_read_only bit,"
        " is_auto_close_on bit, is_auto_shrink_on bit, state tinyint,"
        " state_desc nvarchar(60), is_in_standby bit, is_cleanly_shutdown bit,"
        " snapshot_isolation_state tinyint, snapshot_isolation_state_desc nvarchar(60),"
        " is_read_committed_snapshot_on bit, recovery_model tinyint,"
        " recovery_model_desc nvarchar(60), page_verify_option tinyint,"
        " page_verify_option_desc nvarchar(60), is_query_store_on bit",
        "SELECT 'master', 1, NULL, x'01', '2003-04-08 09:13:36.390',"
        f" {_COMPAT.format('master_compat')}, "
        f"'{collation}', 0, 'MULTI_USER', 0, 0, 0, 0, 'ONLINE', 0, 0, 1, 'ON', 1, 1, 'FULL',"
        " 2, 'CHECKSUM', 0 UNION ALL"
        f" SELECT {_USER_DB}, 5, NULL, x'01', {_DB_CREATED}, {_COMPAT.format('compat')},"
        f" '{collation}', 0,"
        " 'MULTI_USER', 0, 0, 0, 0, 'ONLINE', 0, 0, 1, 'ON', 1, 1, 'FULL', 2, 'CHECKSUM', 1"
        f" WHERE {_USER_DB} <> 'master' COLLATE NOCASE",
    )


DATABASE_FILES = (
    "file_id int, file_guid uniqueidentifier, type tinyint, type_desc nvarchar(60),"
    " data_space_id int, name sysname, physical_name nvarchar(260), state tinyint,"
    " state_desc nvarchar(60), size int, max_size int, growth int,"
    " is_media_read_only bit, is_read_only bit, is_sparse bit, is_percent_growth bit,"
    " is_name_reserved bit",
    "SELECT 1, NULL, 0, 'ROWS', 1, 'data_0', (SELECT value FROM temp.__azsql_session"
    " WHERE key = 'file'), 0, 'ONLINE', (SELECT value FROM temp.__azsql_session"
    " WHERE key = 'pages'), -1, 2048, 0, 0, 0, 0, 0"
    # Every database has a log file (type 1, data_space_id 0); SQLite keeps none, so
    # it has a fixed 8 MB (1,024 pages), grows by 64 MB to the 2 TB a log may reach.
    " UNION ALL SELECT 2, NULL, 1, 'LOG', 0, 'log', (SELECT value FROM temp.__azsql_session"
    " WHERE key = 'file') || '.ldf', 0, 'ONLINE', 1024, 268435456,"
    " 8192, 0, 0, 0, 0, 0",
)


EXEC_SESSIONS = (
    "session_id smallint, login_time datetime, host_name nvarchar(128),"
    " program_name nvarchar(128), host_process_id int, client_version int,"
    " client_interface_name nvarchar(32), login_name nvarchar(128),"
    " nt_domain nvarchar(128), nt_user_name nvarchar(128), status nvarchar(30),"
    " cpu_time int, memory_usage int, total_scheduled_time int,"
    " total_elapsed_time int, last_request_start_time datetime,"
    " last_request_end_time datetime, reads bigint, writes bigint,"
    " logical_reads bigint, is_user_process bit, text_size int,"
    " language nvarchar(128), date_format nvarchar(3), date_first smallint,"
    " quoted_identifier bit, arithabort bit, ansi_null_dflt_on bit, ansi_defaults bit,"
    " ansi_warnings bit, ansi_padding bit, ansi_nulls bit,"
    " concat_null_yields_null bit, transaction_isolation_level smallint,"
    " lock_timeout int, deadlock_priority int, row_count bigint, prev_error int,"
    " original_login_name nvarchar(128), database_id smallint,"
    " authenticating_database_id int, open_transaction_count int",
    "SELECT session_id, login_time, host_name, program_name, 0, 7,"
    " 'ODBC', login_name, '', '', status, 0, 0, 0, 0, last_request_start_time,"
    " last_request_end_time, 0, 0, 0, 1, 2147483647, language, date_format, date_first,"
    " 1, 1, 1, 0, 1, 1, 1, 1, 2, lock_timeout, 0, row_count, 0, login_name, 5, 5,"
    " open_transaction_count FROM temp.__azsql_dmv_sessions",
)


EXEC_REQUESTS = (
    "session_id smallint, request_id int, start_time datetime, status nvarchar(30),"
    " command nvarchar(32), sql_handle varbinary(64), statement_start_offset int,"
    " statement_end_offset int, plan_handle varbinary(64), database_id smallint,"
    " user_id int, connection_id uniqueidentifier, blocking_session_id smallint,"
    " wait_type nvarchar(60), wait_time int, last_wait_type nvarchar(60),"
    " wait_resource nvarchar(256), open_transaction_count int,"
    " open_resultset_count int, transaction_id bigint, percent_complete real,"
    " estimated_completion_time bigint, cpu_time int, total_elapsed_time int,"
    " scheduler_id int, reads bigint, writes bigint, logical_reads bigint,"
    " text_size int, language nvarchar(128), date_format nvarchar(3),"
    " date_first smallint, quoted_identifier bit, arithabort bit,"
    " ansi_null_dflt_on bit, ansi_defaults bit, ansi_warnings bit, ansi_padding bit,"
    " ansi_nulls bit, concat_null_yields_null bit,"
    " transaction_isolation_level smallint, lock_timeout int, deadlock_priority int,"
    " row_count bigint, prev_error int, nest_level int, granted_query_memory int,"
    " executing_managed_code bit, group_id int, dop int, parallel_worker_count int",
    "SELECT r.session_id, 0, start_time, r.status, command, sql_handle,"
    " 0, -1, plan_handle, 5, 1, connection_id, 0, wait_type, wait_time, wait_type,"
    " '', r.open_transaction_count, 1, 0, 0, 0, total_elapsed_time, total_elapsed_time,"
    " 1, 0, 0, 0, 2147483647, s.language, s.date_format, s.date_first, 1, 1, 1, 0, 1, 1,"
    " 1, 1, 2, r.lock_timeout, 0, 0, 0, 0, 0, 0, 2, 1, 0 FROM temp.__azsql_dmv_requests r"
    " JOIN temp.__azsql_dmv_sessions s ON s.session_id = r.session_id",
)


EXEC_SQL_TEXT = (
    "dbid smallint, objectid int, number smallint, encrypted bit, text nvarchar(max)",
    "SELECT DISTINCT 5, NULL, NULL, 0, text FROM temp.__azsql_dmv_sql_text",
)
