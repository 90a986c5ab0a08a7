"""A string converted to a number type by CAST, CONVERT, TRY_CAST, TRY_CONVERT, a typed
variable and arithmetic, through both ODBC drivers: the values and the error numbers and
messages SQL Server gives ("CAST and CONVERT", "Data type conversion (Database Engine)"
and the messages of errors 245, 248, 244, 8114, 8115 and 235)."""

from __future__ import annotations

from contextlib import closing
from decimal import Decimal

import pyodbc
import pytds
import pytest

from tds_test_server import ThreadedTdsServer


def _one(cur: pyodbc.Cursor, sql: str) -> object:
    (row,) = cur.execute(sql).fetchall()
    return row[0]


def test_what_a_string_converts_to(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert _one(cur, "SELECT CAST('' AS int)") == 0  # '' is 0, not an error
        assert _one(cur, "SELECT CONVERT(bigint, N'')") == 0
        assert _one(cur, "SELECT CAST(' 12 ' AS int)") == 12
        assert _one(cur, "SELECT CAST('' AS float)") == 0.0
        assert _one(cur, "SELECT CAST('1e3' AS float)") == 1000.0
        assert _one(cur, "SELECT CAST('7d8' AS float)") == 7e8  # D is an exponent too
        assert _one(cur, "SELECT CAST('$ 1,000.50' AS money)") == Decimal("1000.5000")
        assert _one(cur, "SELECT CAST('12.345' AS decimal(5, 2))") == Decimal("12.35")
        assert _one(cur, "DECLARE @i int = ''; SELECT @i") == 0
        assert _one(cur, "SELECT '' / 5") == 0


@pytest.mark.parametrize(
    ("expression", "number", "message"),
    [
        ("CAST('abc' AS decimal(10, 2))", 8114, "Error converting data type varchar to numeric."),
        ("CAST('' AS decimal)", 8114, "Error converting data type varchar to numeric."),
        ("CAST('1e3' AS numeric(10, 2))", 8114, "Error converting data type varchar to numeric."),
        ("CAST('1,234.56' AS numeric(10, 2))", 8114, "Error converting data type varchar to"),
        ("CONVERT(decimal(10, 2), N'abc')", 8114, "Error converting data type nvarchar to"),
        ("CAST('abc' AS float)", 8114, "Error converting data type varchar to float."),
        ("CAST('7d8' AS bigint)", 8114, "Error converting data type varchar to bigint."),
        (
            "CAST('12345.6' AS decimal(5, 2))",
            8115,
            "Arithmetic overflow error converting varchar to data type numeric.",
        ),
        (
            "CAST('99999999999' AS int)",
            248,
            "The conversion of the varchar value '99999999999' overflowed an int column.",
        ),
        (
            "CAST('300' AS tinyint)",
            244,
            "The conversion of the varchar value '300' overflowed an INT1 column.",
        ),
        (
            "CAST('abc' AS money)",
            235,
            "Cannot convert a char value to money. The char value has incorrect syntax.",
        ),
        (
            "CAST('abc' AS smallmoney)",
            293,
            "Cannot convert char value to smallmoney. The char value has incorrect syntax.",
        ),
        (
            "'1e3' / 2",
            245,
            "Conversion failed when converting the varchar value '1e3' to data type int.",
        ),
    ],
)
def test_a_string_that_does_not_convert_fails_as_in_sql_server(
    cursor: closing[pyodbc.Cursor], expression: str, number: int, message: str
) -> None:
    with cursor as cur:
        with pytest.raises(pyodbc.Error, match=rf"{_escaped(message)}.*\({number}\)"):
            cur.execute(f"SELECT {expression}").fetchall()
        assert _one(cur, "SELECT 7") == 7


def _escaped(message: str) -> str:
    return message.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")


def test_a_typed_variable_converts_as_cast_does(cursor: closing[pyodbc.Cursor]) -> None:
    """Microsoft's forum FAQ: '1234' into a decimal(5,2) variable overflows."""
    with cursor as cur, pytest.raises(pyodbc.Error, match=r"converting varchar to data type"):
        cur.execute("DECLARE @d decimal(5, 2); SET @d = '1234'; SELECT @d").fetchall()


def test_try_cast_and_try_convert_are_null_where_cast_fails(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        row = cur.execute(
            "SELECT TRY_CAST('12345.6' AS decimal(5, 2)), TRY_CONVERT(int, '99999999999'),"
            " TRY_CAST('abc' AS money), TRY_CAST('1e3' AS decimal(10, 2)),"
            " TRY_CONVERT(tinyint, '300'), TRY_CAST('' AS int)"
        ).fetchone()
        assert list(row) == [None, None, None, None, None, 0]


def test_the_errors_number_state_and_class(wire_server: ThreadedTdsServer) -> None:
    with pytds.connect(**wire_server.pytds_kwargs(), autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.Error) as info:
            cur.execute("SELECT CAST('abc' AS decimal(10, 2))")
        assert (info.value.number, info.value.state, info.value.severity) == (8114, 5, 16)


def test_a_decimal_parameter_is_a_decimal(cursor: closing[pyodbc.Cursor]) -> None:
    """Both drivers send a Python Decimal as a NUMERICN parameter: CAST to int truncates it
    ("CAST and CONVERT": decimal to int truncates), arithmetic takes it as a number, and
    a string beside it converts to it by precedence."""
    with cursor as cur:
        assert cur.execute("SELECT CAST(? AS int)", Decimal("2.7")).fetchone()[0] == 2
        assert cur.execute("SELECT CAST(? AS int)", Decimal("-2.7")).fetchone()[0] == -2
        assert cur.execute("SELECT ? + 1", Decimal("2.7")).fetchone()[0] == Decimal("3.7")
        assert float(cur.execute("SELECT '1.5' / ?", Decimal(2)).fetchone()[0]) == 0.75
        assert cur.execute("SELECT ?", Decimal("-1234.5678")).fetchone()[0] == Decimal("-1234.5678")


def test_arithmetic_converts_a_string_to_the_number_type(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """By "Data type precedence" the string operand converts to the number's type; +
    concatenates only two strings."""
    with cursor as cur:
        row = cur.execute(
            "SELECT '12' + 1, '12' - 1, '3' * 2, N'7' % 4, '9' / 2, '1.5' + 1.5, 'a' + 'b'"
        ).fetchone()
        assert list(row) == [13, 11, 6, 3, 4, Decimal("3.0"), "ab"]
        cur.execute("CREATE TABLE #n (v varchar(10), d decimal(5, 2))")
        cur.execute("INSERT #n VALUES ('12', 1.25)")
        assert list(cur.execute("SELECT v + 1, d - '1' FROM #n").fetchone()) == [
            13,
            Decimal("0.25"),
        ]


@pytest.mark.parametrize(
    ("expression", "number", "message"),
    [
        ("'abc' + 1", 245, "Conversion failed when converting the varchar value 'abc' to"),
        ("'abc' - 1", 245, "Conversion failed when converting the varchar value 'abc' to"),
        ("'1.5' * 2", 245, "Conversion failed when converting the varchar value '1.5' to"),
        ("N'abc' / 2", 245, "Conversion failed when converting the nvarchar value 'abc' to"),
        ("'abc' * 1.5", 8114, "Error converting data type varchar to numeric."),
        ("'abc' + CAST(1 AS bigint)", 8114, "Error converting data type varchar to bigint."),
        ("1 + 'abc'", 245, "Conversion failed when converting the varchar value 'abc' to"),
    ],
)
def test_arithmetic_on_a_string_that_is_no_number_fails(
    cursor: closing[pyodbc.Cursor], expression: str, number: int, message: str
) -> None:
    with cursor as cur:
        with pytest.raises(pyodbc.Error, match=rf"{_escaped(message)}.*\({number}\)"):
            cur.execute(f"SELECT {expression}").fetchall()
        with pytest.raises(pyodbc.Error, match=r"\(245\)"):
            cur.execute("DECLARE @s varchar(5) = 'abc'; SELECT @s - 1").fetchall()
