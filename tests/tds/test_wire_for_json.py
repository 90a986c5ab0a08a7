"""SELECT ... FOR JSON through both ODBC drivers, as Microsoft's "Format query results as
JSON with FOR JSON" pages describe it: one nvarchar(max) column named
JSON_F52E2B61-18A1-11d1-B105-00805F49916B whose text a long result splits across rows
(2,033 characters each), PATH nesting dotted aliases, NULLs left out unless
INCLUDE_NULL_VALUES, ROOT and WITHOUT_ARRAY_WRAPPER, and the type mapping of "How FOR
JSON converts SQL Server data types to JSON data types"."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

COLUMN = "JSON_F52E2B61-18A1-11d1-B105-00805F49916B"
_names = itertools.count()


@pytest.fixture
def table(wire_server: ThreadedTdsServer, odbc_driver: str) -> Iterator[tuple[pyodbc.Cursor, str]]:
    name = f"for_json_{next(_names)}"
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        cur.execute(
            f"CREATE TABLE {name} (id int, title nvarchar(20), middle nvarchar(20),"
            " price decimal(9, 2), cost money, ok bit, at datetime, at2 datetime2(7),"
            " day date, raw varbinary(4), ratio float)"
        )
        cur.execute(
            f"INSERT INTO {name} VALUES"
            " (1, N'Mr.', NULL, 2.50, 2024.994, 1, '2011-05-31', '2024-01-02 03:04:05.1234567',"
            " '2024-01-02', 0x0102, 0.5),"
            " (2, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL)"
        )
        yield cur, name


def _document(cur: pyodbc.Cursor, sql: str) -> str:
    rows = cur.execute(sql).fetchall()
    assert [d[0] for d in cur.description] == [COLUMN]
    return "".join(r[0] for r in rows)


def test_path_nests_dotted_aliases_and_maps_types(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    text = _document(
        cur,
        f"SELECT id AS Id, title AS [Info.Title], middle AS [Info.Middle], price, cost, ok,"
        f" at, at2, day, raw, ratio FROM {name} ORDER BY id FOR JSON PATH",
    )
    assert text == (
        '[{"Id":1,"Info":{"Title":"Mr."},"price":2.50,"cost":2024.9940,"ok":true,'
        '"at":"2011-05-31T00:00:00","at2":"2024-01-02T03:04:05.1234567","day":"2024-01-02",'
        '"raw":"AQI=","ratio":0.5},{"Id":2,"ok":false}]'
    )


def test_root_without_array_wrapper_and_null_values(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    one = f"SELECT id, middle AS [m.x] FROM {name} WHERE id = 1"
    assert _document(cur, f"{one} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER") == '{"id":1}'
    assert _document(cur, f"{one} FOR JSON PATH, INCLUDE_NULL_VALUES") == (
        '[{"id":1,"m":{"x":null}}]'
    )
    assert _document(cur, f"{one} FOR JSON PATH, ROOT('rows')") == '{"rows":[{"id":1}]}'
    assert _document(cur, f"{one} FOR JSON PATH, ROOT") == '{"root":[{"id":1}]}'
    # AUTO over one table keeps a dotted name as it is
    assert _document(cur, f"{one} FOR JSON AUTO") == '[{"id":1}]'
    assert _document(cur, f"SELECT title AS [a.b] FROM {name} WHERE id = 1 FOR JSON AUTO") == (
        '[{"a.b":"Mr."}]'
    )
    # no rows: no row of text
    assert cur.execute(f"SELECT id FROM {name} WHERE id = 0 FOR JSON PATH").fetchall() == []


def test_special_characters_are_escaped(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, _ = table
    text = _document(cur, "SELECT 'a\"b/\\c' + CHAR(10) + CHAR(1) AS [k/\"] FOR JSON PATH")
    assert text == '[{"k\\/\\"":"a\\"b\\/\\\\c\\n\\u0001"}]'


def test_a_long_text_comes_in_rows_of_2033_characters(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    cur.execute(
        "WITH n AS (SELECT 3 AS v UNION ALL SELECT v + 1 FROM n WHERE v < 400)"
        f" INSERT INTO {name} (id, title) SELECT v, REPLICATE(N'x', 20) FROM n"
        " OPTION (MAXRECURSION 400)"
    )
    rows = cur.execute(f"SELECT id, title FROM {name} ORDER BY id FOR JSON PATH").fetchall()
    sizes = [len(r[0]) for r in rows]
    assert len(rows) > 2 and set(sizes[:-1]) == {2033} and 0 < sizes[-1] <= 2033
    document = json.loads("".join(r[0] for r in rows))
    assert len(document) == 400 and document[-1] == {"id": 400, "title": "x" * 20}


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("SELECT 1 FOR JSON PATH", 13605),
        ("SELECT 1 AS a FOR JSON AUTO", 13600),
        ("SELECT 1 AS a FOR JSON PATH, ROOT('r'), WITHOUT_ARRAY_WRAPPER", 13620),
        ("SELECT 1 AS a, 2 AS [a.b] FOR JSON PATH", 13601),
        ("SELECT (SELECT 1 AS a FOR JSON PATH) AS j", 40517),  # not modelled: refused
    ],
)
def test_what_sql_server_refuses_is_refused(
    table: tuple[pyodbc.Cursor, str], sql: str, number: int
) -> None:
    cur, _ = table
    with pytest.raises(pyodbc.Error, match=rf"\({number}\)"):
        cur.execute(sql).fetchall()
    assert cur.execute("SELECT 7").fetchone()[0] == 7
