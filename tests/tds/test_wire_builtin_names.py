"""Only T-SQL's built-in functions are called, through both drivers: another dialect's
name that sqlglot would read as its own function (IFNULL, SUBSTR, DATE_ADD...) is Msg 195
with the name as the batch spells it, and a batch with one runs none of its statements,
as SQL Server compiles the whole batch first ("'%.*ls' is not a recognized %S_MSG.")."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

# each call as written: the message quotes the name before its parenthesis
_OTHER_DIALECTS = [
    "IFNULL(NULL, 1)",
    "Nvl(NULL, 1)",
    "NVL2(1, 2, 3)",
    "LENGTH('ab')",
    "char_length('ab')",
    "SUBSTR('abc', 1, 2)",
    "INSTR('abc', 'b')",
    "LOCATE('b', 'abc')",
    "STRPOS('abc', 'b')",
    "DATE_ADD(GETDATE(), 1)",
    "DATE_SUB(GETDATE(), 1)",
    "Ceil(1.5)",
    "POW(2, 3)",
    "TRUNC(1.5)",
    "UUID()",
    "GEN_RANDOM_UUID()",
    "RANDOM()",
    "JSON_EXTRACT('{}', '$.a')",
    "STRFTIME('%Y', GETDATE())",
    "LAST_DAY(GETDATE())",
    "DECODE(1, 1, 2)",
    "LCASE('A')",
    "ucase('a')",
    "MOD(5, 2)",
    "LN(2)",
    "REPEAT('a', 2)",
    "DATE('2024-01-01')",
    "STDDEV(1)",
    "TO_CHAR(1)",
    "TO_NUMBER('1')",
    "TIMESTAMPDIFF(DAY, GETDATE(), GETDATE())",
    "TIMESTAMPADD(DAY, 1, GETDATE())",
    "DAYOFWEEK(GETDATE())",
    "DayOfMonth(GETDATE())",
    "DAYOFYEAR(GETDATE())",
]


@pytest.mark.parametrize("call", _OTHER_DIALECTS)
def test_another_dialect_s_function_is_195_as_written(
    cursor: closing[pyodbc.Cursor], call: str
) -> None:
    name = call.split("(")[0]
    with cursor as c, pytest.raises(pyodbc.Error) as raised:
        c.execute(f"SELECT {call} AS v")
    assert f"'{name}' is not a recognized built-in function name. (195)" in str(raised.value)


@pytest.mark.parametrize(
    ("call", "value"),
    [
        ("LEN('ab ')", 2),
        ("SUBSTRING('abc', 2, 1)", "b"),
        ("CHARINDEX('b', 'abc')", 2),
        ("ISNULL(NULL, 1)", 1),
        ("COALESCE(NULL, NULL, 3)", 3),
        ("NULLIF(1, 1)", None),
        ("DATEADD(day, 1, CAST('2024-01-31' AS date))", "2024-02-01"),
        ("DATEPART(year, '2024-05-06')", 2024),
        ("DATEDIFF(day, '2024-01-01', '2024-01-31')", 30),
        ("CEILING(1.5)", 2),
        ("POWER(2, 3)", 8),
        ("LEN(CAST(NEWID() AS varchar(36)))", 36),
        ("CASE WHEN RAND(1) BETWEEN 0 AND 1 THEN 1 END", 1),
        ("JSON_VALUE('{\"a\": 7}', '$.a')", "7"),
        ("FORMAT(1234.5, 'N1', 'en-US')", "1,234.5"),
        ("CONVERT(int, '12')", 12),
        ("UPPER(LOWER('Ab'))", "AB"),
        ("EOMONTH('2024-02-10')", "2024-02-29"),
        ("IIF(1 = 1, 'y', 'n')", "y"),
        ("PARSENAME('a.b', 1)", "b"),
        ("DATENAME(month, '2024-05-06')", "May"),
        ("TRY_CONVERT(int, 'x')", None),
        # an ODBC escape names ODBC's functions ("ODBC Scalar Functions (Transact-SQL)")
        ("{fn UCASE('ab')}", "AB"),
    ],
)
def test_t_sql_spellings_still_work(
    cursor: closing[pyodbc.Cursor], call: str, value: object
) -> None:
    with cursor as c:
        got = c.execute(f"SELECT {call} AS v").fetchone()[0]
    assert (str(got) if isinstance(value, str) and got is not None else got) == value


def test_a_batch_with_195_in_a_later_statement_runs_nothing(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as c:
        c.execute("CREATE TABLE #runs (n int)")
        with pytest.raises(pyodbc.Error) as raised:
            c.execute("INSERT INTO #runs VALUES (1);\nSELECT Substr('abc', 1, 1) AS v FROM #runs")
        assert "'Substr' is not a recognized built-in function name. (195)" in str(raised.value)
        assert c.execute("SELECT COUNT(*) FROM #runs").fetchone()[0] == 0


def test_user_functions_methods_and_table_functions_are_not_195(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as c:
        point = c.execute("SELECT geography::Point(1, 2, 4326).STAsText() AS v").fetchone()[0]
        assert point == "POINT (2 1)"
        split = c.execute("SELECT value FROM STRING_SPLIT('a,b', ',') ORDER BY value")
        assert [r[0] for r in split.fetchall()] == ["a", "b"]
        with pytest.raises(pyodbc.Error, match=r"\(4121\)"):
            c.execute("SELECT dbo.ifnull(1, 2)")


def test_the_sample_answers_in_t_sql(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """The demo's database: the T-SQL spellings of the names above answer; the other
    dialect's are 195."""
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=odbc_driver), autocommit=True
    )
    with closing(cnxn), closing(cnxn.cursor()) as c:
        row = c.execute(
            "SELECT TOP 1 LEN(CompanyName), SUBSTRING(Phone, 1, 3),"
            " ISNULL(MiddleName, ''), DATEPART(year, ModifiedDate)"
            " FROM SalesLT.Customer ORDER BY CustomerID"
        ).fetchone()
        assert row[0] > 0 and len(row[1]) == 3 and row[3] > 2000
        with pytest.raises(pyodbc.Error, match="'IfNull' is not a recognized"):
            c.execute("SELECT IfNull(MiddleName, '') FROM SalesLT.Customer")
