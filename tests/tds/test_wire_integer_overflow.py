"""Integer overflow as SQL Server reports it: a value INSERT or UPDATE puts into an
integer column is held to the column's range (engine/number_stores.py; SQLite would
store it), an int literal or variable stored into tinyint or smallint is Msg 220
"Arithmetic overflow error for data type smallint, value = 32770." ("Database engine
events and errors (0 to 999)"), another expression 8115, and
integer arithmetic past bigint is 8115, not SQLite's 'string or blob too big'. Both ODBC
drivers."""

from __future__ import annotations

from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("statement", "number", "text"),
    [
        ("INSERT INTO dbo.Counts (T) VALUES (300)", 220,
         "Arithmetic overflow error for data type tinyint, value = 300."),
        ("INSERT INTO dbo.Counts (S) VALUES (40000)", 220,
         "Arithmetic overflow error for data type smallint, value = 40000."),
        ("INSERT INTO dbo.Counts (I) VALUES (?)", 8115,
         "Arithmetic overflow error converting expression to data type int."),
        ("UPDATE dbo.Counts SET T = T + 1", 8115,  # an expression, not an int literal
         "Arithmetic overflow error converting expression to data type tinyint."),
        ("UPDATE dbo.Counts SET I = I * 2", 8115,
         "Arithmetic overflow error converting expression to data type int."),
        ("DECLARE @myval smallint; SET @myval = 32770", 220,
         "Arithmetic overflow error for data type smallint, value = 32770."),
        ("SELECT B + 1 FROM dbo.Counts", 8115,
         "Arithmetic overflow error converting expression to data type bigint."),
    ],
)  # fmt: skip
def test_integer_overflow(
    cursor: closing[pyodbc.Cursor], statement: str, number: int, text: str
) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Counts")
        cur.execute("CREATE TABLE dbo.Counts (T tinyint, S smallint, I int, B bigint)")
        cur.execute("INSERT INTO dbo.Counts VALUES (255, 32767, 2147483647, 9223372036854775807)")
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement, *([2**31] if "?" in statement else []))
        assert f"({number})" in str(raised.value)
        assert text in str(raised.value)
        row = cur.execute("SELECT T, S, I FROM dbo.Counts").fetchall()
        assert [tuple(r) for r in row] == [(255, 32767, 2147483647)]  # nothing was written


def test_small_integers_keep_their_type_in_arithmetic(cursor: closing[pyodbc.Cursor]) -> None:
    """ "+ (Addition)" and the other operators: the result has the type of higher
    precedence, so tinyint with tinyint is tinyint and overflows past 255 (or below 0);
    with an int literal it is int."""
    with cursor as cur:
        for statement, name in [
            ("SELECT CAST(200 AS tinyint) + CAST(100 AS tinyint)", "tinyint"),
            ("SELECT CAST(1 AS tinyint) - CAST(2 AS tinyint)", "tinyint"),
            ("DECLARE @s smallint = 20000; SELECT @s * CAST(2 AS smallint)", "smallint"),
            ("SELECT CAST(200 AS smallint) + CAST(100 AS tinyint) * CAST(400 AS smallint)",
             "smallint"),
        ]:  # fmt: skip
            with pytest.raises(pyodbc.Error) as raised:
                cur.execute(statement).fetchall()
            assert "(8115)" in str(raised.value)
            assert f"converting expression to data type {name}." in str(raised.value)
        assert cur.execute("SELECT CAST(200 AS tinyint) + 100").fetchval() == 300
        row = cur.execute(
            "SELECT CAST(20 AS tinyint) * CAST(10 AS tinyint),"
            " SQL_VARIANT_PROPERTY(CAST(20 AS tinyint) * CAST(10 AS tinyint), 'BaseType'),"
            " SQL_VARIANT_PROPERTY(CAST(2 AS smallint) + CAST(3 AS tinyint), 'BaseType')"
        ).fetchone()
        assert tuple(row) == (200, "tinyint", "smallint")


def test_a_whole_number_past_int_is_a_decimal_constant(cursor: closing[pyodbc.Cursor]) -> None:
    """ "int, bigint, smallint, and tinyint (Transact-SQL)": integer constants greater
    than 2,147,483,647 are decimal, not bigint, so its example's second division keeps
    its half; numeric of the digits (3000000000 is numeric(10, 0), and -2147483648 too:
    the minus applies to 2147483648). Stored, compared and converted as SQL Server does."""
    with cursor as cur:
        row = cur.execute("SELECT 2147483647 / 2 AS Result1, 2147483649 / 2 AS Result2").fetchone()
        assert row[0] == 1073741823 and row[1] == Decimal("1073741824.5")
        row = cur.execute(
            "SELECT 3000000000, -2147483648, 2147483647,"
            " SQL_VARIANT_PROPERTY(3000000000, 'BaseType'),"
            " SQL_VARIANT_PROPERTY(3000000000, 'Precision'), 3000000000 + 1"
        ).fetchone()
        assert tuple(row) == (
            Decimal(3000000000),
            Decimal(-2147483648),
            2147483647,
            "numeric",
            10,
            Decimal(3000000001),
        )
        described = [(d[1], d[4], d[5]) for d in cur.description]
        assert described[:3] == [(Decimal, 10, 0), (Decimal, 10, 0), (int, 10, 0)]
        assert described[5] == (Decimal, 11, 0)  # numeric(10, 0) + int: numeric(11, 0)
        cur.execute("DROP TABLE IF EXISTS dbo.Wide")
        cur.execute("CREATE TABLE dbo.Wide (B bigint, I int)")
        cur.execute("INSERT INTO dbo.Wide VALUES (3000000000, -2147483648)")
        assert cur.execute("SELECT I FROM dbo.Wide WHERE B = 3000000000").fetchval() == -(2**31)
        with pytest.raises(pyodbc.Error, match=r"converting expression to data type int"):
            cur.execute("INSERT INTO dbo.Wide VALUES (1, 3000000000)")
        with pytest.raises(pyodbc.Error, match=r"converting numeric to data type int\."):
            cur.execute("SELECT CAST(3000000000 AS int)").fetchall()


def test_an_int_constant_beside_a_decimal_is_numeric_of_its_digits(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """ "int, bigint, smallint, and tinyint (Transact-SQL)": in a query that is not
    autoparameterized (a batch sent as text, result_types.constant_operands says why) an
    int constant meets a decimal as numeric "just large enough to hold the value", so
    2147483649 / 2 is numeric(10, 0) / numeric(1, 0): decimal(16, 6), the page's
    1073741824.500000, and 1.0 / 3 is 0.333333 ("Precision, scale, and length": scale
    max(6, s1 + p2 + 1)). An int column stays numeric(10, 0)."""
    with cursor as cur:
        cur.execute("SELECT 2147483649 / 2, 1.0 / 3, -2 * 1.5, CAST(1.0 / 3 AS varchar(20))")
        assert list(cur.fetchone()) == [
            Decimal("1073741824.500000"),
            Decimal("0.333333"),
            Decimal("-3.0"),
            "0.333333",
        ]
        described = [(d[4], d[5]) for d in cur.description[:3]]
        assert described == [(16, 6), (7, 6), (4, 1)]
        assert str(cur.execute("SELECT 2147483649 / 2").fetchval()) == "1073741824.500000"
        cur.execute("DECLARE @i int = 3; SELECT 1.0 / @i")
        assert (cur.fetchval(), cur.description[0][4:6]) == (Decimal("0.333333333333"), (13, 12))
