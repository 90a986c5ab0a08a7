"""Spatial values the bytes alone cannot tell apart, bytes that break the structure, and
values with very many parts: [MS-SSCLRT] 2.1, built field by field as in test_clrtypes."""

from __future__ import annotations

import pickle
import struct

import pytest
from spatial_bytes import POINT_ONLY, VALID, complex_shape, doubles, header

from azsql_mcp.db import driverserve
from azsql_mcp.db.clrtypes import (
    GEOGRAPHY_OR_GEOMETRY,
    UNDECODED_HINT,
    ClrText,
    ambiguous_seen,
    decoded_or_bytes,
    settled,
    udt_text,
)

# geometry::Point(-122.35, 47.65, 4326): x first, as geometry stores it
GEOMETRY_4326 = header(4326, VALID | POINT_ONLY) + doubles(-122.35, 47.65)
# geography::Point(47.65, -122.35, 4326): latitude first
GEOGRAPHY_4326 = header(4326, VALID | POINT_ONLY) + doubles(47.65, -122.35)


def test_an_srid_both_types_accept_is_settled_by_the_column_type() -> None:
    ambiguous_seen()
    value = udt_text(GEOMETRY_4326)
    assert ambiguous_seen() and not ambiguous_seen()  # told once
    assert value is not None and value.clr_type == GEOGRAPHY_OR_GEOMETRY
    geometry = settled(value, "geometry")
    assert geometry == "SRID=4326;POINT (-122.35 47.65)"
    assert isinstance(geometry, ClrText) and geometry.clr_type == "geometry"
    geography = settled(udt_text(GEOGRAPHY_4326), "geography")
    assert geography == "SRID=4326;POINT (-122.35 47.65)"
    assert isinstance(geography, ClrText) and geography.clr_type == "geography"
    # not known: it stays what it was, and says so
    assert settled(value, None) is value
    assert settled("text", "geometry") == "text"
    assert type(pickle.loads(driverserve.frame(value)[4:])) is str


@pytest.mark.parametrize("srid", [0, 3857, 999999])
def test_an_srid_only_geometry_accepts_costs_nothing(srid: int) -> None:
    ambiguous_seen()
    value = udt_text(header(srid, VALID | POINT_ONLY) + doubles(5, 10))
    assert value == f"SRID={srid};POINT (5 10)"
    assert value.clr_type == "geometry"
    assert not ambiguous_seen()


def _is_hex(value: object) -> bool:
    return isinstance(value, str) and value.startswith("0x") and UNDECODED_HINT in value


@pytest.mark.parametrize(
    "data",
    [
        # a collection shape that is its own parent
        complex_shape(0, [(1, 2)], [(1, 0)], [(0, 0, 7), (0, 0, 1)]),
        # a shape whose parent comes after it
        complex_shape(0, [(1, 2)], [(1, 0)], [(-1, 0, 7), (2, 0, 7), (1, 0, 1)]),
        # a parent offset beyond the shapes
        complex_shape(0, [(1, 2)], [(1, 0)], [(-1, 0, 7), (9, 0, 1)]),
        # a shape inside a point
        complex_shape(0, [(1, 2)], [(1, 0)], [(-1, 0, 1), (0, 0, 1)]),
        # figures whose points go backwards
        complex_shape(0, [(1, 2), (3, 4)], [(1, 1), (1, 0)], [(-1, 0, 2)]),
        # shapes whose figures go backwards
        complex_shape(0, [(1, 2), (3, 4)], [(1, 0), (1, 1)], [(-1, 0, 4), (0, 1, 1), (0, 0, 1)]),
        # more segments than the composite curve has points
        complex_shape(0, [(0, 0), (1, 0)], [(3, 0)], [(-1, 0, 9)], version=2, segments=[2, 0, 0]),
        # a count of points far beyond the bytes
        header(0, VALID) + struct.pack("<I", 0xFFFFFFFF),
    ],
)
def test_bytes_that_break_the_structure_stay_hex(data: bytes) -> None:
    assert _is_hex(udt_text(data))
    assert decoded_or_bytes(data) == data


def test_collections_nested_deeper_than_python_recurses() -> None:
    depth = 5000
    shapes = [(-1, 0, 7)] + [(i, 0, 7) for i in range(depth - 1)] + [(depth - 1, 0, 1)]
    text = udt_text(complex_shape(0, [(1, 2)], [(1, 0)], shapes))
    assert text == ("SRID=0;" + "GEOMETRYCOLLECTION (" * depth + "POINT (1 2)" + ")" * depth)


def _multipoint(count: int) -> bytes:
    points = [(float(i), float(i)) for i in range(count)]
    figures = [(1, i) for i in range(count)]
    shapes = [(-1, 0, 4)] + [(0, i, 1) for i in range(count)]
    return complex_shape(0, points, figures, shapes)


def test_a_multipoint_of_many_points_decodes() -> None:
    """How its time grows with the points is printed by bench/clr_decode.py."""
    text = udt_text(_multipoint(40_000))
    assert text is not None and text.endswith(", (39999 39999))")
