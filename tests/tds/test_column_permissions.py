"""A user outside db_datareader, granted SELECT on some tables or columns only, through
real drivers: ALTER ROLE ... DROP | ADD MEMBER, GRANT/DENY/REVOKE SELECT on columns,
errors 229 and 230, and metadata visibility.

From Microsoft's "GRANT Object Permissions" and "DENY Object Permissions": a table-level
DENY does not take precedence over a column-level GRANT; from "Metadata visibility
configuration": a user sees an object it holds some permission on, and the columns of a
table go with the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyodbc
import pytest
from wire_logins import connector, scalar, set_up

from tds_test_server import ThreadedTdsServer

PASSWORD = "Narrow-Pass1"
connect = connector(PASSWORD)
# `narrow` is not in db_datareader: SELECT on SalesLT.Product and on two columns of
# dbo.Wide only. `other` stays a db_datareader member, denied one column of dbo.Wide.
SETUP = [
    "CREATE TABLE dbo.Wide (Id int, Name varchar(20), Salary int)",
    "INSERT INTO dbo.Wide VALUES (1, 'a', 100), (2, 'b', 200)",
    "ALTER ROLE db_datareader DROP MEMBER narrow",
    "GRANT SELECT ON SalesLT.Product TO narrow",
    "GRANT SELECT ON dbo.Wide (Id, Name) TO narrow",
    "DENY SELECT ON dbo.Wide (Salary) TO other",
]


def _denied_column(column: str, table: str = "Wide", schema: str = "dbo") -> str:
    return (
        rf"The SELECT permission was denied on the column '{column}' of the object"
        rf" '{table}', database 'AdventureWorksLT', schema '{schema}'\. \(230\)"
    )


def _denied_object(table: str, schema: str = "SalesLT") -> str:
    return (
        rf"The SELECT permission was denied on the object '{table}', database"
        rf" 'AdventureWorksLT', schema '{schema}'\. \(229\)"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True, logins=[f"narrow:{PASSWORD}", f"other:{PASSWORD}", f"spare:{PASSWORD}"]
    ) as server:
        set_up(server, SETUP)
        yield server


def column(cnxn: pyodbc.Connection, sql: str) -> list[Any]:
    return [row[0] for row in cnxn.cursor().execute(sql).fetchall()]


def test_a_user_outside_db_datareader_reads_what_it_was_granted(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "narrow") as cnxn:
        assert scalar(cnxn, "SELECT IS_ROLEMEMBER('db_datareader')") == 0
        assert scalar(cnxn, "SELECT IS_MEMBER('db_datareader')") == 0
        assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT')") == 0
        assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME('SalesLT.Product', 'OBJECT', 'SELECT')")
        assert scalar(cnxn, "SELECT count(*) FROM SalesLT.Product") > 0
        with pytest.raises(pyodbc.Error, match=_denied_object("Customer")):
            cnxn.cursor().execute("SELECT TOP 1 CustomerID FROM SalesLT.Customer")
        with pytest.raises(pyodbc.Error, match=_denied_object("Customer")):
            cnxn.cursor().execute(
                "SELECT p.Name FROM SalesLT.Product AS p"
                " WHERE EXISTS (SELECT 1 FROM SalesLT.Customer AS c WHERE c.CustomerID = 1)"
            )


def test_only_the_granted_tables_are_visible(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver, "narrow") as cnxn:
        assert column(cnxn, "SELECT name FROM sys.tables ORDER BY name") == ["Product", "Wide"]
        assert column(
            cnxn, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES ORDER BY TABLE_NAME"
        ) == ["Product", "Wide"]
        assert scalar(cnxn, "SELECT count(OBJECT_ID('SalesLT.Customer'))") == 0
        assert scalar(cnxn, "SELECT count(*) FROM sys.views") == 0
        assert scalar(cnxn, "SELECT count(*) FROM sys.procedures") == 0  # no EXECUTE
        # A table with a column GRANT only is visible with every column: columns go with
        # their table ("Visibility of subcomponent metadata").
        columns = "SELECT name FROM sys.columns WHERE object_id = OBJECT_ID('dbo.Wide')"
        assert column(cnxn, columns + " ORDER BY column_id") == ["Id", "Name", "Salary"]
        assert (
            scalar(
                cnxn, "SELECT count(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'Wide'"
            )
            == 3
        )
        any_on = "SELECT HAS_PERMS_BY_NAME('{}', 'OBJECT', 'ANY')"
        assert scalar(cnxn, any_on.format("dbo.Wide")) == 1
        assert scalar(cnxn, any_on.format("SalesLT.Customer")) == 0


@pytest.mark.parametrize(
    ("sql", "denied"),
    [
        ("SELECT Id, Name FROM dbo.Wide ORDER BY Id", None),
        ("SELECT count(*) FROM dbo.Wide", None),
        ("SELECT w.Id FROM dbo.Wide AS w JOIN SalesLT.Product AS p ON p.ProductID = w.Id", None),
        ("SELECT * FROM dbo.Wide", "Salary"),
        ("SELECT w.* FROM dbo.Wide AS w", "Salary"),
        ("SELECT Salary FROM dbo.Wide", "Salary"),
        ("SELECT Id FROM dbo.Wide WHERE Salary > 0", "Salary"),
        ("SELECT Id FROM (SELECT * FROM dbo.Wide) AS s", "Salary"),
        ("WITH s AS (SELECT Id, Salary FROM dbo.Wide) SELECT Id FROM s", "Salary"),
        (
            "SELECT p.Name FROM SalesLT.Product AS p"
            " WHERE EXISTS (SELECT 1 FROM dbo.Wide AS w WHERE w.Salary = p.ProductID)",
            "Salary",
        ),
    ],
)
def test_a_column_grant_reads_those_columns_only(
    server: ThreadedTdsServer, odbc_driver: str, sql: str, denied: str | None
) -> None:
    """Error 230 names the first column the statement reads that the user may not
    (`*` reads every column)."""
    with connect(server, odbc_driver, "narrow") as cnxn:
        if denied is None:
            cnxn.cursor().execute(sql).fetchall()
        else:
            with pytest.raises(pyodbc.Error, match=_denied_column(denied)):
                cnxn.cursor().execute(sql)


def test_a_column_deny_wins_over_db_datareader(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver, "other") as cnxn:
        assert scalar(cnxn, "SELECT IS_ROLEMEMBER('db_datareader')") == 1
        assert column(cnxn, "SELECT Name FROM dbo.Wide ORDER BY Id") == ["a", "b"]
        with pytest.raises(pyodbc.Error, match=_denied_column("Salary")):
            cnxn.cursor().execute("SELECT * FROM dbo.Wide")
        has = "SELECT HAS_PERMS_BY_NAME('dbo.Wide', 'OBJECT', 'SELECT', '{}', 'COLUMN')"
        assert (scalar(cnxn, has.format("Salary")), scalar(cnxn, has.format("Name"))) == (0, 1)
        assert scalar(cnxn, "SELECT count(*) FROM sys.tables WHERE name = 'Wide'") == 1


# Example H of "HAS_PERMS_BY_NAME (Transact-SQL)", over every column of every table in
# one statement (as the schema overview asks it), the table named from the catalog row.
EVERY_COLUMN = """
SELECT s.name + '.' + o.name + '.' + c.name AS col,
       HAS_PERMS_BY_NAME(QUOTENAME(s.name) + N'.' + QUOTENAME(o.name),
                         N'OBJECT', N'SELECT', c.name, N'COLUMN') AS can_select
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.columns AS c ON c.object_id = o.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY s.name, o.name, c.column_id
"""


def test_has_perms_by_name_answers_per_column_in_a_query_of_many_tables(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, "narrow") as cnxn:
        rows = dict(cnxn.cursor().execute(EVERY_COLUMN).fetchall())
        assert {t.rsplit(".", 1)[0] for t in rows} == {"dbo.Wide", "SalesLT.Product"}
        assert [c for c, can in rows.items() if can != 1] == ["dbo.Wide.Salary"]
        denied = EVERY_COLUMN.replace(
            "ORDER BY",
            "AND HAS_PERMS_BY_NAME(QUOTENAME(s.name)"
            " + N'.' + QUOTENAME(o.name), N'OBJECT', N'SELECT', c.name, N'COLUMN') = 0 ORDER BY",
        )
        assert column(cnxn, denied) == ["dbo.Wide.Salary"]
    with connect(server, odbc_driver, "other") as cnxn:
        rows = dict(cnxn.cursor().execute(EVERY_COLUMN).fetchall())
        assert len(rows) > 100  # db_datareader: every table
        assert [c for c, can in rows.items() if can != 1] == ["dbo.Wide.Salary"]


def test_a_table_deny_does_not_take_a_column_grant_away(server: ThreadedTdsServer) -> None:
    """ "A table-level DENY does not take precedence over a column-level GRANT"; a DENY
    on the schema or the database does."""
    with connect(server, "freetds") as admin, connect(server, "freetds", "narrow") as cnxn:
        a = admin.cursor()
        try:
            a.execute("DENY SELECT ON dbo.Wide TO narrow")
            assert column(cnxn, "SELECT Name FROM dbo.Wide ORDER BY Id") == ["a", "b"]
            with pytest.raises(pyodbc.Error, match=_denied_column("Salary")):
                cnxn.cursor().execute("SELECT Id, Salary FROM dbo.Wide")
            assert scalar(cnxn, "SELECT count(*) FROM sys.tables WHERE name = 'Wide'") == 1
            a.execute("DENY SELECT ON SCHEMA::dbo TO narrow")
            with pytest.raises(pyodbc.Error, match=_denied_object("Wide", "dbo")):
                cnxn.cursor().execute("SELECT Name FROM dbo.Wide")
            assert scalar(cnxn, "SELECT count(*) FROM sys.tables WHERE name = 'Wide'") == 0
        finally:
            a.execute("REVOKE SELECT ON SCHEMA::dbo FROM narrow")
            a.execute("REVOKE SELECT ON dbo.Wide FROM narrow")
        assert scalar(cnxn, "SELECT count(*) FROM dbo.Wide") == 2


def test_revoke_of_a_column_and_drop_of_the_table_remove_its_grants(
    server: ThreadedTdsServer,
) -> None:
    with connect(server, "freetds") as admin, connect(server, "freetds", "spare") as cnxn:
        a = admin.cursor()
        a.execute("CREATE TABLE dbo.perm_cols (a int, b int)")
        a.execute("ALTER ROLE db_datareader DROP MEMBER spare")
        try:
            a.execute("GRANT SELECT (a, b) ON OBJECT::dbo.perm_cols TO spare")
            cnxn.cursor().execute("SELECT a, b FROM dbo.perm_cols").fetchall()
            a.execute("REVOKE SELECT ON dbo.perm_cols (b) FROM spare")
            with pytest.raises(pyodbc.Error, match=_denied_column("b", "perm_cols")):
                cnxn.cursor().execute("SELECT a, b FROM dbo.perm_cols")
            a.execute("REVOKE SELECT ON dbo.perm_cols (a) FROM spare")
            assert scalar(cnxn, "SELECT count(OBJECT_ID('dbo.perm_cols'))") == 0
            with pytest.raises(pyodbc.Error, match=r"Invalid column name 'nope'\. \(207\)"):
                a.execute("GRANT SELECT ON dbo.perm_cols (nope) TO spare")
            with pytest.raises(pyodbc.Error, match=r"\(102\)"):
                a.execute("GRANT SELECT ON SCHEMA::dbo (a) TO spare")
            a.execute("GRANT SELECT ON dbo.perm_cols (a) TO spare")
        finally:
            a.execute("DROP TABLE dbo.perm_cols")
            a.execute("ALTER ROLE db_datareader ADD MEMBER spare")
        left = "SELECT count(*) FROM __azsql_column_permissions WHERE grantee = 'spare'"
        assert scalar(admin, left) == 0


def test_alter_role_changes_membership_at_the_next_request(server: ThreadedTdsServer) -> None:
    with connect(server, "freetds") as admin, connect(server, "freetds", "spare") as cnxn:
        a = admin.cursor()
        member = "SELECT IS_ROLEMEMBER('db_datareader')"
        customers = "SELECT count(*) FROM sys.tables WHERE name = 'Customer'"
        assert (scalar(cnxn, member), scalar(cnxn, customers)) == (1, 1)
        try:
            a.execute("ALTER ROLE db_datareader DROP MEMBER spare")
            assert (scalar(cnxn, member), scalar(cnxn, customers)) == (0, 0)
            with pytest.raises(pyodbc.Error, match=_denied_object("Customer")):
                cnxn.cursor().execute("SELECT TOP 1 CustomerID FROM SalesLT.Customer")
            # Kept in the catalog, transactionally, like the grants.
            a.execute("BEGIN TRANSACTION; ALTER ROLE db_datareader ADD MEMBER spare; ROLLBACK")
            assert scalar(cnxn, member) == 0
            a.execute("ALTER ROLE db_datawriter ADD MEMBER spare")
            assert scalar(cnxn, "SELECT IS_ROLEMEMBER('db_datawriter')") == 1
            cnxn.cursor().execute("INSERT INTO dbo.Wide VALUES (3, 'c', 300)")
        finally:
            a.execute("DELETE FROM dbo.Wide WHERE Id = 3")
            a.execute("ALTER ROLE db_datawriter DROP MEMBER spare")
            a.execute("ALTER ROLE db_datareader ADD MEMBER spare")
        assert (scalar(cnxn, member), scalar(cnxn, customers)) == (1, 1)
        with pytest.raises(pyodbc.Error, match=r"INSERT permission was denied"):
            cnxn.cursor().execute("INSERT INTO dbo.Wide VALUES (3, 'c', 300)")


def test_only_the_privileged_login_alters_a_role(server: ThreadedTdsServer) -> None:
    not_allowed = (
        r"Cannot alter the role 'db_datareader', because it does not exist or you do not"
        r" have permission\. \(15151\)"
    )
    with (
        connect(server, "freetds", "other") as cnxn,
        pytest.raises(pyodbc.Error, match=not_allowed),
    ):
        cnxn.cursor().execute("ALTER ROLE db_datareader DROP MEMBER other")
    unmodelled = r"ALTER ROLE db_owner .* is not supported"
    with connect(server, "freetds") as admin, pytest.raises(pyodbc.Error, match=unmodelled):
        admin.cursor().execute("ALTER ROLE db_owner ADD MEMBER other")


def test_execute_makes_a_procedure_visible_to_a_user_outside_db_datareader(
    server: ThreadedTdsServer,
) -> None:
    """Without SELECT on the database, a procedure is visible with EXECUTE on it only."""
    procedures = "SELECT count(*) FROM sys.procedures WHERE name = 'uspCustomerOrders'"
    with connect(server, "freetds") as admin, connect(server, "freetds", "narrow") as cnxn:
        assert scalar(cnxn, procedures) == 0
        admin.cursor().execute("GRANT EXECUTE ON SalesLT.uspCustomerOrders TO narrow")
        try:
            assert scalar(cnxn, procedures) == 1
        finally:
            admin.cursor().execute("REVOKE EXECUTE ON SalesLT.uspCustomerOrders FROM narrow")


def test_select_on_a_schema_reaches_every_table_in_it(server: ThreadedTdsServer) -> None:
    """ "Metadata visibility configuration", scope of permissions: SELECT on a schema
    covers, and shows, every table and view in it."""
    dbo_tables = "SELECT count(*) FROM sys.tables WHERE SCHEMA_NAME(schema_id) = 'dbo'"
    with connect(server, "freetds") as admin, connect(server, "freetds", "spare") as cnxn:
        a = admin.cursor()
        a.execute("ALTER ROLE db_datareader DROP MEMBER spare")
        try:
            assert scalar(cnxn, dbo_tables) == 0
            a.execute("GRANT SELECT ON SCHEMA::dbo TO spare")
            assert scalar(cnxn, dbo_tables) == scalar(admin, dbo_tables)
            assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME('dbo', 'SCHEMA', 'SELECT')") == 1
            assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME('SalesLT', 'SCHEMA', 'SELECT')") == 0
            assert column(cnxn, "SELECT Salary FROM dbo.Wide ORDER BY Id") == [100, 200]
            assert scalar(cnxn, "SELECT count(*) FROM sys.tables WHERE name = 'Product'") == 0
        finally:
            a.execute("REVOKE SELECT ON SCHEMA::dbo FROM spare")
            a.execute("ALTER ROLE db_datareader ADD MEMBER spare")
