"""What the driver process adds to SQL Server's error where the error alone misleads:
which statement of a batch failed, and that a result failed after rows had come.

SQL Server streams a SELECT's rows as it computes them, so a value that fails (Msg
8134 divide by zero, 8115 arithmetic overflow, 245 a conversion) ends the result after
the rows before it were sent ([MS-TDS]: the rows, then ERROR, then DONE with its error
bit). Nothing is returned for such a page, and without a word the agent would take the
error for one of its statement as a whole (a syntax or a permission it could fix by
rewriting), not for a value in one row that it must guard or filter out.

Runs in the driver process: standard library and pyodbc only (driverhost.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sized
from typing import Any

CALL = r"\(SQL\w+(?:\([^)]*\))?\)"  # pyodbc names the ODBC call: (SQLSetConnectAttr(X))
# pyodbc writes the first diagnostic record as "[state] message (number) (SQLCall)" and
# each further one as "; [state] message (number)": the number is the last one followed by
# the call's name, as a message may quote a client's text that looks the same (a value
# CAST failed on), which must not choose the number (a retry on a forged 1205, a metric
# label per made-up number).
_NUMBER = re.compile(r"\((\d+)\)\s*" + CALL + r"(?=\s*$|; \[[0-9A-Z]{5}\] )")


def server_number(message: str) -> int | None:
    """SQL Server's error number in a pyodbc error's message (args[1]), if it has one."""
    numbers = _NUMBER.findall(message)
    return (int(numbers[-1]) or None) if numbers else None


def _explain(exc: Any, prefix: str) -> None:
    """Put `prefix` before the driver message (args[1]); the server's error number and the
    ODBC state stay where retry.inspect_error reads them."""
    if len(exc.args) >= 2:
        # "; " parts are joined by spaces (retry.inspect_error)
        exc.args = (exc.args[0], f"{prefix}:; {exc.args[1]}", *exc.args[2:])


def name_statement(exc: Any, number: int, count: int) -> None:
    """Say which statement of a batch failed (query_errors.STATEMENT_NAMED reads it)."""
    _explain(exc, f"Statement {number} of {count} failed")


# Errors a row's values raise (the number, not the ODBC state, which the drivers map
# apart: FreeTDS gives 8115 HY019, Driver 18 22003): divide by zero (8134), arithmetic
# overflow (8115, 220, 232, 517, 535), conversions (245, 8114, 244, 248, 241, 242, 295),
# a subquery with more than one value for a row (512), text that is no JSON (13609)
_ROW_VALUE_ERRORS = frozenset(
    {8134, 8115, 220, 232, 517, 535, 245, 8114, 244, 248, 241, 242, 295, 512, 13609}
)


@contextlib.contextmanager
def rows_before(offset: int, rows: Sized) -> Iterator[None]:
    """Where a value fails while a page's rows are skipped (`offset` of them) or read
    (into `rows`: a read_data page, a procedure's result set), say that rows came before
    it and what to do."""
    import pyodbc

    try:
        yield
    except pyodbc.Error as exc:
        if len(exc.args) < 2 or server_number(str(exc.args[1])) not in _ROW_VALUE_ERRORS:
            raise
        earlier = f"the {offset} row(s) of earlier pages (the cursor's offset)"
        if len(rows):  # a fetch that fails loses its whole batch: the count is a floor
            where = f"at least {len(rows)} row(s)" + (f" after {earlier}" if offset else "")
        elif offset:
            where = f"some of {earlier}"
        else:
            raise
        _explain(
            exc,
            f"The result failed part way: SQL Server sent {where} before this error, so"
            " no rows are returned. A value in a later row fails, not the statement's"
            " text: change the expression for such values (NULLIF(divisor, 0), TRY_CAST,"
            " TRY_CONVERT, a wider type) or filter those rows out",
        )
        raise
