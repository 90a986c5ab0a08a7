"""geography, geometry and hierarchyid over the wire, through both real ODBC drivers.

The server sends them as SQL Server does (UDT type info, the [MS-SSCLRT] serialization as
the value); Microsoft's driver reports SQL_SS_UDT (-151), FreeTDS SQL_LONGVARBINARY.
The driver process's connections (core/driverconn.connect) decode both into text."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import closing

import pyodbc
import pytest

from azsql_mcp.db import driverconn, odbc_types
from tds_test_server import ThreadedTdsServer

_names = itertools.count()

# geography::Point(47.65, -122.35, 4326) as SQL Server serializes it: latitude first
POINT_BYTES = bytes.fromhex("E6100000010C3333333333D347406666666666965EC0")


@pytest.fixture
def table(wire_server: ThreadedTdsServer) -> Iterator[str]:
    name = f"dbo.Clr_{next(_names)}"
    with closing(pyodbc.connect(wire_server.odbc_connection_string(), autocommit=True)) as c:
        c.execute(
            f"CREATE TABLE {name} (id int NOT NULL PRIMARY KEY, place geography NULL,"
            " shape geometry NULL, node hierarchyid NULL)"
        )
        c.execute(
            f"INSERT INTO {name} (id, place, shape, node) VALUES"
            " (1, geography::Point(47.65, -122.35, 4326),"
            " geometry::STGeomFromText('POLYGON ((0 0, 4 0, 4 3, 0 0))', 0),"
            " hierarchyid::Parse('/1/-2.18/')),"
            " (2, NULL, NULL, hierarchyid::GetRoot())"
        )
    yield name


def test_values_are_the_documented_serialization(
    wire_server: ThreadedTdsServer, odbc_driver: str, table: str
) -> None:
    with closing(pyodbc.connect(wire_server.odbc_connection_string(odbc_driver))) as cnxn:
        # what each driver reports, read as plain bytes
        for sql_type in (-151, pyodbc.SQL_LONGVARBINARY):
            cnxn.add_output_converter(sql_type, bytes)
        place, node = cnxn.execute(f"SELECT place, node FROM {table} WHERE id = 1").fetchone()
    assert place == POINT_BYTES
    assert node == bytes.fromhex("59FB0540")  # [MS-SSCLRT] 3.2 example 2


def test_microsoft_driver_needs_the_udt_converter(wire_server: ThreadedTdsServer) -> None:
    """What issue 14 saw: without an output converter every result with one fails whole."""
    with closing(pyodbc.connect(wire_server.odbc_connection_string("msodbc"))) as cnxn:
        cursor = cnxn.execute("SELECT geography::Point(1, 2, 4326) AS p")
        assert cursor.description[0][1] in (bytes, bytearray)
        with pytest.raises(pyodbc.Error, match="-151"):
            cursor.fetchall()


def test_driver_process_connections_read_them_as_text(
    wire_server: ThreadedTdsServer, odbc_driver: str, table: str
) -> None:
    conn_string = wire_server.odbc_connection_string(odbc_driver)
    with closing(driverconn.connect(conn_string, None, 10)) as cnxn:
        cursor = cnxn.execute(f"SELECT id, place, shape, node FROM {table} ORDER BY id")
        rows = [tuple(row) for row in cursor.fetchall()]
        described = odbc_types.describe(cursor.description, rows)
    assert rows == [
        (
            1,
            "SRID=4326;POINT (-122.35 47.65)",
            "SRID=0;POLYGON ((0 0, 4 0, 4 3, 0 0))",
            "/1/-2.18/",
        ),
        (2, None, None, "/"),
    ]
    # the bytes alone leave SRID 4326 open: fetch_page settles it (test_wire_spatial.py)
    assert [t for _, t in described] == ["int", "geography or geometry", "geometry", "hierarchyid"]


def test_server_side_methods(wire_server: ThreadedTdsServer, odbc_driver: str, table: str) -> None:
    with closing(pyodbc.connect(wire_server.odbc_connection_string(odbc_driver))) as cnxn:
        row = cnxn.execute(
            "SELECT place.STAsText(), shape.STAsText(), node.ToString(), node.GetLevel(),"
            f" place.STSrid FROM {table} WHERE id = 1"
        ).fetchone()
        assert tuple(row) == (
            "POINT (-122.35 47.65)",
            "POLYGON ((0 0, 4 0, 4 3, 0 0))",
            "/1/-2.18/",
            2,
            4326,
        )
        with pytest.raises(pyodbc.Error, match="hierarchyid path"):
            cnxn.execute("SELECT hierarchyid::Parse('1/2')").fetchall()


def test_catalog_names_the_types(wire_server: ThreadedTdsServer, table: str) -> None:
    with closing(pyodbc.connect(wire_server.odbc_connection_string())) as cnxn:
        rows = cnxn.execute(
            "SELECT c.name, t.name, c.system_type_id, c.user_type_id, c.max_length,"
            " t.is_assembly_type FROM sys.columns AS c"
            " JOIN sys.types AS t ON t.user_type_id = c.user_type_id"
            f" WHERE c.object_id = OBJECT_ID('{table}') AND c.name <> 'id' ORDER BY c.column_id"
        ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("place", "geography", 240, 130, -1, True),
        ("shape", "geometry", 240, 129, -1, True),
        ("node", "hierarchyid", 240, 128, 892, True),
    ]
