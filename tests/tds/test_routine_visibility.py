"""Who sees a procedure or a scalar function, through real drivers.

From Microsoft's "Metadata visibility configuration": "Scope of Permissions" (a
permission on a schema shows every object in it, procedures and functions included),
"Precedence of DENY" (a DENY EXECUTE on the procedure or its schema hides it whatever
the schema grants), and "Fixed Roles and Implicit Permissions" (db_datareader's and
db_datawriter's members see no procedure or scalar function without EXECUTE or VIEW
DEFINITION, as widely observed: the page lists no role's implicit permissions). A
database-wide GRANT follows the page's general rule (unverified for procedures).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytest
from wire_logins import connector, rows, scalar

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
# What a login sees of the schema vis: its procedure p, scalar function f and table t.
SEEN = (
    "SELECT name FROM sys.objects WHERE schema_id = SCHEMA_ID('vis')"
    " AND type IN ('P', 'FN', 'U') ORDER BY name"
)
ROUTINES = (
    "SELECT ROUTINE_NAME FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_SCHEMA = 'vis'"
    " ORDER BY ROUTINE_NAME"
)
ALL = [("f",), ("p",), ("t",)]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True, logins=[f"reader:{PASSWORD}", f"writer:{PASSWORD}:db_datawriter"]
    ) as server:
        with connect(server, "freetds") as admin:
            a = admin.cursor()
            a.execute("CREATE SCHEMA vis")
            a.execute("CREATE TABLE vis.t (n int)")
            a.execute("CREATE PROCEDURE vis.p @n int AS SELECT @n AS n")
            a.execute("CREATE FUNCTION vis.f(@x int) RETURNS int AS BEGIN RETURN @x * 2 END")
        yield server


def test_the_fixed_roles_show_no_procedure_or_scalar_function(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    for login in ("reader", "writer"):
        with connect(server, odbc_driver, login) as cnxn:
            assert rows(cnxn, SEEN) == [("t",)]
            assert rows(cnxn, ROUTINES) == []
            assert scalar(cnxn, "SELECT OBJECT_ID('SalesLT.uspCustomerOrders')") is None


@pytest.mark.parametrize("permission", ["SELECT", "UNMASK", "EXECUTE"])
def test_any_permission_on_the_schema_shows_every_object_in_it(
    server: ThreadedTdsServer, odbc_driver: str, permission: str
) -> None:
    with connect(server, "freetds") as admin, connect(server, odbc_driver, "reader") as cnxn:
        a = admin.cursor()
        # the schema's grant shows t unless it is a SELECT, which the DENY undoes
        a.execute("DENY SELECT ON vis.t TO reader")
        try:
            assert rows(cnxn, SEEN) == []
            a.execute(f"GRANT {permission} ON SCHEMA::vis TO reader")
            assert rows(cnxn, SEEN) == (ALL[:2] if permission == "SELECT" else ALL)
            assert rows(cnxn, ROUTINES) == [("f",), ("p",)]
            assert scalar(cnxn, "SELECT OBJECT_ID('vis.p')") is not None
            parameters = "SELECT name FROM sys.parameters WHERE object_id = OBJECT_ID('vis.p')"
            assert rows(cnxn, parameters) == [("@n",)]
            if permission != "EXECUTE":  # seeing it is no leave to run it
                with pytest.raises(pyodbc.Error, match=r"EXECUTE permission was denied.*\(229\)"):
                    cnxn.cursor().execute("EXEC vis.p 1")
            a.execute(f"REVOKE {permission} ON SCHEMA::vis FROM reader")
            assert rows(cnxn, SEEN) == []
        finally:
            a.execute(f"REVOKE {permission} ON SCHEMA::vis FROM reader")
            a.execute("REVOKE SELECT ON vis.t FROM reader")


def test_a_deny_execute_hides_a_procedure_whatever_the_schema_grants(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, "freetds") as admin, connect(server, odbc_driver, "reader") as cnxn:
        a = admin.cursor()
        try:
            a.execute("GRANT SELECT ON SCHEMA::vis TO reader")
            a.execute("DENY EXECUTE ON vis.p TO reader")
            assert rows(cnxn, SEEN) == [("f",), ("t",)]
            a.execute("REVOKE EXECUTE ON vis.p FROM reader")
            a.execute("GRANT EXECUTE ON vis.p TO reader")
            a.execute("DENY EXECUTE ON SCHEMA::vis TO reader")  # wins over the GRANT on p
            assert rows(cnxn, SEEN) == [("t",)]
            a.execute("REVOKE EXECUTE ON SCHEMA::vis FROM reader")
            a.execute("GRANT EXECUTE ON SCHEMA::vis TO public")
            a.execute("DENY EXECUTE ON vis.f TO reader")  # the page's first example
            assert rows(cnxn, SEEN) == [("p",), ("t",)]
        finally:
            a.execute("REVOKE SELECT ON SCHEMA::vis FROM reader")
            a.execute("REVOKE EXECUTE ON SCHEMA::vis FROM reader")
            a.execute("REVOKE EXECUTE ON SCHEMA::vis FROM public")
            a.execute("REVOKE EXECUTE ON vis.p FROM reader")
            a.execute("REVOKE EXECUTE ON vis.f FROM reader")
        assert rows(cnxn, SEEN) == [("t",)]


def test_a_database_grant_shows_every_procedure(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """An explicit GRANT SELECT on the database, unlike db_datareader's implicit one."""
    proc = "SELECT OBJECT_ID('SalesLT.uspCustomerOrders')"
    with connect(server, "freetds") as admin, connect(server, odbc_driver, "reader") as cnxn:
        a = admin.cursor()
        try:
            a.execute("GRANT SELECT TO reader")
            assert rows(cnxn, SEEN) == ALL
            assert scalar(cnxn, proc) is not None
            a.execute("DENY EXECUTE TO reader")
            assert rows(cnxn, SEEN) == [("t",)]
            assert scalar(cnxn, proc) is None
        finally:
            a.execute("REVOKE SELECT FROM reader")
            a.execute("REVOKE EXECUTE FROM reader")
        assert scalar(cnxn, proc) is None
