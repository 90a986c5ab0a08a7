"""geography or geometry: the bytes of both are the same structure ([MS-SSCLRT] 2.1), and
only the column metadata (UDT_INFO) names the type. Microsoft's driver passes it on
(SQLColAttribute, SQL_CA_SS_UDT_TYPE_NAME); FreeTDS does not, so where the SRID leaves it
open (geography accepts 4120-4999 and 104001, geometry any), fetch_page asks SQL Server
with sp_describe_first_result_set; through both real ODBC drivers."""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyodbc
import pytest

from azsql_mcp.db import driverconn, driverrows, sqlguard
from azsql_mcp.db.clrtypes import UNDECODED_HINT
from azsql_mcp.db.parameters import bind_params
from tds_test_server import ThreadedTdsServer

_names = itertools.count()
GEOMETRY_WKT = "SRID=4326;POINT (-122.35 47.65)"


@pytest.fixture
def table(wire_server: ThreadedTdsServer) -> Iterator[str]:
    name = f"dbo.Spatial_{next(_names)}"
    with closing(pyodbc.connect(wire_server.odbc_connection_string(), autocommit=True)) as c:
        c.execute(
            f"CREATE TABLE {name} (id int NOT NULL PRIMARY KEY, shape geometry NULL,"
            " place geography NULL, plane geometry NULL)"
        )
        c.execute(
            f"INSERT INTO {name} (id, shape, place, plane) VALUES"
            " (1, geometry::STGeomFromText('POINT (-122.35 47.65)', 4326),"
            " geography::STGeomFromText('POINT (-122.35 47.65)', 4326),"
            " geometry::STGeomFromText('POINT (3 4)', 0)),"
            " (2, NULL, NULL, NULL)"
        )
    yield name


@pytest.fixture
def conn(wire_server: ThreadedTdsServer, odbc_driver: str) -> Iterator[driverconn.Connection]:
    cnxn = driverconn.connect(wire_server.odbc_connection_string(odbc_driver), None, 10)
    with closing(cnxn):
        yield driverconn.Connection(cnxn)


@pytest.fixture
def freetds(wire_server: ThreadedTdsServer) -> Iterator[driverconn.Connection]:
    """A connection through FreeTDS, which does not name CLR types: the round trip's case."""
    cnxn = driverconn.connect(wire_server.odbc_connection_string("freetds"), None, 10)
    with closing(cnxn):
        yield driverconn.Connection(cnxn)


@pytest.fixture
def describes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements fetch_page asks SQL Server to describe."""
    calls: list[str] = []
    real = getattr(driverrows, "_first_result_types", None)

    def spy(conn: Any, cursor: Any, named: driverrows.Named, args: Any, width: int) -> Any:
        calls.append(named[0])
        assert real is not None
        return real(conn, cursor, named, args, width)

    monkeypatch.setattr(driverrows, "_first_result_types", spy, raising=False)
    return calls


def _page(
    conn: driverconn.Connection, sql: str, max_rows: int = 100, **params: Any
) -> driverrows.Page:
    """The page of `sql` (parameters written @name) as Database.read asks for it."""
    checked = sqlguard.check_select(sql)
    args = bind_params(checked.param_names, params)
    named = (checked.named, checked.param_names)
    return driverrows.fetch_page(conn, checked.sql, args, max_rows, 0, 1_000_000, 10, True, named)


def test_geometry_and_geography_with_the_same_srid_in_one_result(
    conn: driverconn.Connection, table: str, describes: list[str], odbc_driver: str
) -> None:
    page = _page(
        conn, f"SELECT id, shape, place, plane FROM {table} WHERE id >= @lo ORDER BY id", lo=1
    )
    assert page["columns"] == [
        ("id", "int"),
        ("shape", "geometry"),
        ("place", "geography"),
        ("plane", "geometry"),
    ]
    assert page["rows"] == [
        [1, GEOMETRY_WKT, GEOMETRY_WKT, "SRID=0;POINT (3 4)"],
        [2, None, None, None],
    ]
    # Microsoft's driver names each column's type; without it, one round trip a page
    assert len(describes) == (0 if odbc_driver == "msodbc" else 1)
    # a page cut short: the rest is cancelled first, then the statement described
    cut = _page(conn, f"SELECT shape, id FROM {table} ORDER BY id", max_rows=1)
    assert cut["truncated"] and cut["rows"] == [[GEOMETRY_WKT, 1]]
    assert cut["columns"] == [("shape", "geometry"), ("id", "int")]


def test_an_srid_only_geometry_accepts_needs_no_round_trip(
    conn: driverconn.Connection, table: str, describes: list[str]
) -> None:
    page = _page(conn, f"SELECT plane FROM {table} WHERE id = 1")
    assert page["columns"] == [("plane", "geometry")]
    assert page["rows"] == [["SRID=0;POINT (3 4)"]]
    assert describes == []


def test_microsoft_drivers_name_the_type_where_sql_server_could_not_describe_it(
    wire_server: ThreadedTdsServer, table: str, describes: list[str]
) -> None:
    """A temporary table in the statement, which sp_describe_first_result_set cannot
    describe: the column metadata names the type all the same."""
    cnxn = driverconn.connect(wire_server.odbc_connection_string("msodbc"), None, 10)
    with closing(cnxn):
        conn = driverconn.Connection(cnxn)
        cnxn.execute("CREATE TABLE #flag (on_ bit)")
        cnxn.execute("INSERT INTO #flag VALUES (1)")
        cnxn.commit()
        sql = f"SELECT shape, place FROM {table} WHERE id = 1 AND EXISTS (SELECT 1 FROM #flag)"
        page = _page(conn, sql)
    assert page["columns"] == [("shape", "geometry"), ("place", "geography")]
    assert page["rows"] == [[GEOMETRY_WKT, GEOMETRY_WKT]]
    assert describes == []


def test_where_sql_server_cannot_say_the_column_says_so(
    freetds: driverconn.Connection, table: str, describes: list[str]
) -> None:
    """sp_describe_first_result_set fails on a temporary table: the column is named
    "geography or geometry" and the value is written as geography would be."""
    conn = freetds
    cursor = conn.cnxn.cursor()
    cursor.execute("CREATE TABLE #flag (on_ bit)")
    cursor.execute("INSERT INTO #flag VALUES (1)")
    conn.cnxn.commit()
    flagged = "EXISTS (SELECT 1 FROM #flag)"
    page = _page(conn, f"SELECT shape FROM {table} WHERE id = 1 AND {flagged}")
    assert page["columns"] == [("shape", "geography or geometry")]
    assert page["rows"] == [["SRID=4326;POINT (47.65 -122.35)"]]
    assert len(describes) == 1
    # a value only geometry accepts in the same column settles it
    page = _page(
        conn,
        f"SELECT shape FROM {table} WHERE id = 1 AND {flagged}"
        f" UNION ALL SELECT plane FROM {table} WHERE id = 1",
    )
    assert page["columns"] == [("shape", "geometry")]
    assert page["rows"] == [[GEOMETRY_WKT], ["SRID=0;POINT (3 4)"]]


def _shapes(shapes: list[tuple[int, int, int]]) -> bytes:
    data = struct.pack("<iBBI", 0, 1, 0x04, 1) + struct.pack("<2d", 1, 2)
    data += struct.pack("<I", 1) + struct.pack("<Bi", 1, 0)
    return data + struct.pack("<I", len(shapes)) + b"".join(struct.pack("<iiB", *s) for s in shapes)


def test_bytes_that_break_the_structure_stay_hex(
    wire_server: ThreadedTdsServer, conn: driverconn.Connection, odbc_driver: str
) -> None:
    name = f"dbo.Broken_{next(_names)}"
    cycle = _shapes([(0, 0, 7), (0, 0, 1)])  # a collection that is its own parent
    depth = 1500  # deeper than Python recurses
    deep = _shapes([(-1, 0, 7)] + [(i, 0, 7) for i in range(depth - 1)] + [(depth - 1, 0, 1)])
    with closing(pyodbc.connect(wire_server.odbc_connection_string(), autocommit=True)) as c:
        c.execute(f"CREATE TABLE {name} (id int NOT NULL, g geometry NULL)")
        c.execute(f"INSERT INTO {name} VALUES (1, 0x{cycle.hex()}), (2, 0x{deep.hex()})")
    page = _page(conn, f"SELECT g FROM {name} ORDER BY id")
    broken, nested = (row[0] for row in page["rows"])
    assert broken.startswith(f"0x{cycle.hex().upper()}")
    if odbc_driver == "msodbc":  # FreeTDS hands it over as varbinary: hex alone
        assert UNDECODED_HINT in broken
    assert nested == "SRID=0;" + "GEOMETRYCOLLECTION (" * depth + "POINT (1 2)" + ")" * depth


def test_the_server_writes_text_by_the_declared_type(
    wire_server: ThreadedTdsServer, odbc_driver: str, table: str
) -> None:
    with closing(pyodbc.connect(wire_server.odbc_connection_string(odbc_driver))) as cnxn:
        row = cnxn.execute(
            f"SELECT t.shape.STAsText(), place.STAsText(), shape.ToString() FROM {table} AS t"
            " WHERE id = 1"
        ).fetchone()
    assert tuple(row) == ("POINT (-122.35 47.65)",) * 3


def test_the_server_describes_the_first_result_set(
    wire_server: ThreadedTdsServer, odbc_driver: str, table: str
) -> None:
    with closing(pyodbc.connect(wire_server.odbc_connection_string(odbc_driver))) as cnxn:
        cursor = cnxn.execute(
            "EXEC sys.sp_describe_first_result_set @tsql = ?, @params = ?",
            f"SELECT id, shape, place AS p, 1 FROM {table} WHERE id = @P1",
            "@P1 bigint",
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        assert [
            (r["column_ordinal"], r["name"], r["system_type_name"], r["is_nullable"]) for r in rows
        ] == [
            (1, "id", "int", False),
            (2, "shape", "geometry", True),
            (3, "p", "geography", True),
            (4, None, "int", True),
        ]
        assert rows[1]["user_type_name"] == "geometry" and rows[1]["system_type_id"] == 240
        with pytest.raises(pyodbc.Error, match=r"\(134\)"):
            cnxn.execute(
                "EXEC sys.sp_describe_first_result_set @tsql = ?, @params = ?",
                "SELECT @a",
                "@a int, @A bigint",
            ).fetchall()
        # 11525, 11513: the texts of Microsoft's 11000-12999 message list
        for tsql, number, text in (
            (
                "CREATE TABLE #t (a int); SELECT a FROM #t",
                11525,
                "The metadata could not be determined because statement 'CREATE TABLE #t (a int)'"
                " uses a temp table. Metadata discovery only supports temp tables when analyzing"
                " a single-statement batch.",
            ),
            (
                "EXEC ('SELECT 1')",
                11513,
                "The metadata could not be determined because statement 'EXEC ('SELECT 1')'"
                " contains dynamic SQL. Consider using the WITH RESULT SETS clause to explicitly"
                " describe the result set.",
            ),
        ):
            with pytest.raises(pyodbc.Error) as refused:
                cnxn.execute("EXEC sys.sp_describe_first_result_set @tsql = ?", tsql).fetchall()
            assert f"{text} ({number})" in str(refused.value)


def test_a_parameter_used_twice_is_declared_once(
    freetds: driverconn.Connection, table: str, describes: list[str]
) -> None:
    """SQL Server refuses a name declared twice in @params (error 134), which would leave
    the column unsettled."""
    page = _page(
        freetds,
        f"SELECT shape FROM {table} /* @no ? */ WHERE id = @id AND id >= @id AND '?' <> N'@x'",
        id=1,
    )
    assert page["columns"] == [("shape", "geometry")]
    assert describes == [f"SELECT shape FROM {table} WHERE id = @id AND id >= @id AND '?' <> N'@x'"]
