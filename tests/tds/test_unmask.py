"""GRANT, DENY and REVOKE UNMASK in the test server (principals.py) and HAS_PERMS_BY_NAME's
answers for them: on the database, and SQL Server 2022's granular UNMASK on a schema, a
table and a column ("Dynamic data masking", Permissions); a DENY at any level wins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True, logins=[f"reader:{PASSWORD}"]) as server:
        with connect(server) as admin:
            admin.cursor().execute(
                "CREATE TABLE dbo.Card (CardID int NOT NULL,"
                " Number varchar(20) MASKED WITH (FUNCTION = 'default()') NULL,"
                " Pin varchar(4) MASKED WITH (FUNCTION = 'default()') NULL)"
            )
        yield server


def connect(server: ThreadedTdsServer, user: str | None = None) -> closing[pyodbc.Connection]:
    password = None if user is None else PASSWORD
    odbc = server.odbc_connection_string(driver="freetds", user=user, password=password)
    return closing(pyodbc.connect(odbc, autocommit=True, timeout=10))


def scalar(cnxn: pyodbc.Connection, sql: str) -> Any:
    return cnxn.cursor().execute(sql).fetchone()[0]


def test_unmask_is_granted_and_denied_on_each_level(server: ThreadedTdsServer) -> None:
    def unmasked(cnxn: pyodbc.Connection) -> tuple[int, int, int]:
        column = "SELECT HAS_PERMS_BY_NAME('dbo.Card', 'OBJECT', 'UNMASK', '{}', 'COLUMN')"
        return (
            scalar(cnxn, "SELECT HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'UNMASK')"),
            scalar(cnxn, column.format("Number")),
            scalar(cnxn, column.format("Pin")),
        )

    with connect(server) as admin, connect(server, "reader") as cnxn:
        a = admin.cursor()
        assert unmasked(admin) == (1, 1, 1)  # dbo
        assert unmasked(cnxn) == (0, 0, 0)
        a.execute("GRANT UNMASK ON dbo.Card (Number) TO reader")
        assert unmasked(cnxn) == (0, 1, 0)
        a.execute("GRANT UNMASK ON SCHEMA::dbo TO reader")
        assert unmasked(cnxn) == (0, 1, 1)
        a.execute("DENY UNMASK ON OBJECT::dbo.Card TO reader")  # wins over the others
        assert unmasked(cnxn) == (0, 0, 0)
        a.execute("REVOKE UNMASK ON OBJECT::dbo.Card FROM reader")
        a.execute("REVOKE UNMASK ON SCHEMA::dbo FROM reader")
        a.execute("REVOKE UNMASK ON dbo.Card (Number) FROM reader")
        a.execute("GRANT UNMASK TO reader")
        assert unmasked(cnxn) == (1, 1, 1)
        a.execute("REVOKE UNMASK FROM reader")
        assert unmasked(cnxn) == (0, 0, 0)
        with pytest.raises(pyodbc.Error, match=r"not compatible with object\. \(4606\)"):
            a.execute("GRANT UNMASK ON SalesLT.vGetAllCategories TO reader")
