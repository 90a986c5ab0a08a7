"""LIKE's patterns as SQL Server reads them ("LIKE (Transact-SQL)"), through both ODBC
drivers: `%`, `_`, the classes `[abc]`, `[a-f]`, `[^a]` (also to match `%`, `_` and `[`
themselves), ESCAPE, a pattern in a parameter or variable, case-insensitive as the
default collation compares. SQLite's own LIKE has no classes (it matched nothing). And
sorting by any key as the default collation does, case-insensitively."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

_VALUES = "(VALUES ('50%'), ('5_0'), ('abc'), ('a[b'), ('Bcd')) AS t(v)"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("v LIKE '[ab]%'", ["a[b", "abc", "Bcd"]),
        ("v LIKE '[^a]%'", ["50%", "5_0", "Bcd"]),
        ("v NOT LIKE '[a-b]%'", ["50%", "5_0"]),
        ("v LIKE '[0-9]_[0-9]'", ["5_0"]),
        ("v LIKE '%[%]%'", ["50%"]),
        ("v LIKE '%[_]%'", ["5_0"]),
        ("v LIKE 'a[[]b'", ["a[b"]),
        ("v LIKE '%!%' ESCAPE '!'", ["50%"]),
        ("v LIKE 'A%'", ["a[b", "abc"]),
    ],
)
def test_like_patterns(cursor: closing[pyodbc.Cursor], condition: str, expected: list[str]) -> None:
    with cursor as cur:
        got = cur.execute(f"SELECT v FROM {_VALUES} WHERE {condition}").fetchall()
    assert sorted(r[0] for r in got) == sorted(expected)


def test_a_pattern_in_a_parameter_or_variable(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        by_parameter = cur.execute(
            f"SELECT v FROM {_VALUES} WHERE v LIKE ? ORDER BY v", "[0-9]%"
        ).fetchall()
        by_variable = cur.execute(
            f"DECLARE @p varchar(10) = '[b]%'; SELECT v FROM {_VALUES} WHERE v LIKE @p"
        ).fetchall()
    assert [r[0] for r in by_parameter] == ["50%", "5_0"]
    assert [r[0] for r in by_variable] == ["Bcd"]


def test_sort_keys_are_case_insensitive(cursor: closing[pyodbc.Cursor]) -> None:
    """The default collation sorts 'a' and 'B' by letter, whatever is sorted: a column,
    an expression, an alias, a VALUES column, a window's or STRING_AGG's order."""
    words = "(VALUES ('b'), ('A'), ('c'), ('D')) AS t(v)"
    with cursor as cur:
        by_value = cur.execute(f"SELECT v FROM {words} ORDER BY v").fetchall()
        by_alias = cur.execute(f"SELECT v + 'x' AS w FROM {words} ORDER BY w DESC").fetchall()
        by_window = cur.execute(
            f"SELECT v FROM {words} ORDER BY ROW_NUMBER() OVER (ORDER BY COALESCE(v, ''))"
        ).fetchall()
        aggregated = cur.execute(
            f"SELECT STRING_AGG(v, ',') WITHIN GROUP (ORDER BY v) FROM {words}"
        ).fetchall()
    assert [r[0] for r in by_value] == ["A", "b", "c", "D"]
    assert [r[0] for r in by_alias] == ["Dx", "cx", "bx", "Ax"]
    assert [r[0] for r in by_window] == ["A", "b", "c", "D"]
    assert aggregated[0][0] == "A,b,c,D"


def test_trailing_blanks_count_for_unicode_only(cursor: closing[pyodbc.Cursor]) -> None:
    """ "LIKE", Pattern matching by using LIKE: the pattern's trailing blanks count; the
    value's count where either side is nchar or nvarchar, and not in ASCII LIKE (char
    or varchar with a char or varchar pattern): a char(5) 'ab' is 'ab   '."""
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Codes")
        cur.execute("CREATE TABLE dbo.Codes (id int, c char(5), v varchar(5), n nchar(5))")
        cur.execute(
            "INSERT INTO dbo.Codes VALUES (1, 'ab', 'ab  ', 'ab'), (2, 'abc', 'abc', 'abc')"
        )
        for condition, expected in [
            ("c LIKE 'ab'", [1]),
            ("v LIKE 'a_'", [1]),
            ("v NOT LIKE 'ab'", [2]),
            ("v LIKE 'ab ' ", [1]),
            ("v LIKE 'abc '", []),  # the pattern's blank counts
            ("v LIKE 'a[b]' ESCAPE '!'", [1]),
            ("n LIKE N'ab'", []),  # Unicode: the stored blanks count
            ("n LIKE 'ab'", []),
            ("v LIKE N'ab'", []),
            ("n LIKE N'ab%'", [1, 2]),
            ("c LIKE N'%b'", []),  # the padded blanks are the last characters
            ("c LIKE '%b'", [1]),
        ]:
            got = cur.execute(f"SELECT id FROM dbo.Codes WHERE {condition} ORDER BY id")
            assert [r[0] for r in got.fetchall()] == expected, condition
        assert cur.execute("SELECT IIF('abc  ' LIKE 'abc', 1, 0)").fetchval() == 1
        assert cur.execute("SELECT IIF(N'abc  ' LIKE N'abc', 1, 0)").fetchval() == 0
