"""A number (or money, or a date) compared with a string, through both ODBC drivers: by
Microsoft's "Data type precedence (Transact-SQL)" the string (of lower precedence) is
converted to the other type, so a string that is no number fails the statement (Msg 245,
level 16, state 1, "Conversion failed when converting the varchar value 'abc' to data
type int.") where SQLite would find no rows; a string of a number compares as that
number."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytds
import pytest

from tds_test_server import ThreadedTdsServer

_names = itertools.count()


@pytest.fixture
def table(wire_server: ThreadedTdsServer, odbc_driver: str) -> Iterator[tuple[pyodbc.Cursor, str]]:
    name = f"compared_{next(_names)}"
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        cur.execute(
            f"CREATE TABLE {name} (id int PRIMARY KEY, code varchar(10), n nvarchar(10),"
            " price decimal(9, 2), ratio float, cost money, day date)"
        )
        cur.execute(
            f"INSERT INTO {name} VALUES (1, '10', N'x', 1.50, 0.5, 1000.5, '2024-01-02'),"
            " (2, '20', N'y', 2.00, 1, 7, '2024-03-04'), (3, 'x5', N'z', 3.25, 2.5, 0, NULL)"
        )
        yield cur, name


def _ids(cur: pyodbc.Cursor, sql: str, *params: object) -> list[int]:
    return [r[0] for r in cur.execute(sql, *params).fetchall()]


def test_strings_of_numbers_compare_as_numbers(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    assert _ids(cur, f"SELECT id FROM {name} WHERE id = '2'") == [2]
    assert _ids(cur, f"SELECT id FROM {name} WHERE id IN ('1', ' 3 ') ORDER BY id") == [1, 3]
    assert _ids(cur, f"SELECT id FROM {name} WHERE id < N'3' ORDER BY id") == [1, 2]
    assert _ids(cur, f"SELECT id FROM {name} WHERE id BETWEEN '2' AND '9' ORDER BY id") == [2, 3]
    assert _ids(cur, f"SELECT id FROM {name} WHERE id IN (?)", "2") == [2]
    assert _ids(cur, f"SELECT id FROM {name} WHERE price = '3.25'") == [3]
    assert _ids(cur, f"SELECT id FROM {name} WHERE ratio > '1e0'") == [3]
    assert _ids(cur, f"SELECT id FROM {name} WHERE cost = '$1,000.50'") == [1]
    assert _ids(cur, f"SELECT id FROM {name} WHERE cost < '10' ORDER BY id") == [2, 3]
    # a number parameter compares as it is: 2.5 is no int, so no id equals it
    assert _ids(cur, f"SELECT id FROM {name} WHERE id = ?", 2.5) == []


def test_a_subquerys_comparisons_convert_as_the_statements_do(
    table: tuple[pyodbc.Cursor, str],
) -> None:
    """A scalar subquery in the select list, or one under IN or EXISTS, compares its
    table's columns as a statement of its own would (sqlglot also lists its columns in
    the enclosing scope, which does not have its table)."""
    cur, name = table
    counted = f"(SELECT COUNT(*) FROM {name} WHERE id < N'3')"
    assert cur.execute(f"SELECT {counted} AS n").fetchval() == 2
    assert cur.execute(f"SELECT TOP (1) {counted} FROM {name}").fetchval() == 2
    inner = f"SELECT id FROM {name} WHERE day < '2024-02-01'"
    assert _ids(cur, f"SELECT id FROM {name} WHERE id IN ({inner})") == [1]
    assert _ids(cur, f"SELECT 1 WHERE EXISTS ({inner} AND price = '1.5')") == [1]
    with pytest.raises(pyodbc.Error, match=r"converting the varchar value 'abc' to data type"):
        cur.execute(f"SELECT (SELECT COUNT(*) FROM {name} WHERE id = 'abc')").fetchall()


@pytest.mark.parametrize(
    ("where", "params", "message"),
    [
        ("id = 'abc'", (), "the varchar value 'abc' to data type int"),
        ("id = N'abc'", (), "the nvarchar value 'abc' to data type int"),
        ("id IN (?)", ("17,319",), "the nvarchar value '17,319' to data type int"),
        ("id <> '1.5'", (), "the varchar value '1.5' to data type int"),
        ("id BETWEEN '1' AND 'z'", (), "the varchar value 'z' to data type int"),
        ("code = 10", (), "the varchar value 'x5' to data type int"),  # the column converts
    ],
)
def test_a_string_that_is_no_number_fails_the_comparison(
    table: tuple[pyodbc.Cursor, str], where: str, params: tuple[object, ...], message: str
) -> None:
    cur, name = table
    with pytest.raises(pyodbc.Error, match=rf"22018.*Conversion failed when converting {message}"):
        cur.execute(f"SELECT id FROM {name} WHERE {where}", *params).fetchall()
    assert cur.execute("SELECT 7").fetchone()[0] == 7


def test_a_string_beside_a_variable_converts_to_the_variables_type(
    table: tuple[pyodbc.Cursor, str],
) -> None:
    """The variable's type is known only when the statement runs; a string beside it
    converts to it where it is a number or date type, and stays text where it is a string."""
    cur, name = table
    declare = "DECLARE @n int = 10, @d date = '2024-01-02', @s varchar(5) = '10';"
    row = cur.execute(
        f"{declare} SELECT CASE WHEN '9' < @n THEN 1 ELSE 0 END,"
        " CASE WHEN @n = N' 10 ' THEN 1 ELSE 0 END, CASE WHEN '01/02/2024' = @d THEN 1 ELSE 0 END,"
        " CASE WHEN '9' < @s THEN 1 ELSE 0 END"
    ).fetchone()
    assert tuple(row) == (1, 1, 1, 0)
    with pytest.raises(pyodbc.Error, match="the varchar value 'abc' to data type int"):
        cur.execute(f"{declare} SELECT id FROM {name} WHERE 'abc' = @n").fetchall()


def test_a_string_column_or_variable_beside_a_number_variable_converts(
    table: tuple[pyodbc.Cursor, str],
) -> None:
    """ "Data type precedence": a char, varchar, nchar or nvarchar column or variable set
    against an int, bigint or decimal variable (DECLAREd, an sp_executesql or a statement
    parameter) converts to the number, so '020' equals 20, and a value that is no number
    fails the statement (245 for int, 8114 for bigint and decimal), where it compared as
    text; beside a string variable it stays text."""
    cur, name = table
    words = f"{name}_w"
    cur.execute(
        f"CREATE TABLE {words} (id int, s nvarchar(5), v varchar(5), c char(4), nc nchar(4))"
    )
    cur.execute(
        f"INSERT INTO {words} VALUES (1, N'10', '10', '10', N'10'), (2, N'020', ' 20', '20', N'20')"
    )
    assert _ids(cur, f"DECLARE @n int = 20; SELECT id FROM {words} WHERE s = @n") == [2]
    assert _ids(cur, f"DECLARE @b bigint = 20; SELECT id FROM {words} WHERE v = @b") == [2]
    assert _ids(cur, f"DECLARE @d decimal(5, 1) = 20.0; SELECT id FROM {words} WHERE @d = c") == [2]
    called = f"EXEC sp_executesql N'SELECT id FROM {words} WHERE nc = @n', N'@n int', @n = 10"
    assert _ids(cur, called) == [1]
    assert _ids(cur, f"SELECT id FROM {words} WHERE s < ? ORDER BY id", 100) == [1, 2]
    assert _ids(cur, f"DECLARE @t nvarchar(5) = N'20'; SELECT id FROM {words} WHERE s = @t") == []
    two = "SELECT CASE WHEN @s = @n THEN 1 ELSE 0 END, CASE WHEN @n > @s THEN 1 ELSE 0 END"
    row = cur.execute(f"DECLARE @s nvarchar(5) = N'010', @n int = 10; {two}").fetchone()
    assert tuple(row) == (1, 0)
    cur.execute(f"INSERT INTO {words} VALUES (3, N'x', 'y', 'z', N'w')")
    for statement, number, text in [
        (f"DECLARE @n int = 1; SELECT id FROM {words} WHERE s = @n",
         "(245)", "Conversion failed when converting the nvarchar value 'x' to data type int."),
        (f"DECLARE @b bigint = 1; SELECT id FROM {words} WHERE v = @b",
         "(8114)", "Error converting data type varchar to bigint."),
        (f"DECLARE @d decimal(5, 1) = 1; SELECT id FROM {words} WHERE nc = @d",
         "(8114)", "Error converting data type nchar to numeric."),
        (f"EXEC sp_executesql N'SELECT id FROM {words} WHERE s = @n', N'@n int', @n = 1",
         "(245)", "Conversion failed when converting the nvarchar value 'x' to data type int."),
        ("DECLARE @s nvarchar(5) = N'x', @n int = 1; SELECT 1 WHERE @n = @s",
         "(245)", "Conversion failed when converting the nvarchar value 'x' to data type int."),
    ]:  # fmt: skip
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement).fetchall()
        assert number in str(raised.value) and text in str(raised.value)
    assert _ids(cur, f"SELECT id FROM {words} WHERE s = ?", "x") == [3]  # a string parameter


@pytest.mark.parametrize(
    ("where", "number", "message"),
    [
        ("price = 'abc'", 8114, "Error converting data type varchar to numeric."),
        ("ratio = N'abc'", 8114, "Error converting data type nvarchar to float."),
        ("id = '99999999999'", 248, "value '99999999999' overflowed an int column."),
        ("cost = 'abc'", 235, "Cannot convert a char value to money."),
        ("day = 'not a date'", 241, "converting date and/or time from character string."),
        ("day BETWEEN '2024-01-01' AND N'tomorrow'", 241, "date and/or time from character"),
    ],
)
def test_other_types_and_overflow(
    table: tuple[pyodbc.Cursor, str], where: str, number: int, message: str
) -> None:
    cur, name = table
    with pytest.raises(pyodbc.Error, match=rf"{message}.*\({number}\)"):
        cur.execute(f"SELECT id FROM {name} WHERE {where}").fetchall()


def test_the_error_has_sql_servers_number_state_and_class(
    wire_server: ThreadedTdsServer,
) -> None:
    with pytds.connect(**wire_server.pytds_kwargs(), autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.Error) as info:
            cur.execute("SELECT 1 WHERE 1 = 'abc'")
        error = info.value
        assert (error.number, error.state, error.severity) == (245, 1, 16)
        assert "Conversion failed when converting the varchar value 'abc' to data type int." in (
            str(error)
        )
