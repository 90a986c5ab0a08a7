"""Least-privileged logins: what a db_datareader user sees and may do, through real drivers."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer
from tds_test_server.principals import Principal

PASSWORD = "Reader-Pass1"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True,
        logins=[
            f"reader:{PASSWORD}",
            f"granted:{PASSWORD}:VIEW_DEFINITION,SHOWPLAN,VIEW_SERVER_STATE,db_datawriter",
        ],
    ) as server:
        with connect(server, "freetds") as admin:
            admin.cursor().execute("CREATE TABLE dbo.perm_computed (a int, b AS (a * 2))")
        yield server


def connect(
    server: ThreadedTdsServer, driver: str, user: str | None = None, **kwargs: Any
) -> closing[pyodbc.Connection]:
    password = None if user is None else PASSWORD
    return closing(
        pyodbc.connect(
            server.odbc_connection_string(driver=driver, user=user, password=password, **kwargs),
            autocommit=True,
            timeout=10,
        )
    )


def scalar(cnxn: pyodbc.Connection, sql: str) -> Any:
    return cnxn.cursor().execute(sql).fetchone()[0]


def test_a_reader_logs_in_with_its_own_password_only(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with pytest.raises(pyodbc.Error, match=r"Login failed for user 'reader'"):
        pyodbc.connect(
            server.odbc_connection_string(driver=odbc_driver, user="reader", password="wrong"),
            timeout=10,
        )
    with connect(server, odbc_driver, "reader") as cnxn:
        row = cnxn.cursor().execute("SELECT USER_NAME(), SUSER_SNAME()").fetchone()
        assert tuple(row) == ("reader", "reader")
    with connect(server, odbc_driver) as cnxn:
        assert tuple(cnxn.cursor().execute("SELECT USER_NAME(), SUSER_SNAME()").fetchone()) == (
            "dbo",
            "sa",
        )


DEFINITIONS = [
    "SELECT count(*) FROM sys.check_constraints WHERE definition IS NOT NULL",
    "SELECT count(*) FROM sys.default_constraints WHERE definition IS NOT NULL",
    "SELECT count(*) FROM sys.sql_modules WHERE definition IS NOT NULL",
    "SELECT count(*) FROM sys.views WHERE OBJECT_DEFINITION(object_id) IS NOT NULL",
    "SELECT count(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE COLUMN_DEFAULT IS NOT NULL",
]


@pytest.mark.parametrize("sql", DEFINITIONS)
def test_definitions_are_null_without_view_definition(
    server: ThreadedTdsServer, odbc_driver: str, sql: str
) -> None:
    with connect(server, odbc_driver) as admin:
        assert scalar(admin, sql) > 0
    with connect(server, odbc_driver, "granted") as granted:
        assert scalar(granted, sql) > 0
    with connect(server, odbc_driver, "reader") as reader:
        assert scalar(reader, sql) == 0
        # the rows themselves stay visible: db_datareader sees every object
        assert scalar(reader, "SELECT count(*) FROM sys.check_constraints") > 0


def test_a_hidden_definition_is_a_null_nvarchar_max(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """OBJECT_DEFINITION returns nvarchar(max) ("OBJECT_DEFINITION (Transact-SQL)"), NULL
    or not: a client shows the reader's hidden definition as a NULL text, not an int."""
    sql = "SELECT OBJECT_DEFINITION(OBJECT_ID('SalesLT.vGetAllCategories')) AS d"
    for user in (None, "reader"):
        with connect(server, odbc_driver, user) as cnxn:
            cursor = cnxn.cursor().execute(sql)
            value = cursor.fetchone()[0]
            assert cursor.description[0][1] is str, (user, cursor.description)
            assert (value is None) == (user == "reader")


def test_computed_columns_stay_flagged_without_their_definition(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "reader") as reader:
        rows = (
            reader.cursor()
            .execute(
                "SELECT c.name, c.is_computed, cc.definition FROM sys.columns AS c"
                " LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id"
                " AND cc.column_id = c.column_id"
                " WHERE c.object_id = OBJECT_ID('dbo.perm_computed') ORDER BY c.column_id"
            )
            .fetchall()
        )
    assert [tuple(r) for r in rows] == [("a", False, None), ("b", True, None)]


def test_session_dmvs_show_only_the_callers_session_without_view_server_state(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    sessions = "SELECT count(*) FROM sys.dm_exec_sessions"
    others = "SELECT count(*) FROM sys.dm_exec_requests WHERE session_id <> @@SPID"
    with connect(server, odbc_driver) as busy, connect(server, odbc_driver, "granted") as granted:
        cursor = busy.cursor()

        def wait() -> None:
            with contextlib.suppress(pyodbc.Error):  # cancelled at the end
                cursor.execute("WAITFOR DELAY '00:01'")

        waiting = threading.Thread(target=wait, daemon=True)
        waiting.start()
        try:
            # until the WAITFOR is running: a deadline, not a count of polls, which a loaded
            # machine used up before the thread had sent it
            deadline = time.monotonic() + 30
            while not scalar(granted, others) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert scalar(granted, others) == 1
            assert scalar(granted, sessions) >= 2
            with connect(server, odbc_driver, "reader") as reader:
                assert scalar(reader, sessions) == 1
                assert scalar(reader, others) == 0
                assert scalar(reader, "SELECT session_id FROM sys.dm_exec_sessions") == scalar(
                    reader, "SELECT @@SPID"
                )
        finally:
            cursor.cancel()
            waiting.join()


def test_showplan_needs_the_showplan_permission(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "reader") as reader:
        with pytest.raises(
            pyodbc.Error, match=r"SHOWPLAN permission denied in database 'AdventureWorksLT'\."
        ) as caught:
            reader.cursor().execute("SET SHOWPLAN_XML ON")
        assert "(262)" in str(caught.value) or odbc_driver == "freetds"
    with connect(server, odbc_driver, "granted") as granted:
        cursor = granted.cursor()
        cursor.execute("SET SHOWPLAN_XML ON")
        assert "<ShowPlanXML" in cursor.execute("SELECT 1").fetchone()[0]
        cursor.execute("SET SHOWPLAN_XML OFF")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT CustomerID FROM SalesLT.Customer",
            "The SELECT permission was denied on the object 'Customer', database"
            " 'AdventureWorksLT', schema 'SalesLT'.",
        ),
        (
            "SELECT ProductID, StandardCost FROM SalesLT.Product",
            "The SELECT permission was denied on the column 'StandardCost' of the object"
            " 'Product', database 'AdventureWorksLT', schema 'SalesLT'.",
        ),
        (
            "UPDATE SalesLT.Product SET Name = Name WHERE 1 = 0",
            "The UPDATE permission was denied on the object 'Product', database"
            " 'AdventureWorksLT', schema 'SalesLT'.",
        ),
    ],
)
def test_a_plan_needs_the_permission_to_run_the_statement(
    odbc_driver: str, sql: str, message: str
) -> None:
    """From "Showplan Security": SET SHOWPLAN_XML needs SHOWPLAN and "the appropriate
    permission to execute the Transact-SQL statement itself"."""
    with ThreadedTdsServer(sample=True, logins=[f"planner:{PASSWORD}:SHOWPLAN"]) as server:
        with connect(server, "freetds") as admin:
            admin.cursor().execute("DENY SELECT ON SalesLT.Customer TO planner")
            admin.cursor().execute("DENY SELECT ON SalesLT.Product (StandardCost) TO planner")
        with connect(server, odbc_driver, "planner") as planner:
            cursor = planner.cursor()
            cursor.execute("SET SHOWPLAN_XML ON")
            plan = cursor.execute("SELECT Name FROM SalesLT.Product").fetchone()[0]
            assert "<ShowPlanXML" in plan
            with pytest.raises(pyodbc.Error) as caught:
                cursor.execute(sql)
            assert message in str(caught.value)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "UPDATE SalesLT.Customer SET FirstName = FirstName WHERE 1 = 0",
            "The UPDATE permission was denied on the object 'Customer', database"
            " 'AdventureWorksLT', schema 'SalesLT'.",
        ),
        (
            "INSERT INTO SalesLT.ProductCategory (Name) VALUES (N'x')",
            "The INSERT permission was denied on the object 'ProductCategory'",
        ),
        (
            "DELETE FROM SalesLT.Address WHERE 1 = 0",
            "The DELETE permission was denied on the object 'Address'",
        ),
        (
            "CREATE TABLE dbo.perm_new (a int)",
            "CREATE TABLE permission denied in database 'AdventureWorksLT'.",
        ),
        (
            "DROP TABLE SalesLT.Customer",
            "Cannot drop the table 'SalesLT.Customer', because it does not exist or you do not"
            " have permission.",
        ),
        (
            "ALTER TABLE SalesLT.Customer ADD perm_x int",
            'Cannot find the object "SalesLT.Customer" because it does not exist or you do not'
            " have permissions.",
        ),
    ],
)
def test_a_reader_cannot_write_or_change_the_schema(
    server: ThreadedTdsServer, odbc_driver: str, sql: str, message: str
) -> None:
    with connect(server, odbc_driver, "reader") as reader, pytest.raises(pyodbc.Error) as caught:
        reader.cursor().execute(sql)
    assert message in str(caught.value)


def test_a_writer_grant_allows_dml_and_temp_tables_need_none(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "granted") as granted:
        cursor = granted.cursor()
        cursor.execute("UPDATE SalesLT.Customer SET FirstName = FirstName WHERE 1 = 0")
        assert cursor.rowcount == 0
    with connect(server, odbc_driver, "reader") as reader:
        cursor = reader.cursor()
        cursor.execute("CREATE TABLE #scratch (a int)")
        cursor.execute("INSERT INTO #scratch VALUES (1)")
        assert cursor.execute("SELECT a FROM #scratch").fetchone()[0] == 1


def test_security_functions_answer_for_the_principal(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    sql = (
        "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE'),"
        " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DATABASE STATE'),"
        " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SHOWPLAN'),"
        " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT'),"
        " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'INSERT'),"
        " HAS_PERMS_BY_NAME('SalesLT.Customer', 'OBJECT', 'VIEW DEFINITION'),"
        " IS_ROLEMEMBER('db_datareader'), IS_ROLEMEMBER('db_owner'),"
        " IS_SRVROLEMEMBER('sysadmin'), IS_ROLEMEMBER('no_such_role')"
    )
    expected = {
        None: (1, 1, 1, 1, 1, 1, 1, 1, 1, None),
        "reader": (0, 0, 0, 1, 0, 0, 1, 0, 0, None),
        "granted": (1, 1, 1, 1, 1, 1, 1, 0, 0, None),
    }
    for user, answers in expected.items():
        with connect(server, odbc_driver, user) as cnxn:
            assert tuple(cnxn.cursor().execute(sql).fetchone()) == answers, user


def test_an_unknown_permission_or_class_is_null(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ "HAS_PERMS_BY_NAME (Transact-SQL)": NULL when the securable class or the permission
    is not valid, whoever asks; a valid permission the user lacks is 0."""
    sql = (
        "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'NOT A PERMISSION'),"
        " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELCT'),"
        " HAS_PERMS_BY_NAME('SalesLT', 'SCHEMA', 'RECEIVE'),"
        " HAS_PERMS_BY_NAME('SalesLT.Customer', 'TABLE', 'SELECT'),"
        " HAS_PERMS_BY_NAME('SalesLT.Customer', 'OBJECT', 'ANY'),"
        " HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'CREATE TABLE')"
    )
    expected = {None: (None, None, None, None, 1, 1), "reader": (None, None, None, None, 1, 0)}
    for user, answers in expected.items():
        with connect(server, odbc_driver, user) as cnxn:
            assert tuple(cnxn.cursor().execute(sql).fetchone()) == answers, user


def test_another_database_is_error_916_for_a_reader(odbc_driver: str) -> None:
    # Without the sample every name is a database; the reader's user is in its own only.
    with (
        ThreadedTdsServer(sample=False, logins=[f"reader:{PASSWORD}"]) as server,
        connect(server, odbc_driver, "reader", database="Mine") as reader,
    ):
        with pytest.raises(pyodbc.Error) as caught:
            reader.cursor().execute("USE Other")
        assert (
            'The server principal "reader" is not able to access the database "Other" under'
            " the current security context." in str(caught.value)
        )
        reader.cursor().execute("USE master")  # guest is enabled in master


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("r:pw", Principal("r", "pw")),
        (
            "r:pw:showplan, VIEW_DEFINITION",
            Principal("r", "pw", frozenset({"SHOWPLAN", "VIEW_DEFINITION"})),
        ),
        ("r:p:w:db_datawriter", None),  # the password ends at the second colon
        (
            "r:pw:SHOWPLAN,default_language=british english",
            Principal("r", "pw", frozenset({"SHOWPLAN"}), default_language="british english"),
        ),
    ],
)
def test_login_specs(spec: str, expected: Principal | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="unknown grant 'w:db_datawriter'"):
            Principal.parse(spec)
    else:
        assert Principal.parse(spec) == expected


def test_the_cli_takes_logins_and_documents_them(start_cli: Callable[..., Any]) -> None:
    module = [sys.executable, "-m", "tds_test_server"]
    helped = subprocess.run([*module, "--help"], capture_output=True, text=True, timeout=30)
    assert "--login NAME:PASSWORD[:GRANT,...]" in helped.stdout
    assert "VIEW_SERVER_STATE" in helped.stdout and "db_datareader" in helped.stdout
    bad = subprocess.run(
        [*module, "--login", "reader:pw:EVERYTHING"], capture_output=True, text=True, timeout=30
    )
    assert bad.returncode == 2 and "unknown grant 'EVERYTHING'" in bad.stderr
    clash = subprocess.run(
        [*module, "--login", "sa:pw"], capture_output=True, text=True, timeout=30
    )
    assert clash.returncode == 2 and "privileged" in clash.stderr
    unknown = subprocess.run(
        [*module, "--login", "reader:pw:DEFAULT_LANGUAGE=Klingon"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert unknown.returncode == 2 and "'Klingon' is not an official language" in unknown.stderr
    server = start_cli("--sample", "--login", f"reader:{PASSWORD}")
    with closing(
        pyodbc.connect(
            f"DRIVER={{FreeTDS}};SERVER={server.host};PORT={server.port};UID=reader;"
            f"PWD={PASSWORD};DATABASE=AdventureWorksLT;TDS_Version=7.4;Encryption=off;",
            autocommit=True,
            timeout=10,
        )
    ) as cnxn:
        assert scalar(cnxn, "SELECT IS_ROLEMEMBER('db_datareader')") == 1


def _denied(proc: str) -> str:
    return (
        rf"The EXECUTE permission was denied on the object '{proc}', database"
        r" 'AdventureWorksLT', schema 'perm_exec'\. \(229\)"
    )


def test_execute_needs_a_grant_and_a_deny_anywhere_overrides_it(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """db_datareader holds no EXECUTE. A GRANT on the procedure, its schema or the database
    allows it (EXEC in a batch and an ODBC {CALL}); a DENY on any of them wins over every
    GRANT; HAS_PERMS_BY_NAME says what EXEC does. db_datareader's SELECT does not make a
    procedure visible, EXECUTE does (test_routine_visibility.py)."""
    with connect(server, "freetds") as admin:
        a = admin.cursor()
        a.execute("CREATE SCHEMA perm_exec")
        a.execute("CREATE TABLE perm_exec.t (n int)")
        a.execute("CREATE PROCEDURE perm_exec.p1 AS SELECT 1 AS one")
        a.execute("CREATE PROCEDURE perm_exec.p2 AS INSERT INTO perm_exec.t VALUES (2)")
        try:
            with connect(server, odbc_driver, "reader") as cnxn:

                def runs(proc: str) -> bool:
                    perm = scalar(
                        cnxn, f"SELECT HAS_PERMS_BY_NAME('perm_exec.{proc}', 'OBJECT', 'EXECUTE')"
                    )
                    try:
                        cnxn.cursor().execute(f"EXEC perm_exec.{proc}")
                    except pyodbc.Error as exc:
                        assert perm == 0
                        assert pyodbc_text(exc, _denied(proc))
                        with pytest.raises(pyodbc.Error, match=_denied(proc)):
                            cnxn.cursor().execute(f"{{CALL perm_exec.{proc}}}")
                        return False
                    assert perm == 1
                    cnxn.cursor().execute(f"{{CALL perm_exec.{proc}}}")
                    return True

                visible = (
                    "SELECT count(*) FROM sys.objects"
                    " WHERE schema_id = SCHEMA_ID('perm_exec') AND type = 'P'"
                )
                assert scalar(cnxn, visible) == 0
                assert (runs("p1"), runs("p2")) == (False, False)
                a.execute("GRANT EXECUTE ON perm_exec.p1 TO reader")
                assert (runs("p1"), runs("p2")) == (True, False)
                assert scalar(cnxn, visible) == 1
                a.execute("GRANT EXECUTE ON SCHEMA::perm_exec TO reader")
                # p2 INSERTs without db_datawriter: ownership chaining (both are dbo's)
                assert (runs("p1"), runs("p2")) == (True, True)
                a.execute("REVOKE EXECUTE ON SCHEMA::perm_exec FROM reader")
                a.execute("REVOKE EXECUTE ON OBJECT::perm_exec.p1 FROM reader")
                assert (runs("p1"), runs("p2")) == (False, False)
                a.execute("GRANT EXECUTE TO public")
                assert (runs("p1"), runs("p2")) == (True, True)
                a.execute("DENY EXECUTE ON OBJECT::perm_exec.p1 TO reader")
                assert (runs("p1"), runs("p2")) == (False, True)
                a.execute("REVOKE EXECUTE FROM public")
                a.execute("GRANT EXECUTE ON perm_exec.p1 TO reader")  # replaces the DENY
                a.execute("DENY EXECUTE TO reader")  # the database-wide DENY wins
                assert (runs("p1"), runs("p2")) == (False, False)
                assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'EXECUTE')") == 0
                with pytest.raises(pyodbc.Error, match=r"Grantor does not have GRANT permission"):
                    cnxn.cursor().execute("GRANT EXECUTE ON perm_exec.p1 TO reader")
                a.execute("REVOKE EXECUTE FROM reader")
                assert (runs("p1"), runs("p2")) == (True, False)
                assert (
                    scalar(cnxn, "SELECT HAS_PERMS_BY_NAME('perm_exec', 'SCHEMA', 'EXECUTE')") == 0
                )
        finally:
            a.execute("REVOKE EXECUTE ON perm_exec.p1 FROM reader")
            a.execute("DROP PROCEDURE perm_exec.p1, perm_exec.p2")
            a.execute("DROP TABLE perm_exec.t")
            a.execute("DROP SCHEMA perm_exec")


def test_grant_names_what_exists_and_takes_a_procedure(server: ThreadedTdsServer) -> None:
    with connect(server, "freetds") as admin:
        a = admin.cursor()
        with pytest.raises(pyodbc.Error, match=r"Cannot find the object 'nope'.*\(15151\)"):
            a.execute("GRANT EXECUTE ON dbo.nope TO reader")
        with pytest.raises(pyodbc.Error, match=r"Cannot find the schema 'nope'.*\(15151\)"):
            a.execute("GRANT EXECUTE ON SCHEMA::nope TO reader")
        with pytest.raises(pyodbc.Error, match=r"not compatible with object\. \(4606\)"):
            a.execute("GRANT EXECUTE ON SalesLT.Product TO reader")
        with pytest.raises(pyodbc.Error, match=r"only EXECUTE, SELECT and UNMASK are modelled"):
            a.execute("GRANT INSERT ON SalesLT.Product TO reader")


def pyodbc_text(exc: pyodbc.Error, pattern: str) -> bool:
    import re

    return re.search(pattern, str(exc)) is not None
