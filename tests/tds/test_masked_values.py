"""Dynamic Data Masking in the test server (engine/masking.py), through both ODBC drivers,
by Microsoft's "Dynamic data masking": a login without UNMASK reads a masked column's
values masked (default(), email(), partial(), random()); dbo and a login granted UNMASK
read the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyodbc
import pytest
from wire_logins import connector

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
ROW = (
    1,
    "ann@example.com",
    "Ann",
    "555-0142",
    "AB",
    Decimal("5000.0000"),
    7,
    dt.date(1990, 5, 17),
    b"\x01\x02",
    None,
)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(logins=[f"reader:{PASSWORD}", f"auditor:{PASSWORD}"]) as server:
        with connect(server, "msodbc") as admin:
            a = admin.cursor()
            a.execute(
                "CREATE TABLE dbo.Member (MemberID int NOT NULL,"
                " Email varchar(100) MASKED WITH (FUNCTION = 'email()') NULL,"
                " Name nvarchar(40) NULL,"
                " Phone varchar(12) MASKED WITH (FUNCTION = 'partial(2,\"XXXXX\",2)') NULL,"
                " Code char(2) MASKED WITH (FUNCTION = 'default()') NULL,"
                " Salary money MASKED WITH (FUNCTION = 'default()') NULL,"
                " Score int MASKED WITH (FUNCTION = 'random(100, 200)') NULL,"
                " Born date MASKED WITH (FUNCTION = 'default()') NULL,"
                " Badge varbinary(10) MASKED WITH (FUNCTION = 'default()') NULL,"
                " Note varchar(20) MASKED WITH (FUNCTION = 'default()') NULL)"
            )
            a.execute(
                "INSERT INTO dbo.Member VALUES (1, 'ann@example.com', N'Ann', '555-0142',"
                " 'AB', 5000, 7, '1990-05-17', 0x0102, NULL)"
            )
            a.execute("GRANT UNMASK TO auditor")
        yield server


def row(cnxn: pyodbc.Connection, sql: str = "SELECT * FROM dbo.Member") -> tuple[Any, ...]:
    return tuple(cnxn.cursor().execute(sql).fetchone())


def test_the_reader_reads_masked_values(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver, "reader") as cnxn:
        got = row(cnxn)
        masked = (1, "aXXX@XXXX.com", "Ann", "55XXXXX42", "xx", Decimal(0))
        assert got[:6] == masked
        assert 100 <= got[6] <= 200
        assert got[7:] == (dt.date(1900, 1, 1), b"\x00", None)  # NULL stays NULL
        # a column named in the select list, by an alias, through a derived table
        sql = "SELECT m.Email AS e, Name FROM (SELECT Email, Name FROM dbo.Member) AS m"
        assert row(cnxn, sql) == ("aXXX@XXXX.com", "Ann")


def test_dbo_and_a_login_with_unmask_read_the_data(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin, connect(server, odbc_driver, "auditor") as cnxn:
        assert row(admin) == ROW
        assert row(cnxn) == ROW


def test_a_column_grant_of_unmask_shows_that_column_only(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin, connect(server, odbc_driver, "reader") as cnxn:
        admin.cursor().execute("GRANT UNMASK ON dbo.Member (Email) TO reader")
        try:
            assert row(cnxn, "SELECT Email, Code FROM dbo.Member") == ("ann@example.com", "xx")
        finally:
            admin.cursor().execute("REVOKE UNMASK ON dbo.Member (Email) FROM reader")
        assert row(cnxn, "SELECT Email FROM dbo.Member") == ("aXXX@XXXX.com",)
