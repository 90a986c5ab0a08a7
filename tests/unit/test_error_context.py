"""db/error_context.py: what is said beside an error SQL Server raised part way."""

import pyodbc
import pytest

from azsql_mcp.db import error_context
from azsql_mcp.db.retry import inspect_error

DIVIDE = (
    "[22012] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]"
    "Divide by zero error encountered. (8134) (SQLFetch)"
)


def raised(exc: pyodbc.Error, offset: int, rows: list[object]) -> pyodbc.Error:
    with pytest.raises(pyodbc.Error) as caught, error_context.rows_before(offset, rows):
        raise exc
    return caught.value


def test_a_value_failing_after_rows_keeps_its_number_and_says_so():
    info = inspect_error(raised(pyodbc.DataError("22012", DIVIDE), 0, [(1,), (2,)]))
    assert info.number == 8134 and info.state == "22012"
    assert info.message.startswith("The result failed part way: SQL Server sent at least 2 row(s)")
    assert info.message.endswith(": Divide by zero error encountered.")


def test_failing_while_passing_over_earlier_pages_says_so():
    info = inspect_error(raised(pyodbc.DataError("22012", DIVIDE), 50, []))
    assert "sent some of the 50 row(s) of earlier pages (the cursor's offset)" in info.message


def test_the_number_decides_not_the_drivers_state():
    """FreeTDS maps 8115 to HY019, Driver 18 to 22003."""
    overflow = (
        "[HY019] [FreeTDS][SQL Server]Arithmetic overflow error converting expression to"
        " data type tinyint. (8115) (SQLFetch)"
    )
    info = inspect_error(raised(pyodbc.Error("HY019", overflow), 0, [(1,)]))
    assert info.number == 8115 and info.message.startswith("The result failed part way")


@pytest.mark.parametrize(
    ("exc", "offset", "rows"),
    [
        (pyodbc.DataError("22012", DIVIDE), 0, []),  # before any row: the error alone
        (pyodbc.OperationalError("HYT00", "[HYT00] Query timeout expired"), 0, [(1,)]),
        (pyodbc.OperationalError("08S01", "[08S01] Communication link failure"), 5, [(1,)]),
        (  # a deadlock victim part way: not a value of a row
            pyodbc.Error(
                "40001", "[40001] Transaction (Process ID 51) was deadlocked (1205) (SQLFetch)"
            ),
            0,
            [(1,)],
        ),
    ],
)
def test_other_errors_are_left_as_they_are(exc, offset, rows):
    before = exc.args
    assert raised(exc, offset, rows).args == before
