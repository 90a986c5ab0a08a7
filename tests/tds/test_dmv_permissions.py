"""The DMVs a least-privileged login may not read (dmv_permissions.py): errors 300 and
297, or fewer rows, per DMV and edition, through real drivers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyodbc
import pytds
import pytest

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
DATABASE = "AdventureWorksLT"
PARTITION_STATS = "SELECT count(*) FROM sys.dm_db_partition_stats"
SQL_TEXTS = [
    "SELECT count(*) FROM sys.dm_exec_requests AS r"
    " CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t",
    "SELECT count(*) FROM sys.dm_exec_requests AS r"
    " OUTER APPLY sys.dm_exec_sql_text(r.sql_handle) AS t",
    "SELECT count(*) FROM sys.dm_exec_sql_text(0x01)",
]
NO_PERMISSION = "The user does not have permission to perform this action."


@pytest.fixture(scope="module", params=["sql-server-2022", "azure-sql-database"])
def server(request: pytest.FixtureRequest) -> Iterator[ThreadedTdsServer]:
    logins = [f"reader:{PASSWORD}", f"watcher:{PASSWORD}:VIEW_DATABASE_STATE"]
    if request.param == "sql-server-2022":  # not grantable on Azure SQL Database
        logins.append(f"granted:{PASSWORD}:VIEW_SERVER_STATE")
        logins.append(f"performer:{PASSWORD}:VIEW_SERVER_PERFORMANCE_STATE")
    logins.append(f"dbperformer:{PASSWORD}:VIEW_DATABASE_PERFORMANCE_STATE")
    with ThreadedTdsServer(sample=True, logins=logins, edition=request.param) as server:
        yield server


def azure(server: ThreadedTdsServer) -> bool:
    return server.edition.is_azure_sql_database


def connect(server: ThreadedTdsServer, driver: str, user: str) -> closing[pyodbc.Connection]:
    text = server.odbc_connection_string(driver=driver, user=user, password=PASSWORD)
    return closing(pyodbc.connect(text, autocommit=True, timeout=10))


def refused(cnxn: pyodbc.Connection, sql: str) -> str:
    """The driver's error: pyodbc shows one record, Driver 18 the first (300), FreeTDS
    the last (297)."""
    with pytest.raises(pyodbc.Error) as caught:
        cnxn.cursor().execute(sql).fetchall()
    return str(caught.value)


def both_errors(server: ThreadedTdsServer, sql: str, user: str = "reader") -> str:
    """Every error of the reply, in order: pytds joins their texts."""
    kwargs = {**server.pytds_kwargs(), "user": user, "password": PASSWORD}
    with (
        pytds.connect(**kwargs, autocommit=True) as cnxn,
        cnxn.cursor() as cur,
        pytest.raises(pytds.Error) as caught,
    ):
        cur.execute(sql)
    return str(caught.value)


def count(cnxn: pyodbc.Connection, sql: str) -> Any:
    return cnxn.cursor().execute(sql).fetchone()[0]


def test_partition_stats_need_the_database_state_permission(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    permission = "VIEW DATABASE STATE" if azure(server) else "VIEW DATABASE PERFORMANCE STATE"
    denied = f"{permission} permission was denied on object '{DATABASE}', database '{DATABASE}'."
    assert f"{denied} {NO_PERMISSION}" in both_errors(server, PARTITION_STATS)
    with connect(server, odbc_driver, "reader") as reader:
        text = refused(reader, PARTITION_STATS)
    expected = f"{denied} (300)" if odbc_driver == "msodbc" else f"{NO_PERMISSION} (297)"
    assert expected in text, text
    with connect(server, odbc_driver, "watcher") as watcher:  # VIEW DATABASE STATE covers it
        assert count(watcher, PARTITION_STATS) > 0


@pytest.mark.parametrize("sql", SQL_TEXTS)
def test_sql_text_needs_the_server_state_permission(
    server: ThreadedTdsServer, odbc_driver: str, sql: str
) -> None:
    if azure(server):  # no server-level permission: the database's, on the database
        expected = f"VIEW DATABASE STATE permission was denied on object '{DATABASE}'"
    else:
        expected = "VIEW SERVER PERFORMANCE STATE permission was denied on object 'server',"
    assert expected in both_errors(server, sql)
    shown = expected if odbc_driver == "msodbc" else NO_PERMISSION
    with connect(server, odbc_driver, "reader") as reader:
        assert shown in refused(reader, sql)
        assert count(reader, "SELECT count(*) FROM sys.dm_exec_requests") == 1  # fewer rows
    with connect(server, odbc_driver, "watcher") as watcher:
        if azure(server):
            assert count(watcher, sql) >= 0
        else:  # VIEW DATABASE STATE does not reach a server-scoped DMV
            assert shown in refused(watcher, sql)
    if not azure(server):
        with connect(server, odbc_driver, "granted") as granted:
            assert count(granted, sql) >= 0


def test_partition_stats_leave_out_a_table_the_user_may_not_see(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """sys.dm_db_partition_stats asks VIEW DEFINITION too: as in the catalog views, a
    table hidden from the user (a DENY SELECT, without VIEW DEFINITION) has no rows."""
    table = "SalesLT.ProductDescription"
    admin = closing(
        pyodbc.connect(server.odbc_connection_string(driver=odbc_driver), autocommit=True)
    )
    with admin as cnxn, connect(server, odbc_driver, "watcher") as watcher:
        # its id as dbo sees it: OBJECT_ID is NULL for an object hidden from the user
        object_id = count(cnxn, f"SELECT OBJECT_ID('{table}')")
        rows = f"{PARTITION_STATS} WHERE object_id = {object_id}"
        assert count(watcher, rows) > 0
        cnxn.cursor().execute(f"DENY SELECT ON OBJECT::{table} TO watcher")
        try:
            assert count(watcher, rows) == 0
        finally:
            cnxn.cursor().execute(f"REVOKE SELECT ON OBJECT::{table} TO watcher")


STATE_PERMISSIONS = (
    "HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE'),"
    " HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER PERFORMANCE STATE'),"
    " HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER SECURITY STATE'),"
    " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE STATE'),"
    " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE PERFORMANCE STATE')"
)


def test_the_state_permissions_nest_as_in_sql_server_2022(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """VIEW SERVER STATE covers VIEW SERVER PERFORMANCE STATE and VIEW SERVER SECURITY
    STATE, VIEW DATABASE STATE covers VIEW DATABASE PERFORMANCE STATE, a server-level one
    its database-level one; never the other way round."""
    expected = {
        "reader": (0, 0, 0, 0, 0),
        "dbperformer": (0, 0, 0, 0, 1),
        "watcher": (0, 0, 0, 1, 1),
    }
    if not azure(server):
        expected |= {"performer": (0, 1, 0, 0, 1), "granted": (1, 1, 1, 1, 1)}
    for user, answers in expected.items():
        with connect(server, odbc_driver, user) as cnxn:
            row = cnxn.cursor().execute(f"SELECT {STATE_PERMISSIONS}").fetchone()
            assert tuple(row) == answers, user


def test_the_performance_state_permissions_open_the_dmvs_they_cover(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """On SQL Server 2022 VIEW SERVER PERFORMANCE STATE shows every session and the
    statement texts, and covers the database's; VIEW DATABASE PERFORMANCE STATE opens the
    database-scoped DMVs alone. Azure SQL Database asks VIEW DATABASE STATE."""
    sessions = "SELECT count(*) FROM sys.dm_exec_sessions"
    admin = closing(
        pyodbc.connect(server.odbc_connection_string(driver=odbc_driver), autocommit=True)
    )
    with admin, connect(server, odbc_driver, "dbperformer") as dbperformer:
        assert count(dbperformer, sessions) == 1
        refused(dbperformer, SQL_TEXTS[2])  # a server-scoped DMV
        if azure(server):
            assert NO_PERMISSION in both_errors(server, PARTITION_STATS, "dbperformer")
            return
        assert count(dbperformer, PARTITION_STATS) > 0
        with connect(server, odbc_driver, "performer") as performer:
            assert count(performer, sessions) >= 3
            assert count(performer, SQL_TEXTS[1]) >= 1
            assert count(performer, PARTITION_STATS) > 0
