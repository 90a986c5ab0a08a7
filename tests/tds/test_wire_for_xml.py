"""SELECT ... FOR XML RAW / AUTO / PATH through both ODBC drivers, as Microsoft's "FOR XML
(SQL Server)" pages describe it: without TYPE one ntext column named
XML_F52E2B61-18A1-11d1-B105-00805F49916B whose text a long result splits across rows
(2,033 characters each), with TYPE one xml value; attributes or ELEMENTS, NULLs left out
(or xsi:nil with ELEMENTS XSINIL), ROOT, PATH's '@attr' and 'a/b' aliases, the escaping
of "Invalid Characters and Escape Rules" and the refusals' numbers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

COLUMN = "XML_F52E2B61-18A1-11d1-B105-00805F49916B"
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
_names = itertools.count()


@pytest.fixture
def table(wire_server: ThreadedTdsServer, odbc_driver: str) -> Iterator[tuple[pyodbc.Cursor, str]]:
    name = f"xmldoc{next(_names)}"
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        cur.execute(
            f"CREATE TABLE {name} (id int, title nvarchar(20), middle nvarchar(20),"
            " price decimal(9, 2), cost money, ok bit, at datetime, day date,"
            " raw varbinary(4), ratio float)"
        )
        cur.execute(
            f"INSERT INTO {name} VALUES"
            " (1, N'Mr.', NULL, 2.50, 2024.994, 1, '2011-05-31', '2024-01-02', 0x0102, 0.5),"
            " (2, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL)"
        )
        yield cur, name


def _document(cur: pyodbc.Cursor, sql: str) -> str:
    rows = cur.execute(sql).fetchall()
    assert [d[0] for d in cur.description] == [COLUMN]
    return "".join(r[0] for r in rows)


def test_raw_writes_attributes_and_leaves_nulls_out(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    text = _document(
        cur,
        f"SELECT id, title, middle, price, cost, ok, at, day, ratio FROM {name} ORDER BY id"
        " FOR XML RAW",
    )
    assert text == (
        '<row id="1" title="Mr." price="2.50" cost="2024.9940" ok="1" at="2011-05-31T00:00:00"'
        ' day="2024-01-02" ratio="5.000000000000000e-001"/><row id="2" ok="0"/>'
    )
    assert _document(cur, f"SELECT id FROM {name} ORDER BY id FOR XML RAW('r'), ROOT") == (
        '<root><r id="1"/><r id="2"/></root>'
    )
    # binary needs BINARY BASE64 in RAW
    assert _document(cur, f"SELECT raw FROM {name} WHERE id = 1 FOR XML RAW, BINARY BASE64") == (
        '<row raw="AQI="/>'
    )
    # a name that is not an XML name is escaped
    assert _document(cur, "SELECT 1 AS [a b], 2 AS [_x] FOR XML RAW") == (
        '<row a_x0020_b="1" _x005F_x="2"/>'
    )


def test_elements_and_xsinil(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    sql = f"SELECT id, title FROM {name} ORDER BY id FOR XML RAW, ELEMENTS"
    assert _document(cur, sql) == ("<row><id>1</id><title>Mr.</title></row><row><id>2</id></row>")
    assert _document(cur, f"{sql} XSINIL") == (
        f'<row><id>1</id><title>Mr.</title></row><row {XSI}><id>2</id><title xsi:nil="true"/></row>'
    )
    assert _document(cur, f"{sql} XSINIL, ROOT('rows')") == (
        f"<rows {XSI}><row><id>1</id><title>Mr.</title></row><row><id>2</id>"
        '<title xsi:nil="true"/></row></rows>'
    )


def test_auto_names_the_element_for_the_table(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    assert _document(cur, f"SELECT id, title FROM dbo.{name} ORDER BY id FOR XML AUTO") == (
        f'<dbo.{name} id="1" title="Mr."/><dbo.{name} id="2"/>'
    )
    sql = f"SELECT id, raw FROM {name} AS c WHERE id = 1 FOR XML AUTO, ELEMENTS, BINARY BASE64"
    assert _document(cur, sql) == "<c><id>1</id><raw>AQI=</raw></c>"


def test_path_nests_aliases(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    text = _document(
        cur,
        f"SELECT id AS [@id], price AS [Info/@price], title AS [Info/Title], middle AS"
        f" [Info/Middle], raw, ok FROM {name} ORDER BY id FOR XML PATH('p'), ROOT('ps')",
    )
    assert text == (
        '<ps><p id="1"><Info price="2.50"><Title>Mr.</Title></Info><raw>AQI=</raw>'
        '<ok>1</ok></p><p id="2"><ok>0</ok></p></ps>'
    )
    # columns that share a prefix share its element, until another comes between
    sql = "SELECT 1 AS [a/b], 2 AS [a/c], 3 AS d, 4 AS [a/e] FOR XML PATH"
    assert _document(cur, sql) == "<row><a><b>1</b><c>2</c></a><d>3</d><a><e>4</e></a></row>"
    # no row element; a column without a name is text
    sql = f"SELECT id, CONCAT('#', id) FROM {name} ORDER BY id FOR XML PATH('')"
    assert _document(cur, sql) == "<id>1</id>#1<id>2</id>#2"
    assert _document(cur, "SELECT 2 + 2 FOR XML PATH") == "<row>4</row>"


def test_special_characters_are_escaped(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, _ = table
    value = "'<a & \"b\">' + CHAR(13) + CHAR(10) + CHAR(9) + CHAR(1)"
    text = _document(cur, f"SELECT {value} AS [@v], {value} AS e FOR XML PATH('r')")
    assert text == (
        '<r v="&lt;a &amp; &quot;b&quot;&gt;&#x0D;&#x0A;&#x09;&#x01;">'
        '<e>&lt;a &amp; "b"&gt;&#x0D;\n\t&#x01;</e></r>'
    )


def test_type_gives_one_xml_value(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    rows = cur.execute(f"SELECT id FROM {name} ORDER BY id FOR XML PATH('p'), TYPE").fetchall()
    assert [r[0] for r in rows] == ["<p><id>1</id></p><p><id>2</id></p>"]
    assert [d[0] for d in cur.description] == [""]
    # no rows: one NULL xml value with TYPE, no row of text without it
    sql = f"SELECT id FROM {name} WHERE id = 0 FOR XML RAW"
    assert [r[0] for r in cur.execute(f"{sql}, TYPE").fetchall()] == [None]
    assert cur.execute(sql).fetchall() == []


def test_a_long_text_comes_in_rows_of_2033_characters(table: tuple[pyodbc.Cursor, str]) -> None:
    cur, name = table
    cur.execute(
        "WITH n AS (SELECT 3 AS v UNION ALL SELECT v + 1 FROM n WHERE v < 400)"
        f" INSERT INTO {name} (id, title) SELECT v, REPLICATE(N'x', 20) FROM n"
        " OPTION (MAXRECURSION 400)"
    )
    rows = cur.execute(f"SELECT id, title FROM {name} ORDER BY id FOR XML RAW, ROOT").fetchall()
    sizes = [len(r[0]) for r in rows]
    assert len(rows) > 2 and set(sizes[:-1]) == {2033} and 0 < sizes[-1] <= 2033
    document = "".join(r[0] for r in rows)
    assert document.startswith('<root><row id="1" title="Mr."/>')
    assert document.endswith(f'<row id="400" title="{"x" * 20}"/></root>')


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("SELECT 1 AS a FOR XML AUTO", 6800),
        ("SELECT 1 + 1 FOR XML RAW", 6809),
        ("SELECT 1 AS a, 2 AS a FOR XML RAW", 6810),
        ("SELECT 0x01 AS b FOR XML RAW", 6829),
        ("SELECT 1 AS [a//b] FOR XML PATH", 6849),
        ("SELECT 1 AS [a b] FOR XML PATH", 6850),
        ("SELECT 1 AS a, 2 AS [@b] FOR XML PATH", 6852),
        ("SELECT 1 AS [a/b], 2 AS [a/@c] FOR XML PATH", 6852),
        ("SELECT 1 AS a FOR XML RAW, ROOT('')", 6861),
        ("SELECT 1 AS [@a] FOR XML PATH('')", 6864),
        ("SELECT 1 AS a FOR XML EXPLICIT", 40517),  # not modelled: refused
        ("SELECT (SELECT 1 AS a FOR XML PATH) AS x", 40517),
    ],
)
def test_what_sql_server_refuses_is_refused(
    table: tuple[pyodbc.Cursor, str], sql: str, number: int
) -> None:
    cur, _ = table
    with pytest.raises(pyodbc.Error, match=rf"\({number}\)"):
        cur.execute(sql).fetchall()
    assert cur.execute("SELECT 7").fetchone()[0] == 7
