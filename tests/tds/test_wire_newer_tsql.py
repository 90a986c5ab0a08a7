"""SQL Server 2022 and 2025 (and Azure SQL Database) built-ins through both ODBC drivers,
with the results of the examples on their "(Transact-SQL)" pages (newer_builtins.py), on
an Azure SQL Database edition (which has them all); SQL Server 2022, the default edition,
refuses 2025's as SQL Server 2022 does (compat_levels.py); what the test server lacks is
40517 (docs/test-server-limits.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from typing import Any

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

CASES: list[tuple[str, list[tuple[Any, ...]]]] = [
    # binary constants, which the bit functions' examples use, are varbinary of their bytes
    ("SELECT 0xabcdef, 0xabc", [(b"\xab\xcd\xef", b"\x0a\xbc")]),
    (
        "SELECT DATE_BUCKET(WEEK, 1, CAST('2020-04-30 00:00:00' AS datetime2))",
        [(dt.datetime(2020, 4, 27),)],
    ),
    ("SELECT DATE_BUCKET(MONTH, 2, CAST('2020-04-30' AS date))", [(dt.date(2020, 3, 1),)]),
    (
        "SELECT DATE_BUCKET(DAY, 2, CAST('2020-04-30' AS date), CAST('2020-01-02' AS date))",
        [(dt.date(2020, 4, 29),)],
    ),
    ("SELECT value FROM GENERATE_SERIES(1, 50, 5)", [(v,) for v in range(1, 50, 5)]),
    ("SELECT value FROM GENERATE_SERIES(10, 1, -3)", [(10,), (7,), (4,), (1,)]),
    ("SELECT value FROM GENERATE_SERIES(1, 10, -1)", []),
    (
        "SELECT t.n, s.value FROM (VALUES (2)) AS t(n) CROSS APPLY GENERATE_SERIES(1, t.n) AS s",
        [(2, 1), (2, 2)],
    ),
    ("SELECT JSON_ARRAY('a', 1, 'b', NULL)", [('["a",1,"b"]',)]),
    ("SELECT JSON_ARRAY('a', 1, NULL, 2 NULL ON NULL)", [('["a",1,null,2]',)]),
    (
        "SELECT JSON_ARRAY('a', JSON_OBJECT('name':'value', 'type':1))",
        [('["a",{"name":"value","type":1}]',)],
    ),
    ("SELECT JSON_OBJECT('name':'value', 'type':NULL ABSENT ON NULL)", [('{"name":"value"}',)]),
    ("SELECT JSON_OBJECT('name':'value', 'type':NULL)", [('{"name":"value","type":null}',)]),
    ("SELECT JSON_VALUE('{\"a\":\"7\"}', '$.a' RETURNING int) + 1", [(8,)]),
    (
        'SELECT JSON_PATH_EXISTS(N\'{"info":{"address":[{"town":"Paris"}]}}\', \'$.info.address\'),'
        ' JSON_PATH_EXISTS(N\'{"info":{"address":[{"town":"Paris"}]}}\', \'$.info.addresses\')',
        [(True, False)],
    ),
    (
        "SELECT ISJSON('true', VALUE), ISJSON('test string', VALUE),"
        " ISJSON('\"test string\"', SCALAR), ISJSON('[1]', OBJECT), ISJSON('true')",
        [(1, 0, 1, 0, 0)],
    ),
    (
        "SELECT APPROX_PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v),"
        " APPROX_PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY v)"
        " FROM (VALUES (1), (2), (3), (4)) AS t(v)",
        [(2.5, 2)],
    ),
    ("SELECT BIT_COUNT(CAST(-1 AS smallint)), BIT_COUNT(0xabcdef)", [(16, 17)]),
    ("SELECT LEFT_SHIFT(12345, 5), RIGHT_SHIFT(12345, 5)", [(395040, 385)]),
    ("SELECT GET_BIT(0xabcdef, 2), GET_BIT(0xabcdef, 4)", [(1, 0)]),
    ("SELECT SET_BIT(0x00, 2), SET_BIT(0xabcdef, 0, 0)", [(b"\x04", b"\xab\xcd\xee")]),
    (
        "SELECT v FROM (VALUES ('Apple'), ('banana'), ('apricot')) AS t(v)"
        " WHERE REGEXP_LIKE(v, '^a', 'i') ORDER BY v",
        [("Apple",), ("apricot",)],
    ),
    (
        "SELECT REGEXP_REPLACE('123-456-7890', '(\\d{3})-(\\d{3})-(\\d{4})', '(\\1) \\2-\\3')",
        [("(123) 456-7890",)],
    ),
    (
        "SELECT REGEXP_SUBSTR('hello world', '[a-z]+', 1, 2), REGEXP_COUNT('banana', 'a'),"
        " REGEXP_INSTR('hello world', 'o', 1, 2)",
        [("world", 3, 8)],
    ),
    ("SELECT PRODUCT(v) FROM (VALUES (2), (3), (4)) AS t(v)", [(24,)]),
    (
        "SELECT UNISTR(N'ABC#00C0#0181#0187', '#'), UNISTR(N'Hello! \\D83D\\DE03')",
        [("ABC\u00c0\u0181\u0187", "Hello! \U0001f603")],
    ),
    (
        "SELECT BASE64_ENCODE(0xA9), BASE64_ENCODE(0xCAFECAFE, 1), BASE64_DECODE('qQ==')",
        [("qQ==", "yv7K_g", b"\xa9")],
    ),
    (
        "SELECT EDIT_DISTANCE('Colour', 'Color'), EDIT_DISTANCE_SIMILARITY('Colour', 'Color')",
        [(1, 83)],
    ),
    (
        "SELECT LTRIM('123abc.', '123.'), RTRIM('.123abc.', 'abc.'),"
        " TRIM(LEADING '.,! ' FROM '     .#     test    .'), TRIM(BOTH '123' FROM '123abc123')",
        [("abc.", ".123", "#     test    .", "abc")],
    ),
    ("SELECT GREATEST(6.5, 3.5, 7), LEAST(3.12, 5, -4)", [(Decimal("7.0"), Decimal("-4.00"))]),
    (
        "SELECT v FROM (VALUES (1), (NULL), (2)) AS t(v) WHERE v IS DISTINCT FROM 1 ORDER BY v",
        [(None,), (2,)],
    ),
    (
        "SELECT v, SUM(v) OVER win FROM (VALUES (1), (2), (3)) AS t(v) WINDOW win AS (ORDER BY v)",
        [(1, 1), (2, 3), (3, 6)],
    ),
    ("SELECT 'a' || 'b', SUBSTRING('abcdef', 3)", [("ab", "cdef")]),
]


@pytest.fixture(scope="module")
def azure_server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False, edition="azure-sql-database") as server:
        yield server


@pytest.fixture
def azure_cursor(azure_server: ThreadedTdsServer, odbc_driver: str) -> closing[pyodbc.Cursor]:
    """A cursor on an Azure SQL Database edition (level 170), through each driver."""
    cnxn = pyodbc.connect(
        azure_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    return closing(cnxn.cursor())


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[c[0][7:47] for c in CASES])
def test_newer_built_ins_give_the_documented_results(
    azure_cursor: closing[pyodbc.Cursor], sql: str, expected: list[tuple[Any, ...]]
) -> None:
    with azure_cursor as cur:
        rows = [tuple(row) for row in cur.execute(sql).fetchall()]
    assert rows == expected


def test_current_date_is_the_date_on_azure_sql_database(
    azure_cursor: closing[pyodbc.Cursor],
) -> None:
    with azure_cursor as cur:
        today = cur.execute("SELECT CURRENT_DATE, CAST(GETDATE() AS date)").fetchone()
    assert today[0] == today[1]


@pytest.mark.parametrize(
    "call",
    [
        "REGEXP_LIKE('a', 'a')",
        "REGEXP_REPLACE('a', 'a', 'b')",
        "UNISTR(N'\\00C0')",
        "PRODUCT(2)",
        "JSON_OBJECTAGG('k':1)",
    ],
)
def test_sql_server_2022_refuses_2025_built_ins(cursor: closing[pyodbc.Cursor], call: str) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error) as raised:
        cur.execute(f"SELECT {call}").fetchall()
    name = call.split("(")[0]  # both drivers end the message with the error's number
    assert f"'{name}' is not a recognized built-in function name. (195)" in str(raised.value)


def test_current_date_is_an_unknown_column_to_sql_server_2022(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error) as raised:
        cur.execute("SELECT CURRENT_DATE").fetchall()
    assert "Invalid column name 'CURRENT_DATE'. (207)" in str(raised.value)


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("SELECT CAST('[1,2,3]' AS vector(3))", "VECTOR(3)"),
        ("SELECT CAST('{}' AS json)", "JSON"),
        (
            "SELECT FIRST_VALUE(v) IGNORE NULLS OVER (ORDER BY v) FROM (VALUES (1)) AS t(v)",
            "IGNORE NULLS",
        ),
        ("SELECT value FROM GENERATE_SERIES(1, 5, 0)", "step of 0"),
        ("SELECT 1 FROM (VALUES (1)) AS p(x) WHERE MATCH(p-(f)->q)", "MATCH"),
    ],
)
def test_what_the_test_server_lacks_is_40517(
    cursor: closing[pyodbc.Cursor], sql: str, named: str
) -> None:
    with cursor as cur, pytest.raises(pyodbc.Error, match="40517") as raised:
        cur.execute(sql).fetchall()
    assert named in str(raised.value)
