"""How a batch's statements are told apart and what each leaves in @@ROWCOUNT, through
both ODBC drivers: T-SQL needs no `;` between statements, after PRINT too, and the
@@ROWCOUNT page's rules (SET <option>, PRINT, RAISERROR, USE, BEGIN TRANSACTION and
COMMIT TRANSACTION reset it to 0, SET @local_variable sets it to 1, DECLARE and EXECUTE
keep it)."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest

_names = itertools.count()


def _next_rows(cur: pyodbc.Cursor) -> list[tuple[object, ...]]:
    """The rows of the next result set (a PRINT or a count may come before it)."""
    while cur.description is None:
        assert cur.nextset()
    return [tuple(r) for r in cur.fetchall()]


@pytest.mark.parametrize(
    ("statement", "count"),
    [
        ("SET NOCOUNT ON", 0),
        ("SET ANSI_WARNINGS ON", 0),
        ("PRINT 'x'", 0),
        ("RAISERROR('note', 0, 1)", 0),
        ("BEGIN TRANSACTION; COMMIT TRANSACTION", 0),
        ("BEGIN TRANSACTION", 0),
        ("DECLARE @v int; SET @v = 5", 1),
        ("DECLARE @v int", 3),
    ],
)
def test_rowcount_after_a_statement(
    cursor: closing[pyodbc.Cursor], statement: str, count: int
) -> None:
    with cursor as cur:
        name = f"dbo.rowcounts_{next(_names)}"
        cur.execute(f"CREATE TABLE {name} (id int)")
        cur.execute(f"INSERT INTO {name} VALUES (1), (2), (3)")
        cur.execute(f"UPDATE {name} SET id = id; {statement}; SELECT @@ROWCOUNT")
        assert _next_rows(cur) == [(count,)]


def test_a_statement_after_print_needs_no_semicolon(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        cur.execute("PRINT 'first' SELECT 1 AS a PRINT 'x' + CAST(2 AS varchar(5)) SELECT 2")
        assert _next_rows(cur) == [(1,)]
        assert cur.nextset()
        assert _next_rows(cur) == [(2,)]
        assert not cur.nextset()
