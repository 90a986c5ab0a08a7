"""Names in a subquery nested inside a CROSS/OUTER APPLY's derived table, on the
AdventureWorksLT sample, through both drivers: an unqualified name is looked for in the
nearest scope first, then in each enclosing one, up to the tables before the APPLY
("Subqueries (SQL Server)": a column is looked for first in the subquery's own FROM;
"FROM clause plus JOIN, APPLY, PIVOT": the right input is evaluated for each row of the
left). Each APPLY's rows are checked against the same question written as a plain
correlated subquery."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

_MAIN_OFFICE = (
    "h.ShipToAddressID IN (SELECT ca.AddressID FROM SalesLT.CustomerAddress AS ca"
    " WHERE ca.CustomerID = c.CustomerID AND ca.AddressType = 'Main Office')"
)


@pytest.fixture
def sample(wire_sample_server: ThreadedTdsServer, odbc_driver: str) -> closing[pyodbc.Cursor]:
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=odbc_driver), autocommit=True
    )
    return closing(cnxn.cursor())


def _rows(cur: pyodbc.Cursor, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in cur.execute(sql).fetchall()]


def test_an_outer_column_two_levels_down_is_the_applys_outer_row(
    sample: closing[pyodbc.Cursor],
) -> None:
    """`ca.CustomerID = c.CustomerID` inside an IN subquery of the derived table's WHERE,
    and a scalar subquery of its select list reading c: the outer row's, per row."""
    with sample as cur:
        found = _rows(
            cur,
            "SELECT c.CustomerID, o.Orders FROM SalesLT.Customer AS c CROSS APPLY (SELECT"
            " COUNT(*) AS Orders FROM SalesLT.SalesOrderHeader AS h WHERE h.CustomerID ="
            f" c.CustomerID AND {_MAIN_OFFICE}) AS o ORDER BY c.CustomerID",
        )
        expected = _rows(
            cur,
            "SELECT c.CustomerID, (SELECT COUNT(*) FROM SalesLT.SalesOrderHeader AS h WHERE"
            f" h.CustomerID = c.CustomerID AND {_MAIN_OFFICE}) FROM SalesLT.Customer AS c"
            " ORDER BY c.CustomerID",
        )
        assert found == expected and any(n for _, n in found)
        found = _rows(
            cur,
            "SELECT o.SalesOrderID, o.Addresses FROM SalesLT.Customer AS c CROSS APPLY"
            " (SELECT h.SalesOrderID, (SELECT COUNT(*) FROM SalesLT.CustomerAddress AS ca"
            " WHERE ca.CustomerID = c.CustomerID) AS Addresses FROM SalesLT.SalesOrderHeader"
            " AS h WHERE h.CustomerID = c.CustomerID) AS o ORDER BY o.SalesOrderID",
        )
        expected = _rows(
            cur,
            "SELECT h.SalesOrderID, (SELECT COUNT(*) FROM SalesLT.CustomerAddress AS ca"
            " WHERE ca.CustomerID = h.CustomerID) FROM SalesLT.SalesOrderHeader AS h"
            " ORDER BY h.SalesOrderID",
        )
        assert found == expected and found


def test_an_unqualified_name_only_the_outer_table_has_binds_to_it(
    sample: closing[pyodbc.Cursor],
) -> None:
    """CompanyName is a column of Customer alone: in the nested EXISTS it is c's (was
    Msg 207 here)."""
    with sample as cur:
        found = _rows(
            cur,
            "SELECT c.CustomerID, o.Orders FROM SalesLT.Customer AS c OUTER APPLY (SELECT"
            " COUNT(*) AS Orders FROM SalesLT.SalesOrderHeader AS h WHERE h.CustomerID ="
            " c.CustomerID AND EXISTS (SELECT 1 FROM SalesLT.CustomerAddress AS ca WHERE"
            " ca.CustomerID = c.CustomerID AND CompanyName LIKE 'A%')) AS o"
            " ORDER BY c.CustomerID",
        )
        expected = _rows(
            cur,
            "SELECT c.CustomerID, (SELECT COUNT(*) FROM SalesLT.SalesOrderHeader AS h WHERE"
            " h.CustomerID = c.CustomerID AND EXISTS (SELECT 1 FROM SalesLT.CustomerAddress"
            " AS ca WHERE ca.CustomerID = c.CustomerID AND c.CompanyName LIKE 'A%'))"
            " FROM SalesLT.Customer AS c ORDER BY c.CustomerID",
        )
        assert found == expected and any(n for _, n in found)


def test_the_nearest_scope_that_has_the_name_wins(sample: closing[pyodbc.Cursor]) -> None:
    """CompanyName in a subquery over Customer AS c2 is c2's, not the outer c's; and a
    subquery's own source named c hides the outer c for its c.CustomerID."""
    with sample as cur:
        found = _rows(
            cur,
            "SELECT c.CustomerID, o.Orders FROM SalesLT.Customer AS c CROSS APPLY (SELECT"
            " COUNT(*) AS Orders FROM SalesLT.SalesOrderHeader AS h WHERE h.CustomerID ="
            " c.CustomerID AND EXISTS (SELECT 1 FROM SalesLT.Customer AS c2 WHERE"
            " c2.CustomerID = h.CustomerID AND CompanyName LIKE 'A%')) AS o"
            " ORDER BY c.CustomerID",
        )
        expected = _rows(
            cur,
            "SELECT c.CustomerID, (SELECT COUNT(*) FROM SalesLT.SalesOrderHeader AS h WHERE"
            " h.CustomerID = c.CustomerID AND EXISTS (SELECT 1 FROM SalesLT.Customer AS c2"
            " WHERE c2.CustomerID = h.CustomerID AND c2.CompanyName LIKE 'A%'))"
            " FROM SalesLT.Customer AS c ORDER BY c.CustomerID",
        )
        assert found == expected
        hidden = _rows(
            cur,
            "SELECT c.CustomerID, o.Orders FROM SalesLT.Customer AS c CROSS APPLY (SELECT"
            " COUNT(*) AS Orders FROM SalesLT.SalesOrderHeader AS h WHERE h.CustomerID ="
            " c.CustomerID AND EXISTS (SELECT 1 FROM SalesLT.Customer AS c WHERE"
            " c.CustomerID = h.CustomerID AND c.CompanyName LIKE 'A%')) AS o"
            " ORDER BY c.CustomerID",
        )
        assert hidden == expected


def test_an_outer_column_no_equality_ties_to_an_inner_one_is_still_40517(
    sample: closing[pyodbc.Cursor],
) -> None:
    """A nested subquery reading both the derived table's row and an outer column that
    no equality of its WHERE ties to an inner one: the join the test server rewrites the
    APPLY to cannot carry it."""
    with sample as cur, pytest.raises(pyodbc.Error, match=r"c\.CompanyName.*\(40517\)"):
        cur.execute(
            "SELECT c.CustomerID, o.Orders FROM SalesLT.Customer AS c CROSS APPLY (SELECT"
            " COUNT(*) AS Orders FROM SalesLT.SalesOrderHeader AS h WHERE h.CustomerID ="
            " c.CustomerID AND EXISTS (SELECT 1 FROM SalesLT.Address AS a WHERE a.AddressID"
            " = h.ShipToAddressID AND a.City = CompanyName)) AS o"
        ).fetchall()
