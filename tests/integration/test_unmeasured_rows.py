"""driverrows.take_rows leaves unmeasured the rows whose declared sizes bound them so that
no cap can be met (odbc_types.row_bound): such a page is the page measuring gives, read
in the same batches, through each driver."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import pyodbc
import pytest

from azsql_mcp.db import driverrows, odbc_types
from tds_test_server import ThreadedTdsServer, find_msodbc_driver

QUERY = (
    "SELECT TOP (30) CustomerID, FirstName, LastName, CompanyName"
    " FROM SalesLT.Customer ORDER BY CustomerID"
)
MAX_BYTES = 4_000_000  # the default max_result_bytes


class Recording:
    """A pyodbc cursor whose fetchmany sizes are kept."""

    def __init__(self, cursor: Any):
        self.cursor = cursor
        self.asked: list[int] = []

    def fetchmany(self, count: int) -> list[Any]:
        self.asked.append(count)
        return list(self.cursor.fetchmany(count))

    def cancel(self) -> None:
        self.cursor.cancel()


def page(
    cnxn: Any, max_rows: int, *, measured: bool
) -> tuple[list[tuple[Any, ...]], bool, list[int]]:
    with contextlib.closing(cnxn.cursor()) as cursor:
        cursor.execute(QUERY)
        reported = odbc_types.reported_types(cursor)
        bound = odbc_types.row_bound(cursor.description, reported)
        assert bound is not None and bound * (max_rows + 1) <= MAX_BYTES
        recording = Recording(cursor)
        rows: list[tuple[Any, ...]] = []
        truncated = driverrows.take_rows(
            recording,
            cursor.description,
            [None] * len(reported) if measured else reported,  # no names: measured
            max_rows,
            MAX_BYTES,
            256,
            sys.maxsize,  # cut_at: no binary columns
            rows,
        )
    cnxn.rollback()
    return rows, truncated, recording.asked


@pytest.mark.parametrize("driver", ["msodbc", "freetds"])
@pytest.mark.parametrize("max_rows", [1, 7, 29, 30, 100])
def test_unmeasured_rows_make_the_page_measured_rows_make(
    tds_server: ThreadedTdsServer, driver: str, max_rows: int
) -> None:
    if driver == "msodbc" and find_msodbc_driver() is None:
        pytest.skip("Microsoft's ODBC Driver 18 is not installed")
    odbc = tds_server.odbc_connection_string(driver=driver)
    with contextlib.closing(pyodbc.connect(odbc, autocommit=False, timeout=30)) as cnxn:
        measured = page(cnxn, max_rows, measured=True)
        unmeasured = page(cnxn, max_rows, measured=False)
    assert unmeasured == measured
    rows, truncated, _ = unmeasured
    assert len(rows) == min(max_rows, 30) and truncated == (max_rows < 30)
