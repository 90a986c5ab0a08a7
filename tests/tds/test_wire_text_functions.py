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


def test_sql_variant_property_names_the_base_type(cursor: closing[pyodbc.Cursor]) -> None:
    """SQL_VARIANT_PROPERTY's BaseType, Precision, Scale, MaxLength and Collation of a
    literal, a CAST and a column, as sys.columns reports the type; another property is
    NULL."""
    with cursor as cur:
        cur.execute("CREATE TABLE #variant (d decimal(9, 2), n nvarchar(10))")
        cur.execute("INSERT INTO #variant VALUES (1, N'x')")
        row = cur.execute(
            "SELECT SQL_VARIANT_PROPERTY(1.5, 'BaseType'), SQL_VARIANT_PROPERTY(1.5, 'Precision'),"
            " SQL_VARIANT_PROPERTY(1.5, 'Scale'), SQL_VARIANT_PROPERTY(d, 'BaseType'),"
            " SQL_VARIANT_PROPERTY(d, 'MaxLength'), SQL_VARIANT_PROPERTY(n, 'MaxLength'),"
            " SQL_VARIANT_PROPERTY(n, 'Collation'),"
            " SQL_VARIANT_PROPERTY(CAST(1 AS money), 'Scale'),"
            " SQL_VARIANT_PROPERTY(d, 'NoSuchProperty') FROM #variant"
        ).fetchone()
        assert list(row) == [
            "numeric",
            2,
            1,
            "decimal",
            5,
            20,
            "SQL_Latin1_General_CP1_CI_AS",
            4,
            None,
        ]
