"""Real drivers against the server with its real SQLite engine: types, errors, data."""

from __future__ import annotations

import datetime as dt
import itertools
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from decimal import Decimal
from typing import Any

import pyodbc
import pytds
import pytest

from tds_test_server import ThreadedTdsServer, find_msodbc_driver

_names = itertools.count()


def table_name(prefix: str) -> str:
    """Tests share one database; each test gets its own tables."""
    return f"{prefix}_{next(_names)}"


def connect(server: ThreadedTdsServer, driver: str, **kwargs: Any) -> closing[pyodbc.Connection]:
    autocommit = kwargs.pop("autocommit", True)
    cnxn = pyodbc.connect(
        server.odbc_connection_string(driver=driver, **kwargs), autocommit=autocommit, timeout=10
    )
    cnxn.add_output_converter(-155, _datetimeoffset)
    return closing(cnxn)


def _datetimeoffset(raw: bytes) -> dt.datetime:
    """pyodbc has no built-in conversion for SQL_SS_TIMESTAMPOFFSET (-155)."""
    year, month, day, hour, minute, second, nanos, tz_h, tz_m = struct.unpack("<6hI2h", raw)
    zone = dt.timezone(dt.timedelta(hours=tz_h, minutes=tz_m))
    return dt.datetime(year, month, day, hour, minute, second, nanos // 1000, tzinfo=zone)


PLUS_2 = dt.timezone(dt.timedelta(hours=2))
# (column type, T-SQL literal, value as the drivers return it)
TYPES: list[tuple[str, str, Any]] = [
    ("tinyint", "255", 255),
    ("smallint", "-32768", -32768),
    ("int", "2147483647", 2147483647),
    ("bigint", "-9223372036854775808", -9223372036854775808),
    ("bit", "1", True),
    ("decimal(18,4)", "-12345.6789", Decimal("-12345.6789")),
    ("numeric(10,2)", "12.34", Decimal("12.34")),
    ("float", "1.5", 1.5),
    ("real", "0.25", 0.25),
    ("money", "12345678.9012", Decimal("12345678.9012")),
    ("smallmoney", "-214748.3648", Decimal("-214748.3648")),
    ("date", "'2024-02-29'", dt.date(2024, 2, 29)),
    ("time(0)", "'13:14:15'", dt.time(13, 14, 15)),
    ("datetime", "'2024-02-29T13:14:15.123'", dt.datetime(2024, 2, 29, 13, 14, 15, 123000)),
    ("datetime2(7)", "'2024-02-29T13:14:15.123456'", dt.datetime(2024, 2, 29, 13, 14, 15, 123456)),
    (
        "datetimeoffset(7)",
        "'2024-02-29T13:14:15.123456+02:00'",
        dt.datetime(2024, 2, 29, 13, 14, 15, 123456, tzinfo=PLUS_2),
    ),
    (
        "uniqueidentifier",
        "'6F9619FF-8B86-D011-B42D-00C04FC964FF'",
        "6F9619FF-8B86-D011-B42D-00C04FC964FF",
    ),
    ("char(5)", "'ab'", "ab   "),
    ("varchar(20)", "'café'", "café"),
    ("nchar(3)", "N'日'", "日  "),
    ("nvarchar(50)", "N'Zoë 🙂 日本'", "Zoë 🙂 日本"),
    ("nvarchar(max)", "N'" + "é" * 5000 + "'", "é" * 5000),
    ("varchar(max)", "'" + "y" * 9000 + "'", "y" * 9000),
    ("varbinary(10)", "0x0001FF", b"\x00\x01\xff"),
    ("varbinary(max)", "0x" + "AB" * 9000, b"\xab" * 9000),
]


def test_column_types_round_trip(wire_server: ThreadedTdsServer, odbc_driver: str) -> None:
    name = table_name("types")
    columns = [f"c{i}" for i in range(len(TYPES))]
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        definition = ", ".join(f"{c} {t} NULL" for c, (t, _, _) in zip(columns, TYPES, strict=True))
        cur.execute(f"CREATE TABLE {name} (id int NOT NULL, {definition})")
        literals = ", ".join(literal for _, literal, _ in TYPES)
        cur.execute(f"INSERT INTO {name} VALUES (1, {literals})")
        cur.execute(f"INSERT INTO {name} (id) VALUES (2)")
        rows = cur.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()
    expected = [value for _, _, value in TYPES]
    got = list(rows[0])[1:]
    for (sql_type, _, _), want, have in zip(TYPES, expected, got, strict=True):
        assert have == want, sql_type
    assert list(rows[1])[1:] == [None] * len(TYPES)


# Parameters as pyodbc binds them (it sends datetimes with 3 fractional digits and
# times without fractions, as against SQL Server).
PARAMETERS: list[tuple[str, Any]] = [
    ("int", 2147483647),
    ("bigint", -(2**63)),
    ("bit", False),
    ("decimal(18,4)", Decimal("-12345.6789")),
    ("float", 2.5),
    ("date", dt.date(1999, 12, 31)),
    ("datetime2(3)", dt.datetime(2024, 2, 29, 13, 14, 15, 123000)),
    ("nvarchar(50)", "Zoë 🙂 日本"),
    ("nvarchar(max)", "é" * 5000),
    ("varbinary(max)", b"\x00\xff" * 5000),
    ("nvarchar(10)", None),
]


def test_parameters_round_trip(wire_server: ThreadedTdsServer, odbc_driver: str) -> None:
    name = table_name("params")
    definition = ", ".join(f"c{i} {t} NULL" for i, (t, _) in enumerate(PARAMETERS))
    values = [value for _, value in PARAMETERS]
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} ({definition})")
        cur.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(values))})", *values)
        assert cur.rowcount == 1
        row = cur.execute(f"SELECT * FROM {name} WHERE c0 = ?", values[0]).fetchone()
    assert list(row) == values


def pytds_cursor(server: ThreadedTdsServer) -> Iterator[Any]:
    with pytds.connect(**server.pytds_kwargs(), autocommit=True) as cnxn, cnxn.cursor() as cur:
        yield cur


def test_pytds_reads_types_and_binds_parameters(wire_server: ThreadedTdsServer) -> None:
    for cur in pytds_cursor(wire_server):
        cur.execute(
            "SELECT %s AS a, %s AS b, %s AS c, CAST(%s AS decimal(10,2)) AS d",
            (1, "Zoë", dt.date(2024, 1, 2), Decimal("1.25")),
        )
        assert list(cur.fetchone()) == [1, "Zoë", dt.date(2024, 1, 2), Decimal("1.25")]
        cur.execute("SELECT CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier)")
        assert cur.fetchone()[0] == uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF")


def test_errors_carry_number_state_class_and_server(wire_server: ThreadedTdsServer) -> None:
    for cur in pytds_cursor(wire_server):
        with pytest.raises(pytds.ProgrammingError) as info:
            cur.execute("SELECT * FROM dbo.no_such_table")
        error = info.value
        assert (error.number, error.state, error.severity) == (208, 1, 16)
        assert "Invalid object name 'dbo.no_such_table'." in str(error)
        assert error.srvname and error.line == 1
        with pytest.raises(pytds.OperationalError) as info:
            cur.execute("SELECT CAST('1700-01-01' AS datetime)")
        assert (info.value.number, info.value.severity) == (242, 16)
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1


@pytest.mark.parametrize(
    ("sql", "number", "sqlstate"),
    [
        ("SELECT * FROM no_such_table", 208, "42S02"),
        ("SELECT no_such_column FROM sys.objects", 207, "42S22"),
        ("SELECT 1/0", 8134, "22012"),
    ],
)
def test_statement_errors_leave_the_connection_usable(
    wire_server: ThreadedTdsServer, odbc_driver: str, sql: str, number: int, sqlstate: str
) -> None:
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        with pytest.raises(pyodbc.Error, match=rf"{sqlstate}.*\({number}\)"):
            cur.execute(sql)
        assert cur.execute("SELECT 7").fetchone()[0] == 7


def test_several_statements_and_result_sets(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute("SET NOCOUNT ON; SELECT 1 AS a; SELECT N'x' AS b, 2 AS c")
        # Read each result to its end: FreeTDS reports an extra empty result when
        # nextset() skips unread rows.
        assert [r[0] for r in cur.fetchall()] == [1]
        assert cur.nextset()
        assert [tuple(r) for r in cur.fetchall()] == [("x", 2)]
        assert not cur.nextset()


def test_committed_writes_are_visible_to_other_sessions(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    name = table_name("tx")
    with connect(wire_server, odbc_driver) as setup:
        setup.cursor().execute(f"CREATE TABLE {name} (id int NOT NULL)")
    with (
        connect(wire_server, odbc_driver, autocommit=False) as writer,
        connect(wire_server, odbc_driver) as reader,
    ):
        writer.cursor().execute(f"INSERT INTO {name} VALUES (1)")
        writer.rollback()
        writer.cursor().execute(f"INSERT INTO {name} VALUES (2)")
        writer.commit()
        rows = reader.cursor().execute(f"SELECT id FROM {name}").fetchall()
        assert [r[0] for r in rows] == [2]


def test_a_delete_after_a_cte_counts_its_rows(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """`WITH … DELETE` reports its row count (Python's sqlite3 before 3.12 has none for a
    statement that starts with WITH) and the connection stays up."""
    name = table_name("cte_dml")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (id int)")
        cur.execute(f"INSERT INTO {name} VALUES (1), (2), (3)")
        cur.execute(f"WITH s AS (SELECT 2 AS id) DELETE FROM {name} WHERE id >= (SELECT id FROM s)")
        assert cur.rowcount == 2
        assert [r[0] for r in cur.execute(f"SELECT id FROM {name}")] == [1]


def test_an_insert_and_an_update_after_a_cte_count_their_rows(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """A CTE may introduce an INSERT or an UPDATE as well as a SELECT or DELETE (the
    statement is not split at the INSERT's SELECT or the UPDATE's SET)."""
    name = table_name("cte_dml")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (id int, v int)")
        cur.execute(
            f"WITH s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3) "
            f"INSERT INTO {name} (id, v) SELECT n, n * 10 FROM s"
        )
        assert cur.rowcount == 3
        cur.execute(
            f"WITH big AS (SELECT id FROM {name} WHERE v >= 20) "
            f"UPDATE {name} SET v = v + 1 WHERE id IN (SELECT id FROM big)"
        )
        assert cur.rowcount == 2
        rows = cur.execute(f"SELECT id, v FROM {name} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, 10), (2, 21), (3, 31)]


def test_update_and_delete_name_their_target_by_its_alias_in_from(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """`UPDATE a SET ... FROM dbo.t AS a JOIN ...` and `DELETE a FROM dbo.t AS a ...`
    change the rows of the FROM clause's source `a`, with their row counts."""
    items, prices = table_name("upd_alias"), table_name("upd_price")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {items} (id int PRIMARY KEY, price int, tag varchar(5))")
        cur.execute(f"CREATE TABLE {prices} (item int, price int)")
        cur.execute(f"INSERT INTO {items} VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')")
        cur.execute(f"INSERT INTO {prices} VALUES (1, 11), (2, 22)")
        cur.execute(
            f"UPDATE i SET price = p.price FROM dbo.{items} AS i "
            f"JOIN dbo.{prices} AS p ON p.item = i.id WHERE i.tag <> 'b'"
        )
        assert cur.rowcount == 1
        cur.execute(f"UPDATE i SET i.tag = 'z' FROM {items} i WHERE i.id >= 2")
        assert cur.rowcount == 2
        cur.execute(f"UPDATE {items} SET price = price + 1 FROM {items} WHERE id = 3")
        assert cur.rowcount == 1
        cur.execute(
            f"DELETE i FROM {items} AS i LEFT JOIN {prices} AS p ON p.item = i.id "
            "WHERE p.item IS NULL"
        )
        assert cur.rowcount == 1
        rows = cur.execute(f"SELECT id, price, tag FROM {items} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, 11, "a"), (2, 20, "z")]
        with pytest.raises(pyodbc.Error, match=r"\(209\)"):
            cur.execute(
                f"UPDATE i SET price = price FROM {items} AS i JOIN {prices} AS p ON p.item = i.id"
            )


def test_an_update_or_delete_target_may_name_the_table_that_from_aliases(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """The UPDATE page: when the table being changed appears once in FROM, the target may
    name the table (with or without its schema) though FROM gives it an alias, and only
    the joined rows change; twice in FROM, the name is ambiguous (8154). A DELETE's
    OUTPUT gives the joined rows it deletes."""
    base, joined = table_name("upd_base"), table_name("upd_join")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {base} (id int PRIMARY KEY, v int)")
        cur.execute(f"CREATE TABLE {joined} (id int, w int)")
        cur.execute(f"INSERT INTO {base} VALUES (1, 10), (2, 20), (3, 30)")
        cur.execute(f"INSERT INTO {joined} VALUES (1, 100), (2, 200)")
        cur.execute(
            f"UPDATE dbo.{base} SET v = 0 FROM dbo.{base} AS a JOIN dbo.{joined} AS b"
            " ON a.id = b.id"
        )
        assert cur.rowcount == 2
        cur.execute(
            f"UPDATE {base} SET v = v + 1 FROM {base} AS a JOIN dbo.{joined} AS b"
            " ON a.id = b.id WHERE b.w = 200"
        )
        assert cur.rowcount == 1
        cur.execute(
            f"UPDATE dbo.{base} SET v = v + 5 FROM {base} JOIN dbo.{joined}"
            f" ON {base}.id = {joined}.id WHERE {joined}.w = 100"
        )
        assert cur.rowcount == 1
        rows = cur.execute(f"SELECT id, v FROM {base} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, 5), (2, 1), (3, 30)]
        with pytest.raises(pyodbc.Error, match=r"\(8154\)"):
            cur.execute(
                f"UPDATE {base} SET v = 1 FROM dbo.{base} AS a JOIN dbo.{base} AS b ON a.id = b.id"
            )
        cur.execute(
            f"DELETE a OUTPUT deleted.id FROM {base} AS a JOIN {joined} AS b ON b.id = a.id"
        )
        assert [tuple(r) for r in cur.fetchall()] == [(1,), (2,)]
        with pytest.raises(pyodbc.Error, match=r"APPLY.*\(40517\)"):  # not a syntax error
            cur.execute(
                f"UPDATE a SET v = s.value FROM {base} AS a"
                " OUTER APPLY STRING_SPLIT('1,2', ',') AS s WHERE a.id = 1"
            )
        assert cur.execute(f"SELECT COUNT(*) FROM {base}").fetchone()[0] == 1


def test_a_delete_target_may_name_the_table_that_from_aliases(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """The DELETE page: `DELETE dbo.t FROM dbo.t AS a JOIN ...` and `DELETE FROM dbo.t
    FROM dbo.t AS a JOIN ...` (the first FROM is optional) delete only the joined rows
    of t; `DELETE dbo.t WHERE ...` needs no FROM at all (with OUTPUT too); t twice in
    FROM is ambiguous."""
    base, joined = table_name("del_base"), table_name("del_join")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {base} (id int PRIMARY KEY, v int)")
        cur.execute(f"CREATE TABLE {joined} (id int, w int)")
        cur.execute(f"INSERT INTO {base} VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50)")
        cur.execute(f"INSERT INTO {joined} VALUES (1, 100), (2, 200), (3, 300)")
        cur.execute(
            f"DELETE dbo.{base} FROM dbo.{base} AS a JOIN dbo.{joined} AS b ON a.id = b.id"
            " WHERE b.w = 100"
        )
        assert cur.rowcount == 1
        cur.execute(
            f"DELETE FROM dbo.{base} FROM {base} AS a JOIN {joined} AS b ON a.id = b.id"
            " WHERE b.w = 200"
        )
        assert cur.rowcount == 1
        cur.execute(
            f"DELETE FROM a FROM {base} AS a LEFT JOIN {joined} AS b ON a.id = b.id"
            " WHERE b.id IS NULL AND a.v = 40"
        )
        assert cur.rowcount == 1
        cur.execute(f"DELETE dbo.{base} WHERE id = 5")
        assert cur.rowcount == 1
        rows = cur.execute(f"SELECT id, v FROM {base} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(3, 30)]
        with pytest.raises(pyodbc.Error, match=r"\(8154\)"):
            cur.execute(f"DELETE FROM {base} FROM {base} AS a JOIN {base} AS b ON a.id = b.id")
        cur.execute(f"DELETE {base} OUTPUT deleted.id WHERE id = 3")
        assert [tuple(r) for r in cur.fetchall()] == [(3,)]
        assert cur.execute(f"SELECT COUNT(*) FROM {base}").fetchone()[0] == 0


def test_an_update_target_may_cross_apply_string_split(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """`UPDATE a SET ... FROM dbo.t AS a CROSS APPLY STRING_SPLIT(a.csv, ',') AS s`: each
    row of t that the split gives a row for changes once; OPENJSON too. OUTER APPLY and
    an APPLY beside a join are still refused."""
    name, other = table_name("upd_apply"), table_name("upd_apply_j")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, csv varchar(20), v varchar(10))")
        cur.execute(f"CREATE TABLE {other} (id int)")
        cur.execute(f"INSERT INTO {name} VALUES (1, 'a,b', NULL), (2, 'c', NULL), (3, '', 'k')")
        cur.execute(
            f"UPDATE a SET v = s.value FROM dbo.{name} AS a"
            " CROSS APPLY STRING_SPLIT(a.csv, ',') AS s WHERE s.value IN ('b', 'c')"
        )
        assert cur.rowcount == 2
        cur.execute(
            f"UPDATE a SET a.v = a.v + j.value FROM {name} AS a"
            """ CROSS APPLY OPENJSON('["!"]') AS j WHERE a.id = 1"""
        )
        assert cur.rowcount == 1
        rows = cur.execute(f"SELECT id, v FROM {name} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, "b!"), (2, "c"), (3, "k")]
        refused = [
            f"UPDATE a SET v = s.value FROM {name} AS a OUTER APPLY STRING_SPLIT(a.csv, ',') AS s",
            f"UPDATE a SET v = s.value FROM {name} AS a JOIN {other} AS o ON o.id = a.id"
            " CROSS APPLY STRING_SPLIT(a.csv, ',') AS s",
        ]
        for sql in refused:
            with pytest.raises(pyodbc.Error, match=r"\(40517\)"):
                cur.execute(sql)
        rows = cur.execute(f"SELECT id, v FROM {name} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, "b!"), (2, "c"), (3, "k")]


def test_update_and_delete_through_a_cte_change_its_base_tables_rows(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """`WITH c AS (SELECT ... FROM dbo.t WHERE ...) UPDATE c SET ...` and `DELETE FROM c`
    change the base table's rows the CTE selects (its WHERE and TOP kept), through the
    CTE's own column names; a CTE column that is an expression cannot be set (4406), and
    OUTPUT after a CTE is still refused."""
    name = table_name("cte_target")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
        cur.execute(f"INSERT INTO {name} VALUES (1, 10), (2, 20), (3, 30), (4, 40)")
        cur.execute(f"WITH c AS (SELECT id, v FROM dbo.{name} WHERE id > 1) UPDATE c SET v = 0")
        assert cur.rowcount == 3
        cur.execute(
            f"WITH c (k, val) AS (SELECT TOP (1) id, v FROM {name} AS x WHERE id > 1"
            " ORDER BY id DESC) UPDATE c SET c.val = val + k WHERE k > 1"
        )
        assert cur.rowcount == 1
        cur.execute(
            f"WITH c AS (SELECT id, v, v * 2 AS d FROM {name}) UPDATE c SET v = d + 1 WHERE id = 1"
        )
        assert cur.rowcount == 1
        cur.execute(f"WITH c AS (SELECT * FROM {name} WHERE v = 0) DELETE FROM c WHERE id = 3")
        assert cur.rowcount == 1
        rows = cur.execute(f"SELECT id, v FROM {name} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, 21), (2, 0), (4, 4)]
        with pytest.raises(pyodbc.Error, match=r"\(4406\)"):
            cur.execute(f"WITH c AS (SELECT id, v * 2 AS d FROM {name}) UPDATE c SET d = 1")
        with pytest.raises(pyodbc.Error, match=r"\(207\)"):
            cur.execute(f"WITH c AS (SELECT id FROM {name}) UPDATE c SET v = 1")
        with pytest.raises(pyodbc.Error, match=r"\(40517\)"):
            cur.execute(
                f"WITH c AS (SELECT id, v FROM {name}) UPDATE c SET v = 1 OUTPUT inserted.v"
            )
        with pytest.raises(pyodbc.Error, match=r"\(40517\)"):
            cur.execute(f"WITH c AS (SELECT id, v FROM {name}) DELETE FROM c OUTPUT deleted.id")
        rows = cur.execute(f"SELECT id, v FROM {name} ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, 21), (2, 0), (4, 4)]


def test_datalength_counts_bytes_by_the_expressions_type(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """DATALENGTH: one byte a character for varchar and char (the default collation's code
    page is single-byte), two for nvarchar and nchar, char(n) and nchar(n) padded to n."""
    name = table_name("datalength")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (v varchar(10), n nvarchar(10), c char(5), nc nchar(4))")
        cur.execute(f"INSERT INTO {name} VALUES ('abc', N'abc', 'ab', N'x')")
        row = cur.execute(
            "SELECT DATALENGTH('abc'), DATALENGTH(N'abc'), DATALENGTH(v), DATALENGTH(n),"
            " DATALENGTH(c), DATALENGTH(nc), DATALENGTH(CAST(n AS varchar(10))),"
            f" DATALENGTH(CONVERT(nvarchar(10), v)) FROM {name}"
        ).fetchone()
        assert list(row) == [3, 6, 3, 6, 5, 8, 3, 6]
        # CAST and CONVERT without a length give 30 characters: char and nchar pad to them
        conversions = (
            "SELECT DATALENGTH(CAST('ab' AS char)), DATALENGTH(CONVERT(nchar, 'ab')),"
            " DATALENGTH(CAST('ab' AS varchar))"
        )
        assert list(cur.execute(conversions).fetchone()) == [30, 60, 2]
        derived = (
            f"WITH s AS (SELECT v AS x, n AS y FROM {name})"
            " SELECT DATALENGTH(x), DATALENGTH(y) FROM s"
        )
        assert list(cur.execute(derived).fetchone()) == [3, 6]
        # a variable counts by its declared type; char(n) holds n characters, padded
        variables = (
            "DECLARE @v varchar(10) = 'abé', @n nvarchar(10) = N'abé', @c char(5) = 'ab';"
            " SELECT DATALENGTH(@v), DATALENGTH(@n), DATALENGTH(@c), @c + '|',"
            " CAST('ab' AS char(4)) + '|'"
        )
        assert list(cur.execute(variables).fetchone()) == [3, 6, 5, "ab   |", "ab  |"]


def test_waitfor_timeout_and_the_connection_works(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(wire_server, odbc_driver) as cnxn:
        cnxn.timeout = 1
        cur = cnxn.cursor()
        started = time.monotonic()
        with pytest.raises(pyodbc.OperationalError, match="HYT00"):
            cur.execute("WAITFOR DELAY '00:00:30'")
        assert time.monotonic() - started < 10
        assert cur.execute("SELECT 1").fetchone()[0] == 1


def test_fast_executemany_with_driver_18(start_cli: Callable[..., Any]) -> None:
    driver = find_msodbc_driver()
    if driver is None:
        pytest.skip("Microsoft ODBC Driver 18 (package mssql-python-odbc) is not installed")
    # Another process: pyodbc holds the GIL while Driver 18 describes parameters.
    server = start_cli()
    conn_str = (
        f"DRIVER={{{driver}}};SERVER=tcp:{server.host},{server.port};UID=sa;"
        "PWD={Password1!};Encrypt=no"
    )
    with closing(pyodbc.connect(conn_str, autocommit=True, timeout=10)) as cnxn:
        cur = cnxn.cursor()
        cur.execute(
            "CREATE TABLE many (id int NOT NULL, name nvarchar(20) NULL, amount decimal(10,2) NULL)"
        )
        cur.fast_executemany = True
        rows = [(i, f"n{i}", None if i % 3 == 0 else Decimal(i) / 4) for i in range(1000)]
        cur.executemany("INSERT INTO many (id, name, amount) VALUES (?, ?, ?)", rows)
        count, nulls, total = cur.execute(
            "SELECT COUNT(*), SUM(CASE WHEN amount IS NULL THEN 1 ELSE 0 END), SUM(amount) "
            "FROM many"
        ).fetchone()
    assert (count, nulls) == (1000, 334)
    assert total == sum(r[2] for r in rows if r[2] is not None)


def test_large_result_streams_from_the_sample(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(wire_sample_server, odbc_driver) as cnxn:
        cur = cnxn.cursor().execute("SELECT * FROM SalesLT.SalesOrderDetail")
        count = 0
        while batch := cur.fetchmany(5000):
            count += len(batch)
    assert count >= 50_000


def test_pytds_reads_the_sample(wire_sample_server: ThreadedTdsServer) -> None:
    for cur in pytds_cursor(wire_sample_server):
        cur.execute("SELECT TOP 5 CustomerID, LastName FROM SalesLT.Customer ORDER BY CustomerID")
        rows = cur.fetchall()
        assert len(rows) == 5 and all(isinstance(r[1], str) for r in rows)


def test_the_sample_is_adventureworkslt_and_other_databases_refuse_the_login(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(wire_sample_server, odbc_driver) as cnxn:  # the helpers' default database
        assert cnxn.execute("SELECT DB_NAME(), COUNT(*) FROM SalesLT.Customer").fetchone()[0] == (
            "AdventureWorksLT"
        )
    with connect(wire_sample_server, odbc_driver, database="master") as cnxn:
        names = [r[0] for r in cnxn.execute("SELECT name FROM sys.databases ORDER BY 1")]
        assert names == ["AdventureWorksLT", "master"]
    with pytest.raises(pyodbc.Error, match=r"Cannot open database \"Northwind\".*\(4060\)"):
        connect(wire_sample_server, odbc_driver, database="Northwind")


def test_the_drivers_version_is_the_product_version(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """LOGINACK's version (SQL_DBMS_VER) and SERVERPROPERTY('ProductVersion') agree, as
    on one SQL Server (they said 16.0.4135 and 16.0.1000.6)."""
    with connect(wire_sample_server, odbc_driver) as cnxn:
        product = cnxn.execute("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(20))")
        major, minor, build, _ = (int(n) for n in product.fetchone()[0].split("."))
        reported = cnxn.getinfo(pyodbc.SQL_DBMS_VER)
        assert [int(n) for n in reported.split(".")[:3]] == [major, minor, build], reported


def test_use_changes_the_database_the_driver_reports(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(wire_sample_server, odbc_driver) as cnxn:
        cnxn.execute("USE master")
        assert cnxn.getinfo(pyodbc.SQL_DATABASE_NAME) == "master"
        assert cnxn.execute("SELECT DB_NAME()").fetchone()[0] == "master"


def test_openjson_under_apply_has_its_default_schema(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ "OPENJSON (Transact-SQL)": without WITH its columns are key nvarchar(4000), value
    nvarchar(max) (an array or object as its JSON text, true as 'true') and type tinyint
    (0 null, 1 string, 2 number, 3 true/false, 4 array, 5 object), under CROSS and OUTER
    APPLY as in FROM; a row OUTER APPLY finds nothing for has NULL in all three."""
    name = table_name("apply_json")
    with connect(wire_server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute(f"CREATE TABLE {name} (id int, doc nvarchar(max))")
        cur.execute(
            f"INSERT INTO {name} VALUES"
            """ (1, N'{"a":1,"b":[1,2],"c":null,"d":true,"e":{"x":1},"f":"s"}'), (2, NULL)"""
        )
        cur.execute(
            f"SELECT d.id, j.[key], j.value, j.type FROM {name} AS d"
            " CROSS APPLY OPENJSON(d.doc) AS j ORDER BY j.[key]"
        )
        assert [(c[0], c[1]) for c in cur.description] == [
            ("id", int),
            ("key", str),
            ("value", str),
            ("type", int),
        ]
        assert [tuple(r) for r in cur.fetchall()] == [
            (1, "a", "1", 2),
            (1, "b", "[1,2]", 4),
            (1, "c", None, 0),
            (1, "d", "true", 3),
            (1, "e", '{"x":1}', 5),
            (1, "f", "s", 1),
        ]
        cur.execute(
            f"SELECT d.id, [key], type FROM {name} AS d OUTER APPLY OPENJSON(d.doc)"
            " WHERE d.id = 2 OR type = 4"
            " ORDER BY d.id"
        )
        assert [tuple(r) for r in cur.fetchall()] == [(1, "b", 4), (2, None, None)]
        # `*` and `j.*` list the function's own columns, not SQLite json_each's eight
        cur.execute(f"SELECT * FROM {name} AS d CROSS APPLY OPENJSON(d.doc) AS j WHERE j.type = 4")
        assert [c[0] for c in cur.description] == ["id", "doc", "key", "value", "type"]
        assert [tuple(r)[2:] for r in cur.fetchall()] == [("b", "[1,2]", 4)]
        cur.execute(f"SELECT j.* FROM {name} AS d OUTER APPLY OPENJSON(d.doc) AS j WHERE d.id = 2")
        assert [tuple(r) for r in cur.fetchall()] == [(None, None, None)]
        split = f"SELECT s.* FROM {name} AS d CROSS APPLY STRING_SPLIT('x,y', ',', 1) AS s"
        cur.execute(split + " WHERE d.id = 1")
        assert [c[0] for c in cur.description] == ["value", "ordinal"]
        assert [tuple(r) for r in cur.fetchall()] == [("x", 1), ("y", 2)]
