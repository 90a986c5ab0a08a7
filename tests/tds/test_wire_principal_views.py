"""sys.database_principals, sys.database_role_members and sys.database_permissions
through both drivers, as the privileged login and as least-privileged ones: a user sees
itself, the system users and the fixed roles, its own memberships and permissions, and
the other users and their permissions only with VIEW DEFINITION (the views' Permissions
sections); each --login user has a principal_id of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from wire_logins import connector, rows

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
SYSTEM = ["INFORMATION_SCHEMA", "dbo", "guest", "sys"]
ROLES = [
    "db_accessadmin",
    "db_backupoperator",
    "db_datareader",
    "db_datawriter",
    "db_ddladmin",
    "db_denydatareader",
    "db_denydatawriter",
    "db_owner",
    "db_securityadmin",
    "public",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        logins=[f"reader:{PASSWORD}", f"definer:{PASSWORD}:VIEW_DEFINITION,db_datawriter"]
    ) as server:
        with connect(server, "freetds") as admin:
            a = admin.cursor()
            for statement in (
                "CREATE TABLE dbo.Item (Id int, Code int)",
                "DENY SELECT ON dbo.Item TO reader",
                "GRANT SELECT ON dbo.Item (Id) TO reader",
                "GRANT EXECUTE ON SCHEMA::dbo TO public",
                "GRANT EXECUTE TO db_datareader",
            ):
                a.execute(statement)
        yield server


DRIVERS = pytest.mark.parametrize("driver", ["msodbc", "freetds"])


@DRIVERS
@pytest.mark.parametrize(
    ("user", "sees"),
    [(None, ["definer", "reader"]), ("reader", ["reader"]), ("definer", ["definer", "reader"])],
)
def test_database_principals(
    server: ThreadedTdsServer, driver: str, user: str | None, sees: list[str]
) -> None:
    with connect(server, driver, user) as cnxn:
        users = rows(cnxn, "SELECT name FROM sys.database_principals WHERE type = 'S'")
        expected = sorted(SYSTEM + sees, key=str.casefold)
        assert sorted((u for (u,) in users), key=str.casefold) == expected
        logins = rows(
            cnxn,
            "SELECT name, principal_id, type_desc, default_schema_name,"
            " authentication_type_desc FROM sys.database_principals"
            " WHERE name IN ('reader', 'definer') ORDER BY principal_id",
        )
        ids = {"reader": 5, "definer": 6}  # in the order the logins were given
        assert logins == [
            (n, ids[n], "SQL_USER", "dbo", "INSTANCE") for n in sorted(sees, key=ids.get)
        ]
        roles = rows(
            cnxn,
            "SELECT name, is_fixed_role, owning_principal_id FROM sys.database_principals"
            " WHERE type = 'R' ORDER BY name",
        )
        assert [r[0] for r in roles] == ROLES
        assert all(fixed == (name != "public") and owner == 1 for name, fixed, owner in roles)
        own = "SELECT principal_id FROM sys.database_principals WHERE name = USER_NAME()"
        assert rows(cnxn, own)[0][0] == {None: 1, "reader": 5, "definer": 6}[user]


@DRIVERS
@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (None, [("db_owner", "dbo")]),
        ("reader", [("db_datareader", "reader")]),
        (
            "definer",
            [("db_datareader", "definer"), ("db_datawriter", "definer"), ("db_owner", "dbo")],
        ),
    ],
)
def test_database_role_members(
    server: ThreadedTdsServer, driver: str, user: str | None, expected: list[tuple[str, str]]
) -> None:
    sql = (
        "SELECT r.name, m.name FROM sys.database_role_members rm"
        " JOIN sys.database_principals r ON r.principal_id = rm.role_principal_id"
        " JOIN sys.database_principals m ON m.principal_id = rm.member_principal_id"
        " ORDER BY r.name"
    )
    with connect(server, driver, user) as cnxn:
        assert rows(cnxn, sql) == expected


PERMISSIONS = (
    "SELECT class_desc, minor_id, USER_NAME(grantee_principal_id), type, permission_name,"
    " state_desc FROM sys.database_permissions"
    " WHERE major_id IN (0, OBJECT_ID('dbo.Item'), SCHEMA_ID('dbo'))"
)


@DRIVERS
@pytest.mark.parametrize("user", [None, "reader", "definer"])
def test_database_permissions(server: ThreadedTdsServer, driver: str, user: str | None) -> None:
    with connect(server, driver, user) as cnxn:
        found = sorted(rows(cnxn, PERMISSIONS), key=repr)
    ours = [
        ("DATABASE", 0, "db_datareader", "EX  ", "EXECUTE", "GRANT"),
        ("SCHEMA", 0, "public", "EX  ", "EXECUTE", "GRANT"),
    ]
    readers = [
        ("OBJECT_OR_COLUMN", 0, "reader", "SL  ", "SELECT", "DENY"),
        ("OBJECT_OR_COLUMN", 1, "reader", "SL  ", "SELECT", "GRANT"),
    ]
    connect_rows = {
        None: [("DATABASE", 0, "dbo", "CO  ", "CONNECT", "GRANT")],
        "reader": [("DATABASE", 0, "reader", "CO  ", "CONNECT", "GRANT"), *readers],
        # VIEW DEFINITION: every row, the reader's named by its own id
        "definer": [
            ("DATABASE", 0, "dbo", "CO  ", "CONNECT", "GRANT"),
            ("DATABASE", 0, "definer", "CO  ", "CONNECT", "GRANT"),
            *readers,
        ],
    }[user]
    if user is None:
        connect_rows += readers
    assert found == sorted(ours + connect_rows, key=repr)
