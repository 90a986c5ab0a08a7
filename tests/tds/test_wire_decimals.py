"""Decimal values through both ODBC drivers: a decimal parameter keeps all of a
decimal(38, s)'s digits, arithmetic on one is typed by "Precision, scale, and length
(Transact-SQL)", and a value that does not fit a decimal's precision is error 8115, as
in SQL Server."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytds
import pytest

from tds_test_server import ThreadedTdsServer

WIDE = Decimal("12345678901234567890.123456")  # 26 digits: more than a REAL holds
# Tables of their own per test and driver.
_names = itertools.count()


def _one(cur: pyodbc.Cursor, sql: str, *params: object) -> object:
    (row,) = cur.execute(sql, *params).fetchall()
    return row[0]


def test_a_decimal_parameter_keeps_every_digit(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert _one(cur, "SELECT ?", WIDE) == WIDE
        assert _one(cur, "SELECT ?", -WIDE) == -WIDE
        assert _one(cur, "SELECT CAST(? AS decimal(38, 6))", WIDE) == WIDE
        assert _one(cur, "SELECT CAST(? AS varchar(40))", WIDE) == str(WIDE)
        with pytest.raises(pyodbc.Error, match=r"converting numeric to data type int.*\(8115\)"):
            cur.execute("SELECT CAST(? AS int)", WIDE).fetchall()  # as its declared type
        assert _one(cur, "SELECT CAST(? AS decimal(38, 2))", WIDE) == Decimal(
            "12345678901234567890.12"
        )
        # held exactly, it still compares and computes as a number (to the 15 digits a
        # decimal column holds, docs/test-server-limits.md)
        assert _one(cur, "SELECT CASE WHEN ? > 2 THEN 'big' ELSE 'small' END", -WIDE) == "small"
        assert _one(cur, "SELECT CAST(? * 2 AS float)", WIDE) == pytest.approx(2 * float(WIDE))
        name = f"wide_{next(_names)}"
        cur.execute(f"CREATE TABLE {name} (v decimal(38, 6))")
        cur.execute(f"INSERT INTO {name} VALUES (?)", WIDE)
        assert _one(cur, f"SELECT COUNT(*) FROM {name} WHERE v = ?", WIDE) == 1
        assert _one(cur, f"SELECT COUNT(*) FROM {name} WHERE v > ?", Decimal(1)) == 1


def test_arithmetic_on_a_decimal_parameter_is_numeric(cursor: closing[pyodbc.Cursor]) -> None:
    """Both drivers send Decimal('2.7') as numeric(2, 1): p + 1 is numeric(3, 1) ("e1 + e2":
    max(s1, s2) + max(p1 - s1, p2 - s2) + 1, the constant 1 being numeric(1, 0):
    result_types.constant_operands), p * 2 scale 1."""
    with cursor as cur:
        cur.execute(
            "SELECT ? + 1, ? * 2, ? - ?", Decimal("2.7"), Decimal("2.7"), 5, Decimal("0.25")
        )
        row = cur.fetchone()
        assert list(row) == [Decimal("3.7"), Decimal("5.4"), Decimal("4.75")]
        kinds = [(d[1], d[5]) for d in cur.description]
        assert kinds == [(Decimal, 1), (Decimal, 1), (Decimal, 2)]
        assert cur.description[0][4] == 3
        cur.execute("SELECT (? + 1) / 4", Decimal("2.7"))
        assert str(cur.fetchone()[0]) == "0.925000"  # numeric(3,1) / numeric(1,0): scale 6


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CAST(123.45 AS decimal(4, 2))", "converting numeric to data type numeric."),
        ("CAST(123456 AS decimal(5, 1))", "converting int to data type numeric."),
        ("CAST(99.995 AS decimal(4, 2))", "converting numeric to data type numeric."),
        # an integer type's range too (a decimal named numeric, another number expression)
        (
            "CAST(CAST(3000000000.5 AS decimal(12, 1)) AS int)",
            "converting numeric to data type int.",
        ),
        ("CAST(CAST(3000000000 AS bigint) AS int)", "converting expression to data type int."),
        ("CONVERT(tinyint, CAST(256 AS smallint))", "converting expression to data type tinyint."),
    ],
)
def test_a_value_wider_than_the_precision_overflows(
    cursor: closing[pyodbc.Cursor], sql: str, message: str
) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match=r"\(8115\)") as info:
        cur.execute(f"SELECT {sql}").fetchall()
    assert "Arithmetic overflow error " + message in str(info.value)


def test_insert_and_update_convert_to_the_columns_precision(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """An INSERT or UPDATE converts its value to the column's decimal(5, 1): rounded to the
    scale, and 8115 where the whole part has more than 4 digits (the row is not written)."""
    name = f"narrow_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (v decimal(5, 1))")
        cur.execute(f"INSERT INTO {name} VALUES (1234.56)")
        for sql, params, source in [
            ("INSERT INTO {} VALUES (12345.6)", (), "numeric"),
            ("INSERT INTO {} VALUES (?)", (Decimal("12345.6"),), "numeric"),
            ("INSERT INTO {} VALUES (?)", (Decimal("12345"),), "numeric"),  # by its type
            ("INSERT INTO {} VALUES ('12345.6')", (), "varchar"),
            ("INSERT INTO {} SELECT 99999", (), "int"),
            ("UPDATE {} SET v = v * 10", (), "numeric"),
        ]:
            message = f"Arithmetic overflow error converting {source} to data type numeric"
            with pytest.raises(pyodbc.Error, match=message):
                cur.execute(sql.format(name), *params)
        assert [r[0] for r in cur.execute(f"SELECT v FROM {name}")] == [Decimal("1234.6")]
        cur.execute(f"UPDATE {name} SET v = ?", Decimal("-0.05"))
        assert _one(cur, f"SELECT v FROM {name}") == Decimal("-0.1")  # half away from zero


def test_the_overflow_errors_number_state_and_class(wire_server: ThreadedTdsServer) -> None:
    with pytds.connect(**wire_server.pytds_kwargs(), autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.Error) as info:
            cur.execute("SELECT CAST(123.45 AS decimal(4, 2))")
        assert (info.value.number, info.value.state, info.value.severity) == (8115, 8, 16)


def test_a_typed_variable_takes_a_number_as_cast_does(cursor: closing[pyodbc.Cursor]) -> None:
    """Microsoft's forum FAQ: "The same issue happens if you assign an integer value 1234"
    to a decimal(5,2) variable."""
    with cursor as cur:
        with pytest.raises(pyodbc.Error, match="converting int to data type numeric"):
            cur.execute("DECLARE @d decimal(5, 2); SET @d = 1234; SELECT @d").fetchall()
        cur.execute("DECLARE @d decimal(5, 2); SET @d = 123.456; SELECT @d")
        assert cur.fetchall()[0][0] == Decimal("123.46")


def test_a_temporary_table_converts_what_insert_and_update_store(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A #table's date and decimal columns take values as a permanent table's do: a
    decimal rounded to its scale (8115 past its precision), a date string or number
    stored as the column's type (241, 206 where it is none)."""
    with cursor as cur:
        cur.execute("CREATE TABLE #conv (id int, at datetime, day date, amount decimal(5, 2))")
        cur.execute("INSERT INTO #conv VALUES (1, '06/01/2008 10:00', 'Jun 2 2008', 1.235)")
        cur.execute("INSERT INTO #conv (id, at, amount) VALUES (?, ?, ?)", 2, 5, "2.5")
        cur.execute("UPDATE #conv SET amount = amount + 0.004, day = '6/3/08' WHERE id = 2")
        rows = cur.execute("SELECT at, day, amount FROM #conv ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [
            (dt.datetime(2008, 6, 1, 10), dt.date(2008, 6, 2), Decimal("1.24")),
            (dt.datetime(1900, 1, 6), dt.date(2008, 6, 3), Decimal("2.50")),
        ]
        for sql, number in [
            ("INSERT INTO #conv (id, amount) VALUES (3, 12345.6)", 8115),
            ("INSERT INTO #conv (id, day) VALUES (3, '2008-13-01')", 241),
            ("UPDATE #conv SET day = 5", 206),
        ]:
            with pytest.raises(pyodbc.Error, match=rf"\({number}\)"):
                cur.execute(sql)
        # created again with other types: the same statement text converts to the new ones
        cur.execute("DROP TABLE #conv")
        cur.execute("CREATE TABLE #conv (id int, at date, day int, amount decimal(5, 0))")
        cur.execute("INSERT INTO #conv VALUES (1, '06/01/2008 10:00', 7, 1.5)")
        row = cur.execute("SELECT at, day, amount FROM #conv").fetchone()
        assert tuple(row) == (dt.date(2008, 6, 1), 7, Decimal(2))


def test_isnull_takes_the_first_type_and_coalesce_the_highest(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ "ISNULL (Transact-SQL)": check_expression's type, the replacement converted to it
    (2.5 for a NULL int is 2); "COALESCE (Transact-SQL)": the argument type of highest
    precedence (float over decimal: 0.125 is not cut to decimal(9, 2)'s 0.13)."""
    name = f"nulls_{next(_names)}"
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (i int, d decimal(9, 2), f float)")
        cur.execute(f"INSERT INTO {name} VALUES (NULL, NULL, 0.125)")
        row = cur.execute(
            "SELECT ISNULL(i, 2.5), COALESCE(i, 2.5), COALESCE(d, f), ISNULL(d, 1.255),"
            f" COALESCE(NULL, d, 3), ISNULL(NULL, 1.5) FROM {name}"
        ).fetchone()
        assert list(row) == [2, Decimal("2.5"), 0.125, Decimal("1.26"), Decimal("3.00"), 1.5]
        types = [(c[1], c[4], c[5]) for c in cur.description]
        assert types == [
            (int, 10, 0),
            (Decimal, 11, 1),
            (float, 53, 0),
            (Decimal, 9, 2),
            (Decimal, 12, 2),
            (Decimal, 2, 1),
        ]


def test_minus_abs_sign_ceiling_and_floor_keep_a_decimals_type(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """A negative literal is numeric as a positive one is (-0.1 + 0.3 is 0.2, not a
    float's 0.19999999999999998); ABS, SIGN, CEILING and FLOOR return their argument's
    type ("SIGN (Transact-SQL)"), CEILING and FLOOR without decimal places."""
    with cursor as cur:
        row = cur.execute(
            "SELECT -0.1 + 0.3, -2.5, ABS(-2.50), SIGN(-2.5), CEILING(2.1), FLOOR(-2.1),"
            " -CAST(1 AS money), CEILING(CAST(2.1 AS float))"
        ).fetchone()
        assert list(row) == [
            Decimal("0.2"),
            Decimal("-2.5"),
            Decimal("2.50"),
            Decimal("-1.0"),
            Decimal("3"),
            Decimal("-3"),
            Decimal("-1.0000"),
            3.0,
        ]
        assert [(c[1], c[4], c[5]) for c in cur.description][1:5] == [
            (Decimal, 2, 1),
            (Decimal, 3, 2),
            (Decimal, 2, 1),
            (Decimal, 2, 0),
        ]


def test_arithmetic_converts_to_text_with_its_types_scale(cursor: closing[pyodbc.Cursor]) -> None:
    """CAST of arithmetic to a string writes the result type's decimal places ("Precision,
    scale, and length"): 1.0 / 3 is decimal(7, 6) (the constant 3 numeric(1, 0):
    result_types.constant_operands), 7 / 2.0 decimal(9, 6), not a float's digits."""
    with cursor as cur:
        row = cur.execute(
            "SELECT CAST(1.0 / 3 AS varchar(20)), CONVERT(varchar(30), 7 / 2.0),"
            " 'r: ' + CAST(2 * 1.0 / 3 AS varchar(30)),"
            " CAST(-CAST(1.5 AS decimal(5, 2)) AS varchar(9))"
        ).fetchone()
        assert list(row) == ["0.333333", "3.500000", "r: 0.666667", "-1.50"]


def test_bitwise_exclusive_or(cursor: closing[pyodbc.Cursor]) -> None:
    """`^` ("^ (Bitwise Exclusive OR)"), which SQLite's SQL lacks."""
    with cursor as cur:
        row = cur.execute("SELECT 5 ^ 3, 170 ^ 75, -1 ^ 1, CAST(NULL AS int) ^ 1").fetchone()
        assert list(row) == [6, 225, -2, None]
