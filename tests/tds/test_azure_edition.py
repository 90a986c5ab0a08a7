"""--edition azure-sql-database: what the server reports, and Azure SQL Database's rules
for the session DMVs, USE and names of other databases (tds_test_server/editions.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyodbc
import pytest
from engine_helpers import rows, run

from tds_test_server import ThreadedTdsServer
from tds_test_server.editions import AZURE_SQL_DATABASE
from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.principals import Principal
from tds_test_server.results import SessionInfo, TdsError

DB = "azdb"
READER = Principal("reader", "pw")
STATE_READER = Principal("watcher", "pw", frozenset({"VIEW_DATABASE_STATE"}))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(edition=AZURE_SQL_DATABASE) as eng:
        s = eng.session(SessionInfo(spid=70, user="sa", database=DB))
        run(s, "CREATE TABLE dbo.t (id int PRIMARY KEY); INSERT INTO dbo.t VALUES (1)")
        s.close()
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[EngineSession]:
    s = engine.session(SessionInfo(spid=51, user="sa", database=DB))
    yield s
    s.close()


def test_reports_itself_as_azure_sql_database(session: EngineSession) -> None:
    assert rows(
        session,
        "SELECT SERVERPROPERTY('EngineEdition'), SERVERPROPERTY('Edition'),"
        " SERVERPROPERTY('ProductVersion'), SERVERPROPERTY('ProductMajorVersion'),"
        " SERVERPROPERTY('EditionID'), DATABASEPROPERTYEX(DB_NAME(), 'Edition'),"
        " DATABASEPROPERTYEX(DB_NAME(), 'ServiceObjective')",
    ) == [(5, "SQL Azure", "12.0.2000.8", "12", 1674378470, "Standard", "S2")]
    ((version,),) = rows(session, "SELECT @@VERSION")
    assert version.startswith("Microsoft SQL Azure (RTM) - 12.0.2000.8")
    assert "a test double" in version


def test_sys_databases_lists_master_and_the_current_database(session: EngineSession) -> None:
    assert rows(session, "SELECT name FROM sys.databases ORDER BY database_id") == [
        ("master",),
        (DB,),
    ]


def test_use_of_another_database_is_error_40508(session: EngineSession) -> None:
    run(session, f"USE {DB}")  # the current database: allowed, does nothing
    with pytest.raises(TdsError) as caught:
        run(session, "USE master")
    assert caught.value.number == 40508
    assert str(caught.value).startswith("USE statement is not supported to switch between")
    assert rows(session, "SELECT DB_NAME()") == [(DB,)]


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("Other.dbo.t", "Other.dbo.t"),
        ("master.sys.objects", "master.sys.objects"),
        ("Other..t", "Other..t"),
        ("srv.azdb.dbo.t", "srv.azdb.dbo.t"),
        ("srv.Other..t", "srv.Other..t"),
        ("[Other].[dbo].[t]", "Other.dbo.t"),  # Azure quotes the parts without brackets
        ("Other.dbo.fn(1)", "Other.dbo.fn"),  # a table-valued function of another database
    ],
)
def test_a_name_of_another_database_or_a_server_is_error_40515(
    session: EngineSession, name: str, quoted: str
) -> None:
    with pytest.raises(TdsError) as caught:
        run(session, f"SELECT * FROM {name} AS x")
    assert caught.value.number == 40515
    assert str(caught.value) == (
        f"Reference to database and/or server name in '{quoted}' is not supported in this"
        " version of SQL Server."
    )


def test_the_current_database_and_tempdb_may_be_named(session: EngineSession) -> None:
    assert rows(session, f"SELECT id FROM {DB}.dbo.t") == [(1,)]
    run(session, "CREATE TABLE #tmp (x int)")
    assert rows(session, "SELECT COUNT(*) FROM tempdb..#tmp") == [(0,)]


def _visible_sessions(engine: Engine, principal: Principal | None) -> set[int]:
    watcher = engine.session(SessionInfo(spid=60, user="w", database=DB, principal=principal))
    try:
        return {r[0] for r in rows(watcher, "SELECT session_id FROM sys.dm_exec_sessions")}
    finally:
        watcher.close()


def test_session_dmvs_need_view_database_state(engine: Engine) -> None:
    other = engine.session(SessionInfo(spid=61, user="sa", database=DB))
    elsewhere = engine.session(SessionInfo(spid=65, user="sa", database="master"))
    try:
        assert _visible_sessions(engine, READER) == {60}
        # the connections of the current database only: not the one to master
        assert _visible_sessions(engine, STATE_READER) == {60, 61}
        assert _visible_sessions(engine, None) == {60, 61}  # the server admin
    finally:
        other.close()
        elsewhere.close()


def test_databasepropertyex_answers_for_the_current_database_only(
    session: EngineSession,
) -> None:
    # "DATABASEPROPERTYEX": NULL for every property of another database's name
    asked = "SELECT DATABASEPROPERTYEX({}, 'ServiceObjective'), DATABASEPROPERTYEX({}, 'Status')"
    assert rows(session, asked.format("DB_NAME()", "DB_NAME()")) == [("S2", "ONLINE")]
    assert rows(session, asked.format("'AZDB'", "'AZDB'")) == [("S2", "ONLINE")]
    assert rows(session, asked.format("'master'", "'Nope'")) == [(None, None)]


def test_requests_of_the_database_show_with_view_database_state(engine: Engine) -> None:
    other = engine.session(SessionInfo(spid=62, user="sa", database=DB))
    thread = threading.Thread(target=lambda: run(other, "WAITFOR DELAY '00:00:20'"))
    thread.start()
    try:
        watcher = engine.session(
            SessionInfo(spid=63, user="w", database=DB, principal=STATE_READER)
        )
        for _ in range(100):
            found = rows(watcher, "SELECT session_id FROM sys.dm_exec_requests")
            if (62,) in found:
                break
            threading.Event().wait(0.05)
        assert (62,) in found
        reader = engine.session(SessionInfo(spid=64, user="r", database=DB, principal=READER))
        assert rows(reader, "SELECT session_id FROM sys.dm_exec_requests") == [(64,)]
        reader.close()
        watcher.close()
    finally:
        other.cancel()
        thread.join()
        other.close()


@pytest.mark.parametrize("permission", ["VIEW SERVER STATE", "VIEW SERVER PERFORMANCE STATE"])
def test_a_server_state_permission_cannot_be_granted(permission: str) -> None:
    grant = permission.replace(" ", "_")
    with pytest.raises(ValueError, match=f"{permission} cannot be granted in Azure SQL"):
        ThreadedTdsServer(edition="azure-sql-database", logins=[f"r:pw:{grant}"])


def test_sql_server_2022_stays_the_default() -> None:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=51, user="sa", database=DB))
        assert rows(s, "SELECT SERVERPROPERTY('EngineEdition')") == [(3,)]
        run(s, "USE master")
        assert rows(s, "SELECT DB_NAME()") == [("master",)]
        s.close()


def test_the_drivers_read_the_azure_version_from_loginack(odbc_driver: str) -> None:
    with ThreadedTdsServer(edition="azure-sql-database") as server:
        cnxn = pyodbc.connect(server.odbc_connection_string(driver=odbc_driver), autocommit=True)
        try:
            assert cnxn.getinfo(pyodbc.SQL_DBMS_VER).startswith("12.00.2000")
            row = cnxn.execute("SELECT CAST(SERVERPROPERTY('EngineEdition') AS int)").fetchone()
            assert row[0] == 5
        finally:
            cnxn.close()


def test_the_cli_takes_the_edition(start_cli) -> None:  # type: ignore[no-untyped-def]
    srv = start_cli("--edition", "azure-sql-database", "--password", "Pw1!")
    cnxn = pyodbc.connect(
        f"DRIVER={{FreeTDS}};SERVER={srv.host};PORT={srv.port};UID=sa;PWD=Pw1!;TDS_Version=7.4",
        autocommit=True,
    )
    try:
        assert cnxn.execute("SELECT SERVERPROPERTY('Edition')").fetchone()[0] == "SQL Azure"
    finally:
        cnxn.close()
