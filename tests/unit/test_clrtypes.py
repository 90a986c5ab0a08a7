"""CLR type values as text: byte strings laid out as [MS-SSCLRT] documents them.

The hierarchyid examples are the specification's own (3.2: /1/ is 01011000, /1/-2.18/ is
01011001 11111011 00000101 01000000); the spatial ones are built field by field from the
GEOGRAPHY/GEOMETRY structure (2.1): SRID, version, properties, points, figures, shapes."""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys

import pytest
from spatial_bytes import (
    HAS_M,
    HAS_Z,
    POINT_ONLY,
    SEGMENT_ONLY,
    VALID,
    complex_shape,
    doubles,
    header,
)

from azsql_mcp.db import clrtypes, driverconn, driverhost, driverserve, odbc_temporal, odbc_types
from azsql_mcp.db.clrtypes import (
    UNDECODED_HINT,
    decoded_or_bytes,
    hierarchyid_text,
    settled,
    spatial_text,
    udt_text,
)
from azsql_mcp.values import to_json_value

# --- hierarchyid ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bits", "path"),
    [
        ("", "/"),  # the root: no bits at all
        ("01011000", "/1/"),
        ("01011001 11111011 00000101 01000000", "/1/-2.18/"),
    ],
)
def test_hierarchyid_examples_of_the_specification(bits: str, path: str) -> None:
    raw = bits.replace(" ", "")
    data = int(raw, 2).to_bytes(len(raw) // 8, "big") if raw else b""
    assert hierarchyid_text(data) == path
    assert udt_text(data) == path


@pytest.mark.parametrize(
    ("hex_value", "path"),
    [
        ("5B40", "/1/2/"),  # two levels: 01011 then 01101, padded
        ("62C0", "/1.1/"),  # a dotted label: 1 + 1 with F = 0, then 1 with F = 1
        ("7C5180", "/3/4.5/"),
        ("E00438011EEEFC", "/79.80/1103/"),  # the 16-79 and 80-1103 ranges with fixed bits
        ("FFFFF7FFFFDFBBF0", "/281479271683151/"),  # the largest label of the widest range
        ("1000000000000110", "/-281479271682120/"),  # and the smallest
    ],
)
def test_hierarchyid_label_ranges(hex_value: str, path: str) -> None:
    assert hierarchyid_text(bytes.fromhex(hex_value)) == path


@pytest.mark.parametrize("hex_value", ["00", "58FF", "0000"])
def test_bytes_that_are_no_hierarchyid_are_refused(hex_value: str) -> None:
    with pytest.raises(ValueError):
        hierarchyid_text(bytes.fromhex(hex_value))


# --- geography and geometry -------------------------------------------------------------


def test_a_geography_point_is_longitude_first_in_wkt() -> None:
    # geography::Point(47.65, -122.35, 4326): latitude is stored first
    data = header(4326, VALID | POINT_ONLY) + doubles(47.65, -122.35)
    assert spatial_text(data) == "SRID=4326;POINT (-122.35 47.65)"


def test_a_geometry_point_keeps_x_then_y() -> None:
    data = header(0, VALID | POINT_ONLY) + doubles(5, 10)
    assert spatial_text(data) == "SRID=0;POINT (5 10)"


def test_z_and_m_follow_the_points() -> None:
    z_only = header(0, VALID | POINT_ONLY | HAS_Z) + doubles(1, 2) + doubles(3)
    assert spatial_text(z_only) == "SRID=0;POINT (1 2 3)"
    m_only = header(0, VALID | POINT_ONLY | HAS_M) + doubles(1, 2) + doubles(4)
    assert spatial_text(m_only) == "SRID=0;POINT (1 2 NULL 4)"


def test_a_single_line_segment() -> None:
    data = header(0, VALID | SEGMENT_ONLY) + doubles(0, 0, 3, 4)
    assert spatial_text(data) == "SRID=0;LINESTRING (0 0, 3 4)"


def test_a_polygon_with_a_hole() -> None:
    outer = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    hole = [(1, 1), (2, 1), (2, 2), (1, 1)]
    data = complex_shape(0, outer + hole, [(2, 0), (0, 5)], [(-1, 0, 3)])
    assert spatial_text(data) == (
        "SRID=0;POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 2 1, 2 2, 1 1))"
    )


def test_multi_shapes_and_collections() -> None:
    multipoint = complex_shape(
        0, [(1, 2), (3, 4)], [(1, 0), (1, 1)], [(-1, 0, 4), (0, 0, 1), (0, 1, 1)]
    )
    assert spatial_text(multipoint) == "SRID=0;MULTIPOINT ((1 2), (3 4))"
    multipolygon = complex_shape(
        0,
        [(0, 0), (1, 0), (1, 1), (0, 0), (5, 5), (6, 5), (6, 6), (5, 5)],
        [(2, 0), (2, 4)],
        [(-1, 0, 6), (0, 0, 3), (0, 1, 3)],
    )
    assert spatial_text(multipolygon) == (
        "SRID=0;MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))"
    )
    collection = complex_shape(
        0,
        [(1, 2), (0, 0), (1, 1)],
        [(1, 0), (1, 1)],
        [(-1, 0, 7), (0, 0, 1), (0, 1, 2), (0, -1, 3)],
    )
    assert spatial_text(collection) == (
        "SRID=0;GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1), POLYGON EMPTY)"
    )


def test_an_empty_collection() -> None:
    data = complex_shape(0, [], [], [(-1, -1, 7)])
    assert spatial_text(data) == "SRID=0;GEOMETRYCOLLECTION EMPTY"


def test_version_2_curves_with_segments() -> None:
    arc = complex_shape(0, [(0, 0), (1, 1), (2, 0)], [(2, 0)], [(-1, 0, 8)], version=2)
    assert spatial_text(arc) == "SRID=0;CIRCULARSTRING (0 0, 1 1, 2 0)"
    # COMPOUNDCURVE ((0 0, 1 0), CIRCULARSTRING (1 0, 2 1, 3 0)): first line, then first arc
    compound = complex_shape(
        0,
        [(0, 0), (1, 0), (2, 1), (3, 0)],
        [(3, 0)],
        [(-1, 0, 9)],
        version=2,
        segments=[2, 3],
    )
    assert spatial_text(compound) == (
        "SRID=0;COMPOUNDCURVE ((0 0, 1 0), CIRCULARSTRING (1 0, 2 1, 3 0))"
    )
    globe = complex_shape(4326, [], [], [(-1, -1, 11)], version=2)
    assert spatial_text(globe) == "SRID=4326;FULLGLOBE"


@pytest.mark.parametrize(
    "data",
    [
        header(0, VALID | POINT_ONLY) + doubles(1),  # a point cut short
        header(0, VALID | POINT_ONLY) + doubles(1, 2, 3),  # bytes left over
        struct.pack("<iBB", 0, 3, VALID | POINT_ONLY) + doubles(1, 2),  # unknown version
    ],
)
def test_malformed_spatial_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        spatial_text(data)


# --- what the driver process does with them ----------------------------------------------


def test_undecodable_values_are_hex_with_a_hint() -> None:
    text = udt_text(bytes.fromhex("DEADBEEF00"))
    assert text is not None and text.startswith("0xDEADBEEF00 (")
    assert UNDECODED_HINT in text and ".STAsText()" in text and ".ToString()" in text
    assert udt_text(None) is None


def test_freetds_values_are_decoded_or_left_as_bytes() -> None:
    assert decoded_or_bytes(bytes.fromhex("58")) == "/1/"
    assert decoded_or_bytes(b"\x00\x00") == b"\x00\x00"
    assert decoded_or_bytes(None) is None


def test_result_columns_are_named_after_the_decoded_values() -> None:
    """ODBC describes a column with an output converter as text: the values name it."""
    entry = ("Location", str, None, 0, 0, 0, True)
    either = udt_text(header(4326, VALID | POINT_ONLY) + doubles(1, 2))
    geometry = udt_text(header(0, VALID | POINT_ONLY) + doubles(1, 2))
    # SRID 4326: geography's or geometry's, until the column's type is known
    assert odbc_types.sql_type_name(entry, either) == "geography or geometry"
    assert odbc_types.sql_type_name(entry, settled(either, "geography")) == "geography"
    assert odbc_types.sql_type_name(entry, geometry) == "geometry"
    assert odbc_types.sql_type_name(entry, udt_text(bytes.fromhex("58"))) == "hierarchyid"
    assert odbc_types.sql_type_name(entry, "/1/") == "nvarchar(max)"  # text that looks alike
    # FreeTDS long varbinary left as bytes by its converter is still binary
    assert odbc_types.sql_type_name(entry, b"\x00") == "varbinary(max)"


def test_decoded_values_leave_the_driver_process_as_plain_text() -> None:
    value = udt_text(bytes.fromhex("58"))
    assert type(pickle.loads(driverserve.frame(value)[4:])) is str
    assert to_json_value(value) == "/1/"


def test_the_driver_process_loads_the_decoders_by_path() -> None:
    """Run as a script (as the driver process runs it), driverhost imports the modules
    beside it without the azsql_mcp package's API, under their own names: a value of
    theirs pickles there and unpickles here as the same class."""
    script = f"""
import pickle, runpy, struct, sys
runpy.run_path({driverhost.__file__!r})["_package_without_api"]()
import azsql_mcp.db.driverserve  # every module the driver process runs
from azsql_mcp.db.driverconn import clrtypes, odbc_temporal
assert clrtypes().udt_text(bytes.fromhex("58")) == "/1/"
value = odbc_temporal().timestamp(struct.pack("<6hI", 2024, 1, 2, 3, 4, 5, 123456700))
assert getattr(sys.modules["azsql_mcp"], "__file__", None) is None, "azsql_mcp's API loaded"
assert "pydantic" not in sys.modules, "the driver process imported pydantic"
sys.stdout.buffer.write(pickle.dumps(value))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    value = pickle.loads(done.stdout)
    assert type(value) is odbc_temporal.Datetime100ns and value.nanosecond == 700
    assert value.isoformat() == "2024-01-02T03:04:05.1234567"
    assert driverconn.clrtypes() is clrtypes  # in the server's own process: one module
