"""Per-object SELECT permissions and metadata visibility, through real drivers.

From Microsoft's "Metadata visibility configuration": a user sees the metadata of an
object it holds some permission on, DENY takes precedence, and subcomponents (columns,
indexes, constraints) go with their parent; OBJECT_NAME and the other metadata
functions return NULL for an object the caller cannot see. A foreign key belongs to its
parent table, so a key to a table the user cannot see stays visible.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytest
from wire_logins import connector, scalar

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
# The reader is denied SELECT on SalesLT.Customer, which SalesOrderHeader references.
DENY = "DENY SELECT ON SalesLT.Customer TO reader"
FK = "FK_SalesOrderHeader_Customer_CustomerID"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True,
        logins=[
            f"reader:{PASSWORD}",
            f"definer:{PASSWORD}:VIEW_DEFINITION",
            f"writer:{PASSWORD}:db_datawriter",
        ],
    ) as server:
        with connect(server, "freetds") as admin:
            a = admin.cursor()
            a.execute(DENY)
            a.execute("CREATE TABLE dbo.Secret (Id int, Code varchar(10))")
            a.execute("INSERT INTO dbo.Secret VALUES (1, 'x')")
            a.execute("CREATE TABLE dbo.Pub (Id int, Code varchar(10))")
            a.execute("DENY SELECT ON dbo.Secret TO writer")
        yield server


def customer_id(server: ThreadedTdsServer) -> int:
    with connect(server, "freetds") as admin:
        return int(scalar(admin, "SELECT OBJECT_ID('SalesLT.Customer')"))


_SEES_CUSTOMER = {
    "sys.objects": "SELECT count(*) FROM sys.objects WHERE object_id = {id}",
    "sys.tables": "SELECT count(*) FROM sys.tables WHERE name = 'Customer'",
    "sys.columns": "SELECT count(*) FROM sys.columns WHERE object_id = {id}",
    "sys.indexes": "SELECT count(*) FROM sys.indexes WHERE object_id = {id}",
    "sys.index_columns": "SELECT count(*) FROM sys.index_columns WHERE object_id = {id}",
    "sys.key_constraints": "SELECT count(*) FROM sys.key_constraints WHERE parent_object_id = {id}",
    "INFORMATION_SCHEMA.TABLES": "SELECT count(*) FROM INFORMATION_SCHEMA.TABLES"
    " WHERE TABLE_SCHEMA = 'SalesLT' AND TABLE_NAME = 'Customer'",
    "INFORMATION_SCHEMA.COLUMNS": "SELECT count(*) FROM INFORMATION_SCHEMA.COLUMNS"
    " WHERE TABLE_SCHEMA = 'SalesLT' AND TABLE_NAME = 'Customer'",
    "OBJECT_ID": "SELECT count(OBJECT_ID('SalesLT.Customer'))",
    "OBJECT_NAME": "SELECT count(OBJECT_NAME({id}))",
    "OBJECT_SCHEMA_NAME": "SELECT count(OBJECT_SCHEMA_NAME({id}))",
    "COL_NAME": "SELECT count(COL_NAME({id}, 1))",
    "OBJECTPROPERTY": "SELECT count(OBJECTPROPERTY({id}, 'IsUserTable'))",
}


def _seen(cnxn: pyodbc.Connection, object_id: int) -> dict[str, bool]:
    return {k: scalar(cnxn, q.format(id=object_id)) > 0 for k, q in _SEES_CUSTOMER.items()}


def test_a_denied_table_is_hidden_from_the_catalog_and_its_functions(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    oid = customer_id(server)
    with connect(server, odbc_driver) as admin:
        assert all(_seen(admin, oid).values())
    with connect(server, odbc_driver, "reader") as cnxn:
        assert not any(_seen(cnxn, oid).values())
        # Other tables stay visible.
        assert scalar(cnxn, "SELECT count(*) FROM sys.tables WHERE name = 'Product'") == 1


def test_a_key_to_a_hidden_table_stays_with_its_visible_parent(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    oid = customer_id(server)
    query = (
        "SELECT fk.name, OBJECT_NAME(fk.parent_object_id), fk.referenced_object_id,"
        " OBJECT_NAME(fk.referenced_object_id), OBJECT_SCHEMA_NAME(fk.referenced_object_id),"
        " fkc.referenced_column_id, fk.delete_referential_action_desc,"
        " (SELECT count(*) FROM sys.columns c WHERE c.object_id = fkc.referenced_object_id"
        "  AND c.column_id = fkc.referenced_column_id)"
        " FROM sys.foreign_keys fk"
        " JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id"
        f" WHERE fk.name = '{FK}'"
    )
    with connect(server, odbc_driver) as admin:
        row = tuple(admin.cursor().execute(query).fetchone())
        assert row == (FK, "SalesOrderHeader", oid, "Customer", "SalesLT", 1, "NO_ACTION", 1)
    with connect(server, odbc_driver, "reader") as cnxn:
        row = tuple(cnxn.cursor().execute(query).fetchone())
        assert row == (FK, "SalesOrderHeader", oid, None, None, 1, "NO_ACTION", 0)
        # The referenced key's name comes from the hidden table: NULL, like the table.
        unique = scalar(
            cnxn,
            "SELECT UNIQUE_CONSTRAINT_NAME FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS"
            f" WHERE CONSTRAINT_NAME = '{FK}'",
        )
        assert unique is None


def test_select_on_a_denied_table_is_error_229(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver, "reader") as cnxn:
        denied = (
            r"The SELECT permission was denied on the object 'Customer', database"
            r" 'AdventureWorksLT', schema 'SalesLT'\. \(229\)"
        )
        with pytest.raises(pyodbc.Error, match=denied):
            cnxn.cursor().execute("SELECT TOP 1 CustomerID FROM SalesLT.Customer")
        assert scalar(cnxn, "SELECT count(*) FROM SalesLT.SalesOrderHeader") > 0
        perm = "SELECT HAS_PERMS_BY_NAME('SalesLT.{}', 'OBJECT', 'SELECT')"
        assert scalar(cnxn, perm.format("Customer")) == 0
        assert scalar(cnxn, perm.format("Product")) == 1


def test_any_permission_is_none_on_a_hidden_table(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ "HAS_PERMS_BY_NAME (Transact-SQL)": ANY is a wildcard, any permission on the
    securable. The reader's only one on Customer, SELECT, is denied: none, as the catalog
    says; db_datareader's SELECT is none on a procedure (it applies to none: "GRANT
    Object Permissions"); VIEW DEFINITION on the database is one on every object."""
    any_on = "SELECT HAS_PERMS_BY_NAME('{}', 'OBJECT', 'ANY')"
    with connect(server, odbc_driver, "reader") as cnxn:
        assert scalar(cnxn, any_on.format("SalesLT.Customer")) == 0
        assert scalar(cnxn, any_on.format("SalesLT.Product")) == 1
        assert scalar(cnxn, any_on.format("SalesLT.uspCustomerOrders")) == 0
        assert scalar(cnxn, any_on.format("SalesLT.NoSuchTable")) is None
    with connect(server, odbc_driver, "writer") as cnxn:  # db_datawriter's INSERT, ...
        assert scalar(cnxn, any_on.format("dbo.Secret")) == 1
        assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME('dbo.Secret', 'OBJECT', 'SELECT')") == 0
        # ... which applies to no procedure
        assert scalar(cnxn, any_on.format("SalesLT.uspCustomerOrders")) == 0
        assert scalar(cnxn, "SELECT COUNT(*) FROM sys.procedures") == 0


_SECRET_DENIED = (
    r"The SELECT permission was denied on the object 'Secret', database"
    r" 'AdventureWorksLT', schema 'dbo'\. \(229\)"
)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO dbo.Pub (Id, Code) SELECT Id, Code FROM dbo.Secret",
        "UPDATE dbo.Pub SET Code = 'y' WHERE Id IN (SELECT Id FROM dbo.Secret)",
        "UPDATE p SET Code = s.Code FROM dbo.Pub AS p JOIN dbo.Secret AS s ON s.Id = p.Id",
        "DELETE FROM dbo.Pub WHERE EXISTS (SELECT 1 FROM dbo.Secret AS s WHERE s.Id = Pub.Id)",
        "WITH s AS (SELECT Id FROM dbo.Secret) DELETE FROM dbo.Pub WHERE Id IN (SELECT Id FROM s)",
    ],
)
def test_a_write_reading_a_denied_table_is_error_229(
    server: ThreadedTdsServer, odbc_driver: str, statement: str
) -> None:
    """SELECT is checked on every table a statement reads, whatever the statement."""
    with connect(server, odbc_driver, "writer") as cnxn:
        with pytest.raises(pyodbc.Error, match=_SECRET_DENIED):
            cnxn.cursor().execute(statement)
        assert scalar(cnxn, "SELECT count(*) FROM dbo.Pub") == 0


def test_the_target_of_a_write_needs_no_select(server: ThreadedTdsServer, odbc_driver: str) -> None:
    """Writing to the denied table itself takes db_datawriter's INSERT or UPDATE, not
    SELECT (an UPDATE or DELETE reading the target in its WHERE would also need SELECT on
    SQL Server: not modelled)."""
    with connect(server, odbc_driver, "writer") as cnxn:
        c = cnxn.cursor()
        c.execute("INSERT INTO dbo.Secret (Id, Code) SELECT Id, Code FROM dbo.Pub")
        c.execute("INSERT INTO dbo.Secret (Id, Code) VALUES (3, 'z')")
        c.execute("UPDATE dbo.Secret SET Code = 'w'")
        with pytest.raises(pyodbc.Error, match=_SECRET_DENIED):
            c.execute("SELECT Code FROM dbo.Secret")


def test_another_permission_keeps_a_denied_table_visible(server: ThreadedTdsServer) -> None:
    """VIEW DEFINITION on the database is a permission on every object: a DENY SELECT
    takes SELECT away, not the metadata."""
    oid = customer_id(server)
    with connect(server, "freetds") as admin:
        admin.cursor().execute("DENY SELECT ON SalesLT.Customer TO definer")
        try:
            with connect(server, "freetds", "definer") as cnxn:
                assert all(_seen(cnxn, oid).values())
                with pytest.raises(pyodbc.Error, match=r"\(229\)"):
                    cnxn.cursor().execute("SELECT TOP 1 CustomerID FROM SalesLT.Customer")
        finally:
            admin.cursor().execute("REVOKE SELECT ON SalesLT.Customer FROM definer")


def test_deny_on_the_schema_or_database_wins_and_revoke_restores(
    server: ThreadedTdsServer,
) -> None:
    product = "SELECT count(*) FROM sys.tables WHERE name = 'Product'"
    any_on_schema = "SELECT HAS_PERMS_BY_NAME('SalesLT', 'SCHEMA', 'ANY')"
    with connect(server, "freetds") as admin, connect(server, "freetds", "reader") as cnxn:
        a = admin.cursor()
        try:
            a.execute("DENY SELECT ON SCHEMA::SalesLT TO public")
            a.execute("GRANT SELECT ON SalesLT.Product TO reader")  # the DENY still wins
            assert scalar(cnxn, product) == 0
            assert scalar(cnxn, any_on_schema) == 0
            a.execute("REVOKE SELECT ON SCHEMA::SalesLT FROM public")
            assert scalar(cnxn, product) == 1
            assert scalar(cnxn, any_on_schema) == 1
            a.execute("DENY SELECT TO reader")
            assert scalar(cnxn, "SELECT count(*) FROM sys.tables") == 0
            assert scalar(cnxn, "SELECT HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'SELECT')") == 0
        finally:
            a.execute("REVOKE SELECT ON SCHEMA::SalesLT FROM public")
            a.execute("REVOKE SELECT FROM reader")
            a.execute("REVOKE SELECT ON SalesLT.Product FROM reader")
        assert scalar(cnxn, product) == 1


def test_select_permissions_name_a_table_and_go_with_it(server: ThreadedTdsServer) -> None:
    with connect(server, "freetds") as admin:
        a = admin.cursor()
        with pytest.raises(pyodbc.Error, match=r"SELECT is not compatible with object\. \(4606\)"):
            a.execute("GRANT SELECT ON SalesLT.uspCustomerOrders TO reader")
        a.execute("CREATE TABLE dbo.perm_gone (n int)")
        a.execute("DENY SELECT ON dbo.perm_gone TO reader")
        a.execute("DROP TABLE dbo.perm_gone")
        left = "SELECT count(*) FROM __azsql_permissions WHERE permission_name = 'SELECT'"
        assert scalar(admin, left) == 2  # the module's DENYs on SalesLT.Customer and dbo.Secret
