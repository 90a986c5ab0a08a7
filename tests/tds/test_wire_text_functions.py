"""SUBSTRING, LEFT, RIGHT, UPPER and LOWER through both ODBC drivers, with the results
their pages give where SQLite's functions differ."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


def test_substring_counts_a_start_before_the_first_character(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        row = cur.execute(
            "SELECT SUBSTRING('abc', -1, 3), SUBSTRING('abcdef', 0, 3), SUBSTRING('abc', 2, 100),"
            " SUBSTRING('abc', 5, 1), SUBSTRING(0x010203, 2, 1)"
        ).fetchone()
        assert list(row) == ["a", "ab", "bc", "", b"\x02"]


@pytest.mark.parametrize(
    ("call", "number"),
    [
        ("LEFT('abc', CHARINDEX('@', 'abc') - 1)", 537),
        ("SUBSTRING('abc', 1, -1)", 537),
        ("RIGHT('abc', -2)", 536),
    ],
)
def test_a_negative_length_is_an_error(
    cursor: closing[pyodbc.Cursor], call: str, number: int
) -> None:
    with (
        cursor as cur,
        pytest.raises(pyodbc.Error, match=rf"Invalid length parameter.*\({number}\)"),
    ):
        cur.execute(f"SELECT {call}").fetchall()


def test_upper_and_lower_change_letters_beyond_ascii(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        row = cur.execute("SELECT UPPER(N'àéb'), LOWER('ÀÉB'), UPPER(N'straße')").fetchone()
        assert list(row) == ["ÀÉB", "àéb", "STRAßE"]
