"""Row-level security filter predicates: an inline table-valued function keyed on
SESSION_CONTEXT and a security policy, so two sessions see different rows of one table
through plain SELECTs, through both ODBC drivers."""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE SCHEMA Sec",
    "CREATE TABLE Sec.Orders (OrderID int PRIMARY KEY, TenantID int NOT NULL, Total money)",
    "INSERT INTO Sec.Orders VALUES (1, 10, 5.00), (2, 10, 7.50), (3, 20, 1.25), (4, 30, 9.00)",
    """CREATE FUNCTION Sec.fn_tenant(@TenantID AS int)
    RETURNS TABLE
WITH SCHEMABINDING
AS
    RETURN SELECT 1 AS fn_securitypredicate_result
    WHERE @TenantID = CAST(SESSION_CONTEXT(N'tenant') AS int)""",
    "CREATE SECURITY POLICY Sec.TenantFilter"
    " ADD FILTER PREDICATE Sec.fn_tenant(TenantID) ON Sec.Orders WITH (STATE = ON)",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as server:
        cnxn = pyodbc.connect(server.odbc_connection_string(), autocommit=True, timeout=10)
        for statement in SETUP:
            cnxn.execute(statement)
        cnxn.close()
        yield server


def _tenant(server: ThreadedTdsServer, driver: str, tenant: int | None) -> pyodbc.Connection:
    cnxn = pyodbc.connect(server.odbc_connection_string(driver=driver), autocommit=True, timeout=10)
    if tenant is not None:
        cnxn.execute("EXEC sp_set_session_context @key = N'tenant', @value = ?", tenant)
    return cnxn


def test_sessions_with_different_context_see_different_rows(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    ten, twenty, nobody = (_tenant(server, odbc_driver, t) for t in (10, 20, None))
    try:
        query = "SELECT o.OrderID FROM Sec.Orders AS o ORDER BY o.OrderID"
        assert [r[0] for r in ten.execute(query).fetchall()] == [1, 2]
        assert [r[0] for r in twenty.execute(query).fetchall()] == [3]
        assert nobody.execute(query).fetchall() == []
        # Aggregates, joins and subqueries read through the filter too.
        assert ten.execute("SELECT COUNT(*), SUM(Total) FROM Sec.Orders").fetchone()[0] == 2
        joined = twenty.execute(
            "SELECT COUNT(*) FROM Sec.Orders a JOIN Sec.Orders b ON a.TenantID = b.TenantID"
        ).fetchone()[0]
        assert joined == 1
    finally:
        for cnxn in (ten, twenty, nobody):
            cnxn.close()


def test_policy_catalog_state_and_drop_rules(server: ThreadedTdsServer) -> None:
    cnxn = _tenant(server, "freetds", None)
    try:
        kinds = cnxn.execute(
            "SELECT name, type_desc FROM sys.objects WHERE type IN ('IF', 'SP') ORDER BY name"
        ).fetchall()
        assert [tuple(r) for r in kinds] == [
            ("fn_tenant", "SQL_INLINE_TABLE_VALUED_FUNCTION"),
            ("TenantFilter", "SECURITY_POLICY"),
        ]
        with pytest.raises(pyodbc.Error) as used:
            cnxn.execute("DROP FUNCTION Sec.fn_tenant")
        # "Cannot %ls '%.*ls' because it is being referenced by object '%.*ls'." (3729)
        assert (
            "Cannot DROP FUNCTION 'Sec.fn_tenant' because it is being referenced by object"
            " 'TenantFilter'. (3729)" in str(used.value)
        )
        cnxn.execute("DROP SECURITY POLICY Sec.TenantFilter")
        assert cnxn.execute("SELECT COUNT(*) FROM Sec.Orders").fetchone()[0] == 4
        cnxn.execute(
            "CREATE SECURITY POLICY Sec.TenantFilter ADD FILTER PREDICATE"
            " Sec.fn_tenant(TenantID) ON Sec.Orders WITH (STATE = OFF)"
        )
        assert cnxn.execute("SELECT COUNT(*) FROM Sec.Orders").fetchone()[0] == 4
        cnxn.execute("DROP SECURITY POLICY Sec.TenantFilter")
        cnxn.execute(SETUP[-1])
    finally:
        cnxn.close()
