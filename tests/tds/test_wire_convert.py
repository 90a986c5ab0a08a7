"""No result can break the connection: every CONVERT style Microsoft documents for dates,
times and numbers, and non-BMP characters (UTF-16 surrogate pairs) in every string type,
through both ODBC drivers; the values are the ones the "CAST and CONVERT" page shows."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

DATE_STYLES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25]
DATE_STYLES += [100 + s for s in range(15)] + [120, 121, 126, 127]
NUMBER_STYLES = {"float": [0, 1, 2, 3, 126, 128, 129], "money": [0, 1, 2, 126]}
SOURCES = {
    "datetime": "CAST('2024-02-09 13:05:07.123' AS datetime)",
    "datetime2": "CAST('2024-02-09 13:05:07.1234560' AS datetime2)",
    "smalldatetime": "CAST('2024-02-09 13:05:00' AS smalldatetime)",
    "datetimeoffset": "CAST('2024-02-09 13:05:07.1234560 +02:00' AS datetimeoffset)",
}
# Documented layouts for 2024-02-09 13:05:07.123 (datetime).
EXPECTED_DATETIME = {
    0: "Feb  9 2024  1:05PM",
    1: "02/09/24",
    101: "02/09/2024",
    2: "24.02.09",
    102: "2024.02.09",
    3: "09/02/24",
    103: "09/02/2024",
    104: "09.02.2024",
    105: "09-02-2024",
    106: "09 Feb 2024",
    107: "Feb 09, 2024",
    108: "13:05:07",
    109: "Feb  9 2024  1:05:07:123PM",
    110: "02-09-2024",
    111: "2024/02/09",
    112: "20240209",
    113: "09 Feb 2024 13:05:07:123",
    114: "13:05:07:123",
    120: "2024-02-09 13:05:07",
    121: "2024-02-09 13:05:07.123",
    22: "02/09/24  1:05:07 PM",
    23: "2024-02-09",
    126: "2024-02-09T13:05:07.123",
    127: "2024-02-09T13:05:07.123Z",
}
STRING_TYPES = ["char(8)", "varchar(8)", "nchar(8)", "nvarchar(8)", "varchar(max)"]
STRING_TYPES += ["nvarchar(max)", "nvarchar(2)", "nchar(3)", "nvarchar(1)", "nchar(1)"]


def _one(cur: pyodbc.Cursor, sql: str) -> object:
    cur.execute(sql)
    (row,) = cur.fetchall()
    return row[0]


def test_every_date_style_from_every_date_type(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for source, literal in SOURCES.items():
            for style in DATE_STYLES:
                text = _one(cur, f"SELECT CONVERT(varchar(40), {literal}, {style})")
                assert isinstance(text, str) and text, (source, style)
                if source == "datetime" and style in EXPECTED_DATETIME:
                    assert text == EXPECTED_DATETIME[style], style
        # date and time keep only their part of a style's layout
        assert _one(cur, "SELECT CONVERT(varchar(20), CAST('2024-02-09' AS date), 103)") == (
            "09/02/2024"
        )
        assert _one(cur, "SELECT CONVERT(varchar(10), CAST('2024-01-02' AS date), 120)") == (
            "2024-01-02"
        )
        assert _one(cur, "SELECT CONVERT(varchar(20), CAST('13:05:07' AS time(0)), 108)") == (
            "13:05:07"
        )
        # the connection survives and still answers
        assert _one(cur, "SELECT 1") == 1


def test_datetime2_iso_styles_keep_the_type_scale(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        literal = SOURCES["datetime2"]
        assert _one(cur, f"SELECT CONVERT(varchar(40), {literal}, 121)") == (
            "2024-02-09 13:05:07.1234560"
        )
        assert _one(cur, f"SELECT CONVERT(varchar(40), {literal}, 126)") == (
            "2024-02-09T13:05:07.1234560"
        )
        # datetime drops a zero fraction in 126
        assert _one(cur, "SELECT CONVERT(varchar(30), CAST('2024-02-09' AS datetime), 126)") == (
            "2024-02-09T00:00:00"
        )


def test_strings_to_dates_by_style(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for text, style in [
            ("09/02/2024", 103),
            ("02/09/2024", 101),
            ("09.02.2024", 104),
            ("20240209", 112),
            ("2024-02-09T00:00:00", 126),
        ]:
            value = _one(cur, f"SELECT CONVERT(date, '{text}', {style})")
            assert str(value) == "2024-02-09", (text, style)
        assert _one(cur, "SELECT TRY_CONVERT(date, 'not a date', 103)") is None


def test_every_number_style(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for style in NUMBER_STYLES["float"]:
            text = _one(cur, f"SELECT CONVERT(varchar(40), CAST(1234567.891 AS float), {style})")
            assert isinstance(text, str) and text
        assert _one(cur, "SELECT CONVERT(varchar(40), CAST(1234567.891 AS float), 0)") == (
            "1.23457e+006"
        )
        assert _one(cur, "SELECT CONVERT(varchar(40), CAST(1234567.891 AS float), 1)") == (
            "1.2345679e+006"
        )
        money = "CAST(3510.9231 AS money)"
        expected = {0: "3510.92", 1: "3,510.92", 2: "3510.9231", 126: "3510.9231"}
        for style in NUMBER_STYLES["money"]:
            assert _one(cur, f"SELECT CONVERT(varchar(40), {money}, {style})") == expected[style]
        with pytest.raises(pyodbc.Error, match="not a valid style"):
            _one(cur, "SELECT CONVERT(varchar(40), CAST(1 AS money), 7)")
        assert _one(cur, "SELECT 1") == 1


def test_hijri_styles_are_refused_with_a_suggestion(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for style in (130, 131):
            with pytest.raises(pyodbc.Error, match="Hijri"):
                _one(cur, f"SELECT CONVERT(nvarchar(40), GETDATE(), {style})")
        assert _one(cur, "SELECT 1") == 1


def test_non_bmp_characters_in_every_string_type(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert _one(cur, "SELECT N'😀'") == "😀"
        cur.execute("SELECT N'a😀b', N'😀😀'")
        assert cur.description[0][3] == 4  # nvarchar(4): UTF-16 code units
        assert list(cur.fetchall()[0]) == ["a😀b", "😀😀"]
        for ctype in STRING_TYPES:
            value = _one(cur, f"SELECT CAST(N'x😀y' AS {ctype})")
            assert isinstance(value, str), ctype
            if ctype.startswith("n") and "max" in ctype:
                assert value == "x😀y"
            if ctype.startswith("var"):
                assert "😀" not in value  # code page 1252 has no emoji: '?'
        assert _one(cur, "SELECT CONCAT(N'😀', 'a', N'\U0001f600')") == "😀a😀"
        assert _one(cur, "SELECT 1") == 1


def test_smallint_times_money_is_money(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn.cursor()) as cur:
        cur.execute(
            "SELECT TOP 1 d.OrderQty, d.UnitPrice, d.OrderQty * d.UnitPrice AS Amount"
            " FROM SalesLT.SalesOrderDetail d WHERE d.OrderQty > 1 ORDER BY d.SalesOrderDetailID"
        )
        qty, price, amount = cur.fetchone()
        assert cur.description[2][1] is Decimal and cur.description[2][4:6] == (19, 4)
        assert amount == (qty * price).quantize(Decimal("0.0001"))


def test_decimal_and_money_text_keeps_the_scale(cursor: closing[pyodbc.Cursor]) -> None:
    """decimal and numeric show their scale's digits; money, float and real have style 0
    when no style is given (the "CAST and CONVERT" number styles)."""
    with cursor as cur:
        assert _one(cur, "SELECT CONVERT(nvarchar(30), CAST(1 AS decimal(5,2)))") == "1.00"
        assert _one(cur, "SELECT CAST(CAST(-0.5 AS numeric(10,3)) AS varchar(20))") == "-0.500"
        assert _one(cur, "SELECT CONVERT(varchar(20), CAST(2 AS decimal(5,2)), 1)") == "2.00"
        assert _one(cur, "SELECT CAST(1.50 AS varchar(10))") == "1.50"
        assert _one(cur, "SELECT CONVERT(varchar, CAST(1 AS money))") == "1.00"
        assert _one(cur, "SELECT CAST(CAST(3510.9231 AS money) AS varchar(20))") == "3510.92"
        assert _one(cur, "SELECT CAST(CAST(1234567.891 AS float) AS varchar(20))") == (
            "1.23457e+006"
        )


def test_decimal_and_money_columns_to_text(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn.cursor()) as cur:
        cur.execute(
            "SELECT TOP 1 CAST(p.Weight AS varchar(20)), CONVERT(varchar(20), p.ListPrice),"
            " p.Weight, p.ListPrice FROM SalesLT.Product p WHERE p.Weight IS NOT NULL"
            " ORDER BY p.ProductID"
        )
        weight_text, price_text, weight, price = cur.fetchone()
        assert weight_text == f"{weight:.2f}"
        assert price_text == f"{price:.2f}"


def test_date_types_to_text_without_a_style(cursor: closing[pyodbc.Cursor]) -> None:
    """Style 0 (mon dd yyyy hh:miAM, day and hour padded with a space) is the default for
    datetime and smalldatetime; date, time, datetime2 and datetimeoffset keep their ISO form
    with their scale's digits. CAST and CONVERT without a style are the same."""
    with cursor as cur:
        for sql, text in [
            (
                "CONVERT(nvarchar(30), CAST('2024-01-02T03:04:05' AS datetime))",
                "Jan  2 2024  3:04AM",
            ),
            ("CAST(CAST('2024-11-12T13:04:05' AS datetime) AS varchar(30))", "Nov 12 2024  1:04PM"),
            (
                "CAST(CAST('2024-01-02T13:04:05' AS smalldatetime) AS varchar(30))",
                "Jan  2 2024  1:04PM",
            ),
            (
                "CAST(CAST('2024-01-02T03:04:05' AS datetime2) AS varchar(40))",
                "2024-01-02 03:04:05.0000000",
            ),
            (
                "CAST(CAST('2024-01-02T03:04:05' AS datetime2(0)) AS varchar(40))",
                "2024-01-02 03:04:05",
            ),
            ("CAST(CAST('2024-01-02' AS date) AS varchar(40))", "2024-01-02"),
            ("CAST(CAST('03:04:05.5' AS time(3)) AS varchar(40))", "03:04:05.500"),
            (
                "CAST(CAST('2024-01-02 03:04:05 +02:00' AS datetimeoffset(0)) AS varchar(40))",
                "2024-01-02 03:04:05 +02:00",
            ),
        ]:
            assert _one(cur, f"SELECT {sql}") == text, sql


def test_text_to_datetime_rounds_to_three_hundredths(cursor: closing[pyodbc.Cursor]) -> None:
    """The "Rounding of datetime fractional second precision" table of "datetime
    (Transact-SQL)"; more than three digits is no datetime (error 241)."""
    with cursor as cur:
        for written, stored in [
            ("23:59:59.999", "2024-01-03 00:00:00.000"),
            ("23:59:59.995", "2024-01-02 23:59:59.997"),
            ("23:59:59.998", "2024-01-02 23:59:59.997"),
            ("23:59:59.992", "2024-01-02 23:59:59.993"),
            ("23:59:59.994", "2024-01-02 23:59:59.993"),
            ("23:59:59.991", "2024-01-02 23:59:59.990"),
            ("03:04:05.5", "2024-01-02 03:04:05.500"),
        ]:
            sql = f"SELECT CONVERT(varchar(30), CAST('2024-01-02 {written}' AS datetime), 121)"
            assert _one(cur, sql) == stored, written
        with pytest.raises(pyodbc.Error, match=r"from character string\. \(241\)"):
            _one(cur, "SELECT CAST('2024-01-02 03:04:05.1234' AS datetime)")
        assert _one(cur, "SELECT TRY_CONVERT(datetime, '2024-01-02 03:04:05.1234567')") is None
        assert _one(cur, "SELECT 1") == 1


def test_text_of_a_date_outside_datetimes_range_is_error_242(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """ "datetime (Transact-SQL)": January 1, 1753, through December 31, 9999; a string of
    a date outside (and outside smalldatetime's 1900-01-01 to 2079-06-06) is error 242,
    naming the string's type; TRY_CAST gives NULL and datetime2 and date take it."""
    with cursor as cur:
        for sql, source, target in [
            ("CAST('1700-01-01' AS datetime)", "varchar", "datetime"),
            ("CONVERT(datetime, N'1752-12-31 23:59:59')", "nvarchar", "datetime"),
            ("CONVERT(datetime, '12/31/1752', 101)", "varchar", "datetime"),
            ("CAST('1899-12-31' AS smalldatetime)", "varchar", "smalldatetime"),
            # the last day, a time that rounds past it: 10000-01-01 (.997 is the last)
            ("CAST('9999-12-31 23:59:59.999' AS datetime)", "varchar", "datetime"),
            ("CAST('2079-06-06 23:59:30' AS smalldatetime)", "varchar", "smalldatetime"),
        ]:
            message = (
                rf"The conversion of a {source} data type to a {target} data type resulted"
                r" in an out-of-range value\. \(242\)"
            )
            with pytest.raises(pyodbc.Error, match=message):
                _one(cur, f"SELECT {sql}")
        assert _one(cur, "SELECT CAST('1753-01-01' AS datetime)") == dt.datetime(1753, 1, 1)
        last = _one(cur, "SELECT CAST('9999-12-31 23:59:59.997' AS datetime)")
        assert last == dt.datetime(9999, 12, 31, 23, 59, 59, 997000)
        assert _one(cur, "SELECT TRY_CAST('1700-01-01' AS datetime)") is None
        assert _one(cur, "SELECT CAST('1700-01-01' AS datetime2)") == dt.datetime(1700, 1, 1)
        assert _one(cur, "SELECT CAST('1700-01-01' AS date)") == dt.date(1700, 1, 1)


def test_a_null_style_gives_null(cursor: closing[pyodbc.Cursor]) -> None:
    """ "CAST and CONVERT": for a style value of NULL, NULL is returned (written so, or a
    variable that is NULL); a style given afterwards applies."""
    with cursor as cur:
        assert _one(cur, "SELECT CONVERT(varchar(30), GETDATE(), NULL)") is None
        assert _one(cur, "SELECT CONVERT(int, '5', NULL)") is None
        date = "CAST('2024-01-02' AS datetime)"
        cur.execute(
            f"DECLARE @s int; SELECT CONVERT(varchar(30), {date}, @s) AS a;"
            f" SET @s = 112; SELECT CONVERT(varchar(30), {date}, @s) AS b"
        )
        assert [r[0] for r in cur.fetchall()] == [None]
        assert cur.nextset()
        assert [r[0] for r in cur.fetchall()] == ["20240102"]


def test_text_to_smalldatetime_rounds_to_the_minute(cursor: closing[pyodbc.Cursor]) -> None:
    """ "smalldatetime (Transact-SQL)": 29.998 seconds or less round down, 29.999 or more
    up (the page's examples, and both sides of the line)."""
    with cursor as cur:
        for written, minute in [
            ("2007-05-08 12:35:29", dt.datetime(2007, 5, 8, 12, 35)),
            ("2007-05-08 12:35:30", dt.datetime(2007, 5, 8, 12, 36)),
            ("2007-05-08 12:59:59.998", dt.datetime(2007, 5, 8, 13, 0)),
            ("2007-05-08 12:35:29.998", dt.datetime(2007, 5, 8, 12, 35)),
            ("2007-05-08 12:35:29.999", dt.datetime(2007, 5, 8, 12, 36)),
            ("2007-05-08 23:59:30", dt.datetime(2007, 5, 9, 0, 0)),
        ]:
            assert _one(cur, f"SELECT CAST('{written}' AS smalldatetime)") == minute, written


def test_text_keeps_100_nanoseconds(cursor: closing[pyodbc.Cursor]) -> None:
    """datetime2(7), time(7) and datetimeoffset(7) hold the 7th digit; a smaller scale
    rounds."""
    with cursor as cur:
        for sql, text in [
            (
                "CONVERT(varchar(40), CAST('2024-01-02 03:04:05.1234567' AS datetime2(7)), 121)",
                "2024-01-02 03:04:05.1234567",
            ),
            ("CAST(CAST('03:04:05.9999999' AS time(7)) AS varchar(20))", "03:04:05.9999999"),
            (
                "CAST(CAST('2024-01-02 03:04:05.0000001 +01:00' AS datetimeoffset) AS varchar(40))",
                "2024-01-02 03:04:05.0000001 +01:00",
            ),
            (
                "CAST(CAST('2024-01-02 03:04:05.1236' AS datetime2(3)) AS varchar(40))",
                "2024-01-02 03:04:05.124",
            ),
        ]:
            assert _one(cur, f"SELECT {sql}") == text, sql


def test_a_date_before_1753_is_no_datetime(cursor: closing[pyodbc.Cursor]) -> None:
    """datetime starts at 1753-01-01 and smalldatetime at 1900-01-01 ("datetime
    (Transact-SQL)"): a datetime2 parameter of 1500 converted to either (CAST, a variable,
    sp_executesql's declared parameter) is Msg 242, not a date the wire cannot carry."""
    early = dt.datetime(1500, 1, 1)
    with cursor as cur:
        for sql in (
            "SELECT CAST(? AS datetime)",
            "SELECT CONVERT(smalldatetime, ?)",
            "DECLARE @d datetime = ?; SELECT @d",
            "EXEC sp_executesql N'SELECT @d', N'@d datetime', ?",
        ):
            with pytest.raises(pyodbc.Error, match=r"out-of-range value\. \(242\)"):
                cur.execute(sql, early).fetchall()
        assert cur.execute("SELECT CAST(? AS date)", early).fetchval() == dt.date(1500, 1, 1)
        got = cur.execute(
            "EXEC sp_executesql N'SELECT @a, @b', N'@a int, @b datetime', 5, ?",
            dt.datetime(2024, 1, 2),
        )
        assert tuple(got.fetchone()) == (5, dt.datetime(2024, 1, 2))


def test_strings_and_binary_convert_in_the_types_encoding(cursor: closing[pyodbc.Cursor]) -> None:
    """Style 0 converts byte for byte: nvarchar as UTF-16LE, varchar in code page 1252;
    styles 1 and 2 read and write hexadecimal digits ("Binary styles")."""
    with cursor as c:
        c.execute(
            "DECLARE @n nvarchar(4) = N'é'; SELECT CAST(N'ab' AS varbinary(8)),"
            " CAST('é' AS varbinary(4)), CAST(@n AS varbinary(4)), CAST('ab' AS binary(3))"
        )
        assert list(c.fetchone()) == [b"a\x00b\x00", b"\xe9", b"\xe9\x00", b"ab\x00"]
        row = c.execute(
            "SELECT CONVERT(nvarchar(4), 0x61006200), CONVERT(varchar(4), 0x6162E9),"
            " CONVERT(varchar(10), 0x4E61, 1), CONVERT(varchar(10), 0x4E61, 2),"
            " CONVERT(varbinary(4), '0x4E61', 1), CONVERT(varbinary(4), '4e61', 2)"
        ).fetchone()
        assert list(row) == ["ab", "abé", "0x4E61", "4E61", b"Na", b"Na"]
        with pytest.raises(pyodbc.Error, match=r"converting data type varchar to varbinary"):
            c.execute("SELECT CONVERT(varbinary(4), '4e6', 2)").fetchall()
