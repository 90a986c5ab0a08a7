"""INFORMATION_SCHEMA.CHECK_CONSTRAINTS and sys.all_sql_modules through both drivers, as
the admin and as a db_datareader login: definitions NULL without VIEW DEFINITION, and a
constraint of a table the reader is denied left out ("Metadata visibility
configuration")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from wire_logins import connector, rows

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
CHECKS = "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM INFORMATION_SCHEMA.CHECK_CONSTRAINTS"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(logins=[f"reader:{PASSWORD}"]) as server:
        with connect(server, "freetds") as admin:
            a = admin.cursor()
            a.execute("CREATE TABLE dbo.Item (Price int CONSTRAINT CK_Price CHECK (Price > 0))")
            a.execute("CREATE TABLE dbo.Hidden (N int CONSTRAINT CK_N CHECK (N < 9))")
            a.execute("DENY SELECT ON dbo.Hidden TO reader")
            a.execute("CREATE VIEW dbo.Cheap AS SELECT Price FROM dbo.Item WHERE Price < 5")
        yield server


@pytest.mark.parametrize("driver", ["msodbc", "freetds"])
def test_check_constraints_admin(server: ThreadedTdsServer, driver: str) -> None:
    with connect(server, driver) as admin:
        cursor = admin.cursor().execute(
            "SELECT CONSTRAINT_CATALOG, CONSTRAINT_SCHEMA FROM INFORMATION_SCHEMA.CHECK_CONSTRAINTS"
        )
        assert cursor.fetchall()[0][1] == "dbo"
        assert [d[0] for d in cursor.description] == ["CONSTRAINT_CATALOG", "CONSTRAINT_SCHEMA"]
        # the text sys.check_constraints.definition holds (cut to nvarchar(4000))
        same = rows(admin, "SELECT name, definition FROM sys.check_constraints ORDER BY name")
        assert sorted(rows(admin, CHECKS)) == same
        assert [name for name, _ in same] == ["CK_N", "CK_Price"]


@pytest.mark.parametrize("driver", ["msodbc", "freetds"])
def test_check_constraints_reader(server: ThreadedTdsServer, driver: str) -> None:
    with connect(server, driver, "reader") as reader:
        assert rows(reader, CHECKS) == [("CK_Price", None)]


@pytest.mark.parametrize("driver", ["msodbc", "freetds"])
@pytest.mark.parametrize(("user", "seen"), [(None, 1), ("reader", 0)])
def test_all_sql_modules(
    server: ThreadedTdsServer, driver: str, user: str | None, seen: int
) -> None:
    sql = (
        "SELECT count(*), count(m.definition) FROM sys.all_sql_modules m"
        " WHERE m.object_id = OBJECT_ID('dbo.Cheap')"
    )
    with connect(server, driver, user) as cnxn:
        assert rows(cnxn, sql) == [(1, seen)]
        same = "SELECT count(*) FROM sys.all_sql_modules a JOIN sys.sql_modules m"
        assert rows(cnxn, same + " ON m.object_id = a.object_id") == rows(
            cnxn, "SELECT count(*) FROM sys.sql_modules"
        )
